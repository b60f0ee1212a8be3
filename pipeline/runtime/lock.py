"""The data directory's refresh lock: one refresh, build or rollback at a time.

    data/ops/refresh.lock        a kernel file lock (filelock) held by the running refresh, build or rollback
    data/ops/refresh.lock.json   who holds it: pid, command, start time (for the "another refresh is running" message)
"""

from __future__ import annotations

import json
import os
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from pipeline import clock
from pipeline.config import Paths
from pipeline.errors import StorageError, WarehouseLocked

OPS_DIR = "ops"
LOCK_FILE = "refresh.lock"


def ops_dir(paths: Paths) -> Path:
    return paths.data_dir / OPS_DIR



_held = threading.local()  # lock files this thread holds, so a refresh can call build() under its own lock


@dataclass(frozen=True)
class Holder:
    pid: int | None
    command: str
    since: str

    def describe(self) -> str:
        pid = self.pid if self.pid is not None else "unknown"
        return f"another {self.command} is running (pid {pid}, since {self.since})"


@contextmanager
def refresh_lock(
    paths: Paths, command: str, *, wait: bool = False, on_wait: Callable[[str], None] | None = None
) -> Iterator[None]:
    """Hold the data directory's refresh lock. Raises WarehouseLocked at once when another process holds it,
    or waits for it with `wait`. Re-entrant within one thread (a refresh builds under its own lock)."""
    import filelock

    lock_path = ops_dir(paths) / LOCK_FILE
    held: set = getattr(_held, "paths", set())
    _held.paths = held
    if lock_path in held:
        yield
        return
    try:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        lock = filelock.FileLock(lock_path)
        try:
            lock.acquire(timeout=0)
        except filelock.Timeout:
            holder = lock_holder(paths)
            if not wait:
                raise WarehouseLocked(
                    holder.describe(),
                    "let it finish, or rerun with --wait; the lock is freed automatically when that process ends",
                ) from None
            if on_wait:
                on_wait(f"waiting: {holder.describe()}")
            lock.acquire()
    except OSError as exc:
        raise StorageError(
            f"cannot create the lock file {lock_path}: {exc.strerror or exc}",
            "fix the permissions of the data directory or choose another with --data-dir",
        ) from exc
    held.add(lock_path)
    try:
        try:
            _write_json(_sidecar(paths), {"pid": os.getpid(), "command": command, "since": clock.china_text()})
        except OSError as exc:
            raise StorageError(
                f"cannot write {_sidecar(paths)}: {exc.strerror or exc}", "free disk space or fix permissions"
            ) from exc
        yield
    finally:
        held.discard(lock_path)
        _sidecar(paths).unlink(missing_ok=True)
        lock.release()


def lock_holder(paths: Paths) -> Holder:
    """Who holds the lock, from its sidecar; the sidecar may lag the lock by an instant, hence the defaults."""
    try:
        data = json.loads(_sidecar(paths).read_text(encoding="utf-8"))
        return Holder(int(data["pid"]), str(data.get("command", "refresh")), str(data.get("since", "unknown")))
    except (OSError, ValueError, KeyError, TypeError):
        return Holder(None, "refresh", "an unknown time")


def _sidecar(paths: Paths) -> Path:
    return ops_dir(paths) / f"{LOCK_FILE}.json"



def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    tmp.write_text(json.dumps(data), encoding="utf-8")
    os.replace(tmp, path)
