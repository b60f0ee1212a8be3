"""Normalised payloads kept between builds, so that each raw payload is read and typed once.

A raw payload never changes (its file name is its content hash), and neither do its typed rows until the field
dictionary, the normaliser or the libraries computing them change; the cache's fingerprint covers those. A build
normalises only the payloads no earlier build has seen (all of them the first time, a few a day on a schedule),
appends them as one segment file per table, and loads each raw table from its segments joined with the
provenance of the current manifest. Reading the raw layer is dominated by the Parquet footers of the wide
statements (about 2 ms each, and the whole market has tens of thousands of them), so a rebuild costs what
changed, not the size of the raw layer.

Layout under data/normalized/<fingerprint>/<table>/:
    NNNNNN.parquet   typed rows of some payloads, with each row's raw path in the column `payload`
    index.jsonl      one line per segment: {"segment": file name, "payloads": every payload it covers (empty
                     payloads included), "sha256": the SHA-256 of the file's bytes, "bytes": its size,
                     "payloads_sha256": the SHA-256 of the JSON of its payload list}

The guarantee: a build uses only segments holding the bytes written and listed with the payloads written. Every
prepare() hashes each listed segment before the build reads it (one pass over the file; about 1.2 GB/s from the
page cache, 0.17 s for 200 MB) and drops it, naming it in RawTables.dropped, when it is missing, has another size
or hash, or when its index line is unreadable, records no hashes or lists other payloads than were written (a
payload listed for a segment without its rows would be normalised again beside them: its rows twice). A dropped
segment's payloads are normalised again from the raw layer, which checks its own hashes on read. That a Parquet
footer reads proves nothing: a flipped byte in a page without checksums reads as a date 23 000 years on.
FORMAT 2 brought the hashes, so a cache written before them has another fingerprint and is removed whole; a line
without hashes is still dropped, never trusted.

A segment is written under a temporary name, hashed and renamed before its index line is appended, so an
interrupted build leaves at most an unlisted segment, which the next build deletes without a warning. Quarantined
payloads are not in the manifest's records, so the join leaves their rows out.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.normalize import tables as normalize
from pipeline.config import SEEDS_DIR
from pipeline.normalize.tables import (
    BATCH_FILES,
    TABLES,
    payload_versions,
    per_file_columns,
    typed_rows,
)
from pipeline.raw.files import file_sha256
from pipeline.raw.store import RawRecord, RawStore

if TYPE_CHECKING:
    import polars as pl

FORMAT = 2  # bump when the segment layout changes (2: index lines record the segment's and its payload list's hashes)
INDEX = "index.jsonl"
PAYLOAD = "payload"
_SEGMENT_NAME = re.compile(r"[0-9]{6}\.parquet")  # a plain name in the table's folder, never a path out of it
_SHA256 = re.compile(r"[0-9a-f]{64}")


def fingerprint() -> str:
    """What the typed rows depend on besides the payloads: the dictionary, the normaliser, polars and pyarrow
    (polars' row hashes are not stable across its versions)."""
    import polars
    import pyarrow

    digest = hashlib.sha256(f"{FORMAT} {polars.__version__} {pyarrow.__version__}".encode())
    digest.update((SEEDS_DIR / "field_dictionary.csv").read_bytes())
    digest.update(Path(normalize.__file__).read_bytes())
    return digest.hexdigest()[:16]


@dataclass
class RawTables:
    """What a build loads as the raw schema: per table the segments holding its payloads and one provenance row
    per payload (key `payload`), plus the universe snapshots (one per fetch, small, never cached)."""

    segments: dict[str, list[Path]]
    per_file: dict[str, "pl.DataFrame"]
    universe: list["pl.DataFrame"] = field(default_factory=list)
    segment_of: dict[str, dict[str, Path]] = field(default_factory=dict)  # table → payload path → its segment
    normalised: int = 0  # payloads this build read from the raw layer
    cached: int = 0  # payloads taken from the cache
    # what the cache held damaged and dropped, one description each (its payloads were normalised again)
    dropped: list[str] = field(default_factory=list)

    def load(self, con) -> None:
        """Create raw.<table> for every table: typed columns, then the per-payload columns, as normalize() has them."""
        for table in TABLES:
            if self.segments.get(table):
                con.register("payloads_", self.per_file[table].to_arrow())
                con.execute(
                    f"create table raw.{table} as select s.* exclude ({PAYLOAD}), p.* exclude ({PAYLOAD}) "
                    f"from read_parquet(?) s join payloads_ p on s.{PAYLOAD} = p.{PAYLOAD}",
                    [[str(p) for p in self.segments[table]]],
                )
                con.unregister("payloads_")
            else:  # the universe snapshots (never cached), or a table with no payload: its empty typed frame
                self._create_uncached(con, f"raw.{table}", table)

    def load_universe(self, con, name: str) -> None:
        """The universe snapshots as table `name` (raw.universe's shape)."""
        self._create_uncached(con, name, "universe")

    def _create_uncached(self, con, name: str, table: str) -> None:
        frame = normalize._concat(table, self.universe if table == "universe" else [])
        con.register("frame_", frame.to_arrow())
        con.execute(f"create table {name} as select * from frame_")
        con.unregister("frame_")


class NormalizedCache:
    """The cache under one directory (data/normalized)."""

    def __init__(self, root: Path):
        self.root = Path(root)
        # what this object's prepare calls dropped: kept so that a prepare which raised (a damaged raw payload,
        # after the index was rewritten) leaves its drops for the retry to report
        self.dropped: list[str] = []

    def prepare(self, store: RawStore, records: list[RawRecord] | None = None) -> RawTables:
        """Verify the cache, normalise the payloads it lacks and describe what the build loads. `records`: the
        store's records when the caller has just read them. The result's `dropped` lists every damaged segment or
        index line this object's prepare calls dropped, those of a call that raised included."""
        import polars as pl

        records = store.records() if records is None else records
        last_seen = normalize._last_seen(records)
        folder = self._current()
        tables = RawTables(segments={}, per_file={})
        for table, versions in payload_versions(records).items():
            where = folder / table
            index, dropped = _index(where)
            self.dropped += dropped
            missing = [r for r in versions if r.path not in index]
            for start in range(0, len(missing), BATCH_FILES):
                batch = missing[start : start + BATCH_FILES]
                typed, rows = typed_rows(store, table, batch)
                name = _append_segment(where, typed, [r.path for r in batch], rows)
                index.update(dict.fromkeys((r.path for r in batch), name))
            tables.normalised += len(missing)
            tables.cached += len(versions) - len(missing)
            segment = {name: where / name for name in {index[r.path] for r in versions}}  # one Path per segment
            tables.segments[table] = [segment[name] for name in sorted(segment)]
            tables.segment_of[table] = {r.path: segment[index[r.path]] for r in versions}
            tables.per_file[table] = per_file_columns(table, versions, last_seen).with_columns(
                pl.Series(PAYLOAD, [r.path for r in versions], dtype=pl.String)
            )
        tables.universe = normalize.universe_snapshots(store, records)
        tables.dropped = list(self.dropped)
        return tables

    def verify(self) -> list[str]:
        """Hash every segment of the current cache against its index line; drop the damaged ones (the next build
        normalises their payloads again) and describe each. Caches of other fingerprints are not looked at."""
        folder = self.root / fingerprint()
        if not folder.is_dir():
            return []
        dropped: list[str] = []
        for where in sorted(p for p in folder.iterdir() if p.is_dir()):
            dropped += _index(where)[1]
        return dropped

    def _current(self) -> Path:
        """This fingerprint's folder; folders of other fingerprints are stale and removed."""
        current = self.root / fingerprint()
        if self.root.is_dir():
            for other in self.root.iterdir():
                if other != current:
                    shutil.rmtree(other, ignore_errors=True) if other.is_dir() else other.unlink(missing_ok=True)
        current.mkdir(parents=True, exist_ok=True)
        return current


@dataclass(frozen=True)
class _Listed:
    """One index line: a segment file, the SHA-256 and size it was written with, and the payloads it covers."""

    segment: str
    sha256: str
    size: int
    payloads: list[str]

    def line(self) -> str:
        return json.dumps({"segment": self.segment, "payloads": self.payloads, "sha256": self.sha256,
                           "bytes": self.size, "payloads_sha256": _list_sha256(self.payloads)}) + "\n"


def _list_sha256(payloads: list[str]) -> str:
    return hashlib.sha256(json.dumps(payloads).encode()).hexdigest()


def _index(where: Path) -> tuple[dict[str, str], list[str]]:
    """payload path → segment file, for the listed segments whose bytes are those written, and a description of
    each index line and segment dropped. The rest of the folder is removed; the index is rewritten without what
    was dropped."""
    listed, dropped = _read_index(where / INDEX)
    for name, entry in list(listed.items()):
        if (damage := _damage(where / name, entry)) is not None:
            del listed[name]
            dropped.append(f"{where / name}: {damage} (its {len(entry.payloads)} payloads are normalised again)")
    if where.is_dir():
        for other in where.iterdir():
            if other.name not in listed and other.name != INDEX:  # unlisted: left by an interrupted build
                other.unlink(missing_ok=True)
    if dropped:
        _write_index(where, list(listed.values()))
    return {payload: name for name, entry in listed.items() for payload in entry.payloads}, dropped


def _read_index(path: Path) -> tuple[dict[str, _Listed], list[str]]:
    """The index's entries by segment name, and a description of each line that is not a usable entry (a torn
    line from an interrupted build, a line without a hash, a second line for one segment)."""
    listed: dict[str, _Listed] = {}
    dropped: list[str] = []
    lines = path.read_bytes().splitlines() if path.exists() else []  # decoded line by line: damage stays in its line
    for number, line in enumerate(lines, start=1):
        try:
            entry = _parse(line)
            if entry.segment in listed:
                raise ValueError(f"{entry.segment} listed a second time")
        except ValueError as exc:
            dropped.append(f"{path} line {number}: {exc} (the payloads it lists are normalised again)")
            continue
        listed[entry.segment] = entry
    return listed, dropped


def _parse(line: bytes) -> _Listed:
    """One index line as an entry; ValueError saying what is wrong with it."""
    try:
        entry = json.loads(line.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 ({exc.reason} at byte {exc.start})") from exc
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON ({exc.msg})") from exc
    if not isinstance(entry, dict):
        raise ValueError("not a JSON object")
    segment, payloads, sha256, size, listed = (
        entry.get(k) for k in ("segment", "payloads", "sha256", "bytes", "payloads_sha256"))
    if not isinstance(segment, str) or not _SEGMENT_NAME.fullmatch(segment):
        raise ValueError(f"no segment file name (NNNNNN.parquet) but {segment!r}")
    if not isinstance(payloads, list) or not all(isinstance(p, str) for p in payloads):
        raise ValueError(f"{segment}: no list of payload paths")
    if sha256 is None or listed is None:
        raise ValueError(f"{segment} listed without its content hashes (by a leasewatch before cache format 2)")
    if not isinstance(sha256, str) or not _SHA256.fullmatch(sha256):
        raise ValueError(f"{segment}: its sha256 is not 64 hexadecimal digits")
    if type(size) is not int or size < 0:
        raise ValueError(f"{segment}: its size is not a number of bytes")
    if listed != _list_sha256(payloads):
        raise ValueError(f"{segment}: its payload list is not the one written (payloads_sha256 differs)")
    return _Listed(segment, sha256, size, payloads)


def _damage(path: Path, entry: _Listed) -> str | None:
    """Why the segment file does not hold the bytes its index line records, or None when it does."""
    try:
        size = path.stat().st_size
        if size != entry.size:
            return f"{size} bytes where {entry.size} were written (cut short or overwritten)"
        digest = file_sha256(path)
    except FileNotFoundError:
        return "missing"
    except OSError as exc:  # a read error is damage too: the cache can rebuild what it cannot read
        return f"unreadable ({exc.strerror or exc})"
    return None if digest == entry.sha256 else "hash mismatch"


def _write_index(where: Path, entries: list[_Listed]) -> None:
    tmp = where / f"{INDEX}.tmp"
    tmp.write_text("".join(entry.line() for entry in entries), encoding="utf-8")
    tmp.replace(where / INDEX)


def _append_segment(where: Path, typed: "pl.DataFrame", payloads: list[str], rows) -> str:
    """Write one segment (typed rows with their payload's path) and list it in the index with its hash and size;
    returns its name."""
    import numpy as np
    import polars as pl

    where.mkdir(parents=True, exist_ok=True)
    numbers = [int(p.stem) for p in where.glob("*.parquet") if p.stem.isdigit()]
    name = f"{max(numbers, default=0) + 1:06d}.parquet"
    keyed = typed.with_columns(pl.Series(PAYLOAD, np.repeat(np.array(payloads, dtype=object), rows), dtype=pl.String))
    tmp = where / f"{name}.tmp"
    keyed.write_parquet(tmp)
    entry = _Listed(name, file_sha256(tmp), tmp.stat().st_size, payloads)
    tmp.replace(where / name)
    with (where / INDEX).open("a", encoding="utf-8") as fh:
        fh.write(entry.line())
    return name
