"""The daily refresh with akshare substituted: a day's prices from one snapshot, statements only for firms that
filed in an open disclosure window, re-pulls on a slow cadence, and the exceptions (ex-rights, missed days)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from pipeline import sources
from pipeline.extract.ingest import ingest_live
from pipeline.extract.plan import RefreshPolicy, TradingCalendar, disclosure_periods, periods_to_check
from pipeline.raw.store import RawStore
from pipeline.extract.universe import import_file, sync
from tests import akshare_shapes as shapes
from tests import period_fixture
from tests.fake_akshare import World

M = 1_000_000.0
JUNE_3, JUNE_4, JUNE_5 = (datetime(2025, 6, d, 18, 0) for d in (3, 4, 5))
STATEMENT_FUNCTIONS = {*sources.STATEMENTS, sources.SEGMENTS, sources.SHARE_INFO, sources.SHARE_CHANGES}


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


def backfilled(paths, world, *, board: bool = False) -> RawStore:
    if board:
        store = RawStore(paths.raw_dir)
        sync(world.source(), store, paths)
    else:
        store = imported(paths, world)
    ingest_live(world.source(), store)
    world.calls.clear()
    return store


def query(paths, sql, *params):
    import duckdb

    con = duckdb.connect(str(paths.warehouse), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def test_board_universe_day_costs_one_call_and_fetches_no_statements(paths, world):
    store = backfilled(paths, world, board=True)
    world.now = JUNE_4
    report = ingest_live(world.source(), store)

    assert world.fetched() == [sources.BOARD_CONS]  # membership and every member's bar in one call
    bars = store.records(sources.PRICE_SNAPSHOT)
    assert [(r.args["trade_date"], r.rows) for r in bars] == [("20250604", 3)]
    assert report.plan["firms"] == 0 and report.failures == {}


def test_imported_universe_day_asks_eastmoney_for_the_members_quotes_in_one_request(paths, world):
    store = backfilled(paths, world)
    world.now = JUNE_4
    report = ingest_live(world.source(), store)
    assert world.calls == [("ulist_quotes_em", {"codes": "000003,300001,600001"})]  # not the exchanges' lists
    bars = store.read(store.records(sources.PRICE_SNAPSHOT)[0])
    assert sorted(bars["股票代码"]) == ["000003", "300001", "600001"] and report.warnings == []
    close, _ = world.quote("600001")
    assert bars.loc[bars["股票代码"] == "600001", "收盘"].item() == close


def test_a_suspended_stock_gets_no_bar_and_no_history_call(paths, world, monkeypatch):
    store = backfilled(paths, world)
    world.now = JUNE_4
    real_quote = world.quote
    monkeypatch.setattr(world, "quote", lambda code: (float("nan"), real_quote(code)[1]) if code == "600001" else real_quote(code))
    ingest_live(world.source(), store)
    assert sources.PRICES not in world.fetched()
    assert store.records(sources.PRICE_SNAPSHOT)[0].rows == 2


def test_a_run_during_the_session_stores_no_intraday_bar(paths, world):
    store = backfilled(paths, world, board=True)
    world.now = datetime(2025, 6, 4, 10, 30)
    ingest_live(world.source(), store)
    assert world.fetched() == [sources.BOARD_CONS]  # membership only
    assert store.records(sources.PRICE_SNAPSHOT) == []


def test_ex_rights_day_appends_history_instead_of_a_snapshot_bar(paths, world):
    store = backfilled(paths, world)
    world.now = JUNE_4
    world.ex_rights["600001"] = (date(2025, 6, 4), 2.0)  # 10送10: the price halves, hfq history stays
    ingest_live(world.source(), store)

    hist = world.calls_to(sources.PRICES)
    assert {(a["symbol"], a["adjust"], a["start_date"], a["end_date"]) for a in hist} == {
        ("600001", "", "20250603", "20250604"),
        ("600001", "hfq", "20250603", "20250604"),
    }
    assert store.records(sources.PRICE_SNAPSHOT)[0].rows == 2  # the other two from the snapshot


def test_a_missed_day_is_filled_from_the_daily_history(paths, world):
    store = backfilled(paths, world)
    world.now = JUNE_5  # nothing ran on June 4
    ingest_live(world.source(), store)
    hist = world.calls_to(sources.PRICES)
    assert len(hist) == 6 and {(a["start_date"], a["end_date"]) for a in hist} == {("20250603", "20250605")}
    assert store.records(sources.PRICE_SNAPSHOT) == []


JULY_28, JULY_29, JULY_30 = (datetime(2025, 7, d, 18, 0) for d in (28, 29, 30))


def h1_2025(code: str, name: str, notice: str):
    """The firm's income statement once its 2025 Q1 and H1 reports are out."""
    reports = dict(period_fixture.income_600001() if code == "600001" else period_fixture.income_300001())
    reports["2025-03-31"] = period_fixture._income(200, 130, 15)
    reports["2025-06-30"] = {**period_fixture._income(420, 280, 35), "NOTICE_DATE": notice}
    return shapes.f10(code, name, reports)


