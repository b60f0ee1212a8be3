"""The raw layer: every frame a source yields, stored as fetched, with provenance. Append-only.

Layout under `data/raw/`:
    <source>/<function>/<args-slug>/<sha256[:16]>.parquet   one file per distinct payload (content-addressed)
    manifest.jsonl                                          one line per fetch, in fetch order
    checked.jsonl                                           size and mtime of each payload when written or verified
    quarantine/                                             corrupt payloads moved aside by `verify`, and their log

The same payload fetched twice is stored once (the second fetch only adds a manifest line);
a changed payload for the same key is a new file, i.e. a new version. Files are written to a temporary
name and renamed, and the manifest line is appended after the rename, so an interrupted write leaves at
most an orphan file that the next identical fetch reuses.

A payload that fails verification (unreadable, or its content no longer matches its hash) is moved to
quarantine/ and its fetches are hidden from readers until the same request is fetched again, so a build
skips it and an incremental ingest sees the request as never fetched.
"""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

from pipeline.errors import StorageError
from pipeline.raw import quarantine
from pipeline.raw.files import append_line, content_hash, fsync_file, process_alive, readable, table_hash, to_arrow
from pipeline.raw.quarantine import Problem
from pipeline.raw.record import RawRecord, request_key
from pipeline.raw.writer import Writer

if TYPE_CHECKING:
    import pandas as pd

MANIFEST = "manifest.jsonl"
_METADATA_KEY = b"leasewatch"


