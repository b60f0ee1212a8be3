"""Faults during a live ingest with akshare substituted: resets, timeouts and the circuit breaker, an
interruption and its resume, schema drift, empty frames, truncated statement histories, and the CLI's answers."""

from __future__ import annotations

import threading
from datetime import datetime

import pandas as pd
import pytest
from typer.testing import CliRunner

from pipeline import sources
from pipeline.cli import app
from pipeline.errors import SchemaDriftError, SourceBlockedError
from pipeline.extract.ingest import ingest_live
from pipeline.raw.store import RawStore
from pipeline.extract.universe import import_file
from tests import akshare_shapes as shapes
from tests import period_fixture
from tests.fake_akshare import World, long_history

JUNE_3 = datetime(2025, 6, 3, 18, 0)
MEMBERS = "代码,名称\n300001,测试算力\n600001,测试彩印\n000003,测试空壳\n"


@pytest.fixture
def world(monkeypatch) -> World:
    world = World(JUNE_3)
    world.install(monkeypatch)
    return world


def imported(paths, world) -> RawStore:
    store = RawStore(paths.raw_dir)
    path = paths.data_dir / "members.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(MEMBERS, encoding="utf-8")
    import_file(store, path, now=world.now)
    return store


def keys(store: RawStore) -> list[tuple[str, str]]:
    return sorted((r.key, r.sha256) for r in store.records() if r.function != sources.UNIVERSE_IMPORT)


def test_connection_resets_are_retried_and_the_run_completes(paths, world):
    world.failures[sources.SEGMENTS] = [ConnectionResetError("Connection reset by peer")]
    report = ingest_live(world.source(retries=2), imported(paths, world))
    assert report.failures == {} and len(world.calls_to(sources.SEGMENTS)) == 4  # 3 firms + 1 retry


def test_hanging_calls_open_the_breaker_and_everything_fetched_is_kept(paths, world, monkeypatch):
    import akshare

    release = threading.Event()
    monkeypatch.setattr(akshare, "stock_zh_a_hist", lambda **_kw: release.wait(5))
    store = imported(paths, world)
    try:
        with pytest.raises(SourceBlockedError, match="the source is refusing us .* retry after"):
            ingest_live(world.source(timeout=0.05, retries=1, max_failures=3), store)
    finally:
        release.set()
    held = {r.key for r in store.records()}
    assert "stock_profit_sheet_by_report_em/symbol=SZ000003" in held  # the first firm's statements were stored
    assert not any(k.startswith(sources.PRICES) for k in held)


def test_an_interrupted_run_resumes_without_duplicates_or_losses(paths, tmp_path, world):
    world.failures[sources.BALANCE] = [None, KeyboardInterrupt()]  # Ctrl-C during the second firm
    store = imported(paths, world)
    with pytest.raises(KeyboardInterrupt):
        ingest_live(world.source(), store)
    interrupted = len(world.calls)
    world.calls.clear()
    ingest_live(world.source(), store)
    assert len(world.calls) == 24 - interrupted + 1  # what was left, plus the call that was interrupted

    reference = RawStore(tmp_path / "reference")
    (tmp_path / "m.csv").write_text(MEMBERS, encoding="utf-8")
    import_file(reference, tmp_path / "m.csv", now=world.now)
    ingest_live(world.source(), reference)
    assert keys(store) == keys(reference)  # same requests, same payloads, each fetched once


def test_a_renamed_column_stops_the_run_naming_function_symbol_and_difference(paths, world):
    renamed = world.frames[(sources.SEGMENTS, "SZ300001")].rename(columns={"主营构成": "主营构成名称"})
    world.frames[(sources.SEGMENTS, "SZ300001")] = renamed
    store = imported(paths, world)
    with pytest.raises(SchemaDriftError) as raised:
        ingest_live(world.source(), store)
    message = str(raised.value)
    assert "stock_zygc_em" in message and "SZ300001" in message
    assert "['主营构成']" in message and "主营构成名称" in message  # missing, and what came instead
    assert not any(r.key == "stock_zygc_em/symbol=SZ300001" for r in store.records())


