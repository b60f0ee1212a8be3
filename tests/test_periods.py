"""Period arithmetic on hand-computed fixtures (tests/period_fixture.py): YTD → single quarter, TTM,
half-year D&A and segments with carried flags, restatement choice, NULL rules and benchmark status."""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import pytest

from pipeline.build.run import build
from pipeline.config import Paths
from pipeline.extract.ingest import ingest_board
from pipeline.raw.store import RawStore
from tests import akshare_shapes as shapes
from tests import period_fixture

M = 1_000_000.0


def row(db, sql: str, *params):
    cursor = db.execute(sql, list(params))
    names = [d[0] for d in cursor.description]
    found = cursor.fetchone()
    assert found is not None, f"no row for {params}"
    return dict(zip(names, found))


def fundamentals(db, code: str, period: str) -> dict:
    return row(db, "select * from marts.fundamentals where code = ? and period_end = ?", code, date.fromisoformat(period))


def benchmark(db, code: str, period: str) -> dict:
    return row(db, "select * from marts.benchmark where code = ? and period_end = ?", code, date.fromisoformat(period))


@pytest.mark.parametrize(
    "period, revenue_q",
    [
        ("2023-03-31", 100),  # Q1 = YTD
        ("2023-06-30", 150),  # 250 − 100
        ("2023-09-30", 170),  # 420 − 250
        ("2023-12-31", 190),  # restated FY 610 − 420
        ("2024-03-31", 150),
        ("2024-06-30", 180),  # 330 − 150
    ],
)
def test_single_quarter_is_difference_of_ytd(fixture_db, period, revenue_q):
    assert fundamentals(fixture_db, "300001", period)["revenue_q"] == pytest.approx(revenue_q * M)


def test_missing_q3_report_is_a_flagged_row_and_q4_is_null_not_ytd(fixture_db):
    q3 = fundamentals(fixture_db, "300001", "2024-09-30")
    assert q3["report_missing"] is True and q3["revenue_ytd"] is None
    q4 = fundamentals(fixture_db, "300001", "2024-12-31")
    assert q4["revenue_q"] is None  # never the YTD value 800
    assert q4["prior_report_missing"] is True
    assert q4["revenue_ttm"] == pytest.approx(800 * M)  # at 12-31 TTM is FY


@pytest.mark.parametrize(
    "period, revenue_ttm",
    [
        ("2023-09-30", None),  # no FY2022: a term is missing
        ("2023-12-31", 610),  # FY (restated)
        ("2024-03-31", 660),  # 610 + 150 − 100
        ("2024-06-30", 690),  # 610 + 330 − 250
        ("2024-09-30", None),  # no report
    ],
)
def test_ttm(fixture_db, period, revenue_ttm):
    value = fundamentals(fixture_db, "300001", period)["revenue_ttm"]
    assert value == (None if revenue_ttm is None else pytest.approx(revenue_ttm * M))


def test_depreciation_is_half_yearly_and_carried_with_a_flag(fixture_db):
    fy23 = fundamentals(fixture_db, "300001", "2023-12-31")
    assert fy23["depreciation_amortization_ttm"] == pytest.approx(50 * M)
    assert fy23["depreciation_amortization_h"] == pytest.approx(30 * M)  # H2 = FY 50 − H1 20
    q1 = fundamentals(fixture_db, "300001", "2024-03-31")
    assert q1["depreciation_amortization_ytd"] is None
    assert q1["depreciation_amortization_ttm"] == pytest.approx(50 * M)
    assert q1["depreciation_amortization_ttm_is_carried"] is True
    assert q1["da_to_revenue_ttm"] == pytest.approx(50 / 610)  # the ratio where the TTM was formed
    h1 = fundamentals(fixture_db, "300001", "2024-06-30")
    assert h1["depreciation_amortization_ttm"] == pytest.approx(60 * M)  # 50 − 20 + 30
    assert h1["depreciation_amortization_ttm_is_carried"] is False
    assert h1["da_to_revenue_ttm"] == pytest.approx(60 / 690)


def test_oilgas_duplicate_is_not_added_to_depreciation(fixture_db):
    assert fundamentals(fixture_db, "300001", "2024-12-31")["depreciation_amortization_ytd"] == pytest.approx(70 * M)


def test_restatement_uses_latest_version_and_lists_the_change(fixture_db):
    assert fundamentals(fixture_db, "300001", "2023-12-31")["is_restated"] is True
    changes = fixture_db.execute(
        "select line, previous_value, value from marts.restatements where code = '300001' order by line"
    ).fetchall()
    assert changes == [("revenue_reported", 600 * M, 610 * M), ("total_revenue", 600 * M, 610 * M)]


def test_compute_segment_ttm_share_and_carry(fixture_db):
    fy23 = fundamentals(fixture_db, "300001", "2023-12-31")
    assert fy23["compute_revenue_ttm"] == pytest.approx(150 * M)  # full-width "ＧＰＵ 算力服务" matched
    q1 = fundamentals(fixture_db, "300001", "2024-03-31")
    assert q1["compute_ttm_is_carried"] is True
    assert q1["compute_share_ttm"] == pytest.approx(150 / 610)
    h1 = fundamentals(fixture_db, "300001", "2024-06-30")
    assert h1["compute_revenue_ttm"] == pytest.approx(230 * M)  # 150 − 50 + 130
    assert h1["compute_cost_ttm"] == pytest.approx(120 * M)  # 80 − 30 + 70
    assert h1["compute_share_ttm"] == pytest.approx(230 / 690)
    fy24 = fundamentals(fixture_db, "300001", "2024-12-31")
    assert fy24["compute_gross_margin_ttm"] == pytest.approx((350 - 180) / 350)
    # non-compute: (gross 280 − compute gross 170) / (800 − 350)
    assert fy24["non_compute_gross_margin_ttm"] == pytest.approx(110 / 450)


