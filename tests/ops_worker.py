"""Helpers for the operations tests: the period fixture as a refresh's ingest, and a worker process that stops at
a chosen point (mid-pack-write, before a pack's index line, before the manifest lines, mid-build) and waits to be killed.

    python -m tests.ops_worker MODE ROOT MARKER
writes its pid to MARKER when it reaches the point, then sleeps until SIGKILL.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

from pipeline.config import Paths
from pipeline.extract.ingest import IngestReport, ingest_board
from pipeline.ops.refresh import Ingest
from tests import period_fixture

STOP_AT_WRITE = 4  # the worker stops during the 4th pack it writes (torn-write, before-index)


def fixture_ingest(*, restated_too: bool = True) -> Ingest:
    """The period fixture's two fetches (the second restates FY2023 of 300001), as tests/conftest.py builds it."""

    def run(store, on_progress, _step) -> IngestReport:
        report = ingest_board(period_fixture.source(), store, period_fixture.BOARD, price_end="20241231")
        if restated_too:
            report.merge(
                ingest_board(period_fixture.source(restated=True), store, period_fixture.BOARD, price_end="20241231")
            )
        return report

    return Ingest("fixture", run)


def paths_under(root: Path) -> Paths:
    return Paths.resolve(root / "data", root / "reports")


def flip_keeping_time(path: Path, offset: int | None = None) -> None:
    """Flip one byte (in the middle of the file unless `offset` says where) and put the file's mode and
    modification time back, as bit rot would leave it."""
    stat = path.stat()
    os.chmod(path, 0o644)
    with path.open("r+b") as fh:
        fh.seek(stat.st_size // 2 if offset is None else offset)
        byte = fh.read(1)
        fh.seek(-1, os.SEEK_CUR)
        fh.write(bytes([byte[0] ^ 0x20]))
    os.chmod(path, stat.st_mode & 0o777)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def copy_built(built: Paths, root: Path) -> Paths:
    """A private copy of a built data directory (raw layer, kept warehouses, run log), much faster than building.
    The live warehouse is linked to its kept file again, as a build leaves it."""
    from pipeline.build.publish import current_generation

    paths = paths_under(root)
    live = current_generation(built)
    shutil.copytree(built.data_dir, paths.data_dir, ignore=shutil.ignore_patterns("*.lock", "*.lock.json", "logs"))
    paths.warehouse.unlink()
    os.link(paths.warehouses_dir / live.name, paths.warehouse)
    return paths


def _hang(marker: Path) -> None:
    marker.write_text(str(os.getpid()))
    while True:
        time.sleep(60)


def main(mode: str, root: Path, marker: Path) -> None:
    import pipeline.build.models
    import pipeline.raw.packs as packs
    from pipeline.ops.refresh import refresh
    import pipeline.raw.store as store

    calls = {"n": 0}
    if mode == "torn-write":
        real_fsync = packs.fsync_file

        def fsync_or_tear(path):
            calls["n"] += 1
            if calls["n"] < STOP_AT_WRITE:
                return real_fsync(path)
            Path(path).write_bytes(Path(path).read_bytes()[: Path(path).stat().st_size // 2])
            _hang(marker)

        packs.fsync_file = fsync_or_tear
    elif mode == "before-index":
        real_add = packs.Index.add

        def add_or_hang(self, locations):
            calls["n"] += 1
            if calls["n"] == STOP_AT_WRITE:
                _hang(marker)
            return real_add(self, locations)

        packs.Index.add = add_or_hang
    elif mode == "before-manifest":
        real_append = store.append_alone

        def append_or_hang(path, lines, known):
            if Path(path).name == store.MANIFEST:
                _hang(marker)
            return real_append(path, lines, known)

        store.append_alone = append_or_hang
    elif mode == "mid-build":
        pipeline.build.models.run_data_tests = lambda con, *scoped: _hang(marker)
    else:
        raise SystemExit(f"unknown mode {mode}")
    refresh(paths_under(root), fixture_ingest(), force=True, reports=False)


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]))
