"""marts.margin_bridge and the benchmark's compute and recurring scores, on a constructed firm computed by hand.

600001's FY2024 income statement (M元) carries every one-off line:

    revenue 1200, cost 1000 → gross 200 (16.67 %)      D&A 60 (cash-flow supplement)
    selling 20, admin 30, R&D 10, 财务费用 15 (利息费用 18)
    credit impairment 5 (CREDIT_IMPAIRMENT_INCOME −5), asset impairment 6 (ASSET_IMPAIRMENT_INCOME −6)
    其他收益 12, 投资收益 8, 公允价值变动 145, 资产处置 2, 营业外 +3 −1, 税金及附加 6
    利润总额 277, 所得税 20 → 净利润 257 (21.4 %), 少数股东 7 → 归母 250 (20.8 %), 扣非 95 (7.9 %)

so it meets 20 % net only because of the fair-value gain. 000003 has zero revenue: every ratio is NULL.
"""

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
from tests.conftest import mart_row as row

M = 1_000_000.0
FY2024 = {
    "OPERATE_INCOME": 1200, "TOTAL_OPERATE_INCOME": 1200, "OPERATE_COST": 1000, "SALE_EXPENSE": 20,
    "MANAGE_EXPENSE": 30, "RESEARCH_EXPENSE": 10, "FINANCE_EXPENSE": 15, "FE_INTEREST_EXPENSE": 18,
    "FE_INTEREST_INCOME": 3, "CREDIT_IMPAIRMENT_INCOME": -5, "ASSET_IMPAIRMENT_INCOME": -6, "OTHER_INCOME": 12,
    "INVEST_INCOME": 8, "FAIRVALUE_CHANGE_INCOME": 145, "ASSET_DISPOSAL_INCOME": 2, "NONBUSINESS_INCOME": 3,
    "NONBUSINESS_EXPENSE": 1, "OPERATE_TAX_ADD": 6, "TOTAL_PROFIT": 277, "INCOME_TAX": 20, "NETPROFIT": 257,
    "MINORITY_INTEREST": 7, "PARENT_NETPROFIT": 250, "DEDUCT_PARENT_NETPROFIT": 95,
}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Paths:
    root = tmp_path_factory.mktemp("bridge")
    paths = Paths.resolve(root / "data", root / "reports")
    frames = period_fixture.frames()
    income = period_fixture.income_600001()
    income["2024-12-31"] = {k: v * M for k, v in FY2024.items()}
    statement = shapes.f10("600001", "测试彩印", income)
    # EastMoney's own YoY (percent) for FY2024: revenue +25 % (it computes +20 % from 1000 → 1200), profit +400 %
    fy = statement["REPORT_DATE"] == "2024-12-31 00:00:00"
    statement.loc[fy, "OPERATE_INCOME_YOY"] = 25.0
    statement.loc[fy, "PARENT_NETPROFIT_YOY"] = 400.0
    frames[("stock_profit_sheet_by_report_em", "SH600001")] = statement
    cash = {p: {"NETCASH_OPERATE": 1 * M, "FA_IR_DEPR": 60 * M if p == "2024-12-31" else None} for p in income}
    frames[("stock_cash_flow_sheet_by_report_em", "SH600001")] = shapes.f10("600001", "测试彩印", cash)
    ingest_board(shapes.FrameSource(frames, at=datetime(2025, 5, 1, 18, 0)), RawStore(paths.raw_dir),
                 period_fixture.BOARD, price_end="20241231")
    build(paths)
    return paths


@pytest.fixture(scope="module")
def con(built):
    connection = duckdb.connect(str(built.warehouse), read_only=True)
    yield connection
    connection.close()


def test_every_bridge_step_of_the_constructed_year(con):
    b = row(con, "marts.margin_bridge", "code = '600001' and period_end = '2024-12-31' and basis = 'fy'")
    r = 1200.0
    expected = {
        "gross_margin": 200 / r, "da_to_revenue": 60 / r, "gross_margin_ex_da": 260 / r,
        "gross_gap_pp": (200 / r - 0.4) * 100, "gross_gap_da_pp": 5.0, "gross_gap_rest_pp": (200 / r - 0.4) * 100 + 5,
        "ebitda_margin": (277 + 18 + 60) / r, "interest_to_revenue": 18 / r, "tax_to_revenue": 20 / r,
        "ebitda_other_to_revenue": 0.0, "net_margin": 257 / r,
        "selling_to_revenue": 20 / r, "admin_to_revenue": 30 / r, "rd_to_revenue": 10 / r,
        "net_finance_to_revenue": 15 / r, "credit_impairment_to_revenue": 5 / r, "asset_impairment_to_revenue": 6 / r,
        "other_income_to_revenue": 12 / r, "investment_income_to_revenue": 8 / r,
        "fair_value_change_to_revenue": 145 / r, "asset_disposal_to_revenue": 2 / r,
        "non_operating_net_to_revenue": 2 / r, "taxes_and_surcharges_to_revenue": 6 / r,
        "operating_other_to_revenue": 0.0, "one_offs_to_revenue": 169 / r,
        "minority_interest_to_revenue": 7 / r, "net_margin_parent": 250 / r,
    }
    for column, value in expected.items():
        assert b[column] == pytest.approx(value, abs=1e-12), column
    assert b["missing_steps"] is None and b["da_is_carried"] is False
    # the TTM at 12-31 is the FY
    ttm = row(con, "marts.margin_bridge", "code = '600001' and period_end = '2024-12-31' and basis = 'ttm'")
    assert ttm["gross_margin_ex_da"] == pytest.approx(260 / r, abs=1e-12)


