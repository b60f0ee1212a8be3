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

import hashlib
import json
import os
import queue
import re
import threading
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

from pipeline.errors import StorageError

if TYPE_CHECKING:
    import pandas as pd

MANIFEST = "manifest.jsonl"
QUARANTINE = "quarantine"
QUARANTINE_LOG = "quarantine.jsonl"
CHECKED = "checked.jsonl"
_METADATA_KEY = b"leasewatch"


@dataclass(frozen=True)
class RawRecord:
    """One fetch: what was asked, when, and which stored payload answered it."""

    source: str
    function: str
    args: dict
    fetched_at: str  # ISO timestamp, second precision
    source_version: str
    sha256: str
    path: str  # relative to the raw root
    rows: int
    columns: int
    new: bool  # False when the payload equals one stored before for this key
    is_sample: bool
    flags: tuple = ()  # what the fetch noticed about the payload, e.g. a truncated statement history

    @property
    def key(self) -> str:
        return request_key(self.function, self.args)


def request_key(function: str, args: dict) -> str:
    """A stable, filesystem-safe slug for (function, args): `symbol=SZ300442,adjust=hfq`."""
    parts = [f"{k}={args[k]}" for k in sorted(args)]
    slug = ",".join(parts) or "noargs"
    return f"{function}/{re.sub(r'[^0-9A-Za-z=,._-]', '_', slug)}"


def content_hash(frame: "pd.DataFrame") -> str:
    """Hash of the frame's column names, types and values (its Arrow IPC serialisation)."""
    return _table_hash(_to_arrow(frame))


def _table_hash(table) -> str:
    import pyarrow as pa

    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema.remove_metadata()) as writer:
        writer.write_table(table.replace_schema_metadata(None))
    return hashlib.sha256(sink.getvalue()).hexdigest()


class RawStore:
    """Append-only store of fetched frames under one root directory."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self._latest: dict[tuple[str, str], RawRecord] | None = None  # (source, key) -> newest fetch
        self._writer: _Writer | None = None  # set inside deferred_writes()
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

        table = _to_arrow(frame)
        sha = _table_hash(table)
        key = request_key(function, args)
        relative = Path(source) / key / f"{sha[:16]}.parquet"
        target = self.root / relative
        previous = self._latest_of(source, key)
        seen_before = target.exists() and self._readable(target)
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
                    _fsync_file(tmp)
                    os.replace(tmp, target)
                    self._note_checked(record.path, sha)
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
        self._writer = _Writer()
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
        hidden = self._quarantined_missing()
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

    def verify(self, *, full: bool = False) -> list["Problem"]:
        """Check each stored payload against the hash it was stored under; quarantine the bad ones.

        A payload is re-read and re-hashed when its size or modification time differs from when it was written
        or last verified (always, with `full`), so a routine check costs one stat per file."""
        checked = self._checked()
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
                self._note_checked(record.path, sha)
        if problems:
            self._latest = None
        return problems

    def remove_orphans(self) -> list[Path]:
        """Delete temporary files left by writers that were killed before their rename; a live writer's are kept."""
        self.flush()
        removed = []
        for tmp in self.root.rglob("*.tmp*"):
            pid = tmp.suffix[len(".tmp"):]
            if tmp.is_file() and pid.isdigit() and not _process_alive(int(pid)):
                tmp.unlink(missing_ok=True)
                removed.append(tmp)
        return removed

    def quarantined(self) -> list[dict]:
        """Every quarantine event, oldest first: path, sha256, reason, function, args, at."""
        log = self.root / QUARANTINE / QUARANTINE_LOG
        if not log.exists():
            return []
        return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]

    def _quarantine(self, record: RawRecord, reason: str) -> "Problem":
        stamp = datetime.now().strftime("%Y%m%dT%H%M%S%f")
        source = self.path_of(record)
        event = {
            "path": record.path,
            "sha256": record.sha256,
            "reason": reason,
            "function": record.function,
            "args": record.args,
            "at": datetime.now().replace(microsecond=0).isoformat(),
        }
        try:
            folder = self.root / QUARANTINE
            folder.mkdir(parents=True, exist_ok=True)
            if source.exists():
                moved = folder / f"{record.path}.{stamp}"
                moved.parent.mkdir(parents=True, exist_ok=True)
                os.replace(source, moved)
            _append_line(folder / QUARANTINE_LOG, json.dumps(event, ensure_ascii=False))
        except OSError as exc:
            raise StorageError(
                f"cannot quarantine the corrupt raw file {source}: {exc.strerror or exc}",
                "fix the permissions of the data directory, then rerun",
            ) from exc
        return Problem(record.path, reason, record.function, dict(record.args))

    def _quarantined_missing(self) -> set[str]:
        log = self.root / QUARANTINE / QUARANTINE_LOG
        if not log.exists():
            return set()
        return {e["path"] for e in self.quarantined() if not (self.root / e["path"]).exists()}

    def _checked(self) -> dict[str, list[int]]:
        path = self.root / CHECKED
        if not path.exists():
            return {}
        out = {}
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
                out[entry["path"]] = [entry["size"], entry["mtime_ns"]]
            except (json.JSONDecodeError, KeyError, TypeError):
                continue  # a torn line from an interrupted append: that file is simply verified again
        return out

    def _note_checked(self, relative: str, sha: str) -> None:
        stat = (self.root / relative).stat()
        entry = {"path": relative, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": sha}
        _append_line(self.root / CHECKED, json.dumps(entry))

    @staticmethod
    def _readable(path: Path) -> bool:
        import pyarrow.parquet as pq

        try:
            pq.read_metadata(path)
            return True
        except Exception:
            return False

    def _append_manifest(self, record: RawRecord) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        _append_line(self.manifest_path, json.dumps(asdict(record), ensure_ascii=False))


@dataclass(frozen=True)
class Problem:
    """A stored payload that failed verification and was quarantined."""

    path: str
    reason: str  # "missing", "unreadable (…)" or "hash mismatch"
    function: str
    args: dict

    def describe(self) -> str:
        return f"{self.function}({', '.join(f'{k}={v}' for k, v in sorted(self.args.items()))}): {self.reason}"


class _Writer:
    """One background thread running the stores' deferred writes in submission order. The queue is short, so
    frames waiting to be written never hold much memory and a reader never waits long."""

    def __init__(self, depth: int = 8):
        self._jobs: queue.Queue = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._pending: dict[str, int] = {}  # payload path → writes of it not yet done
        self._done = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="raw-writer", daemon=True)
        self._thread.start()

    def submit(self, path: str, job: Callable[[], None]) -> None:
        self._raise()
        with self._done:
            self._pending[path] = self._pending.get(path, 0) + 1
        self._jobs.put((path, job))

    def wait(self) -> None:
        self._jobs.join()
        self._raise()

    def wait_for(self, path: str) -> None:
        with self._done:
            self._done.wait_for(lambda: not self._pending.get(path))
        self._raise()

    def close(self, *, raise_errors: bool) -> None:
        self._jobs.join()
        self._jobs.put(None)
        self._thread.join()
        if raise_errors:
            self._raise()

    def _raise(self) -> None:
        if self._error is not None:  # stays set: every later put fails too, as it would writing synchronously
            raise self._error

    def _run(self) -> None:
        while True:
            item = self._jobs.get()
            try:
                if item is None:
                    return
                if self._error is None:  # after a failure, later writes are dropped: the manifest stays in order
                    item[1]()
            except BaseException as exc:  # handed to the submitting thread
                self._error = exc
            finally:
                if item is not None:
                    with self._done:
                        self._pending[item[0]] -= 1
                        self._done.notify_all()
                self._jobs.task_done()


