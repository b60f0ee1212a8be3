"""The model as warehouse tables (seeds.economics_*; marts.economics links it to the firms)."""

from __future__ import annotations

from dataclasses import fields

from pipeline.economics.assumptions import METHODS, Assumptions
from pipeline.economics.pnl import pnl, ratio

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
        rows, _ = pnl(a, a.utilization_path(), method, a.rent_per_month)
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
                    "da_to_revenue": ratio(r.depreciation, r.revenue),
                    "interest_to_revenue": ratio(r.interest, r.revenue),
                }
            )
    return out
