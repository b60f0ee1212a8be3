"""The market-wide questions of a daily refresh (pipeline.extract.market), with akshare substituted: the day's
prices of an imported list from EastMoney's quotes of its codes, and who filed from cninfo's schedule, each with
its fallback when the answer is missing or empty."""

from __future__ import annotations

from datetime import datetime

import pytest

from pipeline import sources
from pipeline.extract import market
from pipeline.extract.ingest import ingest_live
from pipeline.extract.universe import import_file
from pipeline.raw.store import RawStore
from tests import akshare_shapes as shapes
from tests import period_fixture
from tests.fake_akshare import World

JUNE_3, JUNE_4 = datetime(2025, 6, 3, 18, 0), datetime(2025, 6, 4, 18, 0)
JULY_28, JULY_29 = datetime(2025, 7, 28, 18, 0), datetime(2025, 7, 29, 18, 0)
NO_SCHEDULE = ValueError("Length mismatch: Expected axis has 0 elements, new values have 10 elements")


@pytest.fixture
def world(monkeypatch) -> World:
    world = World(JUNE_3)
    world.install(monkeypatch)
    return world


def imported(paths, world) -> RawStore:
    store = RawStore(paths.raw_dir)
    path = paths.data_dir / "members.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("代码,名称\n300001,测试算力\n600001,测试彩印\n000003,测试空壳\n", encoding="utf-8")
    import_file(store, path, now=world.now)
    return store


def backfilled(paths, world) -> RawStore:
    store = imported(paths, world)
    ingest_live(world.source(), store)
    world.calls.clear()
    return store


def h1_filed(world, code: str, day: str) -> None:
    """The firm published its 2025 H1 report on `day`: the calendars show it, F10 carries it."""
    world.filed[(code, "20250630")] = day
    reports = dict(period_fixture.income_300001())
    reports["2025-06-30"] = {**period_fixture._income(420, 280, 35), "NOTICE_DATE": day}
    world.frames[(sources.INCOME, "SZ300001")] = shapes.f10("300001", "测试算力", reports)


# -- the day's prices -------------------------------------------------------------------------------------------


def test_members_are_quoted_in_batches_of_at_most_a_hundred(paths, world, monkeypatch):
    store = backfilled(paths, world)
    world.now = JUNE_4
    monkeypatch.setattr(market, "QUOTE_BATCH", 2)
    ingest_live(world.source(), store)
    assert world.calls_to("ulist_quotes_em") == [{"codes": "000003,300001"}, {"codes": "600001"}]
    assert store.records(sources.PRICE_SNAPSHOT)[0].rows == 3


def test_a_rerun_the_same_evening_asks_for_no_quotes(paths, world):
    store = backfilled(paths, world)
    world.now = JUNE_4
    ingest_live(world.source(), store)
    world.calls.clear()
    ingest_live(world.source(), store)
    assert world.calls == []  # every member has the session's bar


def test_a_member_eastmoney_does_not_quote_gets_its_daily_history(paths, world):
    store = backfilled(paths, world)
    world.now = JUNE_4
    del world.listed["000003"]  # e.g. delisted: absent from the answer
    report = ingest_live(world.source(), store)
    assert {a["symbol"] for a in world.calls_to(sources.PRICES)} == {"000003"}
    assert any("no quote for 1 members (000003)" in w for w in report.warnings)
    assert store.records(sources.PRICE_SNAPSHOT)[0].rows == 2


def test_an_empty_quotes_answer_takes_the_exchanges_spot_lists(paths, world):
    store = backfilled(paths, world)
    world.now = JUNE_4
    real_answer = world.answer
    world.answer = lambda name, args: shapes.quotes({}) if name == "ulist_quotes_em" else real_answer(name, args)
    report = ingest_live(world.source(), store)
    assert world.fetched() == ["ulist_quotes_em", "stock_sh_a_spot_em", "stock_sz_a_spot_em"]
    assert any("knew none of 3 members" in w for w in report.warnings)
    assert store.records(sources.PRICE_SNAPSHOT)[0].rows == 3


