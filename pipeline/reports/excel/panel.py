"""The Quarterly panel and Segments sheets: one row per firm-quarter, one per disclosed segment."""

from __future__ import annotations

from pipeline.reports.excel.book import Book, cells, columns
from pipeline.reports.excel.rules import against, flagged


QUARTERLY_COLS = columns("quarterly")


def quarterly(book: Book, ws) -> None:
    cols = QUARTERLY_COLS
    records = book.data.for_sheet("quarterly").records()
    for r in records:
        r["period_end_date"] = r["period_end"]
    first, last = book.table_sheet(
        ws, "季度面板 Quarterly panel — single quarter (Q) and trailing twelve months (TTM)",
        book.subtitle(cut_note(book, "quarterly", "every firm in the warehouse, one row per quarter; flags mark derived, "
                                                  "carried and missing values")),
        cols, records, freeze_cols=3, empty=f"no firm has a quarterly report on or before {book.data.label}",
    )
    against(ws, cells(cols, "gross_margin_ttm", first, last), book.b.gross)
    against(ws, cells(cols, "net_margin_ttm", first, last), book.b.net)


SEGMENT_COLS = columns("segment")


def segments(book: Book, ws) -> None:
    cols = SEGMENT_COLS
    first, last = book.table_sheet(
        ws, "主营构成 Segments — compute classification, for audit",
        book.subtitle(cut_note(book, "segments", "cumulative H1 / FY values of the last two years; tier 1 = compute "
                                                 "proper, 2 = IDC / cloud")),
        cols, book.data.for_sheet("segments").records(),
        empty=f"no firm disclosed 主营构成 (segments) in the two years to {book.data.label}",
    )
    flagged(ws, cells(cols, "is_compute", first, last))


_EXPORT = {"quarterly": "fundamentals", "segments": "segments", "quality": "data_quality"}


def cut_note(book: Book, name: str, text: str) -> str:
    """The sheet's subtitle, saying what is left out when the table is longer than a sheet holds (data.ROW_BUDGET)."""
    shown = book.data.cuts.get(name)
    if shown is None:
        return text
    return f"{text} · {shown.describe()}; all of them: marts.{_EXPORT[name]} (leasewatch query, leasewatch export DIR)"
