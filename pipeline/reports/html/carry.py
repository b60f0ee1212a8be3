"""Can they carry the fleet? The cash and debt views: free cash flow beside net profit per firm, net debt / EBITDA
against the net margin with the carry screen's threshold, and fleet growth against revenue growth (marts.cash_flow,
marts.balance_health, marts.carry_screen, read once into ReportData.carry)."""

from __future__ import annotations

from pipeline.reports.html.figures import (
    RANKED_MARGIN, YI, Figures, outside, padded, ranked_axis, ranked_ends, rounded, zoom_note,
)
from pipeline.reports.html.page import NAVY, ORANGE, esc

RED = "#C0392B"
GREEN = "#2E7D32"
GREY = "#7F7F7F"
FLAG_NAMES = {
    "fcf_negative": "自由现金流持续为负 FCF negative",
    "net_debt_high": "净负债/EBITDA 过高 Net debt high",
    "cash_short": "现金不足以覆盖短债 Cash short",
    "coverage_low": "利息覆盖不足 Coverage low",
    "dso_rising": "应收周转天数上升 DSO rising",
}


def fcf_bars(figs: Figures) -> str:
    rows = [r for r in figs.d.carry.records() if r["free_cash_flow_ttm"] is not None and r["net_profit_ttm"] is not None]
    if not rows:
        figs.add("chart-fcf", [], figs.layout())
        return (f"Nothing to show: no current member has both a free cash flow and a net profit TTM at {figs.d.label} "
                "(the cash-flow statement is missing, or the history is shorter than four quarters).")
    rows.sort(key=lambda r: r["free_cash_flow_ttm"])
    shown, what = ranked_ends(rows)
    codes = [r["code"] for r in shown]
    traces = [
        {"type": "bar", "name": "自由现金流 Free cash flow TTM (OCF − capex)", "x": codes,
         "y": [rounded(r["free_cash_flow_ttm"] / YI) for r in shown], "marker": {"color": NAVY},
         "customdata": [[figs.hover_firm(r), rounded(r["capex_to_da"])] for r in shown],
         "hovertemplate": "%{customdata[0]}<br>自由现金流 FCF TTM: %{y:.2f} 亿元<br>capex / D&A: %{customdata[1]:.2f}"
                          "<extra></extra>"},
        {"type": "bar", "name": "净利润 Net profit TTM", "x": codes,
         "y": [rounded(r["net_profit_ttm"] / YI) for r in shown], "marker": {"color": ORANGE},
         "customdata": [[figs.hover_firm(r)] for r in shown],
         "hovertemplate": "%{customdata[0]}<br>净利润 Net profit TTM: %{y:.2f} 亿元<extra></extra>"},
    ]
    figs.add("chart-fcf", traces, figs.layout(
        barmode="group", bargap=0.2, xaxis=ranked_axis(shown),
        yaxis={"title": {"text": "亿元 TTM"}, "zeroline": True}, margin=RANKED_MARGIN,
    ))
    burning = sum(1 for r in rows if r["free_cash_flow_ttm"] < 0)
    profitable_burning = sum(1 for r in rows if r["free_cash_flow_ttm"] < 0 < r["net_profit_ttm"])
    runs = sum(1 for r in figs.d.carry.records() if r["fcf_negative"])
    n = int(figs.d.screen_limits.get("fcf_negative_quarters", 4))
    return (f"Free cash flow TTM (operating cash flow − capex, navy) beside net profit TTM (orange), {what}, in 亿元. "
            f"{burning} firms spend more on capex than their operations bring in; {profitable_burning} of them report a "
            f"profit. {runs} firms have had negative free cash flow for {n} quarters running (the carry screen).")


