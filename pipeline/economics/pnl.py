"""The per-server P&L: depreciation, interest and tax schedules, margins, and NPV / IRR / payback.

Conventions are stated once, in pipeline/economics/model.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

from pipeline.economics.assumptions import METHODS, SOLVE_TOLERANCE, Assumptions, invalid

@dataclass(frozen=True)
class YearRow:
    """One year of the per-server P&L (元) with its margins (fractions; None when revenue is 0)."""

    year: int
    utilization: float
    revenue: float
    depreciation: float
    opex: float
    interest: float
    disposal_gain: float
    pretax_profit: float
    tax: float
    net_profit: float
    gross_margin: float | None
    net_margin: float | None
    cash_flow: float  # project basis


@dataclass(frozen=True)
class Solved:
    """A solved quantity, or None with the reason it has no value."""

    value: float | None
    reason: str | None = None


@dataclass(frozen=True)
class Requirement:
    """The flat utilisation at which a margin reaches its target, on the `term` or `year1` basis."""

    name: str
    margin: str  # "gross" or "net"
    target: float
    basis: str
    utilization: Solved


@dataclass(frozen=True)
class MethodComparison:
    """Net margin per year and payback under one depreciation method, everything else unchanged."""

    method: str
    net_margin: tuple[float | None, ...]
    payback_years: Solved


@dataclass(frozen=True)
class Grid:
    """Term net margin (Σ net profit / Σ revenue) for each flat utilisation (rows) × monthly rent (columns)."""

    utilization: tuple[float, ...]
    rent_per_month: tuple[float, ...]
    net_margin: tuple[tuple[float | None, ...], ...]


@dataclass(frozen=True)
class Result:
    assumptions: Assumptions
    years: tuple[YearRow, ...]
    total: YearRow  # sums over the term; margins are Σ profit / Σ revenue; year = 0, utilisation = average
    cash_flows: tuple[float, ...]  # year 0 .. term, project basis
    payback_years: Solved
    irr: Solved
    npv: float
    requirements: tuple[Requirement, ...]
    methods: tuple[MethodComparison, ...]
    grid: Grid


def depreciation_schedule(cost: float, residual_fraction: float, life: int, method: str) -> list[float]:
    """Yearly depreciation over `life` years, ending at book value = residual_fraction × cost.

    double_declining follows the PRC convention (企业会计准则第4号 guidance): rate 2 / life on the opening book
    value, residual ignored, then in the last two years of the life the book value less the residual is spread
    evenly. No year takes the book value below the residual.
    """
    residual = cost * residual_fraction
    depreciable = cost - residual
    if method == "straight_line":
        return [depreciable / life] * life
    if method == "sum_of_years":
        digits = life * (life + 1) / 2
        return [depreciable * (life - t) / digits for t in range(life)]
    if method == "double_declining":
        schedule, book = [], cost
        declining_years = max(life - 2, 0)
        for _ in range(declining_years):
            charge = min(book * 2 / life, book - residual)
            schedule.append(charge)
            book -= charge
        tail = life - declining_years
        schedule.extend([(book - residual) / tail] * tail)
        return schedule
    raise invalid("depreciation_method", method, ", ".join(METHODS))


def interest_schedule(principal: float, rate: float, years: int, repayment: str) -> tuple[list[float], list[float]]:
    """(interest, principal repaid) per year; interest on the balance at the start of each year."""
    interest, repaid, balance = [], [], principal
    for t in range(years):
        interest.append(balance * rate)
        pay = principal / years if repayment == "amortizing" else (balance if t == years - 1 else 0.0)
        repaid.append(pay)
        balance -= pay
    return interest, repaid


def tax_schedule(pretax: Sequence[float], rate: float, carry_years: int) -> list[float]:
    """Tax per year with losses carried forward up to `carry_years` years, oldest loss used first."""
    losses: list[list[float]] = []  # [year incurred, amount left]
    taxes = []
    for t, profit in enumerate(pretax):
        losses = [entry for entry in losses if t - entry[0] <= carry_years and entry[1] > 0]
        if profit <= 0:
            taxes.append(0.0)
            if profit < 0:
                losses.append([t, -profit])
            continue
        taxable = profit
        for entry in losses:
            used = min(entry[1], taxable)
            entry[1] -= used
            taxable -= used
        taxes.append(taxable * rate)
    return taxes


def ratio(numerator: float, revenue: float) -> float | None:
    return numerator / revenue if revenue > 0 else None


def pnl(a: Assumptions, path: Sequence[float], method: str, rent: float) -> tuple[list[YearRow], list[float]]:
    term = a.term_years
    dep = depreciation_schedule(a.capex, a.residual_fraction, a.depreciation_life_years, method)
    dep = (dep + [0.0] * term)[:term]
    salvage = a.capex * a.residual_fraction
    book_at_end = a.capex - sum(dep)
    interest, _ = interest_schedule(a.capex * a.debt_fraction, a.interest_rate, term, a.debt_repayment)

    revenue = [rent * 12 * u for u in path]
    opex = [a.opex_fixed_per_year + a.opex_variable_per_year_at_full * u for u in path]
    disposal = [0.0] * (term - 1) + [salvage - book_at_end]
    ebit = [revenue[t] - dep[t] - opex[t] + disposal[t] for t in range(term)]
    pretax = [ebit[t] - interest[t] for t in range(term)]
    tax = tax_schedule(pretax, a.tax_rate, a.loss_carryforward_years)
    # The project view taxes EBIT: financing is left out so the discount rate prices the asset alone.
    project_tax = tax_schedule(ebit, a.tax_rate, a.loss_carryforward_years)
    cash = [-a.capex] + [
        revenue[t] - opex[t] - project_tax[t] + (salvage if t == term - 1 else 0.0) for t in range(term)
    ]
    rows = []
    for t in range(term):
        net = pretax[t] - tax[t]
        rows.append(
            YearRow(
                year=t + 1,
                utilization=path[t],
                revenue=revenue[t],
                depreciation=dep[t],
                opex=opex[t],
                interest=interest[t],
                disposal_gain=disposal[t],
                pretax_profit=pretax[t],
                tax=tax[t],
                net_profit=net,
                gross_margin=ratio(revenue[t] - dep[t] - opex[t], revenue[t]),
                net_margin=ratio(net, revenue[t]),
                cash_flow=cash[t + 1],
            )
        )
    return rows, cash


def total(rows: Sequence[YearRow]) -> YearRow:
    def s(name: str) -> float:
        return sum(getattr(r, name) for r in rows)

    revenue = s("revenue")
    return YearRow(
        year=0,
        utilization=s("utilization") / len(rows),
        revenue=revenue,
        depreciation=s("depreciation"),
        opex=s("opex"),
        interest=s("interest"),
        disposal_gain=s("disposal_gain"),
        pretax_profit=s("pretax_profit"),
        tax=s("tax"),
        net_profit=s("net_profit"),
        gross_margin=ratio(revenue - s("depreciation") - s("opex"), revenue),
        net_margin=ratio(s("net_profit"), revenue),
        cash_flow=s("cash_flow"),
    )


def margin_at(
    a: Assumptions, utilization: float, margin: str, basis: str, *, method: str | None = None, rent: float | None = None
) -> float | None:
    """Gross or net margin on the `term` or `year1` basis with utilisation held flat at `utilization`."""
    rent = a.rent_per_month if rent is None else rent
    rows, _ = pnl(a, [utilization] * a.term_years, method or a.depreciation_method, rent)
    row = rows[0] if basis == "year1" else total(rows)
    return row.gross_margin if margin == "gross" else row.net_margin


def bisect(f: Callable[[float], float], lo: float, hi: float) -> float:
    """Root of an increasing f on [lo, hi] with f(lo) < 0 ≤ f(hi)."""
    for _ in range(200):
        mid = (lo + hi) / 2
        if f(mid) < 0:
            lo = mid
        else:
            hi = mid
        if hi - lo <= SOLVE_TOLERANCE:
            break
    return hi


def npv(rate: float, cash_flows: Sequence[float]) -> float:
    """Net present value of year-end flows; cash_flows[0] is at year 0 and not discounted."""
    return sum(cf / (1 + rate) ** t for t, cf in enumerate(cash_flows))


def irr(cash_flows: Sequence[float]) -> Solved:
    """The rate in (−99 %, 1000 %) at which NPV = 0; the root nearest 0 if several; None with a reason if none."""
    if not any(cf < 0 for cf in cash_flows) or not any(cf > 0 for cf in cash_flows):
        return Solved(None, "no IRR: cash flows never change sign")
    # Scan for sign changes on a grid dense near 0, then bisect each bracket.
    grid = sorted({-0.99, *(x / 100 for x in range(-98, 100)), *(1 + x / 10 for x in range(0, 91))})
    values = [npv(r, cash_flows) for r in grid]
    roots = []
    for lo, hi, f_lo, f_hi in zip(grid, grid[1:], values, values[1:]):
        if f_lo == 0:
            roots.append(lo)
        elif f_lo * f_hi < 0:
            sign = 1 if f_hi > 0 else -1
            roots.append(bisect(lambda r: sign * npv(r, cash_flows), lo, hi))
    if values[-1] == 0:
        roots.append(grid[-1])
    if not roots:
        return Solved(None, "no IRR between −99 % and 1000 %")
    best = min(roots, key=abs)
    return Solved(best, None if len(roots) == 1 else f"{len(roots)} IRRs; the one nearest 0 is shown")


def payback(cash_flows: Sequence[float]) -> Solved:
    """Years until cumulative cash turns non-negative, with cash spread evenly within each year."""
    cumulative = cash_flows[0]
    if cumulative >= 0:
        return Solved(0.0)
    for t, cf in enumerate(cash_flows[1:], start=1):
        if cumulative + cf >= 0:
            return Solved(t - 1 + (-cumulative) / cf)
        cumulative += cf
    return Solved(None, f"not paid back within the {len(cash_flows) - 1}-year term")
