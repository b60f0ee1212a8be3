"""Unit economics of one leased GPU server: the sensitivity heat map, the firms on the model's curve, the P&L table."""

from __future__ import annotations

from pipeline.display import pct
from pipeline.reports.html.figures import Figures, rounded
from pipeline.reports.html.page import NAVY, ORANGE, esc


def economics_grid(figs: Figures) -> str:
    """Heat map of the model's term net margin over utilisation × monthly rent, with the benchmark contour."""
    view = figs.d.economics
    r, a = view.result, view.result.assumptions
    grid = r.grid
    z = [[rounded(m) for m in row] for row in grid.net_margin]
    rents = [f"{rent / 1e4:,.1f}万" for rent in grid.rent_per_month]
    uses = [f"{u:.0%}" for u in grid.utilization]
    text = [[pct(m, 0) for m in row] for row in grid.net_margin]
    figs.add("chart-econ-grid", [{
        "type": "heatmap", "x": rents, "y": uses, "z": z, "text": text, "texttemplate": "%{text}",
        "zmid": 0, "colorscale": [[0, "#C0392B"], [0.5, "#FFFFFF"], [1, "#1A9850"]],
        "colorbar": {"title": {"text": "净利率<br>Net margin"}, "tickformat": ".0%"},
        "hovertemplate": "月租金 Rent %{x} 元/月<br>利用率 Utilisation %{y}<br>净利率 Net margin (term) %{z:.1%}"
                         "<extra></extra>",
    }], figs.layout(
        xaxis={"title": {"text": "月租金 Rent per month at full use (元, ex-VAT)"}, "type": "category"},
        yaxis={"title": {"text": "利用率 Utilisation (billed share)"}, "type": "category"},
        height=420,
    ))
    needed = view.net_needed
    net_text = f"{needed.value:.0%}" if needed.value is not None else needed.reason
    return (f"One server under the stated assumptions ({view.source}): {view.described}. Net margin over the "
            f"{a.term_years}-year term for each flat utilisation and rent. At the assumed rent the model needs "
            f"{net_text} utilisation for {figs.b.net:.0%} net; payback "
            f"{'–' if r.payback_years.value is None else f'{r.payback_years.value:.1f} years'}, project IRR "
            f"{pct(r.irr.value)}.")


