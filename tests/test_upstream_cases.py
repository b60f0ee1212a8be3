"""What EastMoney and real firms send, each case with its exact outcome (issue 13).

Where akshare raises, the payload is EastMoney-shaped JSON fed to akshare's own parsing code (the HTTP session
is substituted, so the exception is the one akshare really raises); where it answers, the frames are in the
exact shapes akshare returns (tests/akshare_shapes.py). The real live source, politeness layer and ingest run
unchanged (tests/fake_akshare.py), then the real build.

    no 主营构成 at all                   -> stored empty, flagged no_disclosure, not asked again; no failure
    主营构成 with a renamed field         -> a warning, nothing stored, asked again next run
    no quote record (data: null)         -> stored empty, flagged no_disclosure; no failure
    no filing schedule yet (result null) -> NothingDisclosed; null on a later page is a failure, never "no data"
    cninfo lists no schedule (prbookinfos [] or null, a period it does not list yet) -> NothingDisclosed; the run
                                           asks EastMoney's calendar instead, with a warning; a row of another
                                           length -> SchemaDriftError (also answered by EastMoney's calendar)
    ulist quotes: a row without a field  -> SchemaDriftError; the day's prices come from the spot lists
    ulist quotes: data null              -> no rows; a ban page instead of JSON -> transient (retried)
    a bank's statements (ORG_TYPE 银行)  -> unsupported: stored empty and flagged, no fundamentals, no zeros
    no balance sheet / cash flow         -> stored empty, flagged, warned; the firm's income still builds
    a pull that lost periods             -> flagged periods_lost; the periods come from the earlier pull
    the board's columns change           -> SchemaDriftError (exit 4): akshare assigns them by position
"""

from __future__ import annotations

import json
from datetime import date, datetime

import duckdb
import pandas as pd
import pytest
from typer.testing import CliRunner

from pipeline import sources
from pipeline.build.run import build
from pipeline.cli import app
from pipeline.errors import LeasewatchError, NothingDisclosed, SchemaDriftError, UsageError
from pipeline.extract.ingest import ingest_live
from pipeline.extract.universe import import_file
from pipeline.raw.store import RawStore
from pipeline.sources import eastmoney
from pipeline.sources.shapes import DISCLOSURE_DATES, FILING_CALENDAR, QUOTES
from tests import akshare_shapes as shapes
from tests.fake_akshare import REAL_ADAPTERS, World, long_history

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


def answering(monkeypatch, answers: dict[str, list]):
    """HTTP answered with EastMoney (or cninfo) JSON: {url fragment: [payload per request in turn]}; the last one
    repeats; a str payload is sent as it is (a ban page)."""
    import requests
    import requests.sessions

    sent = []

    def send(session, request, **kwargs):
        sent.append(request.url)
        for fragment, payloads in answers.items():
            if fragment in request.url:
                payload = payloads.pop(0) if len(payloads) > 1 else payloads[0]
                response = requests.models.Response()
                body = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
                response.status_code, response._content = 200, body.encode()
                response.url = request.url
                return response
        raise AssertionError(f"unexpected request {request.url}")

    monkeypatch.setattr(requests.sessions.Session, "send", send)
    return sent


