"""The Excel workbook, reloaded as a reader's spreadsheet would: sheets, values from the marts, formats,
conditional formats, charts, and no upstream text turned into a formula."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from pipeline.reports import write_reports
from pipeline.reports.excel import HEADER_ROW
from tests.report_fixtures import FORMULA_LIKE, HOSTILE_NAMES, LABEL, PERIOD, hostile_copy

SHEETS = ["About", "Summary", "Quarterly", "Segments", "Bridge", "Status changes", "Cash and debt", "Economics", "Universe", "Data quality", "Chart data"]


@pytest.fixture(scope="module")
def workbook_path(fixture_paths, tmp_path_factory) -> Path:
    (path,) = write_reports(fixture_paths, "excel", None, None, None, tmp_path_factory.mktemp("xlsx"))
    return path


@pytest.fixture(scope="module")
def workbook(workbook_path):
    from openpyxl import load_workbook

    return load_workbook(workbook_path)


@pytest.fixture(scope="module")
def hostile_workbook(fixture_paths, tmp_path_factory):
    from openpyxl import load_workbook

    root = tmp_path_factory.mktemp("hostile-xlsx")
    paths = hostile_copy(fixture_paths, root)
    (path,) = write_reports(paths, "excel", None, None, None, root / "out")
    return load_workbook(path)


def table(ws) -> list[dict]:
    """The sheet's table as records keyed by the English line of each header."""
    headers = [c.value for c in ws[HEADER_ROW]]
    keys = [h.split("\n")[-1] if h else None for h in headers]
    return [
        {k: cell for k, cell in zip(keys, row) if k}
        for row in ws.iter_rows(min_row=HEADER_ROW + 1)
        if row[0].value is not None or (len(row) > 1 and row[1].value is not None)
    ]


def test_sheets_in_reading_order(workbook):
    assert workbook.sheetnames == SHEETS


def test_summary_shows_the_marts_values_in_report_units(workbook):
    rows = {r["Code"].value: r for r in table(workbook["Summary"])}
    assert sorted(rows) == ["000003", "300001", "600001"]
    firm = rows["300001"]  # FY2024: revenue 800 M, gross profit 280 M, net profit 80 M (tests/period_fixture.py)
    assert firm["Revenue TTM (亿元)"].value == pytest.approx(8.00)
    assert firm["Gross margin"].value == pytest.approx(0.35)
    assert firm["Net margin"].value == pytest.approx(0.10)
    assert firm["Gross gap (pp)"].value == pytest.approx(-5.0)
    assert firm["Net gap (pp)"].value == pytest.approx(-10.0)
    assert firm["Status"].value == "均未达标 Below both"
    assert firm["Revenue YoY"].value == pytest.approx(800 / 610 - 1)  # against the restated FY2023
    assert firm["D&A / revenue"].value == pytest.approx(70 / 800)
    assert firm["Compute share"].value == pytest.approx(350 / 800)
    loss = rows["600001"]  # FY2024 revenue 1,200 M, net loss 30 M after a 50 M profit: 增收不增利, 转亏
    assert loss["Status"].value == "亏损 Loss-making"
    assert loss["Revenue up, profit not"].value == "yes"
    assert loss["Sign change"].value == "转亏"
    assert rows["000003"]["Gross margin"].value is None  # zero revenue: margins NULL, never 0


def test_number_formats_follow_the_display_rules(workbook):
    firm = next(r for r in table(workbook["Summary"]) if r["Code"].value == "300001")
    assert firm["Revenue TTM (亿元)"].number_format == "#,##0.00"
    assert firm["Gross margin"].number_format == "0.0%"
    assert firm["Net gap (pp)"].number_format.startswith('+0.0" pp"')
    quarterly = next(r for r in table(workbook["Quarterly"]) if r["Code"].value == "300001" and r["Quarter"].value == "2024Q2")
    assert quarterly["Revenue Q (亿元)"].value == pytest.approx(1.80)  # H1 330 − Q1 150
    assert quarterly["Period end"].number_format == "yyyy-mm-dd"


