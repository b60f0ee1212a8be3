"""Conditional formats of the workbook: against a benchmark, diverging around zero, burden shading, flags.

Each takes a range such as `F6:F40`, or None for a table with no rows (see book.cells): then it adds nothing.
"""

from __future__ import annotations

from pipeline.reports.excel.book import AMBER_FILL, GREEN_FILL, RED_FILL


def against(ws, ref: str | None, threshold: float) -> None:
    """Green when a margin meets its benchmark, red when it falls short."""
    _cell_is(ws, ref, "greaterThanOrEqual", num(threshold), GREEN_FILL, "006100")
    _cell_is(ws, ref, "lessThan", num(threshold), RED_FILL, "9C0006")


def above(ws, ref: str | None, threshold: float) -> None:
    """Red when a value exceeds `threshold`."""
    _cell_is(ws, ref, "greaterThan", num(threshold), RED_FILL, "9C0006")


def below(ws, ref: str | None, threshold: float) -> None:
    """Red when a value falls short of `threshold`."""
    _cell_is(ws, ref, "lessThan", num(threshold), RED_FILL, "9C0006")


def flagged(ws, ref: str | None) -> None:
    """Amber and bold where a flag column says yes."""
    _cell_is(ws, ref, "equal", '"yes"', AMBER_FILL, "7F6000", bold=True)


def diverging(ws, ref: str | None) -> None:
    """Red below zero, white at zero, green above: for gaps in pp."""
    from openpyxl.formatting.rule import ColorScaleRule

    _add(ws, ref, lambda: ColorScaleRule(start_type="min", start_color="F8696B", mid_type="num", mid_value=0,
                                         mid_color="FFFFFF", end_type="max", end_color="63BE7B"))


def burden(ws, ref: str | None) -> None:
    """White to orange: the heavier the burden, the darker."""
    from openpyxl.formatting.rule import ColorScaleRule

    _add(ws, ref, lambda: ColorScaleRule(start_type="min", start_color="FFFFFF", end_type="percentile", end_value=95,
                                         end_color="F4B183"))


def num(value: float) -> str:
    """A threshold as a formula literal."""
    return repr(float(value))


def _cell_is(ws, ref: str | None, operator: str, formula: str, fill: str, colour: str, *, bold: bool = False) -> None:
    from openpyxl.formatting.rule import CellIsRule
    from openpyxl.styles import Font, PatternFill

    _add(ws, ref, lambda: CellIsRule(operator=operator, formula=[formula], fill=PatternFill("solid", bgColor=fill),
                                     font=Font(color=colour, bold=bold or None)))


def _add(ws, ref: str | None, rule) -> None:
    """Add the rule `rule()` makes over `ref`; nothing for a table without rows."""
    if ref is not None:
        ws.conditional_formatting.add(ref, rule())
