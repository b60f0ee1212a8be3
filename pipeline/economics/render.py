"""The model's result as CSV, JSON or a plain-text table."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, fields
from typing import Callable, Sequence

from pipeline.display import csv_cell, json_value, pad, width
from pipeline.economics.assumptions import BASES
from pipeline.economics.pnl import Result, Solved, YearRow

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
    writer.writerows({k: csv_cell(v) for k, v in row.items()} for row in to_rows(result))
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
    return json.dumps(json_value(payload), ensure_ascii=False, indent=2, allow_nan=False)  # ±inf, NaN: null


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
