"""Unit economics of one leased GPU server: a year-by-year P&L, cash flows, and the utilisation a margin needs.

Pure Python (stdlib only), so the CLI can import it at start-up. Conventions, stated once:

- Amounts in 元 per server. Rent and capex are ex-VAT (revenue and the capitalised cost as the statements show
  them). Revenue in a year = monthly rent × 12 × that year's utilisation (the billed share of capacity).
- Operating cost = a fixed yearly part + a variable part proportional to utilisation (power mostly).
- Gross margin = (revenue − depreciation − operating cost) / revenue: cost of revenue carries depreciation and
  operating cost, as compute-leasing firms report 营业成本. Net margin = net profit / revenue.
- Debt is drawn at year 0 as a share of capex. `amortizing`: equal principal instalments over the term;
  `bullet`: all principal at the end of the term. Interest each year = rate × the balance at the start of it.
- Tax: the server is its own taxpayer; a loss is carried forward (PRC CIT: up to 5 years), never back.
- At the end of the term the server is sold for its residual value (residual fraction × capex); any difference to
  the remaining book value is a disposal gain or loss in the last year (zero when life = term).
- Cash flows are on the project basis (unlevered): −capex at year 0, then revenue − operating cost − tax on EBIT
  (with its own loss carry-forward), plus the sale proceeds in the last year. Payback, IRR and NPV use them.
- Required utilisation (break-even, 40 % gross, 20 % net) holds utilisation flat over the term and is solved on
  two bases: `term` (totals over the term: Σ profit / Σ revenue) and `year1` (the first year alone).
"""

from __future__ import annotations

import csv
import io
import json
import math
import tomllib
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Callable, Sequence

from pipeline.config import SEEDS_DIR
from pipeline.display import pad, width
from pipeline.errors import UsageError

DEFAULTS_FILE = SEEDS_DIR / "economics_defaults.toml"

METHODS = ("straight_line", "double_declining", "sum_of_years")
REPAYMENTS = ("amortizing", "bullet")
BASES = ("term", "year1")
FORMATS = ("table", "json", "csv")

BENCHMARKS_FILE = SEEDS_DIR / "benchmarks.csv"

SOLVE_TOLERANCE = 1e-12
MARGIN_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Assumptions:
    """Inputs for one server. Defaults live in sql/seeds/economics_defaults.toml (see `load_assumptions`)."""

    capex: float  # 元, ex-VAT capitalised cost
    residual_fraction: float  # of capex: salvage value and the book value depreciation stops at
    depreciation_life_years: int
    depreciation_method: str
    term_years: int
    rent_per_month: float  # 元 per month at 100 % utilisation, ex-VAT
    utilization: tuple[float, ...]  # one value for every year, or one per year of the term
    opex_fixed_per_year: float  # 元 per year whatever the utilisation (data-centre space, staff, maintenance)
    opex_variable_per_year_at_full: float  # 元 per year at 100 % utilisation, scaled by utilisation (power)
    debt_fraction: float  # of capex, drawn at year 0
    interest_rate: float
    debt_repayment: str
    tax_rate: float
    loss_carryforward_years: int
    discount_rate: float
    grid_utilization: tuple[float, ...]
    grid_rent_factors: tuple[float, ...]  # multiples of rent_per_month for the sensitivity grid

    def __post_init__(self) -> None:
        for name in ("utilization", "grid_utilization", "grid_rent_factors"):
            value = getattr(self, name)
            try:
                values = tuple(float(v) for v in (value if _is_sequence(value) else (value,)))
            except (TypeError, ValueError):
                raise _fail(name, value, "numbers (one, or a list)") from None
            object.__setattr__(self, name, values)
        _validate(self)

    def utilization_path(self) -> tuple[float, ...]:
        """Utilisation for each year of the term."""
        if len(self.utilization) == 1:
            return self.utilization * self.term_years
        return self.utilization


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


def _is_sequence(value: object) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str)


def _fail(name: str, value: object, allowed: str) -> UsageError:
    return UsageError(f"economics input {name} = {value!r} is not allowed", f"allowed: {allowed}")


