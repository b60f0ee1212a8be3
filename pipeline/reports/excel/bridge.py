"""The Bridge sheet: gross → net margin, each cost as a share of revenue, beside the benchmark's room."""

from __future__ import annotations

from pipeline.reports.excel.book import Book, cells, columns
from pipeline.reports.excel.rules import above, against


BRIDGE_COLS = columns("bridge")


def bridge(book: Book, ws) -> None:
    cols = BRIDGE_COLS
    b = book.b
    benchmark = {
        "code": None,
        "name": "基准 Benchmark",
        "gross_margin_ttm": b.gross,
        "net_margin_ttm": b.net,
        "gross_to_net_ttm": b.gross - b.net,  # the benchmark's own 40 → 20: the room for all costs below gross profit
    }
    records = [benchmark] + book.data.bridge.records()
    first, last = book.table_sheet(
        ws, f"利润率桥 Margin bridge — gross → net, share of revenue TTM, {book.data.label}",
        book.subtitle(f"the benchmark's {b.gross:.0%} → {b.net:.0%} leaves {b.gross - b.net:.0%} of revenue for "
                      "everything below gross profit; compare each firm's total"),
        cols, records,
    )
    if len(records) == 1:
        book.nothing(ws, f"no current member has a TTM gross margin at {book.data.label} (TTM needs the four quarters "
                         "to it; the first periods of a history have none)")
    against(ws, cells(cols, "gross_margin_ttm", first + 1, last), b.gross)
    against(ws, cells(cols, "net_margin_ttm", first + 1, last), b.net)
    # A firm whose costs below gross profit exceed the benchmark's room cannot reach the net benchmark at 40 % gross.
    above(ws, cells(cols, "gross_to_net_ttm", first + 1, last), b.gross - b.net)