def _append_line(path: Path, line: str) -> None:
    """Append one line and fsync. A line torn by a kill mid-append is closed first, so it never swallows this one."""
    with path.open("a+b") as fh:
        fh.seek(0, os.SEEK_END)
        torn = False
        if fh.tell():
            fh.seek(-1, os.SEEK_END)
            torn = fh.read(1) != b"\n"
        fh.write((("\n" if torn else "") + line + "\n").encode("utf-8"))
        fh.flush()
        os.fsync(fh.fileno())


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def _to_arrow(frame: "pd.DataFrame"):
    """Arrow table of the frame as fetched, converted one block per dtype (much faster than pyarrow's pandas
    path on EastMoney's 300-column statements). An object column mixing types (stock_individual_info_em's `value`:
    numbers and text) cannot be typed by Arrow, so only such a column is stored as text, None kept; the
    Parquet metadata names the columns this happened to."""
    import numpy as np
    import pyarrow as pa

    # Per-column access on a wide pandas frame costs more than the conversion itself.
    groups: dict[object, list[int]] = {}
    for position, dtype in enumerate(frame.dtypes):
        numeric = isinstance(dtype, np.dtype) and dtype.kind in "fiub"
        groups.setdefault(dtype if numeric else object, []).append(position)
    arrays: list = [None] * frame.shape[1]
    mixed = []
    for dtype, positions in groups.items():
        block = np.ascontiguousarray(frame.iloc[:, positions].to_numpy(dtype=dtype).T)
        for values, position in zip(block, positions):
            try:
                arrays[position] = pa.array(values, from_pandas=True)
            except (pa.ArrowTypeError, pa.ArrowInvalid):
                arrays[position] = pa.array([None if v is None else str(v) for v in values], type=pa.string())
                mixed.append(str(frame.columns[position]))
    table = pa.Table.from_arrays(arrays, names=[str(c) for c in frame.columns])
    if mixed:
        table = table.replace_schema_metadata({b"stringified_columns": json.dumps(mixed, ensure_ascii=False).encode()})
    return table


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())