def test_in_a_disclosure_window_only_firms_that_filed_are_fetched(paths, world):
    world.now = JULY_28
    store = backfilled(paths, world)
    world.now = JULY_29
    world.filed[("300001", "20250630")] = "2025-07-29"
    world.frames[(sources.INCOME, "SZ300001")] = h1_2025("300001", "测试算力", "2025-07-29")
    report = ingest_live(world.source(), store)

    assert world.calls_to("stock_report_disclosure") == [{"market": "沪深京", "period": "2025半年报"}]
    assert world.calls_to("stock_yysj_em") == []  # cninfo answered: EastMoney's 12-page calendar is not asked
    fetched = [(name, args.get("symbol")) for name, args in world.calls if name in STATEMENT_FUNCTIONS]
    assert sorted(fetched) == sorted(
        [(f, "SZ300001") for f in (*sources.STATEMENTS, sources.SEGMENTS, sources.SHARE_CHANGES)]
        + [(sources.SHARE_INFO, "300001")]
    )
    assert report.plan["filed"] == 6
    world.calls.clear()
    ingest_live(world.source(), store)  # a rerun the same evening
    assert world.calls == []


def test_a_filing_eastmoney_does_not_show_yet_is_retried_the_next_day_never_twice_a_day(paths, world):
    world.now = JULY_28
    store = backfilled(paths, world)
    world.now = JULY_29
    world.filed[("600001", "20250630")] = "2025-07-29"  # announced, but F10 still lacks the report
    ingest_live(world.source(), store)
    assert [a["symbol"] for a in world.calls_to(sources.INCOME)] == ["SH600001"]
    world.calls.clear()
    ingest_live(world.source(), store)
    assert world.calls_to(sources.INCOME) == []
    world.now = JULY_30
    ingest_live(world.source(), store)
    assert [a["symbol"] for a in world.calls_to(sources.INCOME)] == ["SH600001"]


def test_re_pulls_are_spread_over_runs(paths, world):
    store = backfilled(paths, world)
    world.now = datetime(2025, 9, 3, 18, 0)
    report = ingest_live(world.source(), store, policy=RefreshPolicy(repull_every_days=90, repull_limit=1))
    assert report.plan["repull"] == 6
    assert {a["symbol"] for a in world.calls_to(sources.INCOME)} == {"SZ000003"}
    world.calls.clear()
    ingest_live(world.source(), store, policy=RefreshPolicy(repull_every_days=0))
    assert world.calls_to(sources.INCOME) == []  # cadence 0: never


def test_repull_all_refetches_every_member_once_a_day(paths, world):
    store = backfilled(paths, world)
    world.now = JUNE_4
    ingest_live(world.source(), store, policy=RefreshPolicy(repull_all=True))
    assert len(world.calls_to(sources.INCOME)) == 3
    world.calls.clear()
    ingest_live(world.source(), store, policy=RefreshPolicy(repull_all=True))  # resumed or repeated: done already
    assert world.calls_to(sources.INCOME) == []


def test_a_board_change_over_ten_percent_is_held_back(paths, world):
    store = backfilled(paths, world, board=True)
    world.now = JUNE_4
    del world.members["000003"]  # one of three leaves: 33 %
    report = ingest_live(world.source(), store)
    assert "1 left of 3" in report.pending_change and report.members == ["000003", "300001", "600001"]
    assert len(store.records(sources.BOARD_CONS)) == 1  # the change was not stored as a snapshot
    assert store.records(sources.PRICE_SNAPSHOT)[0].rows == 2  # today's bars still come from it
    world.now = JUNE_5
    report = ingest_live(world.source(), store, policy=RefreshPolicy(accept_changes=True))
    assert report.pending_change is None and report.members == ["300001", "600001"]


