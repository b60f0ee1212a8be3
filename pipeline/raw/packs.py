"""Pack files: many payloads in one Parquet file, each kept as the Arrow IPC stream its content hash is taken over.

A payload's identity is its content hash (the manifest's `path`, `<source>/<request>/<sha256[:16]>.parquet`, is
its name; in a store written before packs a file of that name holds it). Payloads of one function stored by one
run (or one compaction) go into one pack, so the raw layer is a few files per dataset instead of one per fetch,
while each payload stays byte-for-byte what was hashed: reading one verifies it by hashing its bytes again.

Layout under data/raw/:
    packs/<function>/<stamp>-<pid>-<n>.parquet   columns payload, sha256, ipc, meta, record; ROW_GROUP payloads
                                                 per row group, zstd, Parquet page checksums on
    packs.jsonl                                  append-only: {"pack", "payloads": {name: [group, row]}} when a
                                                 pack is written; {"drop": [names], "reason"} when payloads are
                                                 quarantined; {"retire": [packs]} when compaction moved them

The location of a payload is the last line naming it. A pack is written to a temporary name, fsynced, renamed
and its directory fsynced before its line is appended, so a kill leaves at most an unlisted pack (deleted by
`tidy.remove_orphans` once its writer is gone) and never a listed one that is not whole.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Iterable, Iterator

from pipeline.raw.files import append_alone, fsync_dir, fsync_file, stamp

PACKS = "packs"
INDEX = "packs.jsonl"
ROW_GROUP = 16  # payloads per row group: reading one payload decodes at most this many
_COLUMNS = ("payload", "sha256", "ipc", "meta", "record")


@dataclass(frozen=True)
class Blob:
    """One payload as stored: its name, content hash, IPC bytes and the Parquet-metadata-like notes (`meta`)."""

    name: str
    sha256: str
    ipc: bytes
    meta: str | None = None  # JSON list of columns stored as text (see files.to_arrow), or None
    record: str | None = None  # the manifest line of the fetch that first stored it (self-describing packs)


@dataclass(frozen=True)
class Location:
    pack: str  # relative to the raw root
    group: int
    row: int


def encode(table) -> tuple[bytes, str, str | None]:
    """(IPC bytes, their sha256, meta) of a table. The hash is files.table_hash's: the stream of the table
    without schema metadata, which is what a pack stores."""
    import pyarrow as pa

    meta = (table.schema.metadata or {}).get(b"stringified_columns")
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema.remove_metadata()) as writer:
        writer.write_table(table.replace_schema_metadata(None))
    data = sink.getvalue().to_pybytes()
    return data, hashlib.sha256(data).hexdigest(), meta.decode() if meta else None


def decode(ipc, meta: str | None = None):
    """The table a blob holds (zero-copy over `ipc`), with its `stringified_columns` note restored."""
    import pyarrow as pa

    table = pa.ipc.open_stream(pa.py_buffer(ipc) if isinstance(ipc, bytes) else ipc).read_all()
    if meta:
        table = table.replace_schema_metadata({b"stringified_columns": meta.encode()})
    return table


def pack_name(function: str, sequence: int) -> str:
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S%f")
    return f"{PACKS}/{function}/{stamp}-{os.getpid()}-{sequence}.parquet"


def writer_pid(pack: str) -> int | None:
    """The process that wrote a pack, from its name (`<stamp>-<pid>-<n>.parquet`)."""
    parts = Path(pack).stem.split("-")
    return int(parts[1]) if len(parts) == 3 and parts[1].isdigit() else None


def write_pack(root: Path, relative: str, blobs: Iterable[Blob]) -> dict[str, Location]:
    """Write blobs (streamed, ROW_GROUP at a time) as one durable pack file; where each one landed."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema(
        [("payload", pa.string()), ("sha256", pa.string()), ("ipc", pa.large_binary()), ("meta", pa.string()),
         ("record", pa.string())]
    )
    target = root / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".tmp{os.getpid()}")
    locations: dict[str, Location] = {}
    group: list[Blob] = []

    def flush(writer) -> None:
        number = len({loc.group for loc in locations.values()})
        for row, blob in enumerate(group):
            locations[blob.name] = Location(relative, number, row)
        columns = [[getattr(b, c if c != "payload" else "name") for b in group] for c in _COLUMNS]
        writer.write_table(pa.Table.from_arrays([pa.array(v, type=schema.field(i).type) for i, v in enumerate(columns)], schema=schema))
        group.clear()

    try:
        with pq.ParquetWriter(
            tmp, schema, compression="zstd", use_dictionary=["payload"], write_page_checksum=True,
            write_statistics=["payload"],
        ) as writer:
            for blob in blobs:
                group.append(blob)
                if len(group) == ROW_GROUP:
                    flush(writer)
            if group:
                flush(writer)
        fsync_file(tmp)
        os.replace(tmp, target)
        fsync_dir(target.parent)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return locations


def read_groups(root: Path, pack: str, groups: Iterable[int]) -> Iterator[tuple[int, list[Blob]]]:
    """The blobs of some row groups of a pack, with Parquet's page checksums verified."""
    import pyarrow.parquet as pq

    file = pq.ParquetFile(root / pack, page_checksum_verification=True)
    for group in sorted(set(groups)):
        table = file.read_row_group(group, columns=["payload", "sha256", "ipc", "meta"])
        names, shas, metas = (table.column(c).to_pylist() for c in ("payload", "sha256", "meta"))
        ipcs = table.column("ipc").chunk(0) if table.column("ipc").num_chunks == 1 else table.column("ipc").combine_chunks()
        yield group, [Blob(n, s, ipcs[i].as_buffer(), m) for i, (n, s, m) in enumerate(zip(names, shas, metas))]


