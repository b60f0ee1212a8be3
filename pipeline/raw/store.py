"""The raw layer: every frame a source yields, stored as fetched, with provenance. Append-only.

Layout under `data/raw/`:
    manifest.jsonl   one line per fetch, in fetch order: what was asked, when, and the name (`path`) and content
                     hash of the payload that answered it
    packs/, packs.jsonl   the payloads, many to a file (see packs.py): one pack per function per batch of writes
    checked.jsonl    size and mtime of each pack (or legacy file) when written or verified
    quarantine/      payloads that failed verification, and their log
    <source>/<function>/<args-slug>/<sha256[:16]>.parquet   a store written before packs: one file per payload
                     (read as before; `leasewatch raw compact` moves them into packs)

The same payload fetched twice is stored once (the second fetch only adds a manifest line); a changed payload for
the same key is a new version. Writes are batched (`batch()`): payloads and their manifest lines wait in memory
and are written together, packs first, then the pack index, then the manifest lines, so a kill loses at most the
fetches of the batch in flight (an incremental ingest repeats them) and never leaves a manifest line whose
payload is not durable. Every read of a stored payload hashes its bytes again and refuses a changed one.

A payload that fails verification is quarantined and its fetches are hidden from readers until the same request
is fetched again, so a build skips it and an incremental ingest sees the request as never fetched.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator

from pipeline.errors import StorageError
from pipeline.raw import packs, quarantine
from pipeline.raw.files import append_alone, content_hash, fsync_dir, stamp, to_arrow
from pipeline.raw.packs import Blob, Index, Location
from pipeline.raw.quarantine import Problem
from pipeline.raw.record import RawRecord, parse_record, read_manifest, request_key

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

MANIFEST = "manifest.jsonl"
FLUSH_BYTES = 256 * 2**20  # a batch's payloads are written once they reach this many bytes …
FLUSH_SECONDS = 60.0  # … or this long after the first of them, so a kill loses at most a minute of fetches


REBUILD_REMEDY = ("run `leasewatch raw rebuild-manifest`: it keeps the readable lines, recovers every stored payload's "
                  "record from the packs, and keeps the old file beside the new one")
MANIFEST_TORN_LINES = 3  # unreadable manifest lines tolerated as torn by kills (beyond it, and beyond half: junk)


class RawManifestError(StorageError):
    """The manifest is missing while payloads are stored, or holds more junk than torn lines."""


class RawCorruptError(StorageError):
    """A stored payload no longer matches its content hash (or its file cannot be read)."""

    def __init__(self, message: str, remedy: str, *, file: str, payload: str, reason: str, unreadable: bool,
                 records: list | None = None):
        super().__init__(message, remedy)
        self.file, self.payload, self.reason, self.unreadable = file, payload, reason, unreadable
        self.records = records or []  # the fetches whose payloads this damage makes unreadable
        self.problems: list[Problem] = []  # their quarantine, once done


class RawStore:
    """Append-only store of fetched frames under one root directory."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self._latest: dict[tuple[str, str], RawRecord] | None = None  # (source, key) -> newest fetch
        self._index: Index | None = None
        self._manifest_cache: tuple | None = None  # (size, mtime, ctime, inode) of manifest.jsonl, its records, bad lines
        self._pending: list[RawRecord] = []  # fetches of the open batch, in order, not yet in the manifest
        self._pending_blobs: dict[str, Blob] = {}  # their new payloads, by name
        self._pending_bytes = 0
        self._pending_since = 0.0
        self._batches = 0  # nesting depth of batch()
        self._sequence = 0
        self._groups: OrderedDict[tuple[str, int], list[Blob]] = OrderedDict()  # row groups read lately
        self._groups_lock = threading.Lock()
        self.damaged_lines: list[int] = []  # manifest lines records() could not read (torn by a kill)

    @property
    def manifest_path(self) -> Path:
        return self.root / MANIFEST

    # --- writing -------------------------------------------------------------------------------------------------

    def put(
        self,
        *,
        source: str,
        function: str,
        args: dict,
        frame: "pd.DataFrame",
        fetched_at: datetime,
        source_version: str,
        is_sample: bool,
        flags: tuple = (),
    ) -> RawRecord:
        """Record a fetch and store its frame (once per distinct content). Outside batch() it is durable on return;
        inside, once the batch flushes."""
        ipc, sha, meta = packs.encode(to_arrow(frame))
        key = request_key(function, args)
        name = f"{source}/{key}/{sha[:16]}.parquet"
        previous = self._latest_of(source, key)
        record = RawRecord(
            source=source,
            function=function,
            args=dict(args),
            fetched_at=fetched_at.replace(microsecond=0).isoformat(),
            source_version=source_version,
            sha256=sha,
            path=name,
            rows=len(frame),
            columns=frame.shape[1],
            new=not (previous and previous.sha256 == sha),
            is_sample=is_sample,
            flags=tuple(flags),
        )
        if name not in self._pending_blobs and not self.holds(name):
            self._pending_blobs[name] = Blob(name, sha, ipc, meta, json.dumps(asdict(record), ensure_ascii=False))
            self._pending_bytes += len(ipc)
        if not self._pending:
            self._pending_since = time.monotonic()
        self._pending.append(record)
        if self._latest is not None:
            self._latest[(source, record.key)] = record
        if not self._batches or self._pending_bytes >= FLUSH_BYTES or time.monotonic() - self._pending_since >= FLUSH_SECONDS:
            self.flush()
        return record

    @contextmanager
    def batch(self) -> Iterator["RawStore"]:
        """Within the block, put() keeps payloads in memory and writes them a pack per function at a time (see
        FLUSH_BYTES, FLUSH_SECONDS); leaving the block, normally or by an exception (Ctrl-C), writes the rest."""
        self._batches += 1
        try:
            yield self
        finally:
            self._batches -= 1
            if not self._batches:
                self.flush()

    def flush(self) -> None:
        """Write the batch's payloads (one pack per function), then their index lines, then the manifest lines."""
        if not self._pending:
            return
        records, blobs = self._pending, self._pending_blobs
        self._pending, self._pending_blobs, self._pending_bytes = [], {}, 0
        by_function: dict[str, list[Blob]] = {}
        for record in records:
            blob = blobs.pop(record.path, None)
            if blob is not None:
                by_function.setdefault(record.function, []).append(blob)
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            if not self.manifest_path.exists():
                # The manifest exists before any payload does: a missing one next to stored payloads was deleted
                # (records() refuses it), never merely not written yet by a first run killed before its lines.
                self.manifest_path.touch()
                fsync_dir(self.root)
            for function, batch in by_function.items():
                self.write_pack(function, batch)
            lines = [json.dumps(asdict(r), ensure_ascii=False) for r in records]
            known = self._manifest_cache[0] if self._manifest_cache is not None else None
            self._manifest_appended(append_alone(self.manifest_path, lines, known), lines)
        except OSError as exc:
            self._latest = None  # it holds records whose write failed: read the manifest again
            raise self.storage_error(exc) from exc

    def write_pack(self, function: str, blobs: Iterable[Blob]) -> dict[str, Location]:
        self._sequence += 1
        relative = packs.pack_name(function, self._sequence)
        locations = packs.write_pack(self.root, relative, blobs)
        self.index().add(locations)
        quarantine.note_checked(self.root, relative, "pack")
        return locations

    def storage_error(self, exc: OSError) -> StorageError:
        return StorageError(
            f"cannot read or write raw data under {self.root}: {exc.strerror or exc}",
            "free disk space, fix the permissions of the data directory (or raise the open-file limit), then rerun",
        )

    # --- the manifest --------------------------------------------------------------------------------------------

    def records(self, function: str | None = None) -> list[RawRecord]:
        """Every fetch whose payload is not quarantined, oldest first (the open batch's last); optionally one
        function's."""
        pending = [r for r in self._pending if function is None or r.function == function]
        if not self.manifest_path.exists():
            if self.stored_payloads():
                raise RawManifestError(
                    f"the raw manifest {self.manifest_path} is missing, but payloads are stored in {self.root}",
                    REBUILD_REMEDY,
                )
            return pending
        hidden = self._hidden()
        parsed, self.damaged_lines = self._parsed_manifest()
        if not parsed and self.damaged_lines and self.stored_payloads():
            # Nothing but junk while payloads are stored: overwritten (a build from it would publish an empty
            # warehouse; an ingest would fetch everything again). An empty file is a first ingest killed before its
            # first lines (the manifest is created before any pack): it resumes; a build checks check_named().
            raise RawManifestError(
                f"the raw manifest {self.manifest_path} names no stored payload ({len(self.damaged_lines):,} "
                f"unreadable line(s)), but payloads are stored in {self.root}",
                REBUILD_REMEDY,
            )
        if self.damaged_lines and len(self.damaged_lines) > max(MANIFEST_TORN_LINES, len(parsed)):
            # Kills tear at most one line each; this many is junk (a file overwritten, a wrong file copied in).
            raise RawManifestError(
                f"the raw manifest {self.manifest_path} is not readable: {len(self.damaged_lines):,} of its "
                f"{len(self.damaged_lines) + len(parsed):,} lines are not fetch records (line {self.damaged_lines[0]} …)",
                REBUILD_REMEDY,
            )
        out = [r for r in parsed if (function is None or r.function == function) and r.path not in hidden]
        return out + pending

    def check_named(self, records: list[RawRecord]) -> int:
        """How many stored payloads (listed in the pack index) no manifest line names; RawManifestError when they
        outnumber the named ones: the manifest lost its lines (emptied, cut short), and a build from it would
        publish a warehouse without them. A kill between a batch's packs and its manifest lines leaves at most that
        batch unnamed (an ingest rerun names it again; `raw rebuild-manifest` recovers it at once)."""
        named = {r.path for r in records}
        stored = {name for name, loc in self.index().locations.items() if loc is not None}
        unnamed = len(stored - named)
        if unnamed and unnamed > len(named & stored):
            raise RawManifestError(
                f"the raw manifest {self.manifest_path} names only {len(named & stored):,} of the {len(stored):,} "
                f"payloads stored in {self.root}",
                REBUILD_REMEDY,
            )
        return unnamed

    def _parsed_manifest(self) -> tuple[list[RawRecord], list[int]]:
        """The manifest's records and its unreadable line numbers, parsed again only when the file changed (a build
        asks for the records several times)."""
        key = stamp(self.manifest_path)
        if self._manifest_cache is not None and self._manifest_cache[0] == key:
            return self._manifest_cache[1], list(self._manifest_cache[2])
        # A line torn by an interrupted append (or junk) is not a record: its payload is not listed, so that fetch
        # is repeated; a path escaping the raw directory is never followed (nor moved, nor deleted).
        records, damaged = read_manifest(self.manifest_path)
        self._manifest_cache = (key, records, damaged)
        return records, list(damaged)

    def _manifest_appended(self, after: tuple | None, lines: list[str]) -> None:
        """Keep the parsed manifest after this store appended `lines` to it alone (`after`: the file's stamp then,
        see files.append_alone), with the lines parsed as written: an ingest's build does not parse every line
        again. Otherwise, or if a line is not a record readers accept, the file is parsed again when next read."""
        cache, self._manifest_cache = self._manifest_cache, None
        if cache is None or after is None:
            return
        try:
            added = [parse_record(line) for line in lines]
        except ValueError:
            return  # a record of the wrong shape: parsing the file again counts it as a damaged line, as before
        self._manifest_cache = (after, cache[1] + added, cache[2])

    def latest(self, function: str, args: dict, *, source: str) -> RawRecord | None:
        """The newest fetch for this request from this source (the open batch's included), or None."""
        return self._latest_of(source, request_key(function, args))

    def _latest_of(self, source: str, key: str) -> RawRecord | None:
        if self._latest is None:
            self._latest = {(r.source, r.key): r for r in self.records()}
        return self._latest.get((source, key))

    def versions(self, function: str) -> Iterator[RawRecord]:
        """Each distinct stored payload of a function once, at its first fetch, in fetch order."""
        seen = set()
        for record in self.records(function):
            if record.path not in seen:
                seen.add(record.path)
                yield record

    def _hidden(self) -> set[str]:
        """Payloads quarantined and not stored again since: readers skip their fetches."""
        return {e["path"] for e in quarantine.events(self.root) if not self.holds(e["path"])}

    # --- reading -------------------------------------------------------------------------------------------------

    def holds(self, name: str) -> bool:
        """Whether a payload is stored (in a pack, or as a file of a store written before packs)."""
        if name in self._pending_blobs or self.index().get(name) is not None:
            return True
        return (self.root / name).is_file()

    def stored_payloads(self) -> bool:
        """Whether any payload is stored: listed in the pack index, a pack file, or a file of a store written
        before packs (`<source>/<function>/<args>/<hash>.parquet`)."""
        if any(loc is not None for loc in self.index().locations.values()):
            return True
        if any((self.root / packs.PACKS).glob("*/*.parquet")):
            return True
        return any(legacy_files(self.root))

    def location(self, name: str) -> Location | None:
        return self.index().get(name)

    def read(self, record: RawRecord) -> "pd.DataFrame":
        return self.read_table(record).to_pandas()

    def read_table(self, record: RawRecord, columns: list[str] | None = None) -> "pa.Table":
        """The payload of a fetch as Arrow, verified against its content hash; optionally some of its columns."""
        return self.read_tables([record], columns)[0]

    def read_tables(self, records: list[RawRecord], columns: list[str] | None = None) -> list["pa.Table"]:
        """The payloads of several fetches, in order, each row group of a pack read once; each one verified. A
        payload that fails is read once more with the pack index read again (a compaction in another process may
        have moved it); failing again, it is quarantined (RawCorruptError says so)."""
        try:
            return self._read_tables(records, columns, quarantine_damage=False)
        except RawCorruptError:
            self._index = None
            with self._groups_lock:
                self._groups.clear()
            return self._read_tables(records, columns, quarantine_damage=True)

    def _read_tables(self, records: list[RawRecord], columns: list[str] | None, *, quarantine_damage: bool) -> list["pa.Table"]:
        found: dict[str, "pa.Table"] = {}
        wanted: dict[str, dict[int, list[RawRecord]]] = {}
        for record in records:
            if record.path in found:
                continue
            if record.path in self._pending_blobs:
                blob = self._pending_blobs[record.path]
                found[record.path] = packs.decode(blob.ipc, blob.meta)
            elif (loc := self.index().get(record.path)) is not None:
                wanted.setdefault(loc.pack, {}).setdefault(loc.group, []).append(record)
            else:
                try:
                    found[record.path] = self._read_legacy(record)
                except RawCorruptError as exc:
                    raise (self._quarantined_on_read(exc) if quarantine_damage else exc) from exc.__cause__
        try:
            for pack, groups in wanted.items():
                for group, blobs in self._groups_of(pack, groups):
                    for record in groups[group]:
                        row = self.index().get(record.path).row
                        found[record.path] = self._checked(record, blobs[row] if row < len(blobs) else None, pack)
        except RawCorruptError as exc:
            raise (self._quarantined_on_read(exc) if quarantine_damage else exc) from exc.__cause__
        tables = [found[r.path] for r in records]
        if columns is not None:
            tables = [_select(t, columns) for t in tables]
        return tables

    def _groups_of(self, pack: str, groups: dict) -> Iterator[tuple[int, list[Blob]]]:
        with self._groups_lock:
            cached = {g: self._groups[(pack, g)] for g in groups if (pack, g) in self._groups}
        yield from cached.items()
        missing = [g for g in groups if g not in cached]
        if not missing:
            return
        for group in missing:
            try:
                [(_, blobs)] = list(packs.read_groups(self.root, pack, [group]))
            except OSError as exc:
                if exc.errno is not None:  # the operating system's error (too many open files, EIO …): not damage
                    raise self.storage_error(exc) from exc
                error = self._damaged_group(pack, groups[group], exc)  # pyarrow's: a bad page checksum
                raise error from exc
            except Exception as exc:  # pyarrow raises ArrowInvalid and others for a garbled page or footer
                raise self._damaged_group(pack, groups[group], exc) from exc
            with self._groups_lock:
                self._groups[(pack, group)] = blobs
                while len(self._groups) > 8:  # a few row groups: reads in fetch order hit them in turn
                    self._groups.popitem(last=False)
            yield group, blobs

    def _damaged_group(self, pack: str, records: list[RawRecord], exc: Exception) -> RawCorruptError:
        """One row group that cannot be read: its payloads (at most ROW_GROUP) are the damage."""
        error = self._corrupt(pack, records[0].path, f"unreadable ({type(exc).__name__})", unreadable=True)
        error.records = list(records)
        return error

    def _checked(self, record: RawRecord, blob: Blob | None, pack: str) -> "pa.Table":
        if blob is None or blob.name != record.path or not packs.verified(blob, record.sha256):
            error = self._corrupt(pack, record.path, "hash mismatch")
            error.records = [record]
            raise error
        return packs.decode(blob.ipc, blob.meta)

    def _quarantined_on_read(self, exc: RawCorruptError) -> RawCorruptError:
        """Quarantine what a failed read found damaged (so no later read uses it and the next ingest fetches it
        again), and the error to raise: it says so."""
        records = exc.records
        legacy = records and self.index().get(records[0].path) is None
        problems = self._quarantine(records, exc.reason, self.root / records[0].path if legacy else None)
        self._latest = None
        with self._groups_lock:
            self._groups.clear()
        others = f" with {len(records) - 1} payloads beside it" if len(records) > 1 else ""
        error = RawCorruptError(
            f"{exc.message}; it is quarantined now{others}",
            "run the command again: it goes on without them, and the next ingest or refresh fetches them again",
            file=exc.file, payload=exc.payload, reason=exc.reason, unreadable=exc.unreadable, records=records,
        )
        error.problems = problems
        return error

    def _read_legacy(self, record: RawRecord) -> "pa.Table":
        """A payload of a store written before packs: its own Parquet file, verified by hashing it again."""
        import pyarrow.parquet as pq

        path = self.root / record.path
        try:
            table = to_arrow(pq.read_table(path).to_pandas())
        except Exception as exc:
            error = self._corrupt(record.path, record.path, f"unreadable ({type(exc).__name__})", unreadable=True)
            error.records = [record]
            raise error from exc
        ipc, sha, meta = packs.encode(table)
        if sha != record.sha256:
            error = self._corrupt(record.path, record.path, "hash mismatch")
            error.records = [record]
            raise error
        return packs.decode(ipc, meta)

    def _corrupt(self, file: str, name: str, reason: str, *, unreadable: bool = False) -> RawCorruptError:
        return RawCorruptError(
            f"raw payload {name} in {self.root / file} is damaged: {reason}",
            "run `leasewatch build` or `leasewatch refresh` again: they verify the raw layer first, quarantine "
            "damaged payloads and fetch them again",
            file=file, payload=name, reason=reason, unreadable=unreadable,
        )

    def index(self, *, fresh: bool = False) -> Index:
        """The pack index (packs.jsonl), read once; with `fresh`, read again if the file changed since (another
        process may have written packs, or it was deleted)."""
        if self._index is None or (fresh and not self._index.current()):
            self._index = Index(self.root)
        return self._index

    def file_of(self, name: str) -> str:
        """The file holding a payload: its pack, or (a store written before packs) its own file."""
        location = self.index().get(name)
        return location.pack if location else name

    def forget_latest(self) -> None:
        """Forget each request's newest fetch (read from the manifest again when next asked): after the manifest
        or the index changed under the store's feet."""
        self._latest = None

    # --- verification --------------------------------------------------------------------------------------------

    def verify(self, *, full: bool = False) -> list[Problem]:
        """Check each stored payload against the hash it was stored under; quarantine the bad ones.

        A pack (or legacy file) is read again and every payload in it hashed when its size or modification time
        differs from when it was written or last verified (always, with `full`): a routine check costs one stat
        per file. Reads verify the payloads they touch in any case."""
        self.flush()
        checked = quarantine.checked(self.root)
        index = self.index()
        problems: list[Problem] = []
        by_file: dict[str, list[RawRecord]] = {}
        for record in {r.path: r for r in self.records()}.values():
            by_file.setdefault(self.file_of(record.path), []).append(record)
        for file, records in by_file.items():
            path = self.root / file
            try:
                stat = path.stat()
            except FileNotFoundError:
                problems += self._quarantine(records, "missing", None)
                continue
            if not full and checked.get(file) == [stat.st_size, stat.st_mtime_ns]:
                continue
            in_pack = index.get(records[0].path) is not None
            try:
                bad = self._damaged_in_pack(file, records) if in_pack else self._damaged_legacy(records)
            except RawCorruptError as exc:  # the pack's footer is unreadable: nothing in it can be trusted
                problems += self._quarantine(records, exc.reason, path)
                continue
            for record, reason in bad:
                problems += self._quarantine([record], reason, None if in_pack else self.root / record.path)
            if not bad:
                try:
                    quarantine.note_checked(self.root, file, "pack" if in_pack else records[0].sha256)
                except OSError as exc:
                    raise self.storage_error(exc) from exc
        if problems:
            self._latest = None
            self._groups.clear()
        return problems

    def _damaged_in_pack(self, pack: str, records: list[RawRecord]) -> list[tuple[RawRecord, str]]:
        """The payloads of a pack that fail: row group by row group, so one bad page costs only its group."""
        import pyarrow.parquet as pq

        try:
            pq.read_metadata(self.root / pack)
        except OSError as exc:
            if exc.errno is not None:  # the operating system's error, not damage: nothing is quarantined
                raise self.storage_error(exc) from exc
            raise self._corrupt(pack, records[0].path, f"unreadable ({type(exc).__name__})", unreadable=True) from exc
        except Exception as exc:
            raise self._corrupt(pack, records[0].path, f"unreadable ({type(exc).__name__})", unreadable=True) from exc
        index = self.index()
        by_group: dict[int, list[RawRecord]] = {}
        for record in records:
            by_group.setdefault(index.get(record.path).group, []).append(record)
        bad = []
        for group, members in sorted(by_group.items()):
            try:
                [(_, blobs)] = list(packs.read_groups(self.root, pack, [group]))
            except Exception as exc:  # a damaged page: pyarrow raises OSError (checksum) or ArrowInvalid
                if isinstance(exc, OSError) and exc.errno is not None:
                    raise self.storage_error(exc) from exc
                bad += [(r, f"unreadable ({type(exc).__name__})") for r in members]
                continue
            for record in members:
                row = index.get(record.path).row
                if row >= len(blobs) or blobs[row].name != record.path or not packs.verified(blobs[row], record.sha256):
                    bad.append((record, "hash mismatch"))
        return bad

    def _damaged_legacy(self, records: list[RawRecord]) -> list[tuple[RawRecord, str]]:
        bad = []
        for record in records:
            try:
                self._read_legacy(record)
            except RawCorruptError as exc:
                bad.append((record, exc.reason))
        return bad

    def _quarantine(self, records: list[RawRecord], reason: str, source: Path | None) -> list[Problem]:
        index = self.index()
        problems = [
            quarantine.quarantine(self.root, r, source if n == 0 else None, reason, self.file_of(r.path))
            for n, r in enumerate(records)
        ]
        in_packs = [r.path for r in records if index.get(r.path) is not None]
        if in_packs:
            index.drop(in_packs, reason)
        return problems

    def quarantined(self) -> list[dict]:
        """Every quarantine event, oldest first: path, sha256, reason, function, args, at."""
        return quarantine.events(self.root)



def _select(table: "pa.Table", columns: list[str]) -> "pa.Table":
    present = set(table.column_names)
    return table.select([c for c in columns if c in present])


__all__ = ["RawStore", "RawRecord", "RawCorruptError", "content_hash", "request_key"]


def legacy_files(root: Path) -> Iterator[Path]:
    """The payload files of a store written before packs (`<source>/<function>/<args>/<hash>.parquet`), in name order."""
    for path in sorted(root.glob("*/*/*/*.parquet")):
        if path.relative_to(root).parts[0] not in (packs.PACKS, quarantine.QUARANTINE):
            yield path
