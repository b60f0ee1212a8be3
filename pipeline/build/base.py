"""The file a build writes: the next generation, made from a kept warehouse the pruning after this build deletes
anyway (taken over in place, once its SHA-256 is still the one published), or from a copy of the live warehouse, or
new for a full build; with DuckDB's memory bounded.

The kept warehouse a build will likely take over is hashed on a second thread while the build reads the raw layer
(check_ahead); open_base waits for that check before it moves the file.
"""

from __future__ import annotations

import os
import shutil
from concurrent import futures
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Callable, Mapping

from pipeline.build import incremental, publish_log
from pipeline.build.publish import reusable
from pipeline.config import Paths
from pipeline.errors import LeasewatchError

DUCKDB_MEMORY_LIMIT = "1GB"  # of a 1.5 GiB budget for a full-market build (issue 16): the rest is Python, Arrow and polars


def check_ahead(paths: Paths, keep: int) -> dict[Path, Future]:
    """Start checking, on a second thread, the kept warehouse a build will likely take over (see open_base) against
    the publish log: its SHA-256 (2.9 s for the full market's 3.6 GB) is taken while this thread reads the raw layer."""
    try:
        candidates = reusable(paths, keep)[:1]
    except (LeasewatchError, OSError):  # an unreadable publish log or folder: the build reports it where it reads them
        return {}
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="check-kept")
    ahead = {path: pool.submit(_changed, path, entry) for path, entry in candidates}
    pool.shutdown(wait=False)
    return ahead


def _changed(path: Path, entry: publish_log.Entry) -> str | None:
    """Why the kept warehouse `path` is not the file `entry` published, its bytes hashed again; None when it is."""
    try:
        return publish_log.changed(path, entry, full=True)
    except OSError as exc:
        return f"it cannot be read: {exc.strerror or exc}"


def open_base(paths: Paths, live: incremental.Base, fingerprint: str, keep: int, target: Path,
               step: Callable[[str], None], warnings: list[str],
               ahead: Mapping[Path, Future] | None = None):
    """A connection to `target`, the next generation, made from a kept warehouse the pruning after this build
    deletes anyway: moved to `target` and brought up to date in place, it costs no copy (the full market's live
    file is 3.6 GB, 15 s to copy here). Before it is taken over, its SHA-256 must still be the one published (bit
    rot that kept the file's time is caught here, as rollback would catch it) and its build state one this build
    can start from; no client may have it open: a reader in another process holding it since it was live keeps
    DuckDB's lock on it, one in this process is seen in /proc (publish.reusable). A file that cannot be taken over
    is left as it was (its name, mode, bytes and time) and the next is tried. Otherwise `target` is a copy of the
    live warehouse. Returns the connection, the base and the taken-over generation's name ('' for a copy).

    The chain of incremental builds goes on from the live warehouse's (FULL_EVERY counts builds in a row); the
    growth check is the taken-over file's own. What it costs: a build that fails after taking one over leaves one
    rollback target fewer until the next build (the one it would have pruned on success; keep ≥ 3 leaves another)."""
    import duckdb

    settings = duckdb_settings(target.parent)
    ahead = ahead or {}
    futures.wait(ahead.values())  # a check's open file would count as one this process holds (publish.reusable)
    for kept, entry in reusable(paths, keep):
        if (why := ahead[kept].result() if kept in ahead else _changed(kept, entry)) is not None:
            warnings.append(f"the kept warehouse {kept} changed after it was published ({why}): not built on; "
                            "pruning deletes it, and `leasewatch verify --full` names such files")
            step(f"warning: {warnings[-1]}")
            continue
        start = incremental.base(kept, fingerprint)
        if start.path is None:
            continue
        os.replace(kept, target)
        try:
            os.chmod(target, 0o644)
            con = duckdb.connect(str(target), config=settings)
        except BaseException as exc:
            os.replace(target, kept)  # back as it was: its name first, then its mode; its bytes and time untouched
            try:
                os.chmod(kept, 0o444)
            except OSError:
                pass
            if isinstance(exc, duckdb.IOException) and "lock" in str(exc).lower():
                step(f"{kept.name} is open in another process: not taken over")
                continue
            if isinstance(exc, (OSError, duckdb.Error)):
                step(f"{kept.name} cannot be taken over ({str(exc).strip().splitlines()[0]}): not taken over")
                continue
            raise
        step(f"incremental build from {kept.name}, reused in place (a kept warehouse this build would delete)")
        return con, incremental.Base(target, chain=live.chain, full_blocks=start.full_blocks), kept.name
    step(f"incremental build from {live.path.name}")
    shutil.copyfile(live.path, target)  # copy_file_range: a reflink where the filesystem has them
    os.chmod(target, 0o644)
    return duckdb.connect(str(target), config=settings), live, ""


def duckdb_settings(folder: Path) -> dict:
    """Bound DuckDB's memory (it would take 80 % of the machine): past the limit, joins, sorts and windows spill to
    a folder beside the warehouses, removed with the connection. LEASEWATCH_DUCKDB_MEMORY overrides the limit."""
    return {
        "memory_limit": os.environ.get("LEASEWATCH_DUCKDB_MEMORY", DUCKDB_MEMORY_LIMIT),
        "temp_directory": str(folder / ".spill"),
    }