def test_empty_frames_where_data_must_exist_fail_the_firm_by_name(paths, world):
    world.frames[(sources.INCOME, "SZ300001")] = pd.DataFrame()
    world.frames[(sources.SEGMENTS, "SH600001")] = pd.DataFrame()  # no segment table: only a warning
    report = ingest_live(world.source(), imported(paths, world))
    assert list(report.failures) == ["300001"]
    assert "stock_profit_sheet_by_report_em(symbol='SZ300001') returned no rows" in report.failures["300001"]


LOST_BATCH = {"2020-06-30", "2020-09-30", "2020-12-31", "2021-03-31", "2021-06-30"}


def test_a_truncated_history_is_flagged_in_the_raw_layer(paths, world):
    world.frames[(sources.INCOME, "SZ300001")] = shapes.f10("300001", "测试算力", long_history(skip=LOST_BATCH))
    store = imported(paths, world)
    report = ingest_live(world.source(), store)
    record = store.latest(sources.INCOME, {"symbol": "SZ300001"}, source="akshare")
    assert record.flags == ("history_gap 2020-03-31..2021-09-30 (5 quarters missing)",)
    assert any("statement history looks truncated" in w and "SZ300001" in w for w in report.warnings)

    world.frames[(sources.INCOME, "SZ300001")] = shapes.f10("300001", "测试算力", long_history(since=2022))
    world.now = datetime(2025, 9, 3, 18, 0)
    ingest_live(world.source(), store)  # the 90-day re-pull: EastMoney now stops at 2022
    record = store.latest(sources.INCOME, {"symbol": "SZ300001"}, source="akshare")
    assert record.flags == ("history_shrank 2019-03-31->2022-03-31",)
    world.now = datetime(2025, 12, 3, 18, 0)
    ingest_live(world.source(), store)  # unchanged since: still shorter than what the first fetch held
    record = store.latest(sources.INCOME, {"symbol": "SZ300001"}, source="akshare")
    assert record.flags == ("history_shrank 2019-03-31->2022-03-31",)


# -- the CLI ---------------------------------------------------------------------------------------------

runner = CliRunner()


def invoke(paths, *args):
    return runner.invoke(app, ["--data-dir", str(paths.data_dir), "--reports-dir", str(paths.reports_dir), *args])


@pytest.fixture
def cli_world(world, monkeypatch):
    monkeypatch.setattr("pipeline.clock.china_now", lambda: world.now)
    return world


def test_cli_ingest_reports_what_it_fetched(paths, cli_world):
    paths.data_dir.mkdir(parents=True)
    (paths.data_dir / "m.csv").write_text(MEMBERS, encoding="utf-8")
    assert invoke(paths, "universe", "import", str(paths.data_dir / "m.csv")).exit_code == 0
    result = invoke(paths, "ingest", "--source", "akshare", "--min-interval", "0")
    assert result.exit_code == 0, result.output
    assert "Fetched 24 frames (24 new versions, 0 unchanged) for 3 members up to the 2025-06-03 close" in result.output


def test_cli_ingest_exit_codes(paths, cli_world):
    assert invoke(paths, "ingest", "--source", "akshare").exit_code == 2  # no universe yet
    assert invoke(paths, "ingest").exit_code == 2  # akshare is the default source: the same refusal
    paths.data_dir.mkdir(parents=True, exist_ok=True)
    (paths.data_dir / "m.csv").write_text(MEMBERS, encoding="utf-8")
    invoke(paths, "universe", "import", str(paths.data_dir / "m.csv"))

    cli_world.frames[(sources.INCOME, "SZ300001")] = pd.DataFrame()
    partial = invoke(paths, "ingest", "--source", "akshare", "--min-interval", "0")
    assert partial.exit_code == 10 and "1 of 3 firms failed" in partial.output and "Traceback" not in partial.output

    cli_world.frames = period_fixture.frames()
    cli_world.failures[sources.INCOME] = [ConnectionError("RemoteDisconnected")] * 10
    blocked = invoke(paths, "ingest", "--source", "akshare", "--min-interval", "0", "--retries", "0", "--max-failures", "1")
    assert blocked.exit_code == 3 and "the source is refusing us" in blocked.output and "retry after" in blocked.output
    again = invoke(paths, "ingest", "--source", "akshare", "--min-interval", "0")
    assert again.exit_code == 3 and "source_state.json" in again.output  # the breaker holds until its time