@pytest.mark.parametrize("sheet", ["Summary", "Quarterly", "Segments", "Bridge", "Universe"])
def test_tables_have_frozen_headers_and_filters(workbook, sheet):
    ws = workbook[sheet]
    assert ws.freeze_panes and ws.freeze_panes.endswith(str(HEADER_ROW + 1))
    assert ws.auto_filter.ref and ws.auto_filter.ref.startswith(f"A{HEADER_ROW}:")
    assert all(ws.column_dimensions[letter].width for letter in "ABC")


def test_margins_are_formatted_against_the_benchmarks(workbook):
    ws = workbook["Summary"]
    rules = {str(rng.sqref): [(r.type, r.operator, r.formula) for r in rules] for rng, rules in ws.conditional_formatting._cf_rules.items()}
    headers = {c.value.split("\n")[-1]: c.column_letter for c in ws[HEADER_ROW]}
    gross = headers["Gross margin"]
    net = headers["Net margin"]
    assert ("cellIs", "greaterThanOrEqual", ["0.4"]) in rules[f"{gross}{HEADER_ROW + 1}:{gross}{HEADER_ROW + 3}"]
    assert ("cellIs", "lessThan", ["0.2"]) in rules[f"{net}{HEADER_ROW + 1}:{net}{HEADER_ROW + 3}"]
    assert any(t == "colorScale" for rule in rules.values() for t, _, _ in rule)


def test_summary_has_native_charts(workbook):
    from openpyxl.chart import BarChart, ScatterChart

    charts = workbook["Summary"]._charts
    assert {type(c) for c in charts} == {ScatterChart, BarChart}
    scatter = next(c for c in charts if isinstance(c, ScatterChart))
    # one series per status present (below_both, loss_making with margins) plus the two benchmark lines
    assert len(scatter.series) == 4


def test_bridge_starts_with_the_benchmark_40_to_20(workbook):
    rows = table(workbook["Bridge"])
    assert rows[0]["Name"].value == "基准 Benchmark"
    assert rows[0]["Gross margin (after D&A)"].value == pytest.approx(0.40)
    assert rows[0]["= Net margin"].value == pytest.approx(0.20)
    firm = next(r for r in rows if r["Code"].value == "300001")
    # the operating view closes exactly: gross − costs + one-off gains − taxes − residual = net; − minority = parent
    minus = ["− Selling", "− Admin", "− R&D", "− Finance (net)", "− Credit impairment", "− Asset impairment",
             "− Taxes and surcharges", "− Income tax", "− Other (residual)"]
    plus = ["+ Other income (subsidies)", "+ Investment income", "+ Fair-value change", "+ Asset disposal",
            "+ Non-operating (net)"]
    net = (firm["Gross margin (after D&A)"].value - sum(firm[c].value or 0 for c in minus)
           + sum(firm[c].value or 0 for c in plus))
    assert net == pytest.approx(firm["= Net margin"].value)
    if firm["= Net margin to parent"].value is not None:
        assert firm["= Net margin"].value - (firm["− Minority interest"].value or 0) == pytest.approx(
            firm["= Net margin to parent"].value)
    # the gross side: D&A sits in 营业成本, so gross + D&A = gross before D&A (at most)
    if firm["+ D&A in 营业成本 (at most)"].value is not None:
        assert firm["Gross margin (after D&A)"].value + firm["+ D&A in 营业成本 (at most)"].value == pytest.approx(
            firm["= Gross before D&A (at most)"].value)


def test_status_changes_sheet_says_so_when_empty_or_lists_crossings(workbook):
    ws = workbook["Status changes"]
    text = [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]
    rows = [r for r in table(ws) if not str(r["Code"].value).startswith("没有数据")]
    assert rows or any("Nothing to show" in t for t in text)
    for r in rows:
        assert r["Direction"].value in ("up", "down", "changed")
        assert r["Before"].value != r["Now"].value


