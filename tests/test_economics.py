"""Per-server unit economics: hand-checked P&L, textbook depreciation, exact solves, returns, inputs, the public example."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from dataclasses import replace

import pytest

from pipeline.economics import assumptions, model, pnl, render, solver
from pipeline.errors import UsageError

# capex 1,000,000 元, 5-year straight line, no residual, rent 30,000 元/month at 100 % utilisation, opex 20,000 fixed
# + 40,000 at full use, no debt, 25 % tax. Per year:
#   revenue 360,000 − depreciation 200,000 − opex 60,000 = pre-tax 100,000; tax 25,000; net 75,000
#   gross margin 100,000 / 360,000 = 27.78 %; net margin 75,000 / 360,000 = 20.83 %
#   project cash flow 360,000 − 60,000 − 25,000 = 275,000; payback 3 + 175,000 / 275,000 = 3.6364 years
SIMPLE = dict(
    capex=1_000_000,
    residual_fraction=0.0,
    depreciation_life_years=5,
    depreciation_method="straight_line",
    term_years=5,
    rent_per_month=30_000,
    utilization=1.0,
    opex_fixed_per_year=20_000,
    opex_variable_per_year_at_full=40_000,
    debt_fraction=0.0,
    interest_rate=0.0,
    tax_rate=0.25,
    discount_rate=0.08,
)


@pytest.fixture
def simple() -> assumptions.Assumptions:
    return assumptions.load_assumptions(**SIMPLE)


def test_simple_case_pnl_by_hand(simple):
    result = model.run(simple)
    assert len(result.years) == 5
    for row in result.years:
        assert row.revenue == pytest.approx(360_000)
        assert row.depreciation == pytest.approx(200_000)
        assert row.opex == pytest.approx(60_000)
        assert row.interest == 0
        assert row.disposal_gain == pytest.approx(0)
        assert row.pretax_profit == pytest.approx(100_000)
        assert row.tax == pytest.approx(25_000)
        assert row.net_profit == pytest.approx(75_000)
        assert row.gross_margin == pytest.approx(100_000 / 360_000)
        assert row.net_margin == pytest.approx(75_000 / 360_000)
        assert row.cash_flow == pytest.approx(275_000)
    assert result.total.revenue == pytest.approx(1_800_000)
    assert result.total.net_profit == pytest.approx(375_000)
    assert result.cash_flows[0] == -1_000_000
    assert result.payback_years.value == pytest.approx(3 + 175_000 / 275_000)
    # 275,000 × (1 − 1.08⁻⁵) / 0.08 − 1,000,000
    assert result.npv == pytest.approx(97_995.26, abs=0.01)
    assert pnl.npv(result.irr.value, result.cash_flows) == pytest.approx(0, abs=1e-4)
    assert result.irr.value == pytest.approx(0.116488, abs=1e-6)


def test_interest_on_opening_balance_amortizing_and_bullet(simple):
    # Half of 1,000,000 borrowed at 6 %: balances 500k, 400k, 300k, 200k, 100k at the start of each year.
    amortizing = model.run(replace(simple, debt_fraction=0.5, interest_rate=0.06))
    assert [r.interest for r in amortizing.years] == pytest.approx([30_000, 24_000, 18_000, 12_000, 6_000])
    assert amortizing.years[0].pretax_profit == pytest.approx(70_000)
    assert amortizing.years[0].net_profit == pytest.approx(52_500)
    bullet = model.run(replace(simple, debt_fraction=0.5, interest_rate=0.06, debt_repayment="bullet"))
    assert [r.interest for r in bullet.years] == pytest.approx([30_000] * 5)
    # Financing never changes the project cash flows.
    assert bullet.cash_flows == pytest.approx(model.run(simple).cash_flows)
    assert pnl.interest_schedule(500_000, 0.06, 5, "bullet")[1] == [0.0, 0.0, 0.0, 0.0, 500_000]


def test_straight_line_schedule():
    assert pnl.depreciation_schedule(1_000_000, 0.05, 5, "straight_line") == pytest.approx([190_000] * 5)


def test_double_declining_schedule_prc_convention():
    # Rate 2/5 on book value, residual ignored; the last two years spread book value less residual evenly.
    assert pnl.depreciation_schedule(1_000_000, 0.0, 5, "double_declining") == pytest.approx(
        [400_000, 240_000, 144_000, 108_000, 108_000]
    )
    assert pnl.depreciation_schedule(1_000_000, 0.05, 5, "double_declining") == pytest.approx(
        [400_000, 240_000, 144_000, 83_000, 83_000]
    )
    assert pnl.depreciation_schedule(1_000_000, 0.0, 4, "double_declining") == pytest.approx(
        [500_000, 250_000, 125_000, 125_000]
    )
    # A residual the declining phase would cut through stops the charge at the residual.
    assert pnl.depreciation_schedule(1_000_000, 0.5, 5, "double_declining") == pytest.approx([400_000, 100_000, 0, 0, 0])


def test_sum_of_years_schedule():
    assert pnl.depreciation_schedule(1_000_000, 0.0, 5, "sum_of_years") == pytest.approx(
        [1_000_000 * 5 / 15, 1_000_000 * 4 / 15, 200_000, 1_000_000 * 2 / 15, 1_000_000 / 15]
    )
    assert pnl.depreciation_schedule(1_000_000, 0.10, 5, "sum_of_years") == pytest.approx(
        [300_000, 240_000, 180_000, 120_000, 60_000]
    )


def test_life_longer_or_shorter_than_term(simple):
    # Life 6 on a 5-year term: 1,000,000 / 6 a year, book value 166,667 left and sold for nothing in year 5.
    longer = model.run(replace(simple, depreciation_life_years=6))
    assert longer.years[0].depreciation == pytest.approx(1_000_000 / 6)
    assert longer.years[-1].disposal_gain == pytest.approx(-1_000_000 / 6)
    assert sum(r.disposal_gain for r in longer.years[:-1]) == 0
    # Life 3: fully depreciated after year 3; a 10 % residual is received as cash at the end of the term.
    shorter = model.run(replace(simple, depreciation_life_years=3, residual_fraction=0.1))
    assert [r.depreciation for r in shorter.years] == pytest.approx([300_000, 300_000, 300_000, 0, 0])
    assert shorter.years[-1].disposal_gain == pytest.approx(0)
    assert shorter.cash_flows[-1] - shorter.cash_flows[-2] == pytest.approx(100_000)


def test_losses_carried_forward_then_expire():
    assert pnl.tax_schedule([-100, 50, 80], 0.25, 5) == pytest.approx([0, 0, 7.5])
    assert pnl.tax_schedule([-100, 0, 80], 0.25, 1) == pytest.approx([0, 0, 20])
    assert pnl.tax_schedule([-100, -20, 150], 0.25, 5) == pytest.approx([0, 0, 7.5])


def test_required_utilization_simple_case_closed_forms(simple):
    # Pre-tax = 320,000·u − 220,000 (revenue 360,000·u less variable 40,000·u, fixed 200,000 + 20,000).
    break_even = solver.required_utilization(simple, "net", 0.0)
    assert break_even.value == pytest.approx(220_000 / 320_000, abs=1e-10)
    # 20 % net: 0.75 (320,000·u − 220,000) = 0.2 · 360,000·u  →  u = 165 / 168
    assert solver.required_utilization(simple, "net", 0.20).value == pytest.approx(165 / 168, abs=1e-10)
    # 25 % gross: 320,000·u − 220,000 = 0.25 · 360,000·u  →  u = 220 / 230
    assert solver.required_utilization(simple, "gross", 0.25).value == pytest.approx(220 / 230, abs=1e-12)
    # 40 % gross needs u = 220 / 176 > 1: unreachable, with the margin at 100 % as the reason.
    unreachable = solver.required_utilization(simple, "gross", 0.40)
    assert unreachable.value is None
    assert "27.8%" in unreachable.reason


@pytest.mark.parametrize("method", assumptions.METHODS)
@pytest.mark.parametrize("basis", assumptions.BASES)
@pytest.mark.parametrize("margin,target", [("net", 0.0), ("net", 0.20), ("gross", 0.40), ("gross", 0.30)])
def test_solved_utilization_hits_the_target(method, basis, margin, target):
    a = assumptions.load_assumptions(depreciation_method=method)
    solved = solver.required_utilization(a, margin, target, basis)
    if solved.value is None:
        assert pnl.margin_at(a, 1.0, margin, basis) < target
        assert "unreachable" in solved.reason
    else:
        assert 0 < solved.value <= 1
        assert pnl.margin_at(a, solved.value, margin, basis) == pytest.approx(target, abs=1e-6)


def test_implied_utilization():
    a = assumptions.load_assumptions()
    u = solver.implied_utilization(a, 0.30)
    assert pnl.margin_at(a, u, "gross", "term") == pytest.approx(0.30, abs=1e-6)
    ddb = replace(a, depreciation_method="double_declining")
    u1 = solver.implied_utilization(ddb, 0.30, basis="year1")
    assert u1 is None  # year-1 double-declining depreciation alone is 78 万元 of 84 万元 revenue
    assert solver.implied_utilization(a, 0.99) is None


def test_irr_npv_on_known_series():
    assert pnl.irr([-100, 110]).value == pytest.approx(0.10, abs=1e-10)
    assert pnl.irr([-1000, 0, 0, 1331]).value == pytest.approx(0.10, abs=1e-10)
    assert pnl.irr([-100, 50, 50]).value == pytest.approx(0.0, abs=1e-10)
    assert pnl.npv(0.10, [-1000, 0, 0, 1331]) == pytest.approx(0)
    assert pnl.npv(0.0, [-100, 30, 30]) == pytest.approx(-40)
    no_irr = pnl.irr([-100, -10])
    assert no_irr.value is None and "never change sign" in no_irr.reason
    # −100 + 230/(1+r) − 132/(1+r)² = 0 at r = 10 % and r = 20 %.
    two = pnl.irr([-100, 230, -132])
    assert two.value == pytest.approx(0.10, abs=1e-10)
    assert "2 IRRs" in two.reason


def test_payback():
    assert pnl.payback([-100, 30, 30, 30, 30]).value == pytest.approx(3 + 10 / 30)
    assert pnl.payback([-100, 100]).value == pytest.approx(1.0)
    never = pnl.payback([-100, 10, 10])
    assert never.value is None and "2-year term" in never.reason


def test_public_example_pattern_with_defaults():
    """8×H100 at 70,000 元/month, 5-year term: straight-line net margin 32–37 % every year, a year-1 loss under
    double-declining, payback in about three years."""
    result = model.run(assumptions.load_assumptions())
    assert result.assumptions.rent_per_month == 70_000
    assert result.assumptions.term_years == 5
    assert all(0.32 <= r.net_margin <= 0.37 for r in result.years)
    assert 2.5 <= result.payback_years.value <= 3.5
    by_method = {m.method: m for m in result.methods}
    assert by_method["straight_line"].net_margin == tuple(r.net_margin for r in result.years)
    assert by_method["double_declining"].net_margin[0] < 0
    assert by_method["sum_of_years"].net_margin[0] < result.years[0].net_margin
    ddb = model.run(assumptions.load_assumptions(depreciation_method="double_declining"))
    assert ddb.years[0].net_profit < 0
    assert 2.5 <= ddb.payback_years.value <= 3.5
    # Over the term every method books the same depreciation.
    assert ddb.total.depreciation == pytest.approx(result.total.depreciation)


def test_sensitivity_grid():
    a = assumptions.load_assumptions(grid_utilization=[0.5, 1.0], grid_rent_factors=[0.5, 1.0])
    grid = model.run(a).grid
    assert grid.rent_per_month == pytest.approx((35_000, 70_000))
    assert grid.net_margin[1][1] == pytest.approx(model.run(a).total.net_margin)
    assert grid.net_margin[0][0] < grid.net_margin[0][1] < grid.net_margin[1][1]
    assert grid.net_margin[0][0] < grid.net_margin[1][0]


def test_toml_loading_and_override(tmp_path):
    defaults = assumptions.load_assumptions()
    assert defaults.capex == 1_950_000
    assert defaults.utilization == (1.0,)
    config = tmp_path / "mine.toml"
    config.write_text('[server]\ncapex = 2_400_000\n[revenue]\nutilization = [0.5, 0.7, 0.8, 0.85, 0.85]\n')
    mine = assumptions.load_assumptions(config)
    assert mine.capex == 2_400_000
    assert mine.utilization_path() == (0.5, 0.7, 0.8, 0.85, 0.85)
    assert mine.rent_per_month == defaults.rent_per_month
    overridden = assumptions.load_assumptions(config, capex=2_000_000, rent_per_month=None, utilization="0.6")
    assert overridden.capex == 2_000_000
    assert overridden.rent_per_month == defaults.rent_per_month
    assert overridden.utilization_path() == (0.6,) * 5
    flat = tmp_path / "flat.toml"
    flat.write_text("tax_rate = 0.15\n")
    assert assumptions.load_assumptions(flat).tax_rate == 0.15


def test_bad_config_files_refused(tmp_path):
    unknown = tmp_path / "unknown.toml"
    unknown.write_text("[server]\ncapx = 1\n")
    with pytest.raises(UsageError, match="capx"):
        assumptions.load_assumptions(unknown)
    broken = tmp_path / "broken.toml"
    broken.write_text("capex = \n")
    with pytest.raises(UsageError, match="not valid TOML"):
        assumptions.load_assumptions(broken)
    with pytest.raises(UsageError, match="does not exist"):
        assumptions.load_assumptions(tmp_path / "missing.toml")
    with pytest.raises(UsageError, match="unknown economics input"):
        assumptions.load_assumptions(capx=1)


@pytest.mark.parametrize(
    "override,name",
    [
        ({"utilization": 1.2}, "utilization"),
        ({"utilization": "0.5,1.1"}, "utilization"),
        ({"utilization": "0.5,0.7"}, "utilization"),  # two values for a five-year term
        ({"utilization": "high"}, "utilization"),
        ({"rent_per_month": -1}, "rent_per_month"),
        ({"capex": -1}, "capex"),
        ({"capex": 0}, "capex"),
        ({"depreciation_life_years": 0}, "depreciation_life_years"),
        ({"depreciation_life_years": 2.5}, "depreciation_life_years"),
        ({"depreciation_method": "units_of_production"}, "depreciation_method"),
        ({"interest_rate": -0.01}, "interest_rate"),
        ({"discount_rate": -0.01}, "discount_rate"),
        ({"tax_rate": 1.0}, "tax_rate"),
        ({"debt_repayment": "balloon"}, "debt_repayment"),
        ({"residual_fraction": 1.0}, "residual_fraction"),
    ],
)
def test_bad_inputs_refused(override, name):
    with pytest.raises(UsageError) as caught:
        assumptions.load_assumptions(**override)
    text = str(caught.value)
    assert name in text
    assert "\n" not in text
    assert caught.value.exit_code == 2


def test_renderers(simple):
    result = model.run(simple)
    rows = render.to_rows(result)
    assert [r["year"] for r in rows] == [1, 2, 3, 4, 5, "total"]
    assert rows[0]["net_profit"] == pytest.approx(75_000)
    parsed = list(csv.DictReader(io.StringIO(render.to_csv(result))))
    assert len(parsed) == 6
    assert float(parsed[-1]["revenue"]) == pytest.approx(1_800_000)
    payload = json.loads(render.to_json(result))
    assert payload["payback_years"]["value"] == pytest.approx(3 + 175_000 / 275_000)
    assert {r["basis"] for r in payload["required_utilization"]} == {"term", "year1"}
    assert len(payload["sensitivity_net_margin_term"]["net_margin"]) == len(simple.grid_utilization)
    table = render.format_table(result)
    revenue_line = next(line for line in table.splitlines() if line.startswith("Revenue"))
    assert revenue_line.split()[1:] == ["36.00"] * 5 + ["180.00"]
    net_margin_line = next(line for line in table.splitlines() if line.startswith("Net margin "))
    assert net_margin_line.split()[2] == "20.8%"
    assert "万元" in table


def test_report_is_what_the_cli_prints():
    assert model.report(output="csv").splitlines()[0].startswith("year,utilization,revenue")
    assert "Payback" in model.report(utilization="0.5,0.7,0.8,0.85,0.85", depreciation_method="double_declining")
    with pytest.raises(UsageError, match="format"):
        model.report(output="xml")


def test_import_stays_cheap():
    code = "import sys, pipeline.economics.model; print(sorted(m for m in ('pandas', 'polars', 'duckdb', 'akshare', 'plotly') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