def economics_firms(figs: Figures) -> str:
    """Each firm's compute gross margin on the model's curve: the utilisation at which one server earns it."""
    view = figs.d.economics
    r = view.result
    firms = view.firms.records()
    solved = [f for f in firms if f["implied_utilization_term"] is not None]
    above = [f for f in firms if f["implied_utilization_term"] is None]
    from pipeline.economics.pnl import margin_at
    from pipeline.economics.solver import implied_utilization

    a = r.assumptions
    ceiling = margin_at(a, 1.0, "gross", "term")
    lo = min([f["compute_gross_margin_ttm"] for f in firms] + [0.0])
    steps = 60
    curve_x = [lo + (ceiling - lo) * i / steps for i in range(steps + 1)] if ceiling is not None else []
    curve_y = [implied_utilization(a, g, "term") for g in curve_x]

    def points(group, y_of, name, symbol, colour):
        return {
            "type": "scattergl" if len(group) > 1000 else "scatter", "mode": "markers", "name": name,
            "x": [rounded(f["compute_gross_margin_ttm"]) for f in group], "y": [y_of(f) for f in group],
            "marker": {"size": 9, "symbol": symbol, "color": colour, "opacity": 0.85,
                       "line": {"width": 0.8, "color": "white"}},
            "customdata": [[figs.hover_firm(f), rounded(f["compute_share_ttm"]), rounded(f["da_to_revenue_ttm"]),
                            rounded(f["interest_to_revenue_ttm"]), rounded(f["implied_utilization_year1"])]
                           for f in group],
            "hovertemplate": "%{customdata[0]}<br>算力毛利率 Compute gross margin TTM: %{x:.1%}"
                             "<br>隐含利用率 Implied utilisation (term): %{y:.1%}"
                             "<br>首年 Year 1: %{customdata[4]:.1%}"
                             "<br>算力收入占比 Compute share: %{customdata[1]:.1%}"
                             "<br>折旧/收入 D&A / revenue (firm): %{customdata[2]:.1%}"
                             "<br>利息/收入 Interest / revenue (firm): %{customdata[3]:.1%}<extra></extra>",
        }

    traces = [{"type": "scatter", "mode": "lines", "name": "模型 Model: utilisation needed for a gross margin",
               "x": [rounded(x) for x in curve_x], "y": [rounded(y) for y in curve_y],
               "line": {"color": "#9DB3D6", "width": 2}, "hoverinfo": "skip"}]
    if solved:
        traces.append(points(solved, lambda f: rounded(f["implied_utilization_term"]),
                             f"公司 Firms ({len(solved)})", "circle", NAVY))
    if above:
        traces.append(points(above, lambda f: 1.0, f"高于模型上限 Above the model at 100 % ({len(above)})",
                             "triangle-up", ORANGE))
    figs.add("chart-econ-firms", traces, figs.layout(
        xaxis={"title": {"text": "算力毛利率 Compute-segment gross margin TTM"}, "tickformat": ".0%"},
        yaxis={"title": {"text": "隐含利用率 Implied utilisation (term)"}, "tickformat": ".0%", "range": [0, 1.08]},
        shapes=[{"type": "line", "x0": figs.b.gross, "x1": figs.b.gross, "yref": "paper", "y0": 0, "y1": 1,
                 "line": {"dash": "dash", "width": 1.5, "color": NAVY}}],
        annotations=[{"x": figs.b.gross, "y": 1, "yref": "paper", "xanchor": "left", "yanchor": "top",
                      "showarrow": False, "text": f" 毛利率基准 {figs.b.gross:.0%}", "font": {"size": 10, "color": NAVY}}],
    ))
    return (f"{len(firms)} current members disclose a compute segment with its cost at {figs.d.label}. Each sits on "
            f"the model's curve at the flat utilisation at which one server earns the firm's compute gross margin "
            f"(over the term); {len(above)} report more than the model can earn even fully used "
            f"({pct(ceiling)}), so their rent or costs differ from the model's. D&A and interest are firm-wide.")


def economics_table(figs: Figures) -> str:
    r = figs.d.economics.result
    body = "\n".join(
        f"<tr><td>{'合计 term' if not y.year else y.year}</td><td>{pct(y.utilization, 0)}</td>"
        f"<td>{y.revenue:,.0f}</td><td>{y.depreciation:,.0f}</td><td>{y.opex:,.0f}</td><td>{y.interest:,.0f}</td>"
        f"<td>{y.net_profit:,.0f}</td><td>{pct(y.gross_margin)}</td><td>{pct(y.net_margin)}</td></tr>"
        for y in (*r.years, r.total)
    )
    methods = "\n".join(
        f"<tr><td>{esc(m.method)}</td><td>{' · '.join(pct(v) for v in m.net_margin)}</td>"
        f"<td>{'–' if m.payback_years.value is None else f'{m.payback_years.value:.2f}'}</td></tr>"
        for m in r.methods
    )
    return (f"<table><thead><tr><th>年 Year</th><th>利用率 Use</th><th>收入 Revenue</th><th>折旧 Depreciation</th>"
            f"<th>运营成本 Opex</th><th>利息 Interest</th><th>净利润 Net profit</th><th>毛利率 Gross</th>"
            f"<th>净利率 Net</th></tr></thead><tbody>{body}</tbody></table>"
            f"<p class='note'>元 per server, {esc(r.assumptions.depreciation_method)} depreciation. Net margin by "
            f"year under each method:</p><table><thead><tr><th>折旧方法 Method</th><th>净利率 Net margin, year 1 → "
            f"{r.assumptions.term_years}</th><th>回收期 Payback (years)</th></tr></thead><tbody>{methods}</tbody></table>")