def test_lines_the_statement_does_not_show_are_null_and_named(con):
    # 300001 never shows 其他收益, 公允价值变动, R&D or minority interest: NULL and named, never an invented 0
    b = row(con, "marts.margin_bridge", "code = '300001' and period_end = '2024-12-31' and basis = 'fy'")
    assert b["other_income_to_revenue"] is None and b["fair_value_change_to_revenue"] is None
    assert b["one_offs_to_revenue"] is None
    for step in ("rd", "other_income", "fair_value_change", "minority_interest"):
        assert step in b["missing_steps"].split(", ")


def test_a_line_the_firm_shows_elsewhere_is_zero_in_a_report_without_it(con):
    # 600001 shows its one-off lines in FY2024 only: EastMoney leaves a zero line empty, so FY2023 counts 0 there
    b = row(con, "marts.margin_bridge", "code = '600001' and period_end = '2023-12-31' and basis = 'fy'")
    assert b["other_income_to_revenue"] == 0 and b["fair_value_change_to_revenue"] == 0
    assert b["asset_impairment_to_revenue"] == 0 and b["minority_interest_to_revenue"] == 0
    assert b["gross_margin_ex_da"] is None  # no D&A disclosed in FY2023: unknown, not 0
    assert "depreciation_amortization" in b["missing_steps"].split(", ")
    assert "other_income" not in b["missing_steps"].split(", ")


def test_zero_revenue_leaves_every_ratio_null(con):
    b = row(con, "marts.margin_bridge", "code = '000003' and period_end = '2024-12-31' and basis = 'fy'")
    assert all(b[c] is None for c in ("gross_margin", "net_margin", "gross_margin_ex_da", "ebitda_margin",
                                      "operating_other_to_revenue", "ebitda_other_to_revenue"))


def test_one_off_gains_carry_the_net_benchmark_and_the_recurring_score_says_so(con):
    b = row(con, "marts.benchmark", "code = '600001' and period_end = '2024-12-31'")
    assert b["net_margin_ttm"] == pytest.approx(257 / 1200)
    assert b["net_margin_deducted_ttm"] == pytest.approx(95 / 1200)
    assert b["net_deducted_gap_pp"] == pytest.approx((95 / 1200 - 0.2) * 100)
    assert (b["status"], b["net_deducted_status"], b["net_meets_only_with_one_offs"]) == ("net_only", "below", True)
    assert b["compute_gross_status"] == "not_disclosed"  # 600001 has no 主营构成 rows


def test_compute_segment_is_scored_against_the_gross_benchmark(con):
    b = row(con, "marts.benchmark", "code = '300001' and period_end = '2024-12-31'")
    # FY2024 算力租赁服务: revenue 350, cost 180 → 48.6 %
    assert b["compute_gross_margin_ttm"] == pytest.approx(170 / 350)
    assert b["compute_gross_gap_pp"] == pytest.approx((170 / 350 - 0.4) * 100)
    assert b["compute_gross_status"] == "meets"
    assert b["net_margin_deducted_ttm"] == pytest.approx(80 / 800)  # no one-off items: 扣非 = reported
    assert b["net_deducted_status"] == "below"
    assert row(con, "marts.benchmark", "code = '000003' and period_end = '2024-12-31'")["net_deducted_status"] == (
        "no_data")  # no 扣非 line in its statements


def test_the_data_test_catches_a_bridge_that_does_not_close(con):
    from pipeline.config import SQL_DIR

    check = (SQL_DIR / "tests" / "bridges_close.sql").read_text(encoding="utf-8")
    assert con.execute(check).fetchall() == []
    broken = duckdb.connect()
    broken.execute("create schema marts")
    broken.register("bridge", con.sql("select * from marts.margin_bridge").to_arrow_table())
    broken.execute("create table marts.margin_bridge as select * from bridge")
    broken.execute("update marts.margin_bridge set operating_other_to_revenue = operating_other_to_revenue + 1e-6 "
                   "where code = '600001' and period_end = '2024-12-31' and basis = 'fy'")
    broken.execute("update marts.margin_bridge set gross_margin_ex_da = gross_margin_ex_da + 1e-6 "
                   "where code = '300001' and period_end = '2024-12-31' and basis = 'ttm'")
    assert sorted(broken.execute(check).fetchall()) == [
        ("300001", date(2024, 12, 31), "ttm", "gross_side"),
        ("600001", date(2024, 12, 31), "fy", "operating_view"),
    ]