def _validate(a: Assumptions) -> None:
    def number(name: str, lo: float, hi: float, allowed: str, *, lo_open: bool = False, hi_open: bool = False) -> None:
        value = getattr(a, name)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
            raise _fail(name, value, allowed)
        if value < lo or value > hi or (lo_open and value == lo) or (hi_open and value == hi):
            raise _fail(name, value, allowed)

    def whole(name: str, lo: int, hi: int) -> None:
        value = getattr(a, name)
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not math.isfinite(value)
            or value != int(value)
            or not lo <= value <= hi
        ):
            raise _fail(name, value, f"a whole number of years from {lo} to {hi}")
        object.__setattr__(a, name, int(value))

    number("capex", 0, math.inf, "capex > 0 元 (ex-VAT)", lo_open=True, hi_open=True)
    number("residual_fraction", 0, 1, "0 ≤ residual_fraction < 1 (a fraction of capex)", hi_open=True)
    whole("depreciation_life_years", 1, 50)
    whole("term_years", 1, 50)
    if a.depreciation_method not in METHODS:
        raise _fail("depreciation_method", a.depreciation_method, ", ".join(METHODS))
    number("rent_per_month", 0, math.inf, "rent_per_month ≥ 0 元 per month", hi_open=True)
    for name in ("utilization", "grid_utilization"):
        values = getattr(a, name)
        if not values:
            raise _fail(name, values, "at least one value in [0, 1]")
        for v in values:
            if math.isnan(v) or not 0 <= v <= 1:
                raise _fail(name, v, "utilisation in [0, 1] (a fraction of capacity billed)")
    if len(a.utilization) not in (1, a.term_years):
        raise _fail("utilization", a.utilization, f"one value, or one per year of the {a.term_years}-year term")
    for v in a.grid_rent_factors:
        if math.isnan(v) or v < 0 or math.isinf(v):
            raise _fail("grid_rent_factors", v, "factors ≥ 0 (multiples of rent_per_month)")
    if not a.grid_rent_factors:
        raise _fail("grid_rent_factors", a.grid_rent_factors, "at least one factor ≥ 0")
    number("opex_fixed_per_year", 0, math.inf, "opex_fixed_per_year ≥ 0 元 per year", hi_open=True)
    number("opex_variable_per_year_at_full", 0, math.inf, "opex_variable_per_year_at_full ≥ 0 元 per year", hi_open=True)
    number("debt_fraction", 0, 1, "0 ≤ debt_fraction ≤ 1 (a fraction of capex)")
    number("interest_rate", 0, 1, "0 ≤ interest_rate ≤ 1 (a yearly fraction: 0.06 = 6 %)")
    if a.debt_repayment not in REPAYMENTS:
        raise _fail("debt_repayment", a.debt_repayment, ", ".join(REPAYMENTS))
    number("tax_rate", 0, 1, "0 ≤ tax_rate < 1 (0.25 = PRC CIT)", hi_open=True)
    whole("loss_carryforward_years", 0, 50)
    number("discount_rate", 0, 1, "0 ≤ discount_rate ≤ 1 (a yearly fraction: 0.08 = 8 %)")


