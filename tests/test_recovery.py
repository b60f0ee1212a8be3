"""Recovery: killed processes, corrupt raw files, readers during a swap, full disks, and bad arguments everywhere."""

from __future__ import annotations

import errno
import os
import signal
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

import pipeline.build.run
from pipeline.build import warehouse
from pipeline.build.publish import generations
from pipeline.build.run import build
from pipeline.cli import app
from pipeline.config import PROJECT_ROOT
from pipeline.errors import StorageError
from pipeline.runtime.runlog import RunLog
from pipeline.raw.quarantine import QUARANTINE
from pipeline.raw.store import RawStore
from pipeline.ops.refresh import refresh
from tests.conftest import holder, swap_payload
from tests.ops_worker import STOP_AT_WRITE, copy_built, fixture_ingest, paths_under

runner = CliRunner()
TUESDAY = date(2026, 11, 24)
SAFETY = 120  # seconds before a broken test gives up waiting; never reached when the code works
FY2023_REVENUE_300001 = "select revenue_ytd from marts.fundamentals where code = '300001' and period_end = '2023-12-31'"


def kill_worker_at(mode: str, root: Path) -> int:
    """Start tests/ops_worker.py, wait until it reports the chosen point, SIGKILL it. Returns its pid."""
    marker = root / f"{mode}.reached"
    worker = subprocess.Popen([sys.executable, "-m", "tests.ops_worker", mode, str(root), str(marker)], cwd=PROJECT_ROOT)
    deadline = time.monotonic() + SAFETY
    while not marker.exists() and worker.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.exists(), f"the worker exited with {worker.poll()} before reaching {mode}"
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(SAFETY)
    return worker.pid


def pack_files(paths) -> list[str]:
    return sorted(p.relative_to(paths.raw_dir).as_posix() for p in (paths.raw_dir / "packs").rglob("*.parquet"))


def store_index(paths):
    from pipeline.raw.packs import Index

    return Index(paths.raw_dir)


def store_holds(paths, record) -> bool:
    return RawStore(paths.raw_dir).holds(record.path)


def scalar(path: Path, sql: str):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()[0][0]
    finally:
        con.close()


@pytest.mark.parametrize("mode", ["torn-write", "before-index", "before-manifest"])
def test_killed_during_ingest_a_rerun_resumes_without_duplicates_or_torn_files(tmp_path, fixture_paths, mode):
    paths = paths_under(tmp_path)
    pid = kill_worker_at(mode, tmp_path)
    store = RawStore(paths.raw_dir)
    assert store.records() == []  # the first batch's manifest lines are written last: none of it counts
    if mode == "torn-write":
        torn = list(paths.raw_dir.rglob(f"*.tmp{pid}"))
        assert len(torn) == 1 and len(pack_files(paths)) == STOP_AT_WRITE - 1  # the half-written pack, never renamed
    elif mode == "before-index":
        assert len(pack_files(paths)) == STOP_AT_WRITE and len(store_index(paths).listed) == STOP_AT_WRITE - 1
    else:
        assert len(store_index(paths).listed) == len(pack_files(paths)) > STOP_AT_WRITE

    run = refresh(paths, fixture_ingest(), today=TUESDAY, reports=False)

    assert run.status == "success"
    assert not list(paths.raw_dir.rglob("*.tmp*"))
    store = RawStore(paths.raw_dir)
    manifest_paths = {r.path for r in store.records()}
    assert all(store.location(p) for p in manifest_paths)
    assert pack_files(paths) == sorted(store_index(paths).live_packs())  # the unlisted pack was removed
    assert RawStore(paths.raw_dir).verify(full=True) == []
    reference = {r.path for r in RawStore(fixture_paths.raw_dir).records()}
    assert manifest_paths == reference  # the same payloads as an uninterrupted ingest, each once
    assert scalar(paths.warehouse, FY2023_REVENUE_300001) == scalar(fixture_paths.warehouse, FY2023_REVENUE_300001) == 610e6
    killed = RunLog(paths).runs()[0]
    assert killed.pid == pid and killed.status == "interrupted"


