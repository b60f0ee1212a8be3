"""What a sequence of live ingests builds, with akshare substituted: valuation, restatements, and the flags for
truncated statement histories. One story, one build:

    2025-06-03  import the three fixture firms; backfill. 600001's F10 income lacks a batch of five quarters.
    2025-06-04  600001 goes ex-rights (10送10: the price halves); the others' bars come from the spot lists.
    2025-09-03  the 90-day re-pull: 300001's FY2023 revenue is restated 600 → 610 (M元); 600001's history now
                starts in 2022 and misses 2022Q3–2023Q3. The gap since 06-04 is filled from the daily history.
    2025-09-04  an ordinary day: every bar from the spot lists.

Prices: close = base + 0.01 元 per calendar day since 2024-12-02 (300001: base 10.00), so 300001 closes at 11.83
on 06-03, 12.42 on 08-01, 12.75 on 09-03 and 12.76 on 09-04, and closed 2024 at 10.29. Shares: 1e9 for every firm.
"""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import pytest

from pipeline import sources
from pipeline.build.run import build
from pipeline.config import Paths
from pipeline.extract.ingest import ingest_live
from pipeline.raw.store import RawStore
from pipeline.extract.universe import import_file
from tests import akshare_shapes as shapes
from tests.fake_akshare import World, long_history

M = 1_000_000.0
LOST_BATCH = {"2020-06-30", "2020-09-30", "2020-12-31", "2021-03-31", "2021-06-30"}
LATER_GAP = {"2022-09-30", "2022-12-31", "2023-03-31", "2023-06-30", "2023-09-30"}


@pytest.fixture(scope="module")
def story(tmp_path_factory):
    root = tmp_path_factory.mktemp("story")
    paths = Paths.resolve(root / "data", root / "reports")
    with pytest.MonkeyPatch.context() as monkeypatch:
        world = World(datetime(2025, 6, 3, 18, 0))
        world.install(monkeypatch)
        world.frames[(sources.INCOME, "SH600001")] = shapes.f10("600001", "测试彩印", long_history(skip=LOST_BATCH))
        store = RawStore(paths.raw_dir)
        members = root / "members.csv"
        members.write_text("代码,名称\n300001,测试算力\n600001,测试彩印\n000003,测试空壳\n", encoding="utf-8")
        import_file(store, members, now=world.now)
        ingest_live(world.source(), store)

        world.now = datetime(2025, 6, 4, 18, 0)
        world.ex_rights["600001"] = (date(2025, 6, 4), 2.0)
        ingest_live(world.source(), store)

        world.now = datetime(2025, 9, 3, 18, 0)
        restated = World(world.now, restated=True).frames
        world.frames = {**restated, (sources.INCOME, "SH600001"): shapes.f10("600001", "测试彩印", long_history(since=2022, skip=LATER_GAP))}
        ingest_live(world.source(), store)

        world.now = datetime(2025, 9, 4, 18, 0)
        ingest_live(world.source(), store)
    build(paths)
    con = duckdb.connect(str(paths.warehouse), read_only=True)
    yield con
    con.close()


def one(con, sql, *params):
    cursor = con.execute(sql, list(params))
    names = [d[0] for d in cursor.description]
    row = cursor.fetchone()
    assert row is not None, params
    return dict(zip(names, row))


def valuation(con, code, day):
    return one(con, "select * from marts.valuation where code = ? and trade_date = ?", code, date.fromisoformat(day))


def test_market_value_and_multiples_use_the_latest_published_report(story):
    row = valuation(story, "300001", "2025-09-03")
    assert row["close"] == pytest.approx(12.75) and row["market_cap"] == pytest.approx(12.75e9)
    assert row["report_period"] == date(2024, 12, 31) and row["report_notice_date"] == date(2025, 4, 20)
    assert row["ps_ttm"] == pytest.approx(12.75e9 / (800 * M))  # revenue TTM at FY2024: 800 M
    assert row["pe_ttm"] == pytest.approx(12.75e9 / (80 * M))  # attributable net profit TTM: 80 M
    early = valuation(story, "300001", "2025-04-18")  # before FY2024 was published (04-20): H1 2024 is the latest
    assert early["report_period"] == date(2024, 6, 30)
    assert early["ps_ttm"] == pytest.approx(early["market_cap"] / (690 * M))  # FY2023 610 (restated) + 330 − 250