def leverage_scatter(figs: Figures) -> str:
    limits = figs.d.screen_limits
    threshold = limits.get("net_debt_to_ebitda_max", 4.0)
    records = figs.d.carry.records()
    rows = [r for r in records if r["net_debt_to_ebitda"] is not None and r["net_margin_ttm"] is not None]
    no_multiple = [r for r in records if r["ebitda_not_positive"] and (r["net_debt"] or 0) > 0]
    if not rows:
        figs.add("chart-leverage", [], figs.layout())
        return (f"Nothing to show: no current member has a net debt / EBITDA multiple at {figs.d.label} (EBITDA TTM "
                f"≤ 0 or unknown for all; {len(no_multiple)} carry net debt with EBITDA ≤ 0).")
    xs = [r["net_debt_to_ebitda"] for r in rows]
    x0, x1 = max(min(xs + [0.0]) - 0.5, -10.0), min(max(xs + [threshold]) + 0.5, 20.0)
    ys = [r["net_margin_ttm"] for r in rows]
    y0, y1 = padded(ys + [figs.b.net], 0.05, -1.0, 1.0)
    off_axes = outside(rows, "net_debt_to_ebitda", "net_margin_ttm", (x0, x1), (y0, y1))
    colour = {0: GREEN, 1: ORANGE}
    trace = {
        "type": "scatter", "mode": "markers",
        "x": [rounded(r["net_debt_to_ebitda"]) for r in rows], "y": [rounded(r["net_margin_ttm"]) for r in rows],
        "marker": {"size": 9, "opacity": 0.85, "color": [colour.get(r["flags_raised"] or 0, RED) for r in rows]},
        "customdata": [[figs.hover_firm(r), esc(r["flags"] or "none"), rounded(r["cash_to_short_debt"]),
                        rounded(r["interest_coverage"])] for r in rows],
        "hovertemplate": "%{customdata[0]}<br>净负债/EBITDA Net debt / EBITDA: %{x:.1f}×<br>净利率 Net margin: %{y:.1%}"
                         "<br>现金/短债 Cash / short debt: %{customdata[2]:.2f}×<br>利息覆盖 Coverage: "
                         "%{customdata[3]:.1f}×<br>flags: %{customdata[1]}<extra></extra>",
    }
    dash = {"dash": "dash", "width": 1.5, "color": GREY}
    shapes = [{"type": "line", "x0": threshold, "x1": threshold, "y0": y0, "y1": y1, "line": dash},
              {"type": "line", "x0": x0, "x1": x1, "y0": figs.b.net, "y1": figs.b.net, "line": dash}]
    figs.add("chart-leverage", [trace], figs.layout(
        xaxis={"title": {"text": "净负债/EBITDA Net debt / EBITDA TTM (×)"}, "range": [x0, x1]},
        yaxis={"title": {"text": "净利率 Net margin TTM"}, "tickformat": ".0%", "range": [y0, y1]},
        shapes=shapes, showlegend=False,
    ))
    high = sum(1 for r in rows if r["net_debt_to_ebitda"] > threshold)
    return (f"Net debt / EBITDA TTM against net margin TTM; dashed lines at the screen's {threshold:g}× and the "
            f"{figs.b.net:.0%} net benchmark; colour = carry-screen flags raised (green none, orange one, red two or "
            f"more). {high} firms carry more than {threshold:g}× EBITDA in net debt; {len(no_multiple)} more carry net "
            f"debt with EBITDA TTM ≤ 0 (no multiple, not plotted; flagged net_debt_high)." + zoom_note(off_axes))