def test_killed_during_build_the_previous_warehouse_is_intact_and_queryable(tmp_path, fixture_paths):
    paths = copy_built(fixture_paths, tmp_path)
    before = paths.warehouse.read_bytes()
    kill_worker_at("mid-build", tmp_path)

    assert paths.warehouse.read_bytes() == before
    assert warehouse.query(paths, "select count(*) from marts.benchmark").rows == [(18,)]
    assert list(paths.warehouses_dir.glob(".building-*"))  # the killed build's file is left behind …
    build(paths)
    assert not list(paths.warehouses_dir.glob(".building-*"))  # … and removed by the next build under the lock


@pytest.mark.parametrize("damage", ["truncated", "hash mismatch"])
def test_a_corrupt_raw_file_is_quarantined_and_the_build_does_not_crash(tmp_path, fixture_paths, damage):
    paths = copy_built(fixture_paths, tmp_path)
    store = RawStore(paths.raw_dir)
    restated = list(store.versions("stock_profit_sheet_by_report_em"))
    restated = [r for r in restated if r.args["symbol"] == "SZ300001"][-1]  # the version with FY2023 = 610
    target = holder(store, restated)
    if damage == "truncated":
        target.write_bytes(target.read_bytes()[: target.stat().st_size // 2])
    else:  # a valid pack with other content under this hash
        other = next(r for r in store.records("stock_profit_sheet_by_report_em") if r.args["symbol"] == "SH600001")
        swap_payload(store, restated, other)
    alongside = [r.path for r in store.versions("stock_profit_sheet_by_report_em") if holder(store, r) == target]

    result = build(paths)

    # an unreadable pack takes the payloads beside it along; a forged payload only itself
    assert [p.path for p in result.quarantined] == (alongside if damage == "truncated" else [restated.path])
    assert restated.path in alongside
    assert result.quarantined[0].reason.startswith({"truncated": "unreadable", "hash mismatch": "hash mismatch"}[damage])
    assert result.warnings and restated.path in " ".join(result.warnings)
    if damage == "truncated":  # the damaged pack is moved aside
        assert not target.exists() and list((paths.raw_dir / QUARANTINE).rglob("*.parquet.*"))
    # Built without the corrupt restatement: FY2023 falls back to the first version's 600.
    assert scalar(paths.warehouse, FY2023_REVENUE_300001) == 600e6

    if damage == "truncated":  # fetching again restores it (the same for either damage)
        run = refresh(paths, fixture_ingest(), today=TUESDAY, reports=False)
        assert run.status == "success" and run.payloads_added == len(alongside) and store_holds(paths, restated)
        assert scalar(paths.warehouse, FY2023_REVENUE_300001) == 610e6


def test_a_reader_holding_the_warehouse_open_during_a_swap_and_the_refresh_both_succeed(tmp_path, fixture_paths):
    paths = copy_built(fixture_paths, tmp_path)
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(paths.warehouse)],
        cwd=PROJECT_ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        built_before = reader.stdout.readline().strip()
        run = refresh(paths, fixture_ingest(), today=TUESDAY, reports=False)
        reader.stdin.write("again\n")
        reader.stdin.flush()
        assert reader.stdout.readline().strip() == built_before  # the open session keeps the file it opened
    finally:
        reader.stdin.close()
        reader.wait(SAFETY)
    assert run.status == "success" and run.rows_changed is not None
    built_after = warehouse.query(paths, "select built_at::varchar from ops.build_info").rows[0][0]
    assert built_after != built_before  # new sessions see the new warehouse


def test_an_analyst_holding_the_warehouse_open_for_writing_does_not_block_the_refresh(tmp_path, fixture_paths):
    paths = copy_built(fixture_paths, tmp_path)
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(paths.warehouse)],
        cwd=PROJECT_ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert writer.stdout.readline().strip() == "open"
        run = refresh(paths, fixture_ingest(), today=TUESDAY, reports=False)
    finally:
        writer.stdin.close()
        writer.wait(SAFETY)
    assert run.status == "success"
    assert run.rows_changed is None and any("rows changed not computed" in w for w in run.warnings)
    # Its write-ahead log belonged to the replaced file; left beside the new one, DuckDB would refuse to open it.
    assert any("were moved to" in w for w in run.warnings) and list(paths.warehouses_dir.glob("*.orphaned-*.wal"))
    assert warehouse.query(paths, "select count(*) from marts.benchmark").rows == [(18,)]