# -- who filed ---------------------------------------------------------------------------------------------------


def test_a_cold_backfill_in_a_window_asks_no_calendar(paths, world):
    world.now = JULY_29
    report = ingest_live(world.source(), imported(paths, world))
    assert len(world.calls_to(sources.INCOME)) == 3 and report.failures == {}
    assert "stock_report_disclosure" not in world.fetched() and "stock_yysj_em" not in world.fetched()


def test_a_period_cninfo_does_not_list_yet_is_asked_of_eastmoney(paths, world):
    world.now = JULY_28
    store = backfilled(paths, world)
    world.now = JULY_29
    h1_filed(world, "300001", "2025-07-29")
    world.failures["stock_report_disclosure"] = [NO_SCHEDULE]
    report = ingest_live(world.source(), store)
    assert world.calls_to("stock_yysj_em") == [{"symbol": "沪深A股", "date": "20250630"}]
    assert [a["symbol"] for a in world.calls_to(sources.INCOME)] == ["SZ300001"]  # found all the same
    assert any("cninfo lists no schedule for 2025-06-30" in w for w in report.warnings)
    assert report.failures == {}


def test_an_empty_cninfo_answer_is_asked_of_eastmoney(paths, world):
    world.now = JULY_28
    store = backfilled(paths, world)
    world.now = JULY_29
    real_answer = world.answer
    world.answer = lambda name, args: (
        shapes.report_disclosure({}) if name == "stock_report_disclosure" else real_answer(name, args)
    )
    report = ingest_live(world.source(), store)
    assert len(world.calls_to("stock_yysj_em")) == 1
    assert any("returned no rows; asking EastMoney's calendar" in w for w in report.warnings)


def test_a_member_missing_from_the_whole_market_answer_is_asked_in_its_exchange(paths, world):
    world.now = JULY_28
    store = backfilled(paths, world)
    world.now = JULY_29
    world.cninfo_lacks = {"300001"}
    h1_filed(world, "300001", "2025-07-29")
    ingest_live(world.source(), store)
    assert world.calls_to("stock_report_disclosure") == [
        {"market": "沪深京", "period": "2025半年报"}, {"market": "深市", "period": "2025半年报"},
    ]
    assert [a["symbol"] for a in world.calls_to(sources.INCOME)] == ["SZ300001"]
    assert world.calls_to("stock_yysj_em") == []


def test_a_failed_exchange_answer_is_a_warning_not_a_crash(paths, world):
    world.now = JULY_28
    store = backfilled(paths, world)
    world.now = JULY_29
    world.cninfo_lacks = {"300001"}
    world.failures["stock_report_disclosure"] = [None, KeyError("prbookinfos")]
    report = ingest_live(world.source(), store)
    assert report.failures == {}
    assert any("filing check for 2025-06-30 (深市) skipped" in w for w in report.warnings)


def test_one_live_source_serves_akshare_and_the_adapter_in_any_order(world):
    source = world.source()
    source.fetch(sources.SHARE_INFO, symbol="300001")  # akshare is loaded now
    frame = source.fetch("ulist_quotes_em", codes="300001")
    assert world.fetched() == [sources.SHARE_INFO, "ulist_quotes_em"] and frame["代码"].tolist() == ["300001"]


def test_a_cninfo_answer_that_changed_shape_is_asked_of_eastmoney(paths, world):
    world.now = JULY_28
    store = backfilled(paths, world)
    world.now = JULY_29
    h1_filed(world, "300001", "2025-07-29")
    world.failures["stock_report_disclosure"] = [
        ValueError("Length mismatch: Expected axis has 11 elements, new values have 10 elements")
    ]
    report = ingest_live(world.source(), store)
    assert len(world.calls_to("stock_yysj_em")) == 1 and report.failures == {}
    assert [a["symbol"] for a in world.calls_to(sources.INCOME)] == ["SZ300001"]
    assert any("cninfo changed its answer for 2025-06-30" in w and "Length mismatch" in w for w in report.warnings)