def parse_utilization(text: str | float | Sequence[float]) -> tuple[float, ...]:
    """`0.7` → (0.7,); `"0.5,0.7,0.8"` → a path by year. Range checks happen in Assumptions."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return (float(text),)
    if _is_sequence(text):
        return tuple(float(v) for v in text)
    parts = [p.strip() for p in str(text).split(",")]
    try:
        return tuple(float(p) for p in parts)
    except ValueError:
        raise UsageError(
            f"utilization '{text}' is not a number or a comma-separated list of numbers",
            "e.g. --utilization 0.7 or --utilization 0.5,0.7,0.8,0.85,0.85",
        ) from None


def _read_toml(path: Path) -> dict:
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise UsageError(f"economics config {path} does not exist", "pass an existing TOML file to --config") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"economics config {path} is not valid TOML: {exc}", "fix the file's syntax") from None
    flat: dict = {}
    # Sections ([server], [revenue] …) only group keys for readers; every key names one Assumptions field.
    for key, value in data.items():
        items = value.items() if isinstance(value, dict) else [(key, value)]
        for name, item in items:
            if name in flat:
                raise UsageError(f"economics config {path} sets {name} twice", "keep one")
            flat[name] = item
    known = {f.name for f in fields(Assumptions)}
    unknown = sorted(set(flat) - known)
    if unknown:
        raise UsageError(
            f"economics config {path} has unknown keys: {', '.join(unknown)}",
            f"known keys: {', '.join(sorted(known))}",
        )
    return flat


def load_assumptions(config: Path | str | None = None, **overrides) -> Assumptions:
    """Defaults from sql/seeds/economics_defaults.toml, then a user TOML (any subset of keys), then overrides.

    An override of None means "not given" and is skipped, so the CLI can pass every option through.
    """
    values = _read_toml(DEFAULTS_FILE)
    if config is not None:
        values.update(_read_toml(Path(config)))
    known = {f.name for f in fields(Assumptions)}
    for name, value in overrides.items():
        if name not in known:
            raise UsageError(f"unknown economics input {name}", f"known inputs: {', '.join(sorted(known))}")
        if value is not None:
            values[name] = value
    missing = sorted(known - set(values))
    if missing:
        raise UsageError(f"economics defaults {DEFAULTS_FILE} lack {', '.join(missing)}", "restore the seed file")
    if isinstance(values["utilization"], str):
        values["utilization"] = parse_utilization(values["utilization"])
    return Assumptions(**values)


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
    raise _fail("depreciation_method", method, ", ".join(METHODS))


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


def _margin(numerator: float, revenue: float) -> float | None:
    return numerator / revenue if revenue > 0 else None


def _pnl(a: Assumptions, path: Sequence[float], method: str, rent: float) -> tuple[list[YearRow], list[float]]:
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
                gross_margin=_margin(revenue[t] - dep[t] - opex[t], revenue[t]),
                net_margin=_margin(net, revenue[t]),
                cash_flow=cash[t + 1],
            )
        )
    return rows, cash


def _total(rows: Sequence[YearRow]) -> YearRow:
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
        gross_margin=_margin(revenue - s("depreciation") - s("opex"), revenue),
        net_margin=_margin(s("net_profit"), revenue),
        cash_flow=s("cash_flow"),
    )


def margin_at(
    a: Assumptions, utilization: float, margin: str, basis: str, *, method: str | None = None, rent: float | None = None
) -> float | None:
    """Gross or net margin on the `term` or `year1` basis with utilisation held flat at `utilization`."""
    rent = a.rent_per_month if rent is None else rent
    rows, _ = _pnl(a, [utilization] * a.term_years, method or a.depreciation_method, rent)
    row = rows[0] if basis == "year1" else _total(rows)
    return row.gross_margin if margin == "gross" else row.net_margin


def _bisect(f: Callable[[float], float], lo: float, hi: float) -> float:
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


def required_utilization(a: Assumptions, margin: str, target: float, basis: str = "term") -> Solved:
    """The flat utilisation at which the gross or net margin equals `target` (solved to 1e-12).

    Both margins rise with utilisation while rent exceeds the variable cost: fixed costs, depreciation and
    interest are spread over more revenue. Gross margin is linear in 1/u and solved in closed form; net margin
    has the tax kink and is bisected.
    """
    if margin not in ("gross", "net"):
        raise _fail("margin", margin, "gross, net")
    if basis not in BASES:
        raise _fail("basis", basis, ", ".join(BASES))
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
    return Solved(_bisect(lambda u: margin_at(a, u, margin, basis) - target, tiny, 1.0))


def implied_utilization(a: Assumptions, target_gross_margin: float, basis: str = "term") -> float | None:
    """The flat utilisation at which the model's gross margin equals a firm's reported compute gross margin.

    `term` (the default) is the margin over the whole term, which is also what a fleet of evenly spread
    server vintages reports in any one year; `year1` fits a young fleet. None when even 100 % falls short.
    """
    return required_utilization(a, "gross", target_gross_margin, basis).value


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
            roots.append(_bisect(lambda r: sign * npv(r, cash_flows), lo, hi))
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


def benchmarks() -> dict[str, float]:
    """The research benchmark margins from sql/seeds/benchmarks.csv: {"gross_margin": 0.40, "net_margin": 0.20}."""
    with open(BENCHMARKS_FILE, newline="", encoding="utf-8") as handle:
        return {row["metric"]: float(row["threshold"]) for row in csv.DictReader(handle)}


def run(a: Assumptions) -> Result:
    """The whole model for one set of assumptions."""
    path = a.utilization_path()
    rows, cash = _pnl(a, path, a.depreciation_method, a.rent_per_month)
    bench = benchmarks()
    gross, net = bench["gross_margin"], bench["net_margin"]
    requirements = tuple(
        Requirement(name, margin, target, basis, required_utilization(a, margin, target, basis))
        for basis in BASES
        for name, margin, target in (
            ("break-even", "net", 0.0),
            (f"{gross:.0%} gross", "gross", gross),
            (f"{net:.0%} net", "net", net),
        )
    )
    methods = []
    for method in METHODS:
        m_rows, m_cash = _pnl(a, path, method, a.rent_per_month)
        methods.append(MethodComparison(method, tuple(r.net_margin for r in m_rows), payback(m_cash)))
    rents = tuple(a.rent_per_month * f for f in a.grid_rent_factors)
    grid = Grid(
        utilization=a.grid_utilization,
        rent_per_month=rents,
        net_margin=tuple(tuple(margin_at(a, u, "net", "term", rent=r) for r in rents) for u in a.grid_utilization),
    )
    return Result(
        assumptions=a,
        years=tuple(rows),
        total=_total(rows),
        cash_flows=tuple(cash),
        payback_years=payback(cash),
        irr=irr(cash),
        npv=npv(a.discount_rate, cash),
        requirements=requirements,
        methods=tuple(methods),
        grid=grid,
    )


_ROW_FIELDS = [f.name for f in fields(YearRow)]


def to_rows(result: Result) -> list[dict]:
    """The P&L as one dict per year plus a `total` row (amounts in 元, margins as fractions)."""
    rows = [asdict(r) for r in result.years]
    total = asdict(result.total)
    total["year"] = "total"
    return rows + [total]


def to_csv(result: Result) -> str:
    """The P&L rows as CSV; the summary (IRR, payback, required utilisation, grid) is in to_json."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=_ROW_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(to_rows(result))
    return buffer.getvalue().rstrip("\n")