def test_about_states_period_cut_off_and_benchmarks(workbook):
    text = "\n".join(str(c.value) for row in workbook["About"].iter_rows() for c in row if c.value is not None)
    for expected in (LABEL, PERIOD.isoformat(), "数据截止 Data cut-off", "akshare", "增收不增利", "TTM 滚动十二个月"):
        assert expected in text
    assert "SAMPLE" not in text  # the fixture is not the sample


def test_data_quality_lists_restatements_and_flags(workbook):
    text = [str(c.value) for row in workbook["Data quality"].iter_rows() for c in row if c.value is not None]
    assert "restated" in text and "quarter_not_derivable" in text and "report_missing" in text
    assert "revenue_reported" in text  # marts.restatements: FY2023 revenue 600 → 610 M
    assert "ttm_equals_four_quarters" in text  # the data tests that passed


def test_upstream_text_is_never_a_formula(hostile_workbook):
    cells = [c for ws in hostile_workbook for row in ws.iter_rows() for c in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    stored = {c.value for c in cells if isinstance(c.value, str)}
    for text in FORMULA_LIKE:
        assert text in stored
    for c in cells:
        if c.value in FORMULA_LIKE:
            assert c.data_type == "s"
            assert c.quotePrefix == c.value.startswith(("=", "+", "-", "@", "\t"))  # stays text when edited
    summary_names = {r["Name"].value for r in table(hostile_workbook["Summary"])}
    assert summary_names == set(HOSTILE_NAMES.values())


def test_sample_warehouse_gets_the_banner(hostile_workbook):
    for name in ("About", "Summary", "Quarterly"):
        assert "SAMPLE" in str(hostile_workbook[name]["A3"].value)


def test_libreoffice_opens_the_workbook(workbook_path, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed; the conversion check runs where it is")
    profile = tmp_path / "profile"
    result = subprocess.run(
        [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
         "--convert-to", "pdf", "--outdir", str(tmp_path), str(workbook_path)],
        capture_output=True, text=True, timeout=180,
    )
    converted = tmp_path / (workbook_path.stem + ".pdf")
    assert result.returncode == 0, result.stderr
    assert converted.exists() and converted.stat().st_size > 10_000, result.stdout + result.stderr


def test_cash_and_debt_sheet_shows_the_marts_and_flags_every_screen_result(workbook):
    ws = workbook["Cash and debt"]
    rows = {r["Code"].value: r for r in table(ws)}
    assert sorted(rows) == ["000003", "300001", "600001"]
    firm = rows["300001"]  # FY2024 (tests/period_fixture.py): OCF 10 M, capex 40 M YTD; debt 350 M, cash 100 M
    assert firm["Free cash flow TTM (亿元)"].value == pytest.approx(-0.30)
    assert firm["Capex / D&A"].value == pytest.approx(40 / 70)
    assert firm["Net debt (亿元)"].value == pytest.approx(2.50)
    assert firm["Net debt / EBITDA"].value == pytest.approx(250 / 180)  # EBITDA 96 + 14 + 70
    flags = ("FCF negative (run)", "Net debt high", "Cash short", "Coverage low", "DSO rising")
    assert {rows[c][f].value for c in rows for f in flags} <= {"yes", "no", "not checked"}
    assert firm["Cash short"].value == "no"  # cash 100 M = 1.0× short loans of 100 M: not below the minimum
    assert firm["Coverage low"].value == "no"  # 110 / 14 = 7.9×
    assert rows["000003"]["FCF negative (run)"].value == "not checked"  # no capex line: no free cash flow
    ranges = {str(r.sqref) for r in ws.conditional_formatting}
    assert any(ref.startswith(column_letter(ws, "Net debt high")) for ref in ranges)


def column_letter(ws, english: str) -> str:
    from openpyxl.utils import get_column_letter

    headers = [c.value.split("\n")[-1] if c.value else None for c in ws[HEADER_ROW]]
    return get_column_letter(headers.index(english) + 1)
