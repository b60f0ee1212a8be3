"""The Bridge sheet: where the margin goes, as the statements put it (marts.margin_bridge, TTM), and the Status
changes sheet (marts.status_changes).

Under Chinese Accounting Standards the servers' depreciation is inside 营业成本: the sheet adds it back on the gross
side (gross before D&A, at most), then walks from the reported gross margin to the net margin line by line, every
one-off gain its own column; the operating view closes exactly (its residual is a column).
"""

from __future__ import annotations

from pipeline.reports.excel.book import Book, cells, columns
from pipeline.reports.excel.rules import against, flagged

BRIDGE_COLS = columns("bridge")
STATUS_COLS = columns("status_changes")


def bridge(book: Book, ws) -> None:
    cols = BRIDGE_COLS
    b = book.b
    benchmark = {"code": None, "name": "基准 Benchmark", "gross_margin_ttm": b.gross, "net_margin_ttm": b.net}
    records = [benchmark] + book.data.bridge.records()
    first, last = book.table_sheet(
        ws, f"利润率桥 Margin bridge — share of revenue TTM, {book.data.label}",
        book.subtitle("D&A sits in 营业成本 (it lowers the gross margin): + D&A gives gross before D&A, at most; then "
                      "gross − each line = net, closing exactly (− Other is the residual)"),
        cols, records,
    )
    if len(records) == 1:
        book.nothing(ws, f"no current member has a TTM gross margin at {book.data.label} (TTM needs the four quarters "
                         "to it; the first periods of a history have none)")
    against(ws, cells(cols, "gross_margin_ttm", first + 1, last), b.gross)
    against(ws, cells(cols, "gross_margin_ex_da", first + 1, last), b.gross)
    against(ws, cells(cols, "net_margin_ttm", first + 1, last), b.net)
    against(ws, cells(cols, "net_margin_deducted_ttm", first + 1, last), b.net)
    flagged(ws, cells(cols, "net_meets_only_with_one_offs", first + 1, last))


def status_changes(book: Book, ws) -> None:
    records = book.data.status_history.records()
    book.table_sheet(
        ws, f"状态变化 Status changes — who crossed a benchmark line, up to {book.data.label}",
        book.subtitle("firm_wide = status, compute = the compute segment's gross margin against the gross benchmark, "
                      "recurring = 扣非 net margin against the net benchmark (marts.status_changes, at the warehouse's "
                      "benchmarks)"),
        STATUS_COLS, records,
        empty="no current member's status changed between reported quarters up to this period",
    )
