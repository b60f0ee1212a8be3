"""The flat utilisation a margin needs: required_utilization, implied_utilization and the sums they solve with."""

from __future__ import annotations

from pipeline.economics.assumptions import BASES, MARGIN_TOLERANCE, SOLVE_TOLERANCE, Assumptions, invalid
from pipeline.economics.pnl import Solved, bisect, margin_at, pnl

def required_utilization(a: Assumptions, margin: str, target: float, basis: str = "term") -> Solved:
    """The flat utilisation at which the gross or net margin equals `target` (solved to 1e-12).

    Both margins rise with utilisation while rent exceeds the variable cost: fixed costs, depreciation and
    interest are spread over more revenue. Gross margin is linear in 1/u and solved in closed form; net margin
    has the tax kink and is bisected.
    """
    if margin not in ("gross", "net"):
        raise invalid("margin", margin, "gross, net")
    if basis not in BASES:
        raise invalid("basis", basis, ", ".join(BASES))
    full = margin_at(a, 1.0, margin, basis)
    if full is None:
        return Solved(None, "no revenue even at 100 % utilisation (rent is 0)")
    if full < target - MARGIN_TOLERANCE:
        return Solved(None, f"unreachable: {margin} margin is {full:.1%} at 100 % utilisation")
    if margin == "gross":
        sums = next(row for row in solve_rows(a) if row["basis"] == basis)  # what the SQL macro solves with, too
        fixed = sums["depreciation"] + sums["opex_fixed"]
        per_unit = sums["revenue_at_full"] * (1 - target) - sums["opex_variable_at_full"]
        if fixed == 0:
            return Solved(0.0)
        return Solved(min(fixed / per_unit, 1.0))
    tiny = SOLVE_TOLERANCE
    if margin_at(a, tiny, margin, basis) >= target:
        return Solved(0.0, "the target is met at any utilisation above 0")
    return Solved(bisect(lambda u: margin_at(a, u, margin, basis) - target, tiny, 1.0))


def implied_utilization(a: Assumptions, target_gross_margin: float, basis: str = "term") -> float | None:
    """The flat utilisation at which the model's gross margin equals a firm's reported compute gross margin.

    `term` (the default) is the margin over the whole term, which is also what a fleet of evenly spread
    server vintages reports in any one year; `year1` fits a young fleet. None when even 100 % falls short.
    """
    return required_utilization(a, "gross", target_gross_margin, basis).value


def solve_rows(a: Assumptions) -> list[dict]:
    """seeds.economics_solve: what the closed-form gross-margin solve needs, on the `term` and `year1` bases.

    With utilisation u held flat, gross margin = (R·u − D − F − V·u) / (R·u) over the basis years, where R is
    revenue at full use, D depreciation, F fixed opex and V variable opex at full use (all summed over those
    years). The u that gives margin g is (D + F) / (R·(1 − g) − V): the `implied_utilization` macro in
    sql/macros.sql, checked against `required_utilization` in tests/test_economics_mart.py.
    """
    rows, _ = pnl(a, [1.0] * a.term_years, a.depreciation_method, a.rent_per_month)
    out = []
    for basis in BASES:
        years = rows[:1] if basis == "year1" else rows
        out.append(
            {
                "basis": basis,
                "years": len(years),
                "revenue_at_full": sum(r.revenue for r in years),
                "depreciation": sum(r.depreciation for r in years),
                "opex_fixed": a.opex_fixed_per_year * len(years),
                "opex_variable_at_full": a.opex_variable_per_year_at_full * len(years),
            }
        )
    return out