def test_an_unknown_report_period_is_a_warning_not_a_crash(paths, world):
    frame = shapes.f10("300001", "测试算力", period_fixture.income_300001())
    odd = frame.iloc[[-1]].copy()
    odd["REPORT_DATE"] = "1991-06-29 23:00:00"  # an odd EastMoney date (akshare PR #5459)
    world.frames[(sources.INCOME, "SZ300001")] = __import__("pandas").concat([frame, odd], ignore_index=True)
    store = imported(paths, world)
    report = ingest_live(world.source(), store)
    assert report.failures == {}
    assert any("unknown report period(s) 1991-06-29" in w for w in report.warnings)


@pytest.mark.parametrize(
    "day, periods",
    [
        ("2025-01-15", ["2024-12-31"]),
        ("2025-04-15", ["2024-12-31", "2025-03-31"]),
        ("2025-05-05", ["2024-12-31", "2025-03-31"]),  # grace: filings published on the night of the deadline
        ("2025-05-06", []),
        ("2025-06-15", []),
        ("2025-07-01", ["2025-06-30"]),
        ("2025-09-05", ["2025-06-30"]),
        ("2025-09-06", []),
        ("2025-10-31", ["2025-09-30"]),
        ("2025-12-01", []),
    ],
)
def test_disclosure_windows(day, periods):
    assert [p.isoformat() for p in disclosure_periods(date.fromisoformat(day))] == periods


def test_april_checks_one_open_period_a_day_in_turn():
    policy = RefreshPolicy()
    first, second = periods_to_check(date(2025, 4, 14), policy), periods_to_check(date(2025, 4, 15), policy)
    assert len(first) == len(second) == 1 and {*first, *second} == {date(2024, 12, 31), date(2025, 3, 31)}
    assert len(periods_to_check(date(2025, 4, 14), RefreshPolicy(disclosure_checks_per_day=2))) == 2


@pytest.mark.parametrize(
    "now, session, shows_close",
    [
        ("2025-06-07 12:00", "2025-06-06", True),  # Saturday: Friday's close
        ("2025-06-03 10:30", "2025-05-30", False),  # during the session: prices are intraday (Jun 2: 端午 holiday)
        ("2025-06-03 08:00", "2025-05-30", True),  # before the open: the previous session's close
        ("2025-06-03 16:00", "2025-06-03", True),
        ("2025-10-03 18:00", "2025-09-30", True),  # National Day holiday
    ],
)
def test_trading_calendar_last_close(now, session, shows_close):
    found = TradingCalendar().last_close(datetime.fromisoformat(now))
    assert found == (date.fromisoformat(session), shows_close)


def test_an_input_added_by_an_upgrade_is_caught_up_a_few_firms_a_run(paths, world, monkeypatch):
    from pipeline.extract import plan as planning

    # a raw layer stored by a release without the share-change history
    old_release = tuple(f for f in planning.FIRM_FUNCTIONS if f[0] != sources.SHARE_CHANGES)
    monkeypatch.setattr(planning, "FIRM_FUNCTIONS", old_release)
    store = backfilled(paths, world)
    monkeypatch.undo()
    world.install(monkeypatch)
    world.now = JUNE_4
    ingest_live(world.source(), store, policy=RefreshPolicy(new_inputs_per_run=2))
    assert [a["symbol"] for a in world.calls_to(sources.SHARE_CHANGES)] == ["SZ000003", "SZ300001"]  # code order
    world.calls.clear()
    ingest_live(world.source(), store, policy=RefreshPolicy(new_inputs_per_run=2))
    assert [a["symbol"] for a in world.calls_to(sources.SHARE_CHANGES)] == ["SH600001"]
    world.calls.clear()
    ingest_live(world.source(), store, policy=RefreshPolicy(new_inputs_per_run=2))
    assert world.calls_to(sources.SHARE_CHANGES) == []
