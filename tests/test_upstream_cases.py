"""What EastMoney and real firms send, each case with its exact outcome (issue 13).

Where akshare raises, the payload is EastMoney-shaped JSON fed to akshare's own parsing code (the HTTP session
is substituted, so the exception is the one akshare really raises); where it answers, the frames are in the
exact shapes akshare returns (tests/akshare_shapes.py). The real live source, politeness layer and ingest run
unchanged (tests/fake_akshare.py), then the real build.

    no 主营构成 at all                   -> stored empty, flagged no_disclosure, not asked again; no failure
    主营构成 with a renamed field         -> a warning, nothing stored, asked again next run
    no quote record (data: null)         -> stored empty, flagged no_disclosure; no failure
    no filing schedule yet (result null) -> NothingDisclosed; null on a later page is a failure, never "no data"
    a bank's statements (ORG_TYPE 银行)  -> unsupported: stored empty and flagged, no fundamentals, no zeros
    no balance sheet / cash flow         -> stored empty, flagged, warned; the firm's income still builds
    a pull that lost periods             -> flagged periods_lost; the periods come from the earlier pull
    the board's columns change           -> SchemaDriftError (exit 4): akshare assigns them by position
"""

from __future__ import annotations

import json
from datetime import datetime

import duckdb
import pandas as pd
import pytest
from typer.testing import CliRunner

from pipeline import sources
from pipeline.build.run import build
from pipeline.cli import app
from pipeline.errors import LeasewatchError, NothingDisclosed, SchemaDriftError
from pipeline.extract.ingest import ingest_live
from pipeline.extract.universe import import_file
from pipeline.raw.store import RawStore
from pipeline.sources.shapes import DISCLOSURE_DATES
from tests import akshare_shapes as shapes
from tests.fake_akshare import World, long_history

JUNE_3 = datetime(2025, 6, 3, 18, 0)
MEMBERS = "代码,名称\n300001,测试算力\n600001,测试彩印\n000003,测试空壳\n"
runner = CliRunner()
pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword")  # akshare 1.19.5 under pandas 3.1


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


def latest(store: RawStore, function: str, symbol: str):
    return store.latest(function, {"symbol": symbol}, source="akshare")


def eastmoney(monkeypatch, answers: dict[str, list]):
    """HTTP answered with EastMoney JSON: {url fragment: [payload per request in turn]}; the last one repeats."""
    import requests
    import requests.sessions

    sent = []

    def send(session, request, **kwargs):
        sent.append(request.url)
        for fragment, payloads in answers.items():
            if fragment in request.url:
                payload = payloads.pop(0) if len(payloads) > 1 else payloads[0]
                response = requests.models.Response()
                response.status_code, response._content = 200, json.dumps(payload).encode()
                response.url = request.url
                return response
        raise AssertionError(f"unexpected request {request.url}")

    monkeypatch.setattr(requests.sessions.Session, "send", send)
    return sent


def real(monkeypatch, name: str):
    """akshare's own function again, in place of the world's substitute."""
    import akshare.stock.stock_info_em
    import akshare.stock_feature.stock_yjyg_em
    import akshare.stock_fundamental.stock_zygc

    modules = {
        sources.SEGMENTS: akshare.stock_fundamental.stock_zygc,
        sources.SHARE_INFO: akshare.stock.stock_info_em,
        DISCLOSURE_DATES: akshare.stock_feature.stock_yjyg_em,
    }
    monkeypatch.setattr(akshare, name, getattr(modules[name], name))


ZYGC_ROW = {
    "SECUCODE": "300001.SZ", "SECURITY_CODE": "300001", "REPORT_DATE": "2024-12-31 00:00:00", "MAINOP_TYPE": "2",
    "ITEM_NAME": "算力租赁", "MAIN_BUSINESS_INCOME": 1e8, "MBI_RATIO": 0.5, "RANK": 1,
}
COSTS = {"MAIN_BUSINESS_COST": 6e7, "MBC_RATIO": 0.5, "MAIN_BUSINESS_RPOFIT": 4e7, "MBR_RATIO": 0.5, "GROSS_RPOFIT_RATIO": 0.4}