def to_json(result: Result) -> str:
    """Everything: assumptions, P&L, cash flows, payback, IRR, NPV, required utilisation, methods, grid."""
    payload = {
        "units": {"amounts": "元 per server", "margins": "fractions", "rent_per_month": "元 per month"},
        "assumptions": asdict(result.assumptions),
        "pnl": to_rows(result),
        "cash_flows": list(result.cash_flows),
        "cash_flow_basis": "project (unlevered): revenue − opex − tax on EBIT, + residual value in the last year",
        "payback_years": asdict(result.payback_years),
        "irr": asdict(result.irr),
        "npv": result.npv,
        "required_utilization": [
            {"name": r.name, "margin": r.margin, "target": r.target, "basis": r.basis, **asdict(r.utilization)}
            for r in result.requirements
        ],
        "methods": [
            {"method": m.method, "net_margin": list(m.net_margin), "payback_years": asdict(m.payback_years)}
            for m in result.methods
        ],
        "sensitivity_net_margin_term": {
            "utilization": list(result.grid.utilization),
            "rent_per_month": list(result.grid.rent_per_month),
            "net_margin": [list(row) for row in result.grid.net_margin],
        },
    }
    return json.dumps(payload, ensure_ascii=False, indent=2)


def _wan(value: float) -> str:
    return f"{value / 10_000:,.2f}"


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}%"


def _grid_text(header: Sequence[str], body: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(width(row[i]) for row in [header, *body]) for i in range(len(header))]
    lines = ["  ".join(pad(c, w, i > 0) for i, (c, w) in enumerate(zip(header, widths))).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(pad(c, w, i > 0) for i, (c, w) in enumerate(zip(row, widths))).rstrip() for row in body]
    return lines


def _solved(s: Solved, fmt: Callable[[float], str]) -> str:
    text = "—" if s.value is None else fmt(s.value)
    return f"{text} ({s.reason})" if s.reason else text


