"""Conditional formats of the workbook: against a benchmark, diverging around zero, burden shading, flags.

Each takes a range such as `F6:F40`, or None for a table with no rows (see book.cells): then it adds nothing.
"""

from __future__ import annotations

from pipeline.reports.excel.book import AMBER_FILL, GREEN_FILL, RED_FILL


def against(ws, ref: str | None, threshold: float) -> None:
    """Green when a margin meets its benchmark, red when it falls short."""
    if ref is None:
        return
    from openpyxl.formatting.rule import CellIsRule
    from openpyxl.styles import Font, PatternFill

    ws.conditional_formatting.add(
        ref, CellIsRule(operator="greaterThanOrEqual", formula=[num(threshold)],
                        fill=PatternFill("solid", bgColor=GREEN_FILL), font=Font(color="006100"))
    )
    ws.conditional_formatting.add(
        ref, CellIsRule(operator="lessThan", formula=[num(threshold)],
                        fill=PatternFill("solid", bgColor=RED_FILL), font=Font(color="9C0006"))
    )


def diverging(ws, ref: str | None) -> None:
    """Red below zero, white at zero, green above: for gaps in pp."""
    if ref is None:
        return
    from openpyxl.formatting.rule import ColorScaleRule

    ws.conditional_formatting.add(
        ref, ColorScaleRule(start_type="min", start_color="F8696B", mid_type="num", mid_value=0,
                            mid_color="FFFFFF", end_type="max", end_color="63BE7B")
    )


def burden(ws, ref: str | None) -> None:
    """White to orange: the heavier the burden, the darker."""
    if ref is None:
        return
    from openpyxl.formatting.rule import ColorScaleRule

    ws.conditional_formatting.add(
        ref, ColorScaleRule(start_type="min", start_color="FFFFFF", end_type="percentile", end_value=95, end_color="F4B183")
    )


def above(ws, ref: str | None, threshold: float) -> None:
    """Red when a value exceeds `threshold`."""
    if ref is None:
        return
    from openpyxl.formatting.rule import CellIsRule
    from openpyxl.styles import Font, PatternFill

    ws.conditional_formatting.add(
        ref, CellIsRule(operator="greaterThan", formula=[num(threshold)],
                        fill=PatternFill("solid", bgColor=RED_FILL), font=Font(color="9C0006"))
    )


def flagged(ws, ref: str | None) -> None:
    """Amber and bold where a flag column says yes."""
    if ref is None:
        return
    from openpyxl.formatting.rule import CellIsRule
    from openpyxl.styles import Font, PatternFill

    ws.conditional_formatting.add(
        ref, CellIsRule(operator="equal", formula=['"yes"'], fill=PatternFill("solid", bgColor=AMBER_FILL),
                        font=Font(color="7F6000", bold=True))
    )


def num(value: float) -> str:
    """A threshold as a formula literal."""
    return repr(float(value))
