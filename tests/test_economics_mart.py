"""marts.economics: the per-server model linked to the firms, with one solver in SQL checked against the Python one."""

from __future__ import annotations

import math

import duckdb
import pytest

from pipeline.economics import assumptions, model, pnl, solver, tables
from pipeline.config import SQL_DIR


def _macro_con():
    con = duckdb.connect()
    con.execute((SQL_DIR / "macros.sql").read_text(encoding="utf-8"))
    return con


def _sql_implied(con, a: assumptions.Assumptions, margin: float, basis: str) -> float | None:
    row = next(r for r in solver.solve_rows(a) if r["basis"] == basis)
    return con.execute(
        "select implied_utilization(?, ?, ?, ?, ?)",
        [margin, row["depreciation"], row["opex_fixed"], row["revenue_at_full"], row["opex_variable_at_full"]],
    ).fetchone()[0]


@pytest.mark.parametrize("method", assumptions.METHODS)
@pytest.mark.parametrize("basis", assumptions.BASES)
@pytest.mark.parametrize("margin", [-0.6, -0.1, 0.0, 0.15, 0.3, 0.45, 0.49, 0.6, 0.95])
def test_sql_macro_agrees_with_the_python_solver(method, basis, margin):
    a = assumptions.load_assumptions(depreciation_method=method)
    python = solver.implied_utilization(a, margin, basis)
    sql = _sql_implied(_macro_con(), a, margin, basis)
    if python is None:
        assert sql is None
        # unreachable means: even at 100 % the model's gross margin is below the target
        assert pnl.margin_at(a, 1.0, "gross", basis) < margin
    else:
        assert sql == pytest.approx(python, abs=1e-12)
        if python < 1:
            assert pnl.margin_at(a, sql, "gross", basis) == pytest.approx(margin, abs=1e-6)


def test_solve_by_hand_for_the_defaults():
    """Straight line: D = 1,950,000 × 0.95 / 5 = 370,500 a year; F = 20,000; R = 840,000; V = 36,000.
    For a 30 % compute gross margin: u = (370,500 + 20,000) / (840,000 × 0.7 − 36,000) = 390,500 / 552,000."""
    a = assumptions.load_assumptions()
    assert _sql_implied(_macro_con(), a, 0.30, "year1") == pytest.approx(390_500 / 552_000, abs=1e-12)
    assert _sql_implied(_macro_con(), a, 0.30, "term") == pytest.approx(390_500 / 552_000, abs=1e-12)


def test_year1_and_term_differ_under_accelerated_depreciation():
    a = assumptions.load_assumptions(depreciation_method="double_declining")
    con = _macro_con()
    # Year 1 carries 2/5 of the cost (780,000 元): breaking even at the gross line needs
    # (780,000 + 20,000) / (840,000 − 36,000) ≈ 99.5 % in year 1 against (370,500 + 20,000) / 804,000 ≈ 48.6 % over
    # the term; 10 % gross cannot be had in year 1 at all.
    assert _sql_implied(con, a, 0.0, "year1") == pytest.approx(800_000 / 804_000, abs=1e-12)
    assert _sql_implied(con, a, 0.0, "term") == pytest.approx(390_500 / 804_000, abs=1e-12)
    assert _sql_implied(con, a, 0.10, "year1") is None


def test_model_tables_match_the_economics_command():
    a = assumptions.load_assumptions()
    result = model.run(a)
    rows = [r for r in tables.model_rows(a) if r["is_assumed_method"]]
    assert [r["net_margin"] for r in rows] == [y.net_margin for y in result.years]
    assert {r["method"] for r in tables.model_rows(a)} == set(assumptions.METHODS)
    inputs = {r["input"]: r["value"] for r in tables.assumption_rows(a)}
    assert inputs["capex"] == "1950000"
    assert inputs["depreciation_method"] == "straight_line"


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory):
    from tests.conftest import sample_warehouse

    con = sample_warehouse(tmp_path_factory.mktemp("economics"), firms=24, years=3)
    yield con
    con.close()


def test_mart_links_every_firm_with_a_compute_margin(sample_db):
    expected = sample_db.execute(
        "select count(*) from marts.benchmark where compute_gross_margin_ttm is not null"
    ).fetchone()[0]
    assert expected > 0
    assert sample_db.execute("select count(*) from marts.economics").fetchone()[0] == expected


def test_mart_model_columns_are_the_models_numbers(sample_db):
    a = assumptions.load_assumptions()
    result = model.run(a)
    row = sample_db.execute(
        "select distinct model_method, model_gross_margin_year1, model_net_margin_year1, model_net_margin_term, "
        "model_gross_margin_term, model_assumptions from marts.economics"
    ).fetchall()
    assert len(row) == 1
    method, gross1, net1, net_term, gross_term, described = row[0]
    assert method == a.depreciation_method
    assert gross1 == pytest.approx(result.years[0].gross_margin, abs=1e-12)
    assert net1 == pytest.approx(result.years[0].net_margin, abs=1e-12)
    assert net_term == pytest.approx(result.total.net_margin, abs=1e-12)
    assert gross_term == pytest.approx(result.total.gross_margin, abs=1e-12)
    assert described == tables.describe(a)


def test_mart_implied_utilisation_reproduces_each_firms_margin(sample_db):
    a = assumptions.load_assumptions()
    rows = sample_db.execute(
        "select compute_gross_margin_ttm, implied_utilization_term, implied_utilization_year1, implied_utilization_note "
        "from marts.economics"
    ).fetchall()
    solved = unreachable = 0
    for margin, term, year1, note in rows:
        for basis, u in (("term", term), ("year1", year1)):
            if u is None:
                assert pnl.margin_at(a, 1.0, "gross", basis) < margin
                assert note
                unreachable += 1
            elif u < 1:
                assert pnl.margin_at(a, u, "gross", basis) == pytest.approx(margin, abs=1e-6)
                solved += 1
        assert math.isfinite(margin)
    assert solved > 0 and unreachable > 0  # the sample has firms on both sides of the model's ceiling
