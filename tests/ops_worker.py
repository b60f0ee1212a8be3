"""Helpers for the operations tests: the period fixture as a refresh's ingest, and a worker process that stops at
a chosen point (mid-write, before the manifest line, mid-build) and waits to be killed.

    python -m tests.ops_worker MODE ROOT MARKER
writes its pid to MARKER when it reaches the point, then sleeps until SIGKILL.
"""

from __future__ import annotations

import io
import os
import shutil
import sys
import time
from pathlib import Path

from pipeline.config import Paths
from pipeline.extract.ingest import IngestReport, ingest_board
from pipeline.ops.refresh import Ingest
from tests import period_fixture

STOP_AT_WRITE = 4  # the worker stops during the 4th raw file it writes


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
    import pyarrow.parquet as pq

    import pipeline.build.run
    from pipeline.raw.store import RawStore
    from pipeline.ops.refresh import refresh

    if mode == "torn-write":
        real = pq.write_table
        calls = {"n": 0}

        def write_half(table, where, **kwargs):
            calls["n"] += 1
            if calls["n"] < STOP_AT_WRITE:
                return real(table, where, **kwargs)
            buffer = io.BytesIO()
            real(table, buffer, **kwargs)
            Path(where).write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])
            _hang(marker)

        pq.write_table = write_half
    elif mode == "before-manifest":
        real_append = RawStore._append_manifest
        calls = {"n": 0}

        def append_or_hang(self, record):
            calls["n"] += 1
            if calls["n"] == STOP_AT_WRITE:
                _hang(marker)
            return real_append(self, record)

        RawStore._append_manifest = append_or_hang
    elif mode == "mid-build":
        pipeline.build.run._run_data_tests = lambda con: _hang(marker)
    else:
        raise SystemExit(f"unknown mode {mode}")
    refresh(paths_under(root), fixture_ingest(), force=True, reports=False)


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]))
