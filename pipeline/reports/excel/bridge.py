"""The Bridge sheet: gross → net margin, each cost as a share of revenue, beside the benchmark's room."""

from __future__ import annotations

from pipeline.reports.excel.book import Book, Col, column
from pipeline.reports.excel.rules import above, against


BRIDGE_COLS = [
    Col("code", "代码\nCode", "code", 9),
    Col("name", "名称\nName", "upstream", 16),
    Col("status", "状态\nStatus", "status", 20),
    Col("gross_margin_ttm", "毛利率\nGross margin", "pct", 10),
    Col("selling_to_revenue_ttm", "− 销售费用\n− Selling", "pct", 10),
    Col("admin_to_revenue_ttm", "− 管理费用\n− Admin", "pct", 10),
    Col("rd_to_revenue_ttm", "− 研发费用\n− R&D", "pct", 10),
    Col("finance_to_revenue_ttm", "− 财务费用\n− Finance (net)", "pct", 10),
    Col("impairment_to_revenue_ttm", "− 减值损失\n− Impairment", "pct", 10),
    Col("tax_to_revenue_ttm", "− 所得税\n− Income tax", "pct", 10),
    Col("other_to_revenue_ttm", "− 其他\n− Other (residual)", "pct", 10),
    Col("net_margin_ttm", "= 净利率\n= Net margin", "pct", 10),
    Col("gross_to_net_ttm", "毛利率−净利率\nGross → net, total", "pct", 12),
]


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