def test_status_changes_list_each_crossing_with_both_statuses(con):
    rows = con.execute(
        "select period_end::varchar, previous_status, status, direction from marts.status_changes "
        "where code = '600001' and dimension = 'firm_wide' order by period_end"
    ).fetchall()
    # FY2023: 20 % gross, 5 % net; 2024 Q1–Q3 have no TTM (Q1–Q3 2023 were not reported) and no score, so they
    # are skipped: FY2024 meets net only, one step up from FY2023
    assert rows == [
        ("2023-12-31", None, "below_both", "first"),
        ("2024-12-31", "below_both", "net_only", "up"),
    ]
    compute = con.execute(
        "select period_end::varchar, status, direction from marts.status_changes "
        "where code = '300001' and dimension = 'compute' order by period_end"
    ).fetchall()
    assert compute[0][2] == "first" and all(s in ("meets", "below") for _, s, _ in compute)  # scored statuses only


def test_a_build_reports_the_crossings_new_since_the_previous_one(tmp_path):
    paths = Paths.resolve(tmp_path / "data", tmp_path / "reports")
    store = RawStore(paths.raw_dir)
    ingest_board(period_fixture.source(), store, period_fixture.BOARD, price_end="20241231")
    assert build(paths).status_changes is None  # nothing to compare with
    assert build(paths).status_changes == []  # the same data: nobody crossed

    frames = period_fixture.frames()
    income = period_fixture.income_600001()
    income["2024-12-31"] = {k: v * M for k, v in FY2024.items()}
    frames[("stock_profit_sheet_by_report_em", "SH600001")] = shapes.f10("600001", "测试彩印", income)
    ingest_board(shapes.FrameSource(frames, at=datetime(2025, 6, 1, 18, 0)), store, period_fixture.BOARD,
                 price_end="20241231")
    changes = build(paths).status_changes
    firm_wide = [c for c in changes if c["code"] == "600001" and c["dimension"] == "firm_wide"]
    assert [(str(c["period_end"]), c["status"]) for c in firm_wide] == [("2024-12-31", "net_only")]
    assert all(c["code"] == "600001" for c in changes)

    # a build at other benchmarks moves statuses without anyone crossing anything: not listed, said instead
    rescored = build(paths, gross_benchmark=0.15)
    assert rescored.status_changes is None
    assert any("benchmarks changed since the last build (gross 40% / net 20% → gross 15% / net 20%)" in w
               for w in rescored.warnings)


def test_a_report_at_other_thresholds_lists_the_crossings_of_its_own(built):
    from pipeline.reports.data import gather

    at_seed = gather(built, date(2024, 12, 31), None, None).status_history.records()
    assert [(r["code"], r["previous_status"], r["status"], r["direction"]) for r in at_seed
            if r["dimension"] == "firm_wide"] == [("600001", "below_both", "net_only", "up")]
    # at 15 % gross, FY2023's 20 % gross already met it and FY2024's 16.7 % still does: gross_only → meets_both
    rescored = gather(built, date(2024, 12, 31), 0.15, None).status_history.records()
    assert [(r["code"], r["previous_status"], r["status"], r["direction"]) for r in rescored
            if r["dimension"] == "firm_wide"] == [("600001", "gross_only", "meets_both", "up")]


def test_eastmoney_yoy_that_disagrees_with_the_computed_one_is_flagged(con):
    rows = con.execute(
        "select code, period_end::varchar, detail from marts.data_quality where check_name = 'yoy_mismatch'"
    ).fetchall()
    assert [(c, p) for c, p, _ in rows] == [("600001", "2024-12-31")]
    detail = rows[0][2]
    assert "营业收入 YoY 20.0 % computed from the latest versions, 25.0 % by EastMoney" in detail
    assert "归母" not in detail  # 250 / 50 − 1 = +400 %: the profit YoY agrees


def test_the_html_data_notes_name_the_yoy_mismatch_and_the_bridge_shows_the_fair_value_gain(built, tmp_path):
    import openpyxl

    from pipeline.reports import write_reports
    from pipeline.reports.excel import HEADER_ROW

    html_path, xlsx_path = sorted(write_reports(built, "all", "2024Q4", None, None, tmp_path), key=str)
    page = html_path.read_text(encoding="utf-8")
    assert "同比核对 YoY check" in page
    assert "1 firms&#x27; computed YoY differs from EastMoney" in page or "1 firms' computed YoY differs" in page
    assert "600001 测试彩印" in page

    ws = openpyxl.load_workbook(xlsx_path)["Bridge"]
    header = [c.value.split("\n")[-1] if c.value else None for c in ws[HEADER_ROW]]
    rows = [dict(zip(header, (c.value for c in r))) for r in ws.iter_rows(min_row=HEADER_ROW + 1) if r[0].value == "600001"]
    assert len(rows) == 1
    assert rows[0]["+ Fair-value change"] == pytest.approx(145 / 1200)
    assert rows[0]["Net only with one-offs"] == "yes"