def test_segment_rows_are_auditable(fixture_db):
    rows = fixture_db.execute(
        "select segment, is_compute, compute_tier, matched_keyword from marts.segments "
        "where code = '300001' and period_end = '2023-12-31' order by segment"
    ).fetchall()
    assert ("ＧＰＵ 算力服务", True, 1, "算力服务") in rows
    assert ("传统印刷", False, None, None) in rows


def test_margins_gaps_and_status(fixture_db):
    b = benchmark(fixture_db, "300001", "2024-12-31")
    assert b["gross_margin_ttm"] == pytest.approx(280 / 800)
    assert b["net_margin_ttm"] == pytest.approx(80 / 800)
    assert b["gross_gap_pp"] == pytest.approx(35 - 40)
    assert b["net_gap_pp"] == pytest.approx(10 - 20)
    assert b["status"] == "below_both"
    assert b["gross_benchmark"] == 0.40 and b["net_benchmark"] == 0.20


def test_bridge_closes_from_gross_to_net(fixture_db):
    b = benchmark(fixture_db, "300001", "2024-12-31")
    drags = sum(
        b[k]
        for k in (
            "selling_to_revenue_ttm",
            "admin_to_revenue_ttm",
            "rd_to_revenue_ttm",
            "finance_to_revenue_ttm",
            "impairment_to_revenue_ttm",
            "tax_to_revenue_ttm",
            "other_to_revenue_ttm",
        )
        if b[k] is not None
    )
    assert b["gross_margin_ttm"] - drags == pytest.approx(b["net_margin_ttm"])
    assert b["tax_to_revenue_ttm"] == pytest.approx(16 / 800)


def test_profit_to_loss_is_loss_making_and_revenue_up_profit_down(fixture_db):
    b = benchmark(fixture_db, "600001", "2024-12-31")
    assert b["status"] == "loss_making"
    assert b["revenue_yoy_ttm"] == pytest.approx(0.2)  # 1200 / 1000 − 1
    assert b["net_profit_yoy_ttm"] == pytest.approx(-30 / 50 - 1)
    assert b["net_profit_change_ttm"] == "转亏"
    assert b["revenue_up_profit_down"] is True


def test_zero_revenue_shell_has_null_margins_and_fallback_flag(fixture_db):
    f = fundamentals(fixture_db, "000003", "2024-12-31")
    assert f["revenue_ttm"] == 0 and f["revenue_is_fallback"] is True
    assert f["gross_margin_ttm"] is None and f["net_margin_ttm"] is None
    assert benchmark(fixture_db, "000003", "2024-12-31")["status"] == "loss_making"
    assert benchmark(fixture_db, "000003", "2023-12-31")["status"] == "no_data"  # profit 1 but no revenue


def test_interest_bearing_debt_sums_present_parts(fixture_db):
    f = fundamentals(fixture_db, "300001", "2024-12-31")
    assert f["interest_bearing_debt"] == pytest.approx(350 * M)  # 100 + 200 + 50, bonds NULL
    assert f["interest_bearing_debt_parts"] == 3
    assert f["debt_to_ebitda"] == pytest.approx(350 / (96 + 14 + 70))  # EBITDA = profit before tax + interest + D&A


def test_every_quarter_between_first_and_last_report_is_a_row(fixture_db):
    periods = [r[0] for r in fixture_db.execute(
        "select period_end from marts.fundamentals where code = '000003' order by 1").fetchall()]
    assert periods == [date(2023, 12, 31), date(2024, 3, 31), date(2024, 6, 30), date(2024, 9, 30), date(2024, 12, 31)]


def test_every_mart_column_is_documented(fixture_db):
    undocumented = fixture_db.execute(
        "select table_name, column_name from duckdb_columns() where schema_name = 'marts' and comment is null"
    ).fetchall()
    assert undocumented == []


def test_report_dated_off_a_quarter_end_is_left_out_and_listed(tmp_path):
    """EastMoney has listed dates like 1991-06-29 23:00:00 (akshare PR #5459): no spine of empty quarters."""
    income = period_fixture.income_600001()
    income["1991-06-29"] = dict(income["2023-12-31"])
    frame = shapes.f10("600001", "测试彩印", income)
    frame["REPORT_DATE"] = frame["REPORT_DATE"].str.replace("1991-06-29 00:00:00", "1991-06-29 23:00:00")
    frames = {**period_fixture.frames(), ("stock_profit_sheet_by_report_em", "SH600001"): frame}
    paths = Paths.resolve(tmp_path / "data", tmp_path / "reports")
    source = shapes.FrameSource(frames, at=datetime(2025, 3, 1))
    ingest_board(source, RawStore(paths.raw_dir), period_fixture.BOARD, price_end="20241231")
    build(paths)
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        first = con.execute("select min(period_end) from marts.fundamentals where code = '600001'").fetchone()[0]
        flagged = con.execute(
            "select check_name from marts.data_quality where code = '600001' and period_end = '1991-06-29'"
        ).fetchall()
    assert first == date(2023, 12, 31)
    assert flagged == [("odd_report_date",)]