class RawStore:
    """Append-only store of fetched frames under one root directory."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self._latest: dict[tuple[str, str], RawRecord] | None = None  # (source, key) -> newest fetch
        self._writer: Writer | None = None  # set inside deferred_writes()
        self.damaged_lines: list[int] = []  # manifest lines records() could not read (torn by a kill)

    @property
    def manifest_path(self) -> Path:
        return self.root / MANIFEST

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
        """Store a fetched frame (once per distinct content) and record the fetch in the manifest."""
        import pyarrow.parquet as pq

        table = to_arrow(frame)
        sha = table_hash(table)
        key = request_key(function, args)
        relative = Path(source) / key / f"{sha[:16]}.parquet"
        target = self.root / relative
        previous = self._latest_of(source, key)
        seen_before = target.exists() and readable(target)
        record = RawRecord(
            source=source,
            function=function,
            args=dict(args),
            fetched_at=fetched_at.replace(microsecond=0).isoformat(),
            source_version=source_version,
            sha256=sha,
            path=relative.as_posix(),
            rows=len(frame),
            columns=frame.shape[1],
            new=not (previous and previous.sha256 == sha),
            is_sample=is_sample,
            flags=tuple(flags),
        )

        def store() -> None:
            try:
                if not seen_before:
                    provenance = json.dumps(asdict(record), ensure_ascii=False).encode()
                    stored = table.replace_schema_metadata({**(table.schema.metadata or {}), _METADATA_KEY: provenance})
                    tmp = target.with_suffix(f".tmp{os.getpid()}")
                    pq.write_table(stored, tmp)
                    fsync_file(tmp)
                    os.replace(tmp, target)
                    quarantine.note_checked(self.root, record.path, sha)
                self._append_manifest(record)
            except OSError as exc:
                raise self._storage_error(exc) from exc

        try:  # here, not in store(): a directory that cannot be made fails this put even when writes are deferred
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise self._storage_error(exc) from exc
        if self._writer is not None:
            self._deferred(self._writer.submit, record.path, store)
        else:
            store()
        if self._latest is not None:
            self._latest[(source, record.key)] = record
        return record

    def _storage_error(self, exc: OSError) -> StorageError:
        return StorageError(
            f"cannot write raw data under {self.root}: {exc.strerror or exc}",
            "free disk space or fix the permissions of the data directory, then rerun",
        )

    @contextmanager
    def deferred_writes(self) -> Iterator["RawStore"]:
        """Within the block, put() returns once the frame is hashed and its record known; writing the file, its
        fsync and the manifest line happen in order on a background thread, overlapping with fetching the next
        frame (Parquet writes and fsync release the GIL). Reading methods of this store wait for the writes
        first. Leaving the block waits for every write; a failed write raises at the next put or there."""
        if self._writer is not None:
            yield self
            return
        self._writer = Writer()
        try:
            yield self
        except BaseException:
            self._close_writer(raise_errors=False)  # the block's own error is the one to report
            raise
        self._close_writer(raise_errors=True)

    def flush(self) -> None:
        """Wait for deferred writes (see deferred_writes); raises the first one that failed."""
        if self._writer is not None:
            self._deferred(self._writer.wait)

    def _close_writer(self, *, raise_errors: bool) -> None:
        writer, self._writer = self._writer, None
        self._deferred(lambda: writer.close(raise_errors=raise_errors))

    def _deferred(self, call: Callable, *args) -> None:
        try:
            call(*args)
        except BaseException:
            self._latest = None  # it may hold records whose write failed: read the manifest again
            raise

    def records(self, function: str | None = None) -> list[RawRecord]:
        """Every fetch in the manifest whose payload is not quarantined, oldest first; optionally one function's."""
        self.flush()
        if not self.manifest_path.exists():
            return []
        hidden = quarantine.hidden(self.root)
        out = []
        self.damaged_lines = []
        with self.manifest_path.open(encoding="utf-8") as fh:
            for number, line in enumerate(fh, 1):
                line = line.strip()
                if not line:
                    continue
                try:
                    record = RawRecord(**json.loads(line))
                except (json.JSONDecodeError, TypeError):
                    # A line torn by an interrupted append: its payload is not listed, so that fetch is repeated.
                    self.damaged_lines.append(number)
                    continue
                if (function is None or record.function == function) and record.path not in hidden:
                    out.append(record)
        return out

    def latest(self, function: str, args: dict, *, source: str) -> RawRecord | None:
        """The newest fetch for this request from this source, or None if it was never fetched."""
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

    def path_of(self, record: RawRecord) -> Path:
        """Where the payload is; with deferred writes, once its file is written."""
        if self._writer is not None:
            self._deferred(self._writer.wait_for, record.path)
        return self.root / record.path

    def read(self, record: RawRecord) -> "pd.DataFrame":
        import pyarrow.parquet as pq

        return pq.read_table(self.path_of(record)).to_pandas()

    def verify(self, *, full: bool = False) -> list[Problem]:
        """Check each stored payload against the hash it was stored under; quarantine the bad ones.

        A payload is re-read and re-hashed when its size or modification time differs from when it was written
        or last verified (always, with `full`), so a routine check costs one stat per file."""
        checked = quarantine.checked(self.root)
        problems = []
        for record in {r.path: r for r in self.records()}.values():
            path = self.path_of(record)
            try:
                stat = path.stat()
            except FileNotFoundError:
                problems.append(self._quarantine(record, "missing"))
                continue
            if not full and checked.get(record.path) == [stat.st_size, stat.st_mtime_ns]:
                continue
            try:
                sha = content_hash(self.read(record))
            except Exception as exc:  # pyarrow raises several types for a truncated or garbled file
                problems.append(self._quarantine(record, f"unreadable ({type(exc).__name__})"))
                continue
            if sha != record.sha256:
                problems.append(self._quarantine(record, "hash mismatch"))
            else:
                quarantine.note_checked(self.root, record.path, sha)
        if problems:
            self._latest = None
        return problems

    def remove_orphans(self) -> list[Path]:
        """Delete temporary files left by writers that were killed before their rename; a live writer's are kept."""
        self.flush()
        removed = []
        for tmp in self.root.rglob("*.tmp*"):
            pid = tmp.suffix[len(".tmp"):]
            if tmp.is_file() and pid.isdigit() and not process_alive(int(pid)):
                tmp.unlink(missing_ok=True)
                removed.append(tmp)
        return removed

    def quarantined(self) -> list[dict]:
        """Every quarantine event, oldest first: path, sha256, reason, function, args, at."""
        return quarantine.events(self.root)

    def _quarantine(self, record: RawRecord, reason: str) -> Problem:
        return quarantine.quarantine(self.root, record, self.path_of(record), reason)

    def _append_manifest(self, record: RawRecord) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        append_line(self.manifest_path, json.dumps(asdict(record), ensure_ascii=False))


