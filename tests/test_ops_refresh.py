"""`leasewatch refresh`: the cycle, its run log (`ops.runs`), the trading calendar, exit codes, log files."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

import pipeline.build.models
import pipeline.clock
import pipeline.runtime.lock
import pipeline.runtime.runlog
import pipeline.ops.refresh
from pipeline.build.publish import generations
from pipeline.cli import app
from pipeline.config import SQL_DIR
from pipeline.errors import DataTestFailed, LeasewatchError, SourceBlockedError
from pipeline.extract.ingest import IngestReport
from pipeline.runtime.runlog import RunLog
from pipeline.raw import tidy
from pipeline.raw.store import RawStore
from pipeline.ops.refresh import Ingest, refresh, rollback
from tests import akshare_shapes as shapes
from tests.conftest import holder
from tests.ops_worker import copy_built, fixture_ingest

runner = CliRunner()
TUESDAY = date(2026, 11, 24)
SATURDAY = date(2026, 11, 28)
NATIONAL_DAY = date(2026, 10, 1)  # a Thursday the Shanghai exchange is closed
PAST_CALENDAR_MONDAY = date(2100, 1, 4)  # exchange_calendars 4.13.2's XSHG ends 2026-12-31
PAST_CALENDAR_SATURDAY = date(2100, 1, 2)


def invoke(paths, *args):
    return runner.invoke(app, ["--data-dir", str(paths.data_dir), "--reports-dir", str(paths.reports_dir), *args])


def marts_of(path) -> dict[str, list]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = [r[0] for r in con.execute("select table_name from duckdb_tables() where schema_name = 'marts'").fetchall()]
        return {t: sorted(con.execute(f"select * from marts.{t}").fetchall(), key=repr) for t in tables}
    finally:
        con.close()


def counting(ingest: Ingest) -> tuple[Ingest, list]:
    calls = []

    def run(store, on_progress, step):
        calls.append(1)
        return ingest.run(store, on_progress, step)

    return Ingest(ingest.name, run), calls


def test_sample_refresh_twice_fetches_nothing_new_and_builds_the_same_marts(paths):
    first = refresh(paths, pipeline.ops.refresh.sample_ingest(firms=2, years=2), today=TUESDAY, reports=False)
    files = sorted(p.relative_to(paths.raw_dir) for p in paths.raw_dir.rglob("*.parquet"))
    payloads = {r.path for r in RawStore(paths.raw_dir).records()}
    second = refresh(paths, pipeline.ops.refresh.sample_ingest(firms=2, years=2), today=TUESDAY, reports=False)

    assert (first.status, second.status) == ("success", "success")
    assert first.payloads_added == len(payloads) > len(files) > 0  # many payloads to a pack
    assert first.upstream_calls > 0 and second.upstream_calls == 0 and second.payloads_added == 0  # not replayed
    assert sorted(p.relative_to(paths.raw_dir) for p in paths.raw_dir.rglob("*.parquet")) == files
    assert all(m["changed"] == 0 and m["removed"] == 0 for m in second.rows_changed.values())
    built = generations(paths)
    assert [p.name for p in built[-2:]] == [first.warehouse, second.warehouse]
    assert marts_of(built[-2]) == marts_of(built[-1])


def test_a_refresh_reads_the_manifest_and_the_pack_index_once(paths, monkeypatch):
    from tests.test_raw_manifest import counted_manifest_reads
    from tests.test_raw_packs import counted_index_reads

    refresh(paths, fixture_ingest(), today=TUESDAY, reports=False)
    manifest_reads, index_reads = counted_manifest_reads(monkeypatch), counted_index_reads(monkeypatch)
    run = refresh(paths, fixture_ingest(), today=TUESDAY, reports=False)
    reads = {"manifest": len(manifest_reads), "index": len(index_reads)}
    assert run.status == "success" and run.upstream_calls > 0  # the fixture's snapshot is fetched again, and stored
    assert reads == {"manifest": 1, "index": 1}  # the build goes on from what the ingest's store holds


def test_the_run_log_is_ops_runs_and_survives_swaps_and_rollback(paths):
    a = refresh(paths, fixture_ingest(), today=TUESDAY, reports=False)
    b = refresh(paths, fixture_ingest(), today=TUESDAY, reports=False)
    assert a.rows_changed["marts.benchmark"] == {"rows": 18, "changed": 18, "removed": 0}  # first build: all new
    assert b.rows_changed["marts.benchmark"] == {"rows": 18, "changed": 0, "removed": 0}
    assert b.data_tests and set(b.data_tests.values()) == {0}

    back = rollback(paths)
    assert back.status == "success" and back.warehouse == a.warehouse
    con = duckdb.connect(str(paths.warehouse), read_only=True)
    try:
        # The restored warehouse was built during run a: it knows only that run, still running.
        assert con.execute("select run_id, status from ops.runs").fetchall() == [(a.run_id, "running")]
    finally:
        con.close()

    c = refresh(paths, fixture_ingest(), today=TUESDAY, reports=False)
    con = duckdb.connect(str(paths.warehouse), read_only=True)
    try:
        rows = con.execute(
            "select command, status, exit_code, upstream_calls, payloads_added, "
            "rows_changed->>'$.\"marts.benchmark\".changed', data_tests->>'$.unique_keys' "
            "from ops.runs order by started_at, run_id"
        ).fetchall()
        comments = con.execute(
            "select count(*), count(comment) from duckdb_columns() where schema_name = 'ops' and table_name = 'runs'"
        ).fetchone()
        table_comment = con.execute("select comment from duckdb_tables() where schema_name = 'ops' and table_name = 'runs'").fetchone()[0]
    finally:
        con.close()
    calls = a.upstream_calls
    assert rows == [
        ("refresh", "success", 0, calls, a.payloads_added, "18", "0"),
        ("refresh", "success", 0, calls, 0, "0", "0"),
        ("rollback", "success", 0, None, None, None, None),
        ("refresh", "running", None, calls, 0, None, None),  # c itself, at build time
    ]
    assert comments[0] == comments[1] == len(pipeline.runtime.runlog.RUNS_COLUMNS)  # every column has a COMMENT
    assert table_comment.startswith("One row per scheduled or manual run")
    assert [r.status for r in RunLog(paths).runs()] == ["success", "success", "success", c.status]


def test_non_trading_days_are_skipped_unless_forced(paths):
    ingest, calls = counting(fixture_ingest())
    for day in (SATURDAY, NATIONAL_DAY):
        run = refresh(paths, ingest, today=day, reports=False)
        assert run.status == "skipped" and run.exit_code == 0 and str(day) in run.message
    assert calls == [] and not paths.warehouse.exists()

    forced = refresh(paths, ingest, today=NATIONAL_DAY, force=True, reports=False)
    assert forced.status == "success" and forced.forced and calls == [1]


def test_a_date_past_the_calendar_degrades_to_weekdays_with_a_warning(paths):
    ingest, calls = counting(Ingest("fixture", lambda store, p, s: IngestReport()))
    saturday = refresh(paths, ingest, today=PAST_CALENDAR_SATURDAY, reports=False)
    assert saturday.status == "skipped"
    assert any("no exchange calendar for 2100" in w for w in saturday.warnings)
    with pytest.raises(LeasewatchError) as raised:  # a weekday runs: the ingest is called, the empty raw layer stops the build
        refresh(paths, ingest, today=PAST_CALENDAR_MONDAY, reports=False)
    assert "raw layer" in str(raised.value) and calls == [1]
    monday = RunLog(paths).runs()[-1]
    assert monday.status == "failed" and any("weekdays are taken as trading days" in w for w in monday.warnings)


def test_partial_run_exits_10_and_names_the_symbols(paths, monkeypatch):
    def without_000003(store, on_progress, step):
        from pipeline.extract.ingest import ingest_board
        from tests import period_fixture

        source = period_fixture.source()
        source.frames = {k: v for k, v in source.frames.items() if "SZ000003" not in k and "000003" not in k}
        return ingest_board(source, store, period_fixture.BOARD, price_end="20241231")

    monkeypatch.setattr(pipeline.ops.refresh, "sample_ingest", lambda firms, years: Ingest("fixture", without_000003))
    monkeypatch.setattr(pipeline.clock, "china_now", lambda: datetime(2026, 11, 24, 18, 30))
    result = invoke(paths, "refresh", "--source", "sample", "--no-reports")
    assert result.exit_code == 10, result.output
    assert "failed 000003" in result.output and "Error: partial: 1 symbols failed (000003)" in result.output
    run = RunLog(paths).runs()[-1]
    assert run.status == "partial" and list(run.failures) == ["000003"] and paths.warehouse.exists()


def test_blocked_source_exits_3_and_keeps_the_warehouse(tmp_path, fixture_paths):
    paths = copy_built(fixture_paths, tmp_path)
    before = paths.warehouse.read_bytes()

    def blocked(store, on_progress, step):
        raise SourceBlockedError("the source is refusing us; retry after 19:30", "wait for the cool-down")

    with pytest.raises(SourceBlockedError):
        refresh(paths, Ingest("fixture", blocked), today=TUESDAY, reports=False)
    run = RunLog(paths).runs()[-1]
    assert (run.status, run.exit_code) == ("blocked", 3) and "refusing us" in run.message
    assert paths.warehouse.read_bytes() == before and len(generations(paths)) == 1


def test_failed_data_tests_exit_5_keep_the_old_warehouse_and_are_logged(tmp_path, fixture_paths, monkeypatch):
    import shutil

    paths = copy_built(fixture_paths, tmp_path / "copy")
    before = paths.warehouse.read_bytes()
    sql = tmp_path / "sql"
    shutil.copytree(SQL_DIR, sql)
    (sql / "tests" / "always_fails.sql").write_text("select 'x' as offending_row")
    monkeypatch.setattr(pipeline.build.models, "SQL_DIR", sql)

    with pytest.raises(DataTestFailed):
        refresh(paths, fixture_ingest(), today=TUESDAY, reports=False)
    run = RunLog(paths).runs()[-1]
    assert (run.status, run.exit_code) == ("failed", 5)
    assert run.data_tests["always_fails"] == 1 and run.data_tests["unique_keys"] == 0
    assert paths.warehouse.read_bytes() == before and len(generations(paths)) == 1


def test_internal_errors_are_logged_without_local_variables(paths, monkeypatch):
    def broken(store, on_progress, step):
        token = "hunter2-" + "local-value"
        raise RuntimeError(f"boom after {len(token)} characters")

    monkeypatch.setattr(pipeline.ops.refresh, "sample_ingest", lambda firms, years: Ingest("fixture", broken))
    result = invoke(paths, "refresh", "--source", "sample", "--force", "--no-reports")
    assert result.exit_code == 70 and "Traceback" not in result.output
    log = (paths.logs_dir / "leasewatch.log").read_text(encoding="utf-8")
    assert "Traceback" in log and "RuntimeError: boom after 19 characters" in log
    assert "hunter2-local-value" not in log and "hunter2-local-value" not in result.output
    assert RunLog(paths).runs()[-1].exit_code == 70


def test_log_files_rotate(paths, monkeypatch):
    monkeypatch.setattr(pipeline.runtime.runlog, "LOG_MAX_BYTES", 300)
    for _ in range(4):
        refresh(paths, fixture_ingest(), today=SATURDAY, reports=False)
    logs = sorted(p.name for p in paths.logs_dir.iterdir())
    assert "leasewatch.log" in logs and "leasewatch.log.1" in logs


def test_refresh_prints_the_skip_and_the_run_lines_in_the_log_file(paths, monkeypatch):
    monkeypatch.setattr(pipeline.clock, "china_now", lambda: datetime(2026, 11, 28, 18, 30))
    result = invoke(paths, "refresh", "--source", "sample")
    assert result.exit_code == 0 and "Skipped: 2026-11-28 is not a trading day" in result.output
    lines = (paths.data_dir / "ops" / "runs.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[-1])["status"] == "skipped"
    assert "skipped: 2026-11-28 is not a trading day" in (paths.logs_dir / "leasewatch.log").read_text(encoding="utf-8")


def test_a_corrupt_raw_file_that_is_not_fetched_again_makes_the_run_partial(tmp_path, fixture_paths):
    paths = copy_built(fixture_paths, tmp_path)
    store = RawStore(paths.raw_dir)
    record = next(r for r in store.records("stock_zygc_em") if r.args["symbol"] == "SZ300001")
    holder(store, record).write_bytes(b"PAR1 not really")
    nothing = Ingest("fixture", lambda store, p, s: IngestReport())
    run = refresh(paths, nothing, today=TUESDAY, reports=False)
    assert run.status == "partial" and run.exit_code == 10
    assert "SZ300001" in run.failures and "unreadable" in run.failures["SZ300001"]
    assert record.path in [q["path"] for q in run.quarantined]


def test_refresh_writes_both_reports_and_logs_them(paths):
    run = refresh(paths, pipeline.ops.refresh.sample_ingest(firms=3, years=2), today=TUESDAY)
    assert run.status == "success"
    assert sorted(p.rsplit(".", 1)[1] for p in run.reports) == ["html", "xlsx"]
    for report in run.reports:
        assert report.startswith(str(paths.reports_dir)) and Path(report).stat().st_size > 0
    # the run log (data/ops/runs.jsonl, loaded into ops.runs by every build) records where the reports went
    logged = [json.loads(line) for line in (pipeline.runtime.lock.ops_dir(paths) / pipeline.runtime.runlog.RUNS_FILE).read_text().splitlines()]
    assert logged[-1]["run_id"] == run.run_id and logged[-1]["reports"] == run.reports
    assert "2 reports" in run.message


def test_a_refresh_merges_the_small_packs_daily_runs_leave(paths, monkeypatch):
    monkeypatch.setattr(pipeline.ops.refresh, "AUTO_COMPACT_AT", 1)
    store = RawStore(paths.raw_dir)
    for day in range(1, 4):  # three earlier runs' packs of one function (one no model reads: the marts stay the sample's)
        store.put(source="sample", function="leasewatch_test_only", args={"symbol": "990001"},
                  frame=shapes.hist("990001", {f"2025-01-0{day}": 1.0 + day}), fetched_at=datetime(2025, 1, day),
                  source_version="1.19.5", is_sample=True)
    assert tidy.small_packs(RawStore(paths.raw_dir)) == 2
    run = refresh(paths, pipeline.ops.refresh.sample_ingest(firms=2, years=2), today=TUESDAY, reports=False)
    assert run.status == "success"
    assert tidy.small_packs(RawStore(paths.raw_dir)) == 0
    assert "compacted the raw layer" in (paths.logs_dir / "leasewatch.log").read_text(encoding="utf-8")