def format_table(result: Result) -> str:
    """A plain-text report: P&L in 万元, margins in %, returns, required utilisation, methods, sensitivity grid."""
    a = result.assumptions
    years = list(result.years)
    lines = [
        "Per-server unit economics (amounts in 万元 per server; margins in %)",
        f"capex {_wan(a.capex)} 万元 ex-VAT · rent {_wan(a.rent_per_month)} 万元/month at 100 % · "
        f"utilisation {', '.join(_pct(u) for u in a.utilization)} · term {a.term_years} y · "
        f"{a.depreciation_method} over {a.depreciation_life_years} y, residual {_pct(a.residual_fraction)}",
        f"opex {_wan(a.opex_fixed_per_year)} 万元/y fixed + {_wan(a.opex_variable_per_year_at_full)} 万元/y at 100 % · "
        f"debt {_pct(a.debt_fraction)} of capex at {_pct(a.interest_rate)} ({a.debt_repayment}) · "
        f"tax {_pct(a.tax_rate)}, losses carried {a.loss_carryforward_years} y · discount {_pct(a.discount_rate)}",
        "",
    ]
    header = ["万元", *[f"Y{r.year}" for r in years], "Total"]
    all_rows = years + [result.total]
    lines_spec = [
        ("Utilisation", lambda r: _pct(r.utilization)),
        ("Revenue", lambda r: _wan(r.revenue)),
        ("Depreciation", lambda r: _wan(r.depreciation)),
        ("Operating cost", lambda r: _wan(r.opex)),
        ("Gross profit", lambda r: _wan(r.revenue - r.depreciation - r.opex)),
        ("Interest", lambda r: _wan(r.interest)),
        ("Disposal gain", lambda r: _wan(r.disposal_gain)),
        ("Pre-tax profit", lambda r: _wan(r.pretax_profit)),
        ("Tax", lambda r: _wan(r.tax)),
        ("Net profit", lambda r: _wan(r.net_profit)),
        ("Gross margin", lambda r: _pct(r.gross_margin)),
        ("Net margin", lambda r: _pct(r.net_margin)),
        ("Project cash flow", lambda r: _wan(r.cash_flow)),
    ]
    lines += _grid_text(header, [[label, *[fmt(r) for r in all_rows]] for label, fmt in lines_spec])
    lines += [
        f"Year-0 cash flow (capex): {_wan(result.cash_flows[0])} 万元; residual value "
        f"{_wan(a.capex * a.residual_fraction)} 万元 is in the last year's cash flow",
        "",
        f"Payback: {_solved(result.payback_years, lambda v: f'{v:.2f} years')} · "
        f"IRR: {_solved(result.irr, _pct)} · NPV at {_pct(a.discount_rate)}: {_wan(result.npv)} 万元 "
        "(project cash flows, unlevered)",
        "",
        "Utilisation needed (held flat; term = Σ over the term, year1 = first year)",
    ]
    by_target: dict[str, list[str]] = {}
    for r in result.requirements:  # run() lists the targets for each basis in BASES order
        by_target.setdefault(r.name, []).append(_solved(r.utilization, _pct))
    lines += _grid_text(["Target", *BASES], [[name, *cells] for name, cells in by_target.items()])
    lines += ["", "Net margin by depreciation method (same utilisation path)"]
    lines += _grid_text(
        ["Method", *[f"Y{r.year}" for r in years], "Payback (y)"],
        [
            [m.method, *[_pct(v) for v in m.net_margin], _solved(m.payback_years, lambda v: f"{v:.2f}")]
            for m in result.methods
        ],
    )
    lines += ["", "Sensitivity: term net margin by flat utilisation (rows) × rent in 万元/month (columns)"]
    lines += _grid_text(
        ["util \\ rent", *[_wan(r) for r in result.grid.rent_per_month]],
        [[_pct(u), *[_pct(v) for v in row]] for u, row in zip(result.grid.utilization, result.grid.net_margin)],
    )
    return "\n".join(lines)


def report(config: Path | str | None = None, output: str = "table", **overrides) -> str:
    """What `leasewatch economics` prints: load the assumptions, run the model, render it."""
    if output not in FORMATS:
        raise _fail("format", output, ", ".join(FORMATS))
    result = run(load_assumptions(config, **overrides))
    return {"table": format_table, "json": to_json, "csv": to_csv}[output](result)


