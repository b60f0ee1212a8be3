"""The economics view of the reports: the per-server model and the firms beside it, with the warehouse's assumptions
or with a file given by `leasewatch report --economics FILE`."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from pipeline.economics import model, solver
from pipeline.economics.assumptions import load_assumptions
from pipeline.cli import app
from pipeline.config import Paths
from pipeline.reports import write_reports
from tests.report_fixtures import PERIOD

runner = CliRunner()


def economics_sheet(path) -> dict:
    """The Economics sheet as {"years": [...], "firms": [...]} keyed by the English line of each header."""
    from openpyxl import load_workbook

    ws = load_workbook(path)["Economics"]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    out = {"subtitle": rows[1][0], "years": [], "firms": []}
    for i, row in enumerate(rows):
        if row[0] == "Year":
            for body in rows[i + 1:]:
                if body[0] is None:
                    break
                out["years"].append(dict(zip(row, body)))
        if row[0] == "代码\nCode":
            keys = [h.split("\n")[-1] if h else None for h in row]
            for body in rows[i + 1:]:
                if body[0] is None:
                    break
                out["firms"].append(dict(zip(keys, body)))
    return out


@pytest.fixture(scope="module")
def default_reports(fixture_paths, tmp_path_factory):
    return write_reports(fixture_paths, "all", None, None, None, tmp_path_factory.mktemp("econ"))


def test_sheet_shows_the_models_pnl_by_year(default_reports):
    sheet = economics_sheet(default_reports[0])
    result = model.run(load_assumptions())
    years = [r for r in sheet["years"] if r["Year"] != "term"]
    assert [r["Year"] for r in years] == [1, 2, 3, 4, 5]
    assert [r["Revenue"] for r in years] == pytest.approx([y.revenue for y in result.years])
    assert [r["Net margin"] for r in years] == pytest.approx([y.net_margin for y in result.years])
    assert sheet["years"][-1]["Year"] == "term"
    assert "sql/seeds/economics_defaults.toml" in sheet["subtitle"]


def test_sheet_sets_each_firm_beside_the_model(default_reports, fixture_db):
    firms = economics_sheet(default_reports[0])["firms"]
    expected = fixture_db.execute(
        "select code, compute_gross_margin_ttm, implied_utilization_term from marts.economics "
        "where period_end = ? and is_current_member order by code", [PERIOD]
    ).fetchall()
    assert expected, "the fixture has a compute segment at the report period"
    got = sorted((f["Code"], f["Compute gross margin"], f["Implied utilisation (term)"]) for f in firms)
    assert got == [(c, pytest.approx(m), pytest.approx(u)) for c, m, u in expected]


def test_html_has_the_heat_map_of_the_sensitivity_grid(default_reports):
    page = default_reports[1].read_text(encoding="utf-8")
    figures = json.loads(re.search(r'id="lw-figures">(.*?)</script>', page, re.S).group(1))
    heat = figures["chart-econ-grid"]["data"][0]
    result = model.run(load_assumptions())
    assert heat["type"] == "heatmap"
    assert heat["z"] == [[round(m, 4) for m in row] for row in result.grid.net_margin]
    assert figures["chart-econ-firms"]["data"][1]["name"].startswith("公司 Firms")


@pytest.fixture
def reports_dir(fixture_paths, tmp_path) -> Paths:
    return Paths(fixture_paths.data_dir, tmp_path / "reports")


def invoke(paths, *args):
    return runner.invoke(app, ["--data-dir", str(paths.data_dir), "--reports-dir", str(paths.reports_dir), *args])


def test_economics_file_replaces_the_assumptions_for_this_report(reports_dir, tmp_path, fixture_db):
    config = tmp_path / "cheap-power.toml"
    config.write_text("[revenue]\nrent_per_month = 100_000\n[opex]\nopex_variable_per_year_at_full = 10_000\n")
    result = invoke(reports_dir, "report", "--format", "excel", "--economics", str(config))
    assert result.exit_code == 0, result.output
    sheet = economics_sheet(result.output.split()[0])
    assumptions = load_assumptions(config)
    assert str(config) in sheet["subtitle"] and "rent 100,000" in sheet["subtitle"]
    assert sheet["years"][0]["Revenue"] == pytest.approx(1_200_000)
    margin, built = fixture_db.execute(
        "select compute_gross_margin_ttm, implied_utilization_term from marts.economics "
        "where period_end = ? and code = '300001'", [PERIOD]
    ).fetchone()
    (firm,) = [f for f in sheet["firms"] if f["Code"] == "300001"]
    # the same macro as the mart, with the file's sums: equal to the Python solver, and lower than the warehouse's
    assert firm["Implied utilisation (term)"] == pytest.approx(solver.implied_utilization(assumptions, margin), abs=1e-9)
    assert firm["Implied utilisation (term)"] < built


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("utilization = 1.5\n", "utilisation in [0, 1]"),
        ("rent_per_month = -1\n", "rent_per_month"),
        ("depreciation_life_years = 0\n", "depreciation_life_years"),
        ("rent = 5\n", "unknown keys: rent"),
        ("rent_per_month = \n", "not valid TOML"),
    ],
)
def test_bad_economics_file_is_refused_before_anything_is_written(reports_dir, tmp_path, text, message):
    config = tmp_path / "bad.toml"
    config.write_text(text)
    result = invoke(reports_dir, "report", "--economics", str(config))
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert not reports_dir.reports_dir.exists()


def test_missing_economics_file(reports_dir, tmp_path):
    result = invoke(reports_dir, "report", "--economics", str(tmp_path / "nope.toml"))
    assert result.exit_code == 2 and "does not exist" in result.output


def test_the_heat_map_note_solves_for_the_reports_own_net_benchmark(fixture_paths, tmp_path):
    (page,) = write_reports(fixture_paths, "html", None, None, 0.15, tmp_path)
    text = page.read_text(encoding="utf-8")
    needed = solver.required_utilization(load_assumptions(), "net", 0.15, "term").value
    assert f"the model needs {needed:.0%} utilisation for 15% net" in text