def fleet_scatter(figs: Figures) -> str:
    rows = [r for r in figs.d.carry.records() if r["fleet_growth_yoy"] is not None and r["revenue_yoy_ttm"] is not None]
    if not rows:
        figs.add("chart-fleet", [], figs.layout())
        return (f"Nothing to show: no current member has both a fleet a year earlier and revenue growth at "
                f"{figs.d.label}.")
    xs = [r["revenue_yoy_ttm"] for r in rows]
    ys = [r["fleet_growth_yoy"] for r in rows]
    x0, x1 = padded(xs, 0.1, -1.0, 3.0)
    y0, y1 = padded(ys, 0.1, -1.0, 3.0)
    off_axes = outside(rows, "revenue_yoy_ttm", "fleet_growth_yoy", (x0, x1), (y0, y1))
    trace = {
        "type": "scatter", "mode": "markers",
        "x": [rounded(r["revenue_yoy_ttm"]) for r in rows], "y": [rounded(r["fleet_growth_yoy"]) for r in rows],
        "marker": {"size": 9, "opacity": 0.8,
                   "color": [RED if r["fleet_growth_yoy"] > r["revenue_yoy_ttm"] else NAVY for r in rows]},
        "customdata": [[figs.hover_firm(r), rounded((r["gpu_fleet"] or 0) / YI)] for r in rows],
        "hovertemplate": "%{customdata[0]}<br>营收同比 Revenue YoY TTM: %{x:.1%}<br>机队同比 Fleet YoY: %{y:.1%}"
                         "<br>机队 Fleet: %{customdata[1]:.2f} 亿元<extra></extra>",
    }
    lo, hi = max(x0, y0), min(x1, y1)
    shapes = [{"type": "line", "x0": lo, "x1": hi, "y0": lo, "y1": hi, "line": {"width": 1, "color": "#D9D9D9"}}]
    figs.add("chart-fleet", [trace], figs.layout(
        xaxis={"title": {"text": "营收同比 Revenue growth TTM"}, "tickformat": ".0%", "range": [x0, x1]},
        yaxis={"title": {"text": "机队同比 GPU fleet growth (固定资产 + 在建工程 + 使用权资产)"}, "tickformat": ".0%",
               "range": [y0, y1]},
        shapes=shapes, showlegend=False,
    ))
    faster = sum(1 for r in rows if r["fleet_growth_yoy"] > r["revenue_yoy_ttm"])
    return (f"Growth of the GPU fleet (fixed assets + construction in progress + right-of-use assets, year on year) "
            f"against revenue growth TTM; grey = equal. {faster} of {len(rows)} firms (red) grow the fleet faster than "
            "revenue." + zoom_note(off_axes))


def screen_table(figs: Figures) -> str:
    """The carry screen at the period: thresholds and how many firms raise each flag, then the firms raising most."""
    records = figs.d.carry.records()
    limits = figs.d.screen.records()
    if not records:
        return f"<p>Nothing to show: no current member has a balance sheet at {esc(figs.d.label)}.</p>"
    rows = []
    for limit in limits:  # in the seed's order
        flag = limit["flag"]
        raised = sum(1 for r in records if r.get(flag))
        unchecked = sum(1 for r in records if r.get(flag) is None)
        rows.append(f"<tr><td>{esc(FLAG_NAMES.get(flag, flag))}</td><td>{esc(limit['note'])}</td>"
                    f"<td>{limit['threshold']:g} {esc(limit['unit'])}{' (override)' if limit['overridden'] else ''}</td>"
                    f"<td>{raised}</td><td>{unchecked}</td></tr>")
    worst = [r for r in records if (r["flags_raised"] or 0) > 0][:15]
    firms = "".join(f"<tr><td>{esc(r['code'])}</td><td>{esc(r['name'])}</td><td>{r['flags_raised']}</td>"
                    f"<td>{esc(r['flags'] or '')}</td></tr>" for r in worst)
    worst_table = (f"<table><thead><tr><th>代码 Code</th><th>名称 Name</th><th>Flags</th><th>Raised</th></tr></thead>"
                   f"<tbody>{firms}</tbody></table>" if worst else "<p>No current member raises a flag.</p>")
    return ("<p>Flags are raised (TRUE), clear (FALSE) or not checked where their inputs are missing; thresholds from "
            "sql/seeds/carry_screen.csv (<code>build --screen NAME=VALUE</code> overrides them). The workbook's Cash and "
            "debt sheet has every firm.</p>"
            "<table><thead><tr><th>Flag</th><th>Raised when</th><th>Threshold</th><th>Firms raising it</th>"
            f"<th>Not checked</th></tr></thead><tbody>{''.join(rows)}</tbody></table>{worst_table}")
