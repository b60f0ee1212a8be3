"""The Excel workbook: an About page, the benchmark Summary with native charts, and the detail sheets behind it.

book.py holds what every sheet shares (styles, cells, title rows, tables), stream.py serialises its rows, rules.py
the conditional formats; each other module writes one sheet or a pair of related ones, as a function of the Book.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.reports.data import ReportData
from pipeline.reports.definitions import SHEET_GUIDE
from pipeline.reports.excel.about import about
from pipeline.reports.excel.book import HEADER_ROW, Book
from pipeline.reports.excel.bridge import bridge, status_changes
from pipeline.reports.excel.carry import carry
from pipeline.reports.excel.economics import economics
from pipeline.reports.excel.panel import quarterly, segments
from pipeline.reports.excel.quality import quality
from pipeline.reports.excel.stream import add_sheet
from pipeline.reports.excel.summary import chart_data, summary, summary_charts
from pipeline.reports.excel.universe import universe

__all__ = ["HEADER_ROW", "write_workbook"]


def write_workbook(data: ReportData, target: Path, *, stock: bool = False) -> Path:
    """Write the workbook to `target`. `stock` writes its rows through openpyxl's own cells instead of stream.py's
    serialiser: the same file, five times slower; the tests' reference."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    book = Book(wb, data)
    sheets = {name: add_sheet(wb, name, stock=stock) for name, _, _ in SHEET_GUIDE}
    about(book, sheets["About"])
    summary_rows = summary(book, sheets["Summary"])
    charts = chart_data(book, sheets["Chart data"])
    summary_charts(book, sheets["Summary"], sheets["Chart data"], charts, summary_rows)
    quarterly(book, sheets["Quarterly"])
    segments(book, sheets["Segments"])
    bridge(book, sheets["Bridge"])
    status_changes(book, sheets["Status changes"])
    carry(book, sheets["Cash and debt"])
    economics(book, sheets["Economics"])
    universe(book, sheets["Universe"])
    quality(book, sheets["Data quality"])
    wb.properties.title = f"leasewatch {data.label}"
    wb.properties.creator = "leasewatch"
    wb.save(target)
    return target
