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
from pathlib import Path

from pipeline.config import SEEDS_DIR
from pipeline.economics.assumptions import BASES, FORMATS, METHODS, Assumptions, invalid, load_assumptions
from pipeline.economics.pnl import Grid, MethodComparison, Requirement, Result, irr, margin_at, npv, payback, pnl, total
from pipeline.economics.render import format_table, to_csv, to_json
from pipeline.economics.solver import required_utilization

BENCHMARKS_FILE = SEEDS_DIR / "benchmarks.csv"


def benchmarks() -> dict[str, float]:
    """The research benchmark margins from sql/seeds/benchmarks.csv: {"gross_margin": 0.40, "net_margin": 0.20}."""
    with open(BENCHMARKS_FILE, newline="", encoding="utf-8") as handle:
        return {row["metric"]: float(row["threshold"]) for row in csv.DictReader(handle)}


def run(a: Assumptions) -> Result:
    """The whole model for one set of assumptions."""
    path = a.utilization_path()
    rows, cash = pnl(a, path, a.depreciation_method, a.rent_per_month)
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
        m_rows, m_cash = pnl(a, path, method, a.rent_per_month)
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
        total=total(rows),
        cash_flows=tuple(cash),
        payback_years=payback(cash),
        irr=irr(cash),
        npv=npv(a.discount_rate, cash),
        requirements=requirements,
        methods=tuple(methods),
        grid=grid,
    )


def report(config: Path | str | None = None, output: str = "table", **overrides) -> str:
    """What `leasewatch economics` prints: load the assumptions, run the model, render it."""
    if output not in FORMATS:
        raise invalid("format", output, ", ".join(FORMATS))
    result = run(load_assumptions(config, **overrides))
    return {"table": format_table, "json": to_json, "csv": to_csv}[output](result)
