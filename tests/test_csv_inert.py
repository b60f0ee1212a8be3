"""CSV for spreadsheets: text a spreadsheet would run as a formula is written inert (a leading apostrophe), numbers
stay numbers at full precision, and JSON never holds NaN or ±Infinity."""

from __future__ import annotations

import csv
import json

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.display import csv_cell, spreadsheet_safe, to_csv, to_json
from tests.report_fixtures import FORMULA_LIKE, HOSTILE_NAMES, SCRIPT_NAME, hostile_copy

runner = CliRunner()
FORMULAS = [text for text in FORMULA_LIKE if text != SCRIPT_NAME]  # the script name is markup, not a formula


def invoke(paths, *args):
    return runner.invoke(app, ["--data-dir", str(paths.data_dir), "--reports-dir", str(paths.reports_dir), *args])


@pytest.fixture(scope="module")
def hostile(fixture_paths, tmp_path_factory):
    return hostile_copy(fixture_paths, tmp_path_factory.mktemp("hostile-csv"))


def cells(text: str) -> list[list[str]]:
    return list(csv.reader(text.splitlines()))


@pytest.mark.parametrize("text", FORMULAS)
def test_formula_like_text_gets_an_apostrophe(text):
    assert spreadsheet_safe(text) == "'" + text


@pytest.mark.parametrize("text", ["-3.98", "+86", "1e-5", "-.5", "测试算力", "a=b", "", "300001"])
def test_numbers_and_plain_text_stay_as_they_are(text):
    assert spreadsheet_safe(text) == text


def test_csv_cells_keep_full_precision_and_write_non_finite_as_empty():
    assert csv_cell(1234567.891234) == "1234567.891234" and csv_cell(-0.123456789) == "-0.123456789"
    assert [csv_cell(v) for v in (None, float("nan"), float("inf"), float("-inf"))] == ["", "", "", ""]
    assert to_csv(["=x"], [("=1+2",)]) == "'=x\n'=1+2"


def test_query_csv_writes_hostile_names_inert(hostile):
    result = invoke(hostile, "query", "select code, name, revenue_ttm from marts.benchmark "
                                      "where revenue_ttm is not null order by code, period_end desc", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = cells(result.output.split("\n", 1)[1] if result.output.startswith("SAMPLE") else result.output)
    names = {code: name for code, name, _ in rows[1:]}
    assert set(names) == set(HOSTILE_NAMES)
    assert all(names[c] == (HOSTILE_NAMES[c] if HOSTILE_NAMES[c] == SCRIPT_NAME else "'" + HOSTILE_NAMES[c]) for c in names)
    assert all(float(revenue) == float(revenue) for _, _, revenue in rows[1:])  # plain numbers, no separators
    assert not any("," in revenue for *_, revenue in rows[1:])


def test_export_csv_writes_every_text_column_inert(hostile, tmp_path):
    result = invoke(hostile, "export", "--format", "csv", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    seen = set()
    for path in (tmp_path / "out").glob("*.csv"):
        for row in cells(path.read_text(encoding="utf-8")):
            for value in row:
                assert value not in FORMULAS, (path.name, value)  # never raw
                if value.startswith("'") and value[1:] in FORMULAS:
                    seen.add(value[1:])
    assert seen == set(FORMULAS)  # names and segment names alike
    benchmark = cells((tmp_path / "out" / "benchmark.csv").read_text(encoding="utf-8"))
    column = benchmark[0].index("net_gap_pp")
    assert any(row[column].startswith("-") for row in benchmark[1:])  # negative numbers are numbers


def test_json_never_holds_nan_or_infinity():
    text = to_json(["a", "b", "c"], [(float("nan"), float("-inf"), 1.5)])
    assert json.loads(text) == [{"a": None, "b": None, "c": 1.5}] and "Infinity" not in text


def test_economics_json_with_an_absurd_capex_is_valid_json(paths):
    result = invoke(paths, "economics", "--capex", "1e308", "--format", "json")
    assert result.exit_code in (0, 2), result.output
    if result.exit_code == 0:
        text = result.output
        assert "Infinity" not in text and "NaN" not in text
        json.loads(text[text.index("{"):])