# -- 主营构成 -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("payload", [
    {"zygcfx": []},  # the table is empty
    {"zygcfx": [ZYGC_ROW]},  # rows without the cost fields
    {"gbjg": []},  # the section is absent
], ids=["empty list", "no cost fields", "no section"])
def test_a_firm_without_a_segment_table_is_stored_as_nothing_disclosed(paths, world, monkeypatch, payload):
    real(monkeypatch, sources.SEGMENTS)
    sent = eastmoney(monkeypatch, {"BusinessAnalysis": [payload]})
    store = imported(paths, world)
    report = ingest_live(world.source(), store)
    assert report.failures == {}
    record = latest(store, sources.SEGMENTS, "SZ300001")
    assert record.rows == 0 and record.flags == ("no_disclosure",)
    assert any("300001" in w and "discloses nothing" in w for w in report.warnings)
    asked = len(sent)
    assert asked == 3  # one request per firm

    world.now = datetime(2025, 6, 4, 18, 0)
    ingest_live(world.source(), store)
    assert len(sent) == asked  # the answer stands until the firm files again


def test_a_segment_payload_with_a_renamed_field_is_not_taken_for_no_disclosure(paths, world, monkeypatch):
    renamed = {k if k != "ITEM_NAME" else "ITEM_NAME_NEW": v for k, v in {**ZYGC_ROW, **COSTS}.items()}
    real(monkeypatch, sources.SEGMENTS)
    eastmoney(monkeypatch, {"BusinessAnalysis": [{"zygcfx": [renamed]}]})
    store = imported(paths, world)
    report = ingest_live(world.source(), store)
    assert report.failures == {}  # a segment table is optional
    assert latest(store, sources.SEGMENTS, "SZ300001") is None  # nothing stored: asked again next run
    assert any("no segment table" in w and "主营构成" in w for w in report.warnings)


def test_a_segment_payload_with_cost_fields_parses(paths, world, monkeypatch):
    real(monkeypatch, sources.SEGMENTS)
    eastmoney(monkeypatch, {"BusinessAnalysis": [{"zygcfx": [{**ZYGC_ROW, **COSTS}]}]})
    store = imported(paths, world)
    ingest_live(world.source(), store)
    record = latest(store, sources.SEGMENTS, "SZ300001")
    assert record.rows == 1 and record.flags == ()
    assert store.read(record)["主营构成"].tolist() == ["算力租赁"]


# -- quote record and filing schedule ---------------------------------------------------------------------


def test_a_code_without_a_quote_record_is_stored_as_nothing_disclosed(paths, world, monkeypatch):
    real(monkeypatch, sources.SHARE_INFO)
    eastmoney(monkeypatch, {"push2.eastmoney.com": [{"rc": 0, "rt": 4, "svr": 1, "lt": 1, "full": 1, "dlmkts": "", "data": None}]})
    store = imported(paths, world)
    report = ingest_live(world.source(), store)
    assert report.failures == {}
    record = latest(store, sources.SHARE_INFO, "300001")
    assert record.rows == 0 and record.flags == ("no_disclosure",)


def test_a_period_without_a_schedule_is_nothing_disclosed_but_a_list_cut_off_is_a_failure(world, monkeypatch):
    real(monkeypatch, DISCLOSURE_DATES)
    eastmoney(monkeypatch, {"datacenter-web": [{"result": None, "success": False, "code": 9201}]})
    with pytest.raises(NothingDisclosed, match="stock_yysj_em.*discloses nothing"):
        world.source().fetch(DISCLOSURE_DATES, symbol="沪深A股", date="20250630")

    page = {"result": {"pages": 2, "data": [{"SECURITY_CODE": "300001"}]}}
    eastmoney(monkeypatch, {"datacenter-web": [page, page, {"result": None}]})
    with pytest.raises(LeasewatchError) as raised:
        world.source().fetch(DISCLOSURE_DATES, symbol="沪深A股", date="20250630")
    assert not isinstance(raised.value, NothingDisclosed)
    assert "TypeError" in raised.value.message