def row_groups(root: Path, pack: str) -> int:
    import pyarrow.parquet as pq

    return pq.ParquetFile(root / pack).num_row_groups


def verified(blob: Blob, sha256: str) -> bool:
    """Whether a blob's bytes still hash to the content hash its payload was stored under."""
    return blob.sha256 == sha256 and hashlib.sha256(memoryview(blob.ipc)).hexdigest() == sha256


class Index:
    """packs.jsonl read into payload name → Location (None once dropped), the packs listed and those retired."""

    def __init__(self, root: Path):
        self.root = root
        self.locations: dict[str, Location | None] = {}
        self.listed: set[str] = set()
        self.members: dict[str, list[str]] = {}  # pack → the payloads listed in it
        self.retired: set[str] = set()
        self.damaged_lines: list[int] = []
        path = root / INDEX
        self.stamp: tuple | None = stamp(path)  # taken before the read: a line appended meanwhile changes it
        if self.stamp:  # () when there is no file
            with path.open("rb") as fh:
                for number, raw in enumerate(fh, 1):
                    self._apply(number, raw)

    def _apply(self, number: int, raw: bytes) -> None:
        try:
            entry = json.loads(raw.decode("utf-8")) if raw.strip() else None
        except (UnicodeDecodeError, json.JSONDecodeError):
            entry = False
        if entry is None:
            return
        try:
            if "pack" in entry:
                pack = pack_path(entry["pack"])
                if not (self.root / pack).is_file():
                    return  # a line for a pack that is not there (moved to quarantine, or junk): it locates nothing
                found = {confined(name): Location(pack, int(group), int(row)) for name, (group, row) in entry["payloads"].items()}
                self.listed.add(pack)
                self.members.setdefault(pack, []).extend(found)
                self.locations.update(found)
            elif "drop" in entry:
                for name in entry["drop"]:
                    self.locations[name] = None
            elif "retire" in entry:
                self.retired.update(pack_path(p) for p in entry["retire"])
            else:
                raise ValueError(entry)
        except (TypeError, ValueError, KeyError, AttributeError):
            self.damaged_lines.append(number)  # torn by a kill, or junk: that pack counts as unlisted

    def current(self) -> bool:
        """Whether packs.jsonl is what this index holds: no line added (nor the file replaced or deleted) by another
        process or another Index since it was read, its own appends aside."""
        return self.stamp is not None and stamp(self.root / INDEX) == self.stamp

    def _append(self, line: str) -> None:
        # the file as this index now holds it, unless someone else wrote to it since it was read (then their lines
        # are not in memory: current() is False until the file is read again)
        self.stamp = append_alone(self.root / INDEX, [line], self.stamp)

    def get(self, name: str) -> Location | None:
        return self.locations.get(name)

    def live_packs(self) -> set[str]:
        return {loc.pack for loc in self.locations.values() if loc is not None}

    def superseded(self) -> list[str]:
        """Packs not yet retired whose every payload now lives in another pack (compaction moved them all)."""
        return sorted(
            pack for pack, names in self.members.items()
            if pack not in self.retired and all((loc := self.locations.get(n)) is not None and loc.pack != pack for n in names)
        )

    def add(self, locations: dict[str, Location]) -> None:
        if not locations:
            return
        pack = next(iter(locations.values())).pack
        entry = {"pack": pack, "payloads": {n: [loc.group, loc.row] for n, loc in locations.items()}}
        self._append(json.dumps(entry, ensure_ascii=False))
        self.listed.add(pack)
        self.members.setdefault(pack, []).extend(locations)
        self.locations.update(locations)

    def drop(self, names: list[str], reason: str) -> None:
        self._append(json.dumps({"drop": names, "reason": reason}, ensure_ascii=False))
        self.locations.update(dict.fromkeys(names))

    def retire(self, packs: list[str]) -> None:
        if packs:
            self._append(json.dumps({"retire": packs}, ensure_ascii=False))
            self.retired.update(packs)


def pack_path(relative: str) -> str:
    """A pack's path from the index: refused unless it has a pack's shape, packs/<function>/<name>.parquet."""
    path = Path(confined(relative))
    if len(path.parts) != 3 or path.parts[0] != PACKS or path.suffix != ".parquet":
        raise ValueError(relative)
    return relative


def listing(root: Path, pack: str) -> dict[str, Location]:
    """Where each payload of a pack is, read from the pack itself (its `payload` column, group by group): how a pack
    whose index line is missing is listed again."""
    import pyarrow.parquet as pq

    file = pq.ParquetFile(root / pack)
    found = {}
    for group in range(file.num_row_groups):
        for row, name in enumerate(file.read_row_group(group, columns=["payload"]).column(0).to_pylist()):
            found[name] = Location(pack, group, row)
    return found


def confined(relative: str) -> str:
    """A path from the index, refused unless it stays inside the raw directory (no absolute path, no `..`)."""
    if not isinstance(relative, str) or not relative or "\\" in relative or "\x00" in relative:
        raise ValueError(relative)
    # string checks, not pathlib: a build checks every manifest line (tens of thousands) several times
    if relative.startswith("/") or ".." in relative.split("/"):
        raise ValueError(relative)
    return relative
