"""The Cash and debt sheet: can each firm carry its GPU fleet? Cash flow TTM, debt and liquidity at the period end,
the fleet and its growth, and the carry screen's five flags (marts.cash_flow, marts.balance_health,
marts.carry_screen), with the screen's thresholds in the subtitle and as conditional formats."""

from __future__ import annotations

from pipeline.reports.excel.book import Book, cells, columns
from pipeline.reports.excel.rules import above, below, flagged

CARRY_COLS = columns("carry")
FLAGS = ("fcf_negative", "net_debt_high", "cash_short", "coverage_low", "dso_rising")


def carry(book: Book, ws) -> None:
    cols = CARRY_COLS
    limits = book.data.screen_limits
    overridden = [r["name"] for r in book.data.screen.records() if r["overridden"]]
    described = (f"flags at FCF < 0 for {limits.get('fcf_negative_quarters', 4):g} quarters, net debt / EBITDA > "
                 f"{limits.get('net_debt_to_ebitda_max', 4):g}× (or net debt with EBITDA ≤ 0), cash < "
                 f"{limits.get('cash_to_short_debt_min', 1):g}× short-term debt, coverage < "
                 f"{limits.get('interest_coverage_min', 1.5):g}×, DSO up {limits.get('dso_rising_periods', 3):g} "
                 "quarter ends running; 'not checked' = inputs missing"
                 + (f" (overridden at build: {', '.join(overridden)})" if overridden else ""))
    first, last = book.table_sheet(
        ws, f"现金与负债 Cash and debt — can they carry the fleet? {book.data.label}",
        book.subtitle(described), cols, book.data.carry.records(),
        empty="no current member has a report at this period",
    )
    for flag in FLAGS:
        flagged(ws, cells(cols, flag, first, last))
    above(ws, cells(cols, "net_debt_to_ebitda", first, last), limits.get("net_debt_to_ebitda_max", 4.0))
    below(ws, cells(cols, "cash_to_short_debt", first, last), limits.get("cash_to_short_debt_min", 1.0))
    below(ws, cells(cols, "interest_coverage", first, last), limits.get("interest_coverage_min", 1.5))
    below(ws, cells(cols, "free_cash_flow_ttm", first, last), 0.0)