def real(monkeypatch, name: str):
    """akshare's own function (or leasewatch's adapter) again, in place of the world's substitute."""
    import akshare.stock.stock_info_em
    import akshare.stock_feature.stock_yjyg_cninfo
    import akshare.stock_feature.stock_yjyg_em
    import akshare.stock_fundamental.stock_zygc

    if name in REAL_ADAPTERS:
        monkeypatch.setattr(eastmoney, name, REAL_ADAPTERS[name])
        return
    modules = {
        sources.SEGMENTS: akshare.stock_fundamental.stock_zygc,
        sources.SHARE_INFO: akshare.stock.stock_info_em,
        DISCLOSURE_DATES: akshare.stock_feature.stock_yjyg_em,
        FILING_CALENDAR: akshare.stock_feature.stock_yjyg_cninfo,
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
    sent = answering(monkeypatch, {"BusinessAnalysis": [payload]})
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
    answering(monkeypatch, {"BusinessAnalysis": [{"zygcfx": [renamed]}]})
    store = imported(paths, world)
    report = ingest_live(world.source(), store)
    assert report.failures == {}  # a segment table is optional
    assert latest(store, sources.SEGMENTS, "SZ300001") is None  # nothing stored: asked again next run
    assert any("no segment table" in w and "主营构成" in w for w in report.warnings)


def test_a_segment_payload_with_cost_fields_parses(paths, world, monkeypatch):
    real(monkeypatch, sources.SEGMENTS)
    answering(monkeypatch, {"BusinessAnalysis": [{"zygcfx": [{**ZYGC_ROW, **COSTS}]}]})
    store = imported(paths, world)
    ingest_live(world.source(), store)
    record = latest(store, sources.SEGMENTS, "SZ300001")
    assert record.rows == 1 and record.flags == ()
    assert store.read(record)["主营构成"].tolist() == ["算力租赁"]


# -- quote record and filing schedule ---------------------------------------------------------------------


def test_a_code_without_a_quote_record_is_stored_as_nothing_disclosed(paths, world, monkeypatch):
    real(monkeypatch, sources.SHARE_INFO)
    answering(monkeypatch, {"push2.eastmoney.com": [{"rc": 0, "rt": 4, "svr": 1, "lt": 1, "full": 1, "dlmkts": "", "data": None}]})
    store = imported(paths, world)
    report = ingest_live(world.source(), store)
    assert report.failures == {}
    record = latest(store, sources.SHARE_INFO, "300001")
    assert record.rows == 0 and record.flags == ("no_disclosure",)


def test_a_period_without_a_schedule_is_nothing_disclosed_but_a_list_cut_off_is_a_failure(world, monkeypatch):
    real(monkeypatch, DISCLOSURE_DATES)
    answering(monkeypatch, {"datacenter-web": [{"result": None, "success": False, "code": 9201}]})
    with pytest.raises(NothingDisclosed, match="stock_yysj_em.*discloses nothing"):
        world.source().fetch(DISCLOSURE_DATES, symbol="沪深A股", date="20250630")

    page = {"result": {"pages": 2, "data": [{"SECURITY_CODE": "300001"}]}}
    answering(monkeypatch, {"datacenter-web": [page, page, {"result": None}]})
    with pytest.raises(LeasewatchError) as raised:
        world.source().fetch(DISCLOSURE_DATES, symbol="沪深A股", date="20250630")
    assert not isinstance(raised.value, NothingDisclosed)
    assert "TypeError" in raised.value.message


def cninfo_row(code: str, name: str, appointed: str, actual: str = "") -> dict:
    """One prbookinfos entry, its ten fields in the order akshare names them by position (股票代码, 股票简称, 首次预约,
    实际披露, 初次变更, 二次变更, 三次变更, 报告期, -, 组织码); the key names are cninfo's, as third parties read them."""
    return {
        "seccode": code, "secname": name, "f001d_0102": appointed, "f002d_0102": actual, "f003d_0102": "",
        "f004d_0102": "", "f005d_0102": "", "f006d_0102": "2025-06-30", "latest_time": None, "orgId": f"gssz0{code}",
    }


@pytest.mark.parametrize("payload", [
    {"prbookinfos": [], "totalRows": 0, "totalPages": 0},  # the period has no schedule yet
    {"prbookinfos": None, "totalRows": 0},  # nor this way
], ids=["empty list", "null"])
def test_a_period_cninfo_does_not_list_is_nothing_disclosed(world, monkeypatch, payload):
    real(monkeypatch, FILING_CALENDAR)
    sent = answering(monkeypatch, {"cninfo.com.cn": [payload]})
    with pytest.raises(NothingDisclosed, match="stock_report_disclosure.*discloses nothing"):
        world.source().fetch(FILING_CALENDAR, market="沪深京", period="2025半年报")
    assert len(sent) == 1 and "sectionTime=2025-06-30" in sent[0] and "market=szsh" in sent[0]


def test_cninfo_rows_give_each_firms_publication_date(world, monkeypatch):
    real(monkeypatch, FILING_CALENDAR)
    rows = [cninfo_row("300001", "测试算力", "2025-08-25", "2025-08-20"), cninfo_row("600001", "测试彩印", "2025-08-28")]
    answering(monkeypatch, {"cninfo.com.cn": [{"prbookinfos": rows, "totalRows": 2}]})
    frame = world.source().fetch(FILING_CALENDAR, market="沪深京", period="2025半年报")
    assert list(frame.columns) == shapes.REPORT_DISCLOSURE_COLUMNS
    published = dict(zip(frame["股票代码"], frame["实际披露"]))
    assert published["300001"] == date(2025, 8, 20) and pd.isna(published["600001"])


def test_a_cninfo_row_of_another_length_is_schema_drift_and_a_missing_list_a_failure(world, monkeypatch):
    real(monkeypatch, FILING_CALENDAR)
    answering(monkeypatch, {"cninfo.com.cn": [{"prbookinfos": [{**cninfo_row("300001", "测试算力", "2025-08-25"), "new": 1}]}]})
    with pytest.raises(SchemaDriftError, match="Length mismatch"):
        world.source().fetch(FILING_CALENDAR, market="沪深京", period="2025半年报")
    answering(monkeypatch, {"cninfo.com.cn": [{"message": "系统繁忙"}]})
    with pytest.raises(LeasewatchError) as raised:
        world.source().fetch(FILING_CALENDAR, market="沪深京", period="2025半年报")
    assert type(raised.value) is LeasewatchError and "KeyError" in raised.value.message


def test_no_schedule_yet_at_cninfo_or_eastmoney_is_two_warnings_and_the_run_goes_on(paths, world, monkeypatch):
    store = imported(paths, world)
    ingest_live(world.source(), store)  # the backfill: a firm not yet held needs no filing check
    world.now = datetime(2025, 8, 20, 18, 0)  # the H1 window is open
    real(monkeypatch, FILING_CALENDAR)
    real(monkeypatch, DISCLOSURE_DATES)
    sent = answering(monkeypatch, {
        "cninfo.com.cn": [{"prbookinfos": [], "totalRows": 0}],
        "datacenter-web": [{"result": None, "success": False, "code": 9201}],
    })
    report = ingest_live(world.source(), store)
    assert report.failures == {} and len(sent) == 2  # cninfo once, then EastMoney's first page: nothing more
    assert any("cninfo lists no schedule for 2025-06-30" in w and "asking EastMoney's calendar" in w for w in report.warnings)
    assert any("stock_yysj_em" in w and "discloses nothing" in w for w in report.warnings)


# -- EastMoney quotes of the members (leasewatch's ulist adapter) ------------------------------------------------


def em_quote(code: str, name: str, close, previous: float) -> dict:
    """One ulist.np `diff` entry with fltt=2: prices in 元 as decimals, "-" for a suspended stock's prices."""
    suspended = close == "-"
    return {
        "f2": close, "f3": "-" if suspended else round((close - previous) / previous * 100, 2),
        "f4": "-" if suspended else round(close - previous, 2), "f5": "-" if suspended else 1000,
        "f6": "-" if suspended else close * 1e5, "f7": 0.0, "f8": 0.5, "f12": code,
        "f13": 1 if code.startswith("6") else 0, "f14": name, "f15": close, "f16": previous, "f17": previous,
        "f18": previous,
    }


def ulist(*rows) -> dict:
    return {"rc": 0, "rt": 11, "svr": 1, "lt": 1, "full": 1, "dlmkts": "", "data": {"total": len(rows), "diff": list(rows)}}


def test_ulist_quotes_are_read_by_field_name_and_keyed_by_market_and_code(world, monkeypatch):
    real(monkeypatch, QUOTES)
    index = {**em_quote("000001", "上证指数", 3300.5, 3290.0), "f13": 1}  # 1.000001 is an index, not 0.000001
    sent = answering(monkeypatch, {"ulist.np": [ulist(
        em_quote("600001", "测试彩印", 20.5, 20.0), em_quote("000001", "平安银行", 11.0, 10.9), index,
        em_quote("300001", "测试算力", "-", 10.0),
    )]})
    frame = world.source().fetch(QUOTES, codes="000001,300001,600001")
    assert "secids=0.000001%2C0.300001%2C1.600001" in sent[0] and "fltt=2" in sent[0]
    assert list(frame.columns) == shapes.QUOTE_COLUMNS
    rows = {code: row for code, row in zip(frame["代码"], frame.to_dict("records"))}
    assert rows["000001"]["最新价"] == 11.0 and rows["000001"]["名称"] == "平安银行"  # the index's row was left out
    assert rows["600001"]["昨收"] == 20.0 and rows["600001"]["成交量"] == 1000.0
    assert pd.isna(rows["300001"]["最新价"]) and rows["300001"]["昨收"] == 10.0  # suspended
    assert len(frame) == 3


@pytest.mark.parametrize("payload", [
    {"rc": 0, "data": None},
    ulist(),
], ids=["data null", "no diff"])
def test_ulist_knowing_none_of_the_codes_gives_no_rows(world, monkeypatch, payload):
    real(monkeypatch, QUOTES)
    answering(monkeypatch, {"ulist.np": [payload]})
    frame = world.source().fetch(QUOTES, codes="300001")
    assert list(frame.columns) == shapes.QUOTE_COLUMNS and len(frame) == 0


def test_ulist_secids_follow_akshare_and_a_batch_holds_at_most_a_hundred(world, monkeypatch):
    assert [eastmoney.secid(c) for c in ("600519", "688041", "300442", "000001", "920118", "830799")] == [
        "1.600519", "1.688041", "0.300442", "0.000001", "0.920118", "0.830799",  # Beijing is EastMoney market 0
    ]
    real(monkeypatch, QUOTES)
    sent = answering(monkeypatch, {"ulist.np": [ulist()]})
    with pytest.raises(UsageError, match="at most 100 codes"):
        world.source().fetch(QUOTES, codes=",".join(f"{300000 + i}" for i in range(101)))
    assert sent == []


def test_ulist_with_no_codes_asks_nothing(world, monkeypatch):
    real(monkeypatch, QUOTES)
    sent = answering(monkeypatch, {"ulist.np": [ulist()]})
    frame = world.source().fetch(QUOTES, codes="")
    assert len(frame) == 0 and list(frame.columns) == shapes.QUOTE_COLUMNS and sent == []


def test_a_ulist_row_without_a_field_is_schema_drift(world, monkeypatch):
    real(monkeypatch, QUOTES)
    row = em_quote("300001", "测试算力", 10.5, 10.0)
    del row["f18"]
    answering(monkeypatch, {"ulist.np": [ulist(row)]})
    with pytest.raises(SchemaDriftError, match=r"lacks the fields \['f18'\]"):
        world.source().fetch(QUOTES, codes="300001")
    answering(monkeypatch, {"ulist.np": [{"rc": 102}]})
    with pytest.raises(SchemaDriftError, match="has no `data`"):
        world.source().fetch(QUOTES, codes="300001")


def test_a_ban_page_instead_of_ulist_json_is_transient(world, monkeypatch):
    real(monkeypatch, QUOTES)
    sent = answering(monkeypatch, {"ulist.np": ["<html>访问受限</html>"]})
    with pytest.raises(LeasewatchError, match="failed after 2 attempts"):  # the world's politeness: 1 retry
        world.source().fetch(QUOTES, codes="300001")
    assert len(sent) == 2


def test_a_ulist_answer_that_drifted_takes_the_days_prices_from_the_spot_lists(paths, world, monkeypatch):
    store = imported(paths, world)
    ingest_live(world.source(), store)
    world.now = datetime(2025, 6, 4, 18, 0)
    real(monkeypatch, QUOTES)
    answering(monkeypatch, {"ulist.np": [ulist({"f12": "300001", "f13": 0, "f2": 10.5})]})
    world.calls.clear()
    report = ingest_live(world.source(), store)
    assert report.failures == {}
    assert world.fetched() == ["stock_sh_a_spot_em", "stock_sz_a_spot_em"]
    assert any("lacks the fields" in w and "come from the exchanges' spot lists" in w for w in report.warnings)
    assert store.records(sources.PRICE_SNAPSHOT)[0].rows == 3


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


def test_ingest_says_in_one_line_that_the_quotes_drifted_and_ends_0(paths, world, monkeypatch):
    store = imported(paths, world)
    ingest_live(world.source(), store)
    world.now = datetime(2025, 6, 4, 18, 0)
    monkeypatch.setattr("pipeline.sources.akshare.clock.china_now", lambda: world.now)
    real(monkeypatch, QUOTES)
    answering(monkeypatch, {"ulist.np": [ulist({"f12": "300001", "f13": 0, "f2": 10.5})]})
    result = runner.invoke(app, ["--data-dir", str(paths.data_dir), "ingest", "--source", "akshare", "--min-interval", "0"])
    assert result.exit_code == 0, result.output
    warning = next(line for line in result.output.splitlines() if "lacks the fields" in line)
    assert warning.startswith("warning: ulist_quotes_em of 3 codes") and "spot lists" in warning
    assert "Traceback" not in result.output
