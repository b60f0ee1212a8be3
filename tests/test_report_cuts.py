"""Long tables in the workbook: cut by firm to a row budget, and the sheet says what is left out."""

from __future__ import annotations

import pytest

from pipeline.reports import data as report_data
from pipeline.reports import write_reports
from pipeline.reports.data import Table, cut, gather


def test_a_table_within_its_budget_is_left_whole():
    whole = Table(["code", "v"], [("1", 1), ("2", 2)])
    assert cut("segments", whole, ["2", "1"]) == (whole, None)


def test_a_long_table_keeps_whole_firms_in_rank_order_and_each_firms_latest_rows(monkeypatch):
    monkeypatch.setitem(report_data.ROW_BUDGET, "quarterly", 5)
    rows = [(code, q) for code in ("a", "b", "c") for q in range(1, 5)]  # 4 quarters each, in period order
    shown, made = cut("quarterly", Table(["code", "q"], rows), ["c", "a", "b"], per_firm=2)
    assert shown.rows == [("a", 3), ("a", 4), ("c", 3), ("c", 4)]  # c ranks first, then a; b does not fit
    assert (made.shown, made.total, made.firms_shown, made.firms_total) == (4, 12, 2, 3)
    assert "latest 2 quarters" in made.rule and "current members first" in made.rule


def test_an_empty_table_is_never_cut():
    empty = Table(["code"], [])
    assert cut("quality", empty, []) == (empty, None)


def test_the_workbook_cuts_the_quarterly_sheet_and_says_so_while_the_html_keeps_everything(fixture_paths, tmp_path, monkeypatch):
    from openpyxl import load_workbook

    whole = gather(fixture_paths, None, None, None)
    assert whole.cuts == {}  # the fixture fits
    monkeypatch.setitem(report_data.ROW_BUDGET, "quarterly", 10)
    data = gather(fixture_paths, None, None, None)
    assert len(data.for_sheet("quarterly")) <= 10 < len(data.quarterly) == len(whole.quarterly)
    xlsx, html = write_reports(fixture_paths, "all", None, None, None, tmp_path)
    sheet = load_workbook(xlsx, read_only=True)["Quarterly"]
    text = " ".join(str(c.value) for row in sheet.iter_rows(max_row=3) for c in row if c.value)
    assert f"showing {data.cuts['quarterly'].shown} of {len(whole.quarterly)} rows" in text
    assert "marts.fundamentals" in text
    codes = [row[0].value for row in sheet.iter_rows(min_row=5) if row[0].value]
    assert len(codes) == data.cuts["quarterly"].shown
    assert html.read_text(encoding="utf-8").count("300001") > 0


@pytest.mark.parametrize("name", ["segments", "quality"])
def test_the_other_long_sheets_are_cut_the_same_way(fixture_paths, monkeypatch, name):
    monkeypatch.setitem(report_data.ROW_BUDGET, name, 1)
    data = gather(fixture_paths, None, None, None)
    if len(getattr(data, name)) <= 1:
        pytest.skip(f"the fixture has at most one {name} row")
    assert len(data.for_sheet(name)) <= 1 and data.cuts[name].total == len(getattr(data, name))
