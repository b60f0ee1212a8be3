"""marts.cash_flow, marts.balance_health and marts.carry_screen on constructed firms, computed by hand (M元).

300001 (income of tests/period_fixture.py; no 2024Q3 report) builds its fleet on debt:

    YTD          OCF  capex  → single-quarter FCF        D&A (H1/FY supplement)
    2023-03-31    10     40     −30                      –
    2023-06-30    15     90     5 − 50 = −45             20
    2023-09-30    30    120     15 − 30 = −15            –
    2023-12-31    40    170     10 − 50 = −40            50   → four negative quarters running
    2024-03-31    30     10     +20                      –
    2024-06-30    20     50     −10 − 40 = −50           30
    2024-12-31    60    140     (no 9M report: NULL)     70

FY2024: EBIT = 利润总额 96 + 利息 14 = 110, EBITDA 180; PAY_OTHER_FINANCE 25; FINLEASE_OBTAIN_FA 12.
Balance 2024-12-31: cash 80; short loan 100 + due within a year 20 + long loan 200 + long payable 50 + lease 30
= 400 debt; current assets 300 / liabilities 250; receivables 150 + contract assets 50 (100 + none elsewhere);
fleet 500 + CIP 100 + ROU 40 = 640 (500 a year earlier).

600001 loses money: FY2024 EBIT −30, D&A 5 → EBITDA −25 with net debt 200 (no multiple; net_debt_high); it shows
no short-term debt line (EastMoney leaves zero lines empty): no short-term debt, so cash is not short.
000003 has zero revenue, no capex and no D&A: DSO, FCF and EBITDA are NULL, not 0.
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import pytest

from pipeline.build.run import build
from pipeline.config import Paths
from pipeline.errors import UsageError
from pipeline.extract.ingest import ingest_board
from pipeline.raw.store import RawStore
from tests import akshare_shapes as shapes
from tests import period_fixture
from tests.conftest import mart_row as row

M = 1_000_000.0
CASH_300001 = {  # period: (OCF, capex, D&A) YTD
    "2023-03-31": (10, 40, None), "2023-06-30": (15, 90, 20), "2023-09-30": (30, 120, None),
    "2023-12-31": (40, 170, 50), "2024-03-31": (30, 10, None), "2024-06-30": (20, 50, 30),
    "2024-12-31": (60, 140, 70),
}


def _balance_300001(period: str) -> dict:
    fields = {"FIXED_ASSET": 500 * M, "TOTAL_ASSETS": 1000 * M, "TOTAL_LIABILITIES": 600 * M, "TOTAL_EQUITY": 400 * M,
              "SHORT_LOAN": 100 * M, "LONG_LOAN": 200 * M, "LONG_PAYABLE": 50 * M, "MONETARYFUNDS": 90 * M,
              "ACCOUNTS_RECE": 100 * M, "TOTAL_CURRENT_ASSETS": 280 * M, "TOTAL_CURRENT_LIAB": 200 * M}
    if period == "2024-12-31":
        fields.update({"MONETARYFUNDS": 80 * M, "NONCURRENT_LIAB_1YEAR": 20 * M, "LEASE_LIAB": 30 * M,
                       "ACCOUNTS_RECE": 150 * M, "CONTRACT_ASSET": 50 * M, "CIP": 100 * M, "USERIGHT_ASSET": 40 * M,
                       "TOTAL_CURRENT_ASSETS": 300 * M, "TOTAL_CURRENT_LIAB": 250 * M})
    return fields


def _frames() -> dict:
    frames = period_fixture.frames()
    cash = {}
    for period, (ocf, capex, da) in CASH_300001.items():
        cash[period] = {"NETCASH_OPERATE": ocf * M, "CONSTRUCT_LONG_ASSET": capex * M,
                        "FA_IR_DEPR": None if da is None else da * M}
    cash["2024-12-31"].update({"PAY_OTHER_FINANCE": 25 * M, "FINLEASE_OBTAIN_FA": 12 * M})
    frames[("stock_cash_flow_sheet_by_report_em", "SZ300001")] = shapes.f10("300001", "测试科技", cash)
    frames[("stock_balance_sheet_by_report_em", "SZ300001")] = shapes.f10(
        "300001", "测试科技", {p: _balance_300001(p) for p in CASH_300001}, balance=True)
    periods_600001 = list(period_fixture.income_600001())
    cash_600001 = {p: {"NETCASH_OPERATE": 1 * M, "FA_IR_DEPR": 5 * M if p == "2024-12-31" else None}
                   for p in periods_600001}
    frames[("stock_cash_flow_sheet_by_report_em", "SH600001")] = shapes.f10("600001", "测试彩印", cash_600001)
    balance_600001 = period_fixture.balance(periods_600001)
    for fields in balance_600001.values():
        fields["MONETARYFUNDS"] = 50 * M
        fields["SHORT_LOAN"] = None  # EastMoney leaves a zero line empty: no short-term debt
    frames[("stock_balance_sheet_by_report_em", "SH600001")] = shapes.f10("600001", "测试彩印", balance_600001,
                                                                          balance=True)
    return frames


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    root = tmp_path_factory.mktemp("carry")
    paths = Paths.resolve(root / "data", root / "reports")
    ingest_board(shapes.FrameSource(_frames(), at=datetime(2025, 5, 1, 18, 0)), RawStore(paths.raw_dir),
                 period_fixture.BOARD, price_end="20241231")
    build(paths, screen={"interest_coverage_min": 8.0})
    connection = duckdb.connect(str(paths.warehouse), read_only=True)
    yield connection
    connection.close()


def test_free_cash_flow_per_quarter_ttm_and_year(con):
    fcf = dict(con.execute("select period_end::varchar, free_cash_flow / 1e6 from marts.cash_flow "
                           "where code = '300001' and basis = 'q' order by period_end").fetchall())
    assert fcf == {"2023-03-31": -30, "2023-06-30": -45, "2023-09-30": -15, "2023-12-31": -40,
                   "2024-03-31": 20, "2024-06-30": -50, "2024-09-30": None, "2024-12-31": None}
    fy = row(con, "marts.cash_flow", "code = '300001' and period_end = '2024-12-31' and basis = 'fy'")
    assert fy["free_cash_flow"] == pytest.approx(-80 * M)
    assert fy["capex_to_da"] == pytest.approx(140 / 70)
    assert fy["ebitda"] == pytest.approx(180 * M)
    assert fy["cash_conversion"] == pytest.approx(60 / 180)
    assert fy["lease_cash_paid_upper_bound"] == pytest.approx(25 * M)
    assert fy["finlease_obtained_fa"] == pytest.approx(12 * M)
    assert row(con, "marts.cash_flow", "code = '300001' and period_end = '2023-12-31' and basis = 'fy'")[
        "finlease_obtained_fa"] is None  # not disclosed: NULL, never 0


def test_ratios_over_da_keep_one_twelve_month_window(con):
    h1 = row(con, "marts.cash_flow", "code = '300001' and period_end = '2024-06-30' and basis = 'ttm'")
    assert h1["capex"] == pytest.approx((170 + 50 - 90) * M)
    assert h1["capex_to_da"] == pytest.approx(130 / 60) and not h1["da_is_carried"]
    q1 = row(con, "marts.cash_flow", "code = '300001' and period_end = '2024-03-31' and basis = 'ttm'")
    assert q1["da_is_carried"] and q1["capex_to_da"] == pytest.approx(170 / 50)  # FY2023's window, carried


def test_debt_liquidity_and_fleet_at_the_year_end(con):
    h = row(con, "marts.balance_health", "code = '300001' and period_end = '2024-12-31'")
    assert h["interest_bearing_debt"] == pytest.approx(400 * M)
    assert h["short_term_debt"] == pytest.approx(120 * M)
    assert h["net_debt"] == pytest.approx(320 * M)
    assert h["net_debt_to_ebitda"] == pytest.approx(320 / 180)
    assert h["cash_to_short_debt"] == pytest.approx(80 / 120)
    assert h["current_ratio"] == pytest.approx(300 / 250)
    assert h["interest_coverage"] == pytest.approx(110 / 14)
    assert h["days_sales_outstanding"] == pytest.approx((200 + 100) / 2 / 800 * 365) and not h["dso_is_closing_only"]
    assert h["gpu_fleet"] == pytest.approx(640 * M) and h["fleet_growth_yoy"] == pytest.approx(640 / 500 - 1)
    first = row(con, "marts.balance_health", "code = '300001' and period_end = '2023-12-31'")
    assert first["dso_is_closing_only"] and first["days_sales_outstanding"] == pytest.approx(100 / 600 * 365)
    assert first["fleet_growth_yoy"] is None


def test_negative_ebitda_has_no_multiple_and_raises_the_debt_flag(con):
    h = row(con, "marts.balance_health", "code = '600001' and period_end = '2024-12-31'")
    assert h["ebitda_ttm"] == pytest.approx(-25 * M) and h["ebitda_not_positive"]
    assert h["net_debt"] == pytest.approx(200 * M) and h["net_debt_to_ebitda"] is None  # long 200 + payable 50 − 50
    assert h["short_term_debt"] == 0 and h["cash_to_short_debt"] is None
    assert h["interest_coverage"] is None  # no interest expense
    s = row(con, "marts.carry_screen", "code = '600001' and period_end = '2024-12-31'")
    assert s["net_debt_high"] is True and s["coverage_low"] is False and s["cash_short"] is False


def test_zero_revenue_and_missing_lines_stay_null(con):
    h = row(con, "marts.balance_health", "code = '000003' and period_end = '2024-12-31'")
    assert h["days_sales_outstanding"] is None and h["net_debt"] == pytest.approx(250 * M)
    f = row(con, "marts.cash_flow", "code = '000003' and period_end = '2024-12-31' and basis = 'fy'")
    assert f["free_cash_flow"] is None and f["free_cash_flow_to_revenue"] is None
    s = row(con, "marts.carry_screen", "code = '000003' and period_end = '2024-12-31'")
    assert s["fcf_negative"] is None and s["net_debt_high"] is None  # no capex line; no D&A, so no EBITDA
    assert s["cash_short"] is False  # cash 100 M against short loans of 100 M
    assert s["flags_raised"] == 0 and s["flags"] is None


def test_the_screen_flags_with_runs_broken_by_a_missing_quarter(con):
    flags = {p: (n, f) for p, n, f in con.execute(
        "select period_end::varchar, fcf_negative_quarters, fcf_negative from marts.carry_screen "
        "where code = '300001' order by period_end").fetchall()}
    assert flags["2023-09-30"] == (3, None)    # three known negatives: not yet four, not clear either
    assert flags["2023-12-31"] == (4, True)
    assert flags["2024-03-31"] == (0, False)
    assert flags["2024-06-30"] == (1, False)   # a positive quarter within the last four
    assert flags["2024-12-31"] == (0, False)   # no 9M report, but Q1 2024 was positive: four in a row cannot be
    assert flags["2023-06-30"] == (2, None)    # two negatives known, nothing before: not checked
    s = row(con, "marts.carry_screen", "code = '300001' and period_end = '2024-12-31'")
    assert s["cash_short"] is True and s["net_debt_high"] is False
    assert s["coverage_low"] is True  # 7.9× < the overridden 8×
    assert s["threshold_interest_coverage"] == 8.0
    # DSO fell at 03-31 and 06-30; no 9M report, so 12-31 cannot be compared with 09-30: no run, and not rising
    assert s["dso_rising"] is False and s["dso_rising_quarters"] == 0
    assert s["flags"] == "cash_short, coverage_low" and s["flags_raised"] == 2
    assert con.execute("select source from seeds.carry_screen where name = 'interest_coverage_min'").fetchone()[0] == (
        "command-line override")


@pytest.mark.parametrize("screen", [{"no_such_flag": 1.0}, {"interest_coverage_min": float("nan")},
                                    {"dso_rising_periods": -1.0}, {"fcf_negative_quarters": 0.0},
                                    {"dso_rising_periods": 0.4}, {"fcf_negative_quarters": 1e10},
                                    {"net_debt_to_ebitda_max": float("inf")}])
def test_bad_screen_overrides_are_usage_errors_before_anything_is_built(tmp_path, screen):
    paths = Paths.resolve(tmp_path / "data", tmp_path / "reports")
    with pytest.raises(UsageError):
        build(paths, screen=screen)
    assert not paths.warehouse.exists()


def test_the_cli_names_a_bad_or_repeated_screen_override_and_exits_2(tmp_path):
    from typer.testing import CliRunner

    from pipeline.cli import app

    base = ["--data-dir", str(tmp_path / "data"), "build"]
    for args, said in ((["--screen", "interest_coverage_min=2", "--screen", "interest_coverage_min=9"], "twice"),
                       (["--screen", "coverage"], "is not NAME=VALUE"),
                       (["--screen", "fcf_negative_quarters=0"], "whole number of quarters")):
        result = CliRunner().invoke(app, base + args)
        assert result.exit_code == 2 and said in result.output and "Traceback" not in result.output, result.output