# --- The model as warehouse tables (seeds.economics_*; marts.economics links it to the firms) -----------------

ASSUMPTION_UNITS = {
    "capex": "元 ex-VAT",
    "residual_fraction": "fraction of capex",
    "depreciation_life_years": "years",
    "depreciation_method": "",
    "term_years": "years",
    "rent_per_month": "元 per month at 100 % utilisation, ex-VAT",
    "utilization": "fraction of capacity billed (one value, or one per year)",
    "opex_fixed_per_year": "元 per year",
    "opex_variable_per_year_at_full": "元 per year at 100 % utilisation",
    "debt_fraction": "fraction of capex",
    "interest_rate": "yearly fraction",
    "debt_repayment": "",
    "tax_rate": "fraction",
    "loss_carryforward_years": "years",
    "discount_rate": "yearly fraction",
    "grid_utilization": "fractions",
    "grid_rent_factors": "multiples of rent_per_month",
}


def describe(a: Assumptions) -> str:
    """The assumptions in one line, as the reports and marts.economics state them."""
    path = a.utilization_path()
    use = f"{path[0]:.0%}" if len(set(path)) == 1 else "/".join(f"{u:.0%}" for u in path)
    return (
        f"one GPU server: capex {a.capex:,.0f} 元, rent {a.rent_per_month:,.0f} 元/month at full use, utilisation "
        f"{use}, {a.depreciation_method} over {a.depreciation_life_years} y to {a.residual_fraction:.0%} residual, "
        f"{a.term_years}-year term, opex {a.opex_fixed_per_year:,.0f} 元/y fixed + "
        f"{a.opex_variable_per_year_at_full:,.0f} 元/y at full use, {a.debt_fraction:.0%} debt at "
        f"{a.interest_rate:.1%} ({a.debt_repayment}), tax {a.tax_rate:.0%}"
    )


def assumption_rows(a: Assumptions) -> list[dict]:
    """seeds.economics_assumptions: one row per input, its value as text and its unit."""
    rows = []
    for f in fields(Assumptions):
        value = getattr(a, f.name)
        text = ", ".join(f"{v:g}" for v in value) if isinstance(value, tuple) else f"{value:g}" if isinstance(
            value, float
        ) else str(value)
        rows.append({"input": f.name, "value": text, "unit": ASSUMPTION_UNITS.get(f.name, "")})
    return rows


def model_rows(a: Assumptions) -> list[dict]:
    """seeds.economics_model: the per-server P&L by year under each depreciation method (元 and fractions)."""
    out = []
    for method in METHODS:
        rows, _ = _pnl(a, a.utilization_path(), method, a.rent_per_month)
        for r in rows:
            out.append(
                {
                    "method": method,
                    "is_assumed_method": method == a.depreciation_method,
                    "year": r.year,
                    "utilization": r.utilization,
                    "revenue": r.revenue,
                    "depreciation": r.depreciation,
                    "opex": r.opex,
                    "interest": r.interest,
                    "disposal_gain": r.disposal_gain,
                    "tax": r.tax,
                    "net_profit": r.net_profit,
                    "gross_margin": r.gross_margin,
                    "net_margin": r.net_margin,
                    "da_to_revenue": _margin(r.depreciation, r.revenue),
                    "interest_to_revenue": _margin(r.interest, r.revenue),
                }
            )
    return out


def solve_rows(a: Assumptions) -> list[dict]:
    """seeds.economics_solve: what the closed-form gross-margin solve needs, on the `term` and `year1` bases.

    With utilisation u held flat, gross margin = (R·u − D − F − V·u) / (R·u) over the basis years, where R is
    revenue at full use, D depreciation, F fixed opex and V variable opex at full use (all summed over those
    years). The u that gives margin g is (D + F) / (R·(1 − g) − V): the `implied_utilization` macro in
    sql/macros.sql, checked against `required_utilization` in tests/test_economics_mart.py.
    """
    rows, _ = _pnl(a, [1.0] * a.term_years, a.depreciation_method, a.rent_per_month)
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
