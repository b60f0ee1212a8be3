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
    index.jsonl      one line per segment: its file name and every payload it covers (empty payloads included)

A segment is written under a temporary name and renamed before its index line is appended, so an interrupted
build leaves at most an unlisted segment, which the next build deletes. A listed segment that cannot be read is
dropped and its payloads are normalised again. Quarantined payloads are not in the manifest's records, so the
join leaves their rows out.
"""

from __future__ import annotations

import hashlib
import json
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
from pipeline.raw.store import RawRecord, RawStore

if TYPE_CHECKING:
    import polars as pl

FORMAT = 1  # bump when the segment layout changes
INDEX = "index.jsonl"
PAYLOAD = "payload"


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

    def prepare(self, store: RawStore, records: list[RawRecord] | None = None) -> RawTables:
        """Normalise the payloads the cache lacks and describe what the build loads. `records`: the store's
        records when the caller has just read them."""
        import polars as pl

        records = store.records() if records is None else records
        last_seen = normalize._last_seen(records)
        folder = self._current()
        tables = RawTables(segments={}, per_file={})
        for table, versions in payload_versions(records).items():
            where = folder / table
            index = _index(where)
            missing = [r for r in versions if r.path not in index]
            for start in range(0, len(missing), BATCH_FILES):
                batch = missing[start : start + BATCH_FILES]
                typed, rows = typed_rows(store, table, batch)
                name = _append_segment(where, typed, [r.path for r in batch], rows)
                index.update(dict.fromkeys((r.path for r in batch), name))
            tables.normalised += len(missing)
            tables.cached += len(versions) - len(missing)
            tables.segments[table] = [where / name for name in sorted({index[r.path] for r in versions})]
            tables.segment_of[table] = {r.path: where / index[r.path] for r in versions}
            tables.per_file[table] = per_file_columns(table, versions, last_seen).with_columns(
                pl.Series(PAYLOAD, [r.path for r in versions], dtype=pl.String)
            )
        tables.universe = normalize.universe_snapshots(store, records)
        return tables

    def _current(self) -> Path:
        """This fingerprint's folder; folders of other fingerprints are stale and removed."""
        current = self.root / fingerprint()
        if self.root.is_dir():
            for other in self.root.iterdir():
                if other != current:
                    shutil.rmtree(other, ignore_errors=True) if other.is_dir() else other.unlink(missing_ok=True)
        current.mkdir(parents=True, exist_ok=True)
        return current


def _index(where: Path) -> dict[str, str]:
    """payload path → segment file, for segments that are listed and readable; the rest of the folder is removed."""
    import pyarrow.parquet as pq

    listed: dict[str, list[str]] = {}
    path = where / INDEX
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
                listed.setdefault(entry["segment"], []).extend(entry["payloads"])
            except (json.JSONDecodeError, KeyError, TypeError):
                continue  # a torn line from an interrupted build: its payloads are normalised again
    index: dict[str, str] = {}
    for name, payloads in listed.items():
        try:
            pq.read_metadata(where / name)
        except Exception:  # missing or truncated: pyarrow raises several types
            continue
        index.update(dict.fromkeys(payloads, name))
    keep = set(index.values()) | {INDEX}
    if where.is_dir():
        for other in where.iterdir():
            if other.name not in keep:
                other.unlink(missing_ok=True)
    if set(listed) - keep:  # rewrite the index without the dropped segments
        _write_index(where, {name: listed[name] for name in listed if name in keep})
    return index


def _write_index(where: Path, segments: dict[str, list[str]]) -> None:
    tmp = where / f"{INDEX}.tmp"
    tmp.write_text("".join(json.dumps({"segment": n, "payloads": p}) + "\n" for n, p in segments.items()), encoding="utf-8")
    tmp.replace(where / INDEX)


def _append_segment(where: Path, typed: "pl.DataFrame", payloads: list[str], rows) -> str:
    """Write one segment (typed rows with their payload's path) and list it in the index; returns its name."""
    import numpy as np
    import polars as pl

    where.mkdir(parents=True, exist_ok=True)
    numbers = [int(p.stem) for p in where.glob("*.parquet") if p.stem.isdigit()]
    name = f"{max(numbers, default=0) + 1:06d}.parquet"
    keyed = typed.with_columns(pl.Series(PAYLOAD, np.repeat(np.array(payloads, dtype=object), rows), dtype=pl.String))
    tmp = where / f"{name}.tmp"
    keyed.write_parquet(tmp)
    tmp.replace(where / name)
    with (where / INDEX).open("a", encoding="utf-8") as fh:
        fh.write(json.dumps({"segment": name, "payloads": payloads}) + "\n")
    return name