def test_no_schedule_yet_during_a_disclosure_window_is_a_warning_and_the_run_goes_on(paths, world):
    store = imported(paths, world)
    ingest_live(world.source(), store)  # the backfill: a firm not yet held needs no filing check
    world.now = datetime(2025, 8, 20, 18, 0)  # the H1 window is open
    world.failures[DISCLOSURE_DATES] = [TypeError("'NoneType' object is not subscriptable")]
    report = ingest_live(world.source(), store)
    assert report.failures == {} and len(world.calls_to(DISCLOSURE_DATES)) >= 1
    assert any("stock_yysj_em" in w and "discloses nothing" in w for w in report.warnings)


# -- statements ---------------------------------------------------------------------------------------------


def bank(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame["ORG_TYPE"] = "银行"
    return frame


def test_a_bank_layout_marks_the_firm_unsupported_and_never_fills_zeros(paths, world):
    for function in sources.STATEMENTS:
        world.frames[(function, "SZ300001")] = bank(world.frames[(function, "SZ300001")])
    store = imported(paths, world)
    report = ingest_live(world.source(), store)
    assert report.failures == {} and list(report.unsupported) == ["300001"]
    assert "银行 layout" in report.unsupported["300001"]
    assert sum("300001: unsupported" in w for w in report.warnings) == 1  # once per firm, not per statement
    for function in sources.STATEMENTS:
        record = latest(store, function, "SZ300001")
        assert record.rows == 0 and record.flags == ("unsupported_layout",)
    assert latest(store, sources.SEGMENTS, "SZ300001").rows > 0  # the rest of the firm is still fetched

    build(paths)
    con = duckdb.connect(str(paths.warehouse), read_only=True)
    assert con.execute("select count(*) from marts.fundamentals where code = '300001'").fetchone() == (0,)
    assert con.execute("select count(*) from marts.benchmark where code = '300001'").fetchone() == (0,)
    assert con.execute("select unsupported_layout from marts.universe where code = '300001'").fetchone() == (True,)
    assert con.execute("select count(*) from marts.universe where unsupported_layout").fetchone() == (1,)
    assert con.execute("select count(*) from marts.fundamentals where code = '600001'").fetchone()[0] > 0


def test_ingest_names_the_unsupported_firms_and_ends_0(paths, world):
    for function in sources.STATEMENTS:
        world.frames[(function, "SH600001")] = bank(world.frames[(function, "SH600001")])
    imported(paths, world)
    result = runner.invoke(app, ["--data-dir", str(paths.data_dir), "ingest", "--source", "akshare", "--min-interval", "0"])
    assert result.exit_code == 0, result.output
    assert "1 firms are in a bank, insurer or broker layout, left out of the marts" in result.output
    assert "600001" in result.output


def test_a_firm_without_balance_sheet_or_cash_flow_keeps_its_income_and_says_so(paths, world):
    world.frames[(sources.BALANCE, "SZ300001")] = pd.DataFrame()
    world.frames[(sources.CASHFLOW, "SZ300001")] = pd.DataFrame()
    store = imported(paths, world)
    report = ingest_live(world.source(), store)
    assert report.failures == {}
    for function in (sources.BALANCE, sources.CASHFLOW):
        record = latest(store, function, "SZ300001")
        assert record.rows == 0 and record.flags == ("no_disclosure",)
        assert any(f"{function}(symbol='SZ300001') returned no rows: nothing disclosed" in w for w in report.warnings)

    build(paths)
    con = duckdb.connect(str(paths.warehouse), read_only=True)
    revenue, assets, da = con.execute(
        "select revenue_ytd, total_assets, depreciation_amortization_ytd from marts.fundamentals "
        "where code = '300001' and period_end = '2024-12-31'"
    ).fetchone()
    assert revenue > 0 and assets is None and da is None  # NULL, never zero
    assert con.execute("select not_disclosed from marts.universe where code = '300001'").fetchone() == ("balance, cashflow",)


def test_an_empty_income_statement_still_fails_the_firm_by_name(paths, world):
    world.frames[(sources.INCOME, "SZ300001")] = pd.DataFrame()
    report = ingest_live(world.source(), imported(paths, world))
    assert list(report.failures) == ["300001"] and "returned no rows" in report.failures["300001"]


def test_a_pull_that_lost_periods_is_flagged_and_the_periods_are_kept(paths, world):
    world.frames[(sources.INCOME, "SZ300001")] = shapes.f10("300001", "测试算力", long_history(since=2022))
    store = imported(paths, world)
    ingest_live(world.source(), store)

    lost = {"2023-06-30", "2023-09-30"}
    world.frames[(sources.INCOME, "SZ300001")] = shapes.f10("300001", "测试算力", long_history(since=2022, skip=lost))
    world.now = datetime(2025, 9, 3, 18, 0)  # the 90-day re-pull
    report = ingest_live(world.source(), store)
    record = latest(store, sources.INCOME, "SZ300001")
    assert record.flags == ("periods_lost 2 (2023-06-30, 2023-09-30)",)
    assert any("periods_lost 2" in w for w in report.warnings)

    build(paths)
    con = duckdb.connect(str(paths.warehouse), read_only=True)
    kept = con.execute(
        "select period_end::varchar from staging.stg_income where code = '300001' and period_end in "
        "('2023-06-30', '2023-09-30') order by 1"
    ).fetchall()
    assert kept == [("2023-06-30",), ("2023-09-30",)]
    flagged = con.execute(
        "select period_end::varchar, detail from marts.data_quality where code = '300001' and check_name = 'periods_lost' "
        "order by 1"
    ).fetchall()
    assert [p for p, _ in flagged] == ["2023-06-30", "2023-09-30"]
    assert "the latest fetch of income lacks this period" in flagged[0][1]


def test_a_balance_sheet_that_comes_back_empty_after_rows_keeps_them_and_flags_the_loss(paths, world):
    store = imported(paths, world)
    ingest_live(world.source(), store)
    before = latest(store, sources.BALANCE, "SZ300001")
    world.frames[(sources.BALANCE, "SZ300001")] = pd.DataFrame()
    world.now = datetime(2025, 9, 3, 18, 0)
    ingest_live(world.source(), store)
    record = latest(store, sources.BALANCE, "SZ300001")
    assert record.rows == 0 and record.flags[0] == "no_disclosure" and record.flags[1].startswith("periods_lost")
    assert store.holds(before.path)

    build(paths)
    con = duckdb.connect(str(paths.warehouse), read_only=True)
    assert con.execute("select count(*) from staging.stg_balance where code = '300001'").fetchone()[0] == before.rows


# -- the board --------------------------------------------------------------------------------------------


def test_a_board_whose_columns_changed_is_schema_drift_and_the_membership_stays(paths, world, monkeypatch):
    import akshare

    def length_mismatch(**_kw):
        frame = pd.DataFrame([[1] * 17])
        frame.columns = shapes.BOARD_COLUMNS  # what akshare does: 17 fields from EastMoney, 16 names
        return frame

    store = imported(paths, world)
    monkeypatch.setattr(akshare, sources.BOARD_CONS, length_mismatch)
    with pytest.raises(SchemaDriftError, match="payload changed shape .*Length mismatch"):
        world.source().fetch(sources.BOARD_CONS, symbol="BK1134")
    result = runner.invoke(app, ["--data-dir", str(paths.data_dir), "universe", "sync", "--board", "BK1134"])
    assert result.exit_code == 4, result.output
    assert "Length mismatch" in result.output and "Traceback" not in result.output
    assert [r.function for r in store.records()] == [sources.UNIVERSE_IMPORT]  # the imported membership stands
