"""marts.valuation is point in time: on each trading day the market value uses the share count in force that day
(the share-change history of stock_zh_a_gbjg_em) and every multiple uses only the report published by then.

300001 (tests/period_fixture.py) doubles its share count on 2025-03-03 (a placement: 1.0 → 2.0 bn shares) and
publishes FY2024 late, on 2025-04-28 (EastMoney's NOTICE_DATE), after its Q1 2025 report (2025-04-25), whose TTM
needs FY2024: that Q1 is usable only from 04-28. Its quote (stock_individual_info_em) is fetched on
2025-05-06 and already shows 2.0 bn: a model taking the count from the quote, or the latest report, would see the
future on every day before those dates. 600001 has no share-change history (akshare's empty table): its quote's
count holds only from the fetch day on.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import duckdb
import pytest

from pipeline.build.run import build
from pipeline.config import Paths
from pipeline.extract.ingest import ingest_board
from pipeline.raw.store import RawStore
from tests import akshare_shapes as shapes
from tests import period_fixture
from tests.conftest import only_row

M = 1_000_000.0
FETCHED = datetime(2025, 5, 6, 18, 0)
LATE_NOTICE = "2025-04-28"


def _weekdays(start: date, end: date) -> list[str]:
    days, day = [], start
    while day <= end:
        if day.weekday() < 5:
            days.append(day.isoformat())
        day += timedelta(days=1)
    return days


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    root = tmp_path_factory.mktemp("pit")
    paths = Paths.resolve(root / "data", root / "reports")
    frames = period_fixture.frames()
    income = period_fixture.income_300001()
    income["2024-12-31"]["NOTICE_DATE"] = LATE_NOTICE
    income["2025-03-31"] = {**period_fixture._income(200, 130, 20), "NOTICE_DATE": "2025-04-25"}
    frames[("stock_profit_sheet_by_report_em", "SZ300001")] = shapes.f10("300001", "测试科技", income)
    balance = period_fixture.balance(list(income))
    for period, fields in balance.items():
        fields["MONETARYFUNDS"] = 100 * M
        fields["TOTAL_PARENT_EQUITY"] = 400 * M
        fields["NOTICE_DATE"] = income[period].get("NOTICE_DATE", shapes._default_notice(period))
    frames[("stock_balance_sheet_by_report_em", "SZ300001")] = shapes.f10("300001", "测试科技", balance, balance=True)
    closes = {d: 10.0 for d in _weekdays(date(2025, 1, 2), date(2025, 5, 6))}
    for adjust in ("", "hfq"):
        frames[("stock_zh_a_hist", "300001", adjust)] = shapes.hist("300001", closes)
        frames[("stock_zh_a_hist", "600001", adjust)] = shapes.hist("600001", closes)
    frames[("stock_individual_info_em", "300001")] = shapes.info("300001", "测试科技", 2e9)
    frames[("stock_zh_a_gbjg_em", "SZ300001")] = shapes.gbjg(
        [("2010-01-05", 1e9, "首发A股上市"), ("2025-03-03", 2e9, "定向增发")])
    frames[("stock_zh_a_gbjg_em", "SH600001")] = shapes.gbjg([])
    ingest_board(shapes.FrameSource(frames, at=FETCHED), RawStore(paths.raw_dir), period_fixture.BOARD,
                 price_end="20250506")
    build(paths)
    connection = duckdb.connect(str(paths.warehouse), read_only=True)
    yield connection
    connection.close()


def day(con, code: str, trade_date: str) -> dict:
    return only_row(con, "select * from marts.valuation where code = ? and trade_date = ?",
                    (code, date.fromisoformat(trade_date)))


def test_the_market_value_uses_the_share_count_in_force_that_day(con):
    before, on = day(con, "300001", "2025-02-28"), day(con, "300001", "2025-03-03")
    assert before["total_shares"] == 1e9 and before["market_cap"] == pytest.approx(10.0 * 1e9)
    assert before["shares_effective_date"] == date(2010, 1, 5) and before["shares_source"] == "share_changes"
    assert on["total_shares"] == 2e9 and on["market_cap"] == pytest.approx(10.0 * 2e9)
    assert on["shares_effective_date"] == date(2025, 3, 3)


def test_multiples_use_only_the_report_published_by_the_day(con):
    # 04-25: Q1 2025 is out, but its TTM adds FY2024, not out until 04-28: H1 2024 is the latest usable report
    late = day(con, "300001", "2025-04-25")
    assert late["report_period_end"] == date(2024, 6, 30) and late["report_notice_date"] == date(2024, 8, 25)
    assert late["pe_ttm"] == pytest.approx(20e9 / ((60 + 30 - 25) * M))  # FY2023 60 + H1 2024 30 − H1 2023 25
    out = day(con, "300001", "2025-04-28")  # FY2024 out: Q1 2025's TTM can be formed
    assert out["report_period_end"] == date(2025, 3, 31) and out["report_notice_date"] == date(2025, 4, 25)
    assert out["figures_known_on"] == date(2025, 4, 28)
    assert out["pe_ttm"] == pytest.approx(20e9 / ((80 + 20 - 12) * M))  # FY2024 80 + Q1 2025 20 − Q1 2024 12
    assert out["pb"] == pytest.approx(20e9 / (400 * M))
    # EV = 20 bn + debt 350 M (short 100, long 200, long payable 50) − cash 100 M
    assert out["ev"] == pytest.approx(20e9 + 250 * M)


def test_no_day_sees_the_future(con):
    ahead = con.execute(
        "select count(*) from marts.valuation where shares_effective_date > trade_date "
        "or report_notice_date > trade_date or figures_known_on > trade_date or report_period_end > trade_date"
    ).fetchone()[0]
    assert ahead == 0
    # every day before the placement carries the old count, every day from it the new one
    counts = con.execute(
        "select trade_date < '2025-03-03' as before, min(total_shares), max(total_shares) from marts.valuation "
        "where code = '300001' group by all order by before"
    ).fetchall()
    assert counts == [(False, 2e9, 2e9), (True, 1e9, 1e9)]


def test_without_a_share_history_the_quote_counts_only_from_its_fetch(con):
    assert day(con, "600001", "2025-05-05")["market_cap"] is None  # the quote was fetched on 05-06
    fetched = day(con, "600001", "2025-05-06")
    assert fetched["shares_source"] == "quote" and fetched["shares_effective_date"] == date(2025, 5, 6)
    assert fetched["market_cap"] == pytest.approx(10.0 * 1e9)


def test_days_before_a_restatement_are_marked(tmp_path):
    # 300001's FY2023 revenue is restated (600 → 610) with UPDATE_DATE 2025-04-20; the H1 2024 TTM that the days
    # before draw on uses FY2023, so their figures are not what was known then
    paths = Paths.resolve(tmp_path / "data", tmp_path / "reports")
    store = RawStore(paths.raw_dir)
    for restated, at in ((False, datetime(2025, 3, 1, 18, 0)), (True, datetime(2025, 5, 6, 18, 0))):
        frames = period_fixture.frames(restated=restated)
        closes = {d: 10.0 for d in _weekdays(date(2025, 1, 2), at.date())}
        for adjust in ("", "hfq"):
            frames[("stock_zh_a_hist", "300001", adjust)] = shapes.hist("300001", closes)
        ingest_board(shapes.FrameSource(frames, at=at), store, period_fixture.BOARD, price_end=at.strftime("%Y%m%d"))
    build(paths)
    con = duckdb.connect(str(paths.warehouse), read_only=True)
    try:
        before, on = day(con, "300001", "2025-04-18"), day(con, "300001", "2025-04-21")
    finally:
        con.close()
    assert before["report_period_end"] == date(2024, 6, 30) and before["figures_restated_after"] is True
    assert on["report_period_end"] == date(2024, 12, 31) and on["figures_restated_after"] is False


@pytest.mark.parametrize("second, expected", [
    # a later fetch moves the placement from 02-03 to 03-03: the earlier date is gone
    ([("2010-01-05", 1e9, "首发A股上市"), ("2025-03-03", 2e9, "定向增发")], {"2025-02-03": 1e9, "2025-03-03": 2e9}),
    # a later fetch lists only the recent change (its old end cut short): the IPO row stays
    ([("2025-02-03", 2e9, "定向增发")], {"2025-01-02": 1e9, "2025-02-03": 2e9}),
    # a later fetch comes back empty: nothing is lost
    ([], {"2025-01-02": 1e9, "2025-02-03": 2e9}),
])
def test_a_later_share_history_corrects_but_never_shortens(tmp_path, second, expected):
    paths = Paths.resolve(tmp_path / "data", tmp_path / "reports")
    store = RawStore(paths.raw_dir)
    first = [("2010-01-05", 1e9, "首发A股上市"), ("2025-02-03", 2e9, "定向增发")]
    for changes, at in ((first, datetime(2025, 3, 1, 18, 0)), (second, datetime(2025, 5, 6, 18, 0))):
        frames = period_fixture.frames()
        closes = {d: 10.0 for d in _weekdays(date(2025, 1, 2), at.date())}
        for adjust in ("", "hfq"):
            frames[("stock_zh_a_hist", "300001", adjust)] = shapes.hist("300001", closes)
        frames[("stock_zh_a_gbjg_em", "SZ300001")] = shapes.gbjg(changes)
        # a re-pull: every firm's facts are fetched again at the second date
        ingest_board(shapes.FrameSource(frames, at=at), store, period_fixture.BOARD, price_end=at.strftime("%Y%m%d"))
    build(paths)
    con = duckdb.connect(str(paths.warehouse), read_only=True)
    try:
        for trade_date, shares in expected.items():
            assert day(con, "300001", trade_date)["total_shares"] == shares, trade_date
    finally:
        con.close()
