"""The Bridge sheet: gross → net margin, each cost as a share of revenue, beside the benchmark's room."""

from __future__ import annotations

from pipeline.reports.excel.book import Book, column, columns
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
    col = lambda key: column(cols, key)  # noqa: E731
    against(ws, f"{col('gross_margin_ttm')}{first + 1}:{col('gross_margin_ttm')}{last}", b.gross)
    against(ws, f"{col('net_margin_ttm')}{first + 1}:{col('net_margin_ttm')}{last}", b.net)
    # A firm whose costs below gross profit exceed the benchmark's room cannot reach the net benchmark at 40 % gross.
    above(ws, f"{col('gross_to_net_ttm')}{first + 1}:{col('gross_to_net_ttm')}{last}", b.gross - b.net)