READER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
print(con.execute("select built_at::varchar from ops.build_info").fetchall()[0][0], flush=True)
sys.stdin.readline()
print(con.execute("select built_at::varchar from ops.build_info").fetchall()[0][0], flush=True)
"""
WRITER = """
import os, sys, duckdb
os.chmod(sys.argv[1], 0o644)  # as root could ignore the read-only mode anyway
con = duckdb.connect(sys.argv[1])
con.execute("set checkpoint_threshold = '1GB'")  # keep the change in the write-ahead log, as a long session does
con.execute("create table main.analyst_scratch as select 1 as x")
print("open", flush=True)
sys.stdin.read()
os._exit(0)  # gone without a checkpoint, as a killed session would be
"""


@pytest.mark.parametrize("failure", ["os.replace ENOSPC", "duckdb IOException"])
def test_disk_full_during_a_build_is_a_clear_error_and_the_old_warehouse_stays(tmp_path, fixture_paths, monkeypatch, failure):
    paths = copy_built(fixture_paths, tmp_path)
    before = paths.warehouse.read_bytes()
    if failure == "os.replace ENOSPC":  # the rename that files the finished build
        monkeypatch.setattr(pipeline.build.run, "os", _NoSpaceOs())
    else:
        def io_error(*args, **kwargs):
            raise duckdb.IOException('Could not write file ".building.duckdb": No space left on device')

        # whichever way the build goes: a full build, or an incremental one from a copy of the live warehouse
        monkeypatch.setattr(pipeline.build.run, "_build_into", io_error)
        monkeypatch.setattr(pipeline.build.run, "_build_incremental", io_error)

    with pytest.raises(StorageError) as raised:
        build(paths)
    assert "No space left on device" in raised.value.message and "previous warehouse is untouched" in raised.value.remedy
    monkeypatch.undo()
    assert paths.warehouse.read_bytes() == before and len(generations(paths)) == 1
    assert not list(paths.warehouses_dir.glob(".building-*")) and not list(paths.data_dir.glob(".swap-*"))


class _NoSpaceOs:
    """The os module, except that renames fail as on a full disk."""

    def __getattr__(self, name):
        return getattr(os, name)

    @staticmethod
    def replace(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")


def test_an_unwritable_warehouses_directory_is_a_clear_error(tmp_path, fixture_paths):
    paths = copy_built(fixture_paths, tmp_path)
    before = paths.warehouse.read_bytes()
    shutil.rmtree(paths.warehouses_dir)  # kept warehouses and their publish log
    paths.warehouses_dir.write_text("a file where the directory should be")  # blocks writes even for root
    result = runner.invoke(app, ["--data-dir", str(paths.data_dir), "build"])
    assert result.exit_code == 8 and "Error: the data directory" in result.output and "Traceback" not in result.output
    assert paths.warehouse.read_bytes() == before


def test_rollback_restores_the_previous_warehouse_and_old_builds_are_pruned(tmp_path, fixture_paths):
    paths = copy_built(fixture_paths, tmp_path)
    first = generations(paths)[0].name
    assert pipeline.build.run.KEEP_WAREHOUSES == 3  # the default; two keep the test short
    for _ in range(2):
        build(paths, keep=2)
    kept = generations(paths)
    assert len(kept) == 2 and os.path.samefile(kept[-1], paths.warehouse)
    assert all(not p.stat().st_mode & 0o222 for p in kept)  # read-only on disk

    result = runner.invoke(app, ["--data-dir", str(paths.data_dir), "rollback"])
    assert result.exit_code == 0 and f"restored {kept[-2].name}" in result.output
    assert os.path.samefile(kept[-2], paths.warehouse)
    result = runner.invoke(app, ["--data-dir", str(paths.data_dir), "rollback"])
    assert result.exit_code == 6 and "no warehouse older than the live one" in result.output
    assert first not in [p.name for p in generations(paths)]  # the oldest of three builds was pruned


def test_a_warehouse_built_before_builds_were_kept_can_be_rolled_back_to(tmp_path, fixture_paths):
    paths = copy_built(fixture_paths, tmp_path)
    legacy = paths.warehouse.read_bytes()
    for kept in generations(paths):  # as a warehouse built by an earlier leasewatch would be
        kept.unlink()
    build(paths)
    assert len(generations(paths)) == 2  # the legacy file was adopted
    assert runner.invoke(app, ["--data-dir", str(paths.data_dir), "rollback"]).exit_code == 0
    assert paths.warehouse.read_bytes() == legacy


# Bad input to every command: one `Error:` line, a distinct exit code, no traceback.
BAD_ARGUMENTS = [
    # (arguments, needs a built warehouse, exit code, text in the error)
    (["refresh", "--source", "nope"], False, 2, "Invalid value for '--source'"),
    (["refresh", "--source", "sample", "--firms", "0"], False, 2, "--firms"),
    (["refresh", "--source", "akshare", "--years", "3"], False, 2, "--firms and --years size the embedded sample"),
    (["refresh", "--min-interval", "-1"], False, 2, "--min-interval"),
    (["schedule"], False, 2, "Missing option '--print'"),
    (["schedule", "--print", "launchd"], False, 2, "Invalid value for '--print'"),
    (["schedule", "--print", "cron", "--at", "7pm"], False, 2, "is not a time of day"),
    (["schedule", "--print", "cron", "--at", "24:00"], False, 2, "is not a time of day"),
    (["export", "--format", "xlsx", "out"], False, 2, "Invalid value for '--format'"),
    (["export", "out"], False, 6, "no warehouse"),
    (["export", "{file}"], True, 2, "is a file, not a directory"),
    (["rollback"], False, 6, "no warehouse"),
    (["query", "drop table marts.benchmark"], True, 9, "read-only"),
    (["query", "selec 1"], True, 9, "malformed SQL"),
    (["schema", "marts.nope"], True, 2, "no table marts.nope"),
    (["firm", "abc"], True, 2, "not an A-share code"),
    (["firm", "999999"], True, 2, "no firm"),
    (["firm", "300001", "--quarters", "0"], True, 2, "--quarters"),
    (["build", "--gross", "40"], False, 2, "--gross"),
    (["demo", "--years", "0"], False, 2, "--years"),
    (["ingest", "--source", "nope"], False, 2, "Invalid value for '--source'"),
    (["universe", "import", "{missing}"], False, 2, "no file"),
    (["universe", "sync", "--board", "XYZ"], False, 2, "is not an EastMoney board code"),
    (["economics", "--utilization", "abc"], False, 2, "is not a number"),
]


@pytest.mark.parametrize("args, built, code, text", BAD_ARGUMENTS, ids=[" ".join(a[0]) for a in BAD_ARGUMENTS])
def test_bad_arguments_give_one_line_errors_and_distinct_exit_codes(tmp_path, fixture_paths, args, built, code, text):
    paths = fixture_paths if built else paths_under(tmp_path)
    (tmp_path / "a-file").write_text("")
    args = [a.format(file=tmp_path / "a-file", missing=tmp_path / "missing.csv") for a in args]
    result = runner.invoke(app, ["--data-dir", str(paths.data_dir), *args])
    assert result.exit_code == code, result.output
    assert text in result.output and "Traceback" not in result.output
    assert len([line for line in result.output.splitlines() if line.startswith("Error:")]) == 1


def test_a_data_dir_inside_a_file_is_a_storage_error(tmp_path):
    (tmp_path / "a-file").write_text("")
    result = runner.invoke(app, ["--data-dir", str(tmp_path / "a-file" / "data"), "refresh", "--source", "sample", "--force"])
    assert result.exit_code == 8 and "Error: cannot write the log directory" in result.output
    assert "Traceback" not in result.output