def test_multiples_are_null_without_revenue_or_with_a_loss(story):
    shell = valuation(story, "000003", "2025-09-03")
    assert shell["market_cap"] > 0 and shell["ps_ttm"] is None and shell["pe_ttm"] is None  # revenue 0, FY2024 −5 M


def test_returns_over_one_and_three_months_and_the_year_to_date(story):
    row = valuation(story, "300001", "2025-09-03")
    assert row["return_1m"] == pytest.approx(12.75 / 12.42 - 1)  # 2025-08-03 is a Sunday: Friday 08-01's close
    assert row["return_3m"] == pytest.approx(12.75 / 11.83 - 1)
    assert row["return_ytd"] == pytest.approx(12.75 / 10.29 - 1)
    assert row["return_1y"] is None  # the stored history starts 2024-12-02
    assert row["is_latest"] is False and valuation(story, "300001", "2025-09-04")["is_latest"] is True
    assert valuation(story, "300001", "2025-06-30")["is_quarter_close"] is True


def test_forward_adjusted_prices_follow_an_ex_rights_day(story):
    before, on = valuation(story, "600001", "2025-06-03"), valuation(story, "600001", "2025-06-04")
    assert on["close"] == pytest.approx((20 + 0.01 * 184) / 2, abs=0.01) and on["factor_is_carried"] is False
    assert before["close_qfq"] == pytest.approx(before["close"] / 2, rel=1e-3)  # history scaled to today's terms
    month_ago = valuation(story, "600001", "2025-04-30")  # 05-04 falls in the Labour Day holiday: 04-30's close
    assert on["return_1m"] == pytest.approx(on["close_qfq"] / month_ago["close_qfq"] - 1)
    snapshot_day = valuation(story, "300001", "2025-09-04")  # a bar from the spot list: no hfq bar that day
    assert snapshot_day["factor_is_carried"] is True and snapshot_day["close"] == pytest.approx(12.76)
    assert valuation(story, "300001", "2025-06-04")["factor_is_carried"] is False  # the gap fill refetched it


def test_the_share_count_comes_from_the_share_change_history_in_force_that_day(story):
    # the fixture's history: 1.0 bn shares since 2010-01-05, known on every day (the quote is fetched later)
    early = valuation(story, "300001", "2025-01-02")
    assert early["shares_source"] == "share_changes" and early["shares_effective_date"] == date(2010, 1, 5)
    assert early["market_cap"] == pytest.approx(early["close"] * 1e9)


def test_the_re_pull_records_the_restatement(story):
    change = one(
        story,
        "select previous_value, value from marts.restatements "
        "where code = '300001' and period_end = '2023-12-31' and line = 'revenue_reported'",
    )
    assert change == {"previous_value": 600 * M, "value": 610 * M}


def test_truncated_histories_reach_data_quality(story):
    rows = story.execute(
        "select period_end, detail from marts.data_quality where check_name = 'history_truncated' and code = '600001' "
        "order by period_end"
    ).fetchall()
    assert [str(p) for p, _ in rows] == ["2019-03-31", "2022-09-30"]
    assert "income: the latest fetch starts at 2022-03-31, an earlier one at 2019-03-31" in rows[0][1]
    assert "income: the latest fetch lacks 5 quarters after 2022-06-30" in rows[1][1]
    kept = story.execute("select count(*) from marts.fundamentals where code = '600001' and not report_missing").fetchone()[0]
    assert kept == 19  # 2019–2024 less the batch lost in the first fetch; the later gap is filled from it
