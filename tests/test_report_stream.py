"""The workbook's own row writer (pipeline/reports/excel/stream.py) writes what openpyxl's writer writes for the same
cells: every part of the file, compared as canonical XML, for the fixture, its hostile copy, a period whose sections
are empty, and a sheet of every kind of value the cells can hold."""

from __future__ import annotations

import math
import re
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest

from pipeline.reports.data import gather
from pipeline.reports.excel import write_workbook
from pipeline.reports.excel.book import Book
from pipeline.reports.excel.stream import add_sheet
from tests.report_fixtures import PERIOD, hostile_copy

STAMPS = re.compile(rb"<dcterms:(created|modified)[^>]*>[^<]*</dcterms:\1>")  # the file's own write times


def canonical_parts(path: Path) -> dict[str, bytes]:
    from lxml import etree

    with zipfile.ZipFile(path) as z:
        parts = {}
        for name in z.namelist():
            raw = z.read(name)
            if name.endswith((".xml", ".rels")):
                raw = STAMPS.sub(b"", etree.tostring(etree.fromstring(raw), method="c14n"))
            parts[name] = raw
        return parts


def assert_same_workbook(ours: Path, reference: Path) -> None:
    a, b = canonical_parts(ours), canonical_parts(reference)
    assert list(a) == list(b)
    different = [name for name in a if a[name] != b[name]]
    assert not different, f"parts written differently: {different}"


def both_ways(data, tmp_path: Path) -> tuple[Path, Path]:
    return (write_workbook(data, tmp_path / "ours.xlsx"), write_workbook(data, tmp_path / "stock.xlsx", stock=True))


def test_the_fixture_workbook_is_what_openpyxl_writes(fixture_paths, tmp_path):
    assert_same_workbook(*both_ways(gather(fixture_paths, PERIOD, None, None), tmp_path))


def test_hostile_names_and_the_sample_banner_are_written_as_openpyxl_writes_them(fixture_paths, tmp_path):
    """Formula-like names become quote-prefixed text cells, the same in both writers."""
    paths = hostile_copy(fixture_paths, tmp_path / "hostile")
    assert_same_workbook(*both_ways(gather(paths, PERIOD, None, None), tmp_path))


def test_a_period_with_empty_sections_is_what_openpyxl_writes(fixture_paths, fixture_db, tmp_path):
    first = fixture_db.execute(
        "select min(period_end) from marts.benchmark where is_current_member and not report_missing").fetchone()[0]
    assert_same_workbook(*both_ways(gather(fixture_paths, first, None, None), tmp_path))


EVERY_VALUE = [
    ("text", "plain"), ("text", "  leading and trailing blanks  "), ("text", ""), ("upstream", "=1+2"),
    ("upstream", "\tTAB"), ("text", "line\nbreak"), ("text", "非 ASCII 名称"), ("yi", 123_456_789.0), ("yi", -0.5),
    ("pct", 0.123456789012345678), ("int", 7), ("int", 1_234_567_890), ("pct", math.inf), ("pct", math.nan),
    ("date", date(2024, 3, 31)), ("datetime", datetime(2024, 3, 31, 15, 4, 5)), ("text", date(1900, 1, 15)),
    ("text", True), ("flag", True), ("flag", False), ("check", None), ("status", "far_below"), ("period", date(2024, 6, 30)),
    ("text", None),
]


def test_every_kind_of_value_is_written_as_openpyxl_writes_it(fixture_paths, tmp_path):
    """Each value kind, wide rows (columns past Z), empty rows, filled empty cells and row heights."""
    from openpyxl import Workbook, load_workbook

    data = gather(fixture_paths, PERIOD, None, None)
    written = {}
    for stock in (False, True):
        wb = Workbook(write_only=True)
        book = Book(wb, data)
        ws = add_sheet(wb, "Values", stock=stock)
        book.append(ws, [])
        book.append(ws, [book.cell(ws, value, kind) for kind, value in EVERY_VALUE] * 2)  # 48 columns: to AV
        book.append(ws, [None, book.cell(ws, None, fill=book.fill_band), None])
        book.append(ws, [book.cell(ws, "wrapped " * 30, align=book.wrap)], wrapped=[("wrapped " * 30, 10)])
        book.append(ws, [None, None])
        wb.save(written.setdefault(stock, tmp_path / f"values_{stock}.xlsx"))
    assert_same_workbook(written[False], written[True])

    ws = load_workbook(written[False])["Values"]
    row = [c.value for c in ws[2]]
    assert row[:3] == ["plain", "  leading and trailing blanks  ", None]  # an empty text is an empty cell
    assert row[3] == "=1+2" and ws.cell(2, 4).data_type == "s" and ws.cell(2, 4).quotePrefix
    assert row[7] == pytest.approx(1.23456789) and row[9] == pytest.approx(0.123456789012345678)
    assert row[11] == 1_234_567_890 and row[17] is True
    assert row[14] == datetime(2024, 3, 31) and row[15] == datetime(2024, 3, 31, 15, 4, 5)
    assert row[24:27] == row[:3]  # the second copy, past column Z
    assert ws.row_dimensions[4].height > 12.5
