"""The Quarterly panel and Segments sheets: one row per firm-quarter, one per disclosed segment."""

from __future__ import annotations

from pipeline.reports.excel.book import Book, Col, column
from pipeline.reports.excel.rules import against, flagged


QUARTERLY_COLS = [
    Col("code", "代码\nCode", "code", 9),
    Col("name", "名称\nName", "upstream", 16),
    Col("period_end", "季度\nQuarter", "period", 9),
    Col("period_end_date", "期末\nPeriod end", "date", 11),
    Col("is_current_member", "成分股\nCurrent member", "flag", 9),
    Col("status", "状态\nStatus (TTM)", "status", 20),
    Col("revenue_q", "营业收入(单季)\nRevenue Q (亿元)", "yi", 12),
    Col("revenue_ttm", "营业收入TTM\nRevenue TTM (亿元)", "yi", 12),
    Col("revenue_yoy_ttm", "营收同比\nRevenue YoY TTM", "pct", 10),
    Col("gross_profit_q", "毛利(单季)\nGross profit Q (亿元)", "yi", 12),
    Col("net_profit_q", "净利润(单季)\nNet profit Q (亿元)", "yi", 12),
    Col("net_profit_ttm", "净利润TTM\nNet profit TTM (亿元)", "yi", 12),
    Col("net_profit_yoy_ttm", "净利同比\nProfit YoY TTM", "pct", 10),
    Col("gross_margin_q", "毛利率(单季)\nGross margin Q", "pct", 10),
    Col("gross_margin_ttm", "毛利率TTM\nGross margin TTM", "pct", 10),
    Col("net_margin_q", "净利率(单季)\nNet margin Q", "pct", 10),
    Col("net_margin_ttm", "净利率TTM\nNet margin TTM", "pct", 10),
    Col("depreciation_amortization_ttm", "折旧摊销TTM\nD&A TTM (亿元)", "yi", 11),
    Col("da_to_revenue_ttm", "折旧摊销/收入\nD&A / revenue TTM", "pct", 11),
    Col("depreciation_amortization_ttm_is_carried", "折旧沿用\nD&A carried", "flag", 9),
    Col("interest_expense_q", "利息费用(单季)\nInterest Q (亿元)", "yi", 11),
    Col("interest_expense_ttm", "利息费用TTM\nInterest TTM (亿元)", "yi", 11),
    Col("interest_to_revenue_ttm", "利息/收入\nInterest / revenue TTM", "pct", 11),
    Col("compute_revenue_ttm", "算力收入TTM\nCompute revenue TTM (亿元)", "yi", 12),
    Col("compute_share_ttm", "算力占比\nCompute share TTM", "pct", 10),
    Col("compute_ttm_is_carried", "算力沿用\nCompute carried", "flag", 9),
    Col("report_missing", "缺报告\nReport missing", "flag", 9),
    Col("quarter_is_derived", "推算单季\nQ derived", "flag", 9),
    Col("is_restated", "追溯调整\nRestated", "flag", 9),
    Col("revenue_is_fallback", "营业总收入替代\nRevenue fallback", "flag", 10),
]


def quarterly(book: Book, ws) -> None:
    cols = QUARTERLY_COLS
    records = book.data.quarterly.records()
    for r in records:
        r["period_end_date"] = r["period_end"]
    first, last = book.table_sheet(
        ws, "季度面板 Quarterly panel — single quarter (Q) and trailing twelve months (TTM)",
        book.subtitle("every firm in the warehouse, one row per quarter; flags mark derived, carried and missing values"),
        cols, records, freeze_cols=3,
    )
    col = lambda key: column(cols, key)  # noqa: E731
    against(ws, f"{col('gross_margin_ttm')}{first}:{col('gross_margin_ttm')}{last}", book.b.gross)
    against(ws, f"{col('net_margin_ttm')}{first}:{col('net_margin_ttm')}{last}", book.b.net)


SEGMENT_COLS = [
    Col("code", "代码\nCode", "code", 9),
    Col("name", "名称\nName", "upstream", 16),
    Col("period_end", "期末\nPeriod end", "date", 11),
    Col("classification", "分类\nClassification", "upstream", 12),
    Col("segment", "主营构成\nSegment (as disclosed)", "upstream", 24),
    Col("revenue", "收入\nRevenue (亿元)", "yi", 11),
    Col("cost", "成本\nCost (亿元)", "yi", 11),
    Col("gross_margin", "毛利率\nGross margin", "pct", 10),
    Col("share_of_revenue", "收入占比\nShare of revenue", "pct", 10),
    Col("is_compute", "算力\nCompute", "flag", 8),
    Col("compute_tier", "层级\nTier", "int", 6),
    Col("matched_keyword", "匹配关键词\nKeyword matched", "upstream", 12),
    Col("match_reason", "分类依据\nWhy classified", "upstream", 40),
]


def segments(book: Book, ws) -> None:
    cols = SEGMENT_COLS
    first, last = book.table_sheet(
        ws, "主营构成 Segments — compute classification, for audit",
        book.subtitle("cumulative H1 / FY values of the last two years; tier 1 = compute proper, 2 = IDC / cloud"),
        cols, book.data.segments.records(),
    )
    flagged(ws, f"{column(cols, 'is_compute')}{first}:{column(cols, 'is_compute')}{last}")
