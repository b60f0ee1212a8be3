"""The market charts: margins and growth as bubbles, the ranked gap bars, compute share."""

from __future__ import annotations

from pipeline.reports.definitions import STATUS_COLOURS, STATUS_LABELS
from pipeline.reports.html.figures import (
    RANKED_MARGIN, YI, Figures, outside, padded, ranked_axis, ranked_ends, rounded, zoom_note,
)
from pipeline.reports.html.page import NAVY, ORANGE


def margins_scatter(figs: Figures) -> str:
    b = figs.b
    rows = [r for r in figs.rows if r["gross_margin_ttm"] is not None and r["net_margin_ttm"] is not None]
    xs = [r["gross_margin_ttm"] for r in rows] + [b.gross]
    ys = [r["net_margin_ttm"] for r in rows] + [b.net]
    x0, x1 = padded(xs, 0.05, -1.0, 1.0)
    y0, y1 = padded(ys, 0.05, -1.0, 1.0)
    off_axes = outside(rows, "gross_margin_ttm", "net_margin_ttm", (x0, x1), (y0, y1))
    traces = figs.status_bubbles(
        rows, "gross_margin_ttm", "net_margin_ttm", largest_px=42, smallest_px=5,
        customdata=lambda r: [figs.hover_firm(r), rounded(r["revenue_ttm"] / YI if r["revenue_ttm"] else None, 2),
                              rounded(r["gross_gap_pp"], 2), rounded(r["net_gap_pp"], 2)],
        hover="%{customdata[0]}<br>毛利率 Gross margin TTM: %{x:.1%} (%{customdata[2]:+.1f} pp)"
              "<br>净利率 Net margin TTM: %{y:.1%} (%{customdata[3]:+.1f} pp)"
              "<br>营业收入 Revenue TTM: %{customdata[1]:,.2f} 亿元",
    )
    dash = {"dash": "dash", "width": 1.5}
    shapes = [
        {"type": "rect", "x0": b.gross, "x1": x1, "y0": b.net, "y1": y1, "fillcolor": "rgba(26,152,80,0.07)",
         "line": {"width": 0}, "layer": "below"},
        {"type": "line", "x0": b.gross, "x1": b.gross, "y0": y0, "y1": y1, "line": {**dash, "color": NAVY}},
        {"type": "line", "x0": x0, "x1": x1, "y0": b.net, "y1": b.net, "line": {**dash, "color": "#7F7F7F"}},
    ]
    corner = {"showarrow": False, "font": {"size": 11, "color": "#595959"}, "opacity": 0.9}
    annotations = [
        {**corner, "x": b.gross, "y": y1, "xanchor": "left", "yanchor": "top", "xshift": 4,
         "text": "<b>双达标 Meets both</b>", "font": {"size": 12, "color": "#1A9850"}},
        {**corner, "x": x0, "y": y1, "xanchor": "left", "yanchor": "top", "text": "仅净利率达标 Net only"},
        {**corner, "x": x1, "y": y0, "xanchor": "right", "yanchor": "bottom", "text": "仅毛利率达标 Gross only"},
        {**corner, "x": x0, "y": y0, "xanchor": "left", "yanchor": "bottom", "text": "均未达标 Below both"},
        {**corner, "x": b.gross, "y": y0, "xanchor": "left", "yanchor": "bottom", "yshift": 16, "xshift": 4,
         "text": f"毛利率基准 {b.gross:.0%}", "font": {"size": 10, "color": NAVY}},
        {**corner, "x": x0, "y": b.net, "xanchor": "left", "yanchor": "bottom", "text": f"净利率基准 {b.net:.0%}",
         "font": {"size": 10, "color": "#595959"}},
    ]
    figs.add("chart-margins", traces, figs.layout(
        xaxis={"title": {"text": "毛利率 Gross margin TTM"}, "tickformat": ".0%", "range": [x0, x1], "zeroline": False},
        yaxis={"title": {"text": "净利率 Net margin TTM"}, "tickformat": ".0%", "range": [y0, y1], "zeroline": False},
        shapes=shapes, annotations=annotations, height=520,
    ))
    note = (f"Bubble area = revenue TTM; colour = status. {len(rows)} firms with both margins; "
            f"{len(figs.rows) - len(rows)} without (no revenue or no TTM yet).")
    return note + zoom_note(off_axes, " (margins beyond ±100 %)")


def gap_bars(figs: Figures) -> str:
    rows = [r for r in figs.rows if r["net_gap_pp"] is not None]  # ranked by the gap already
    shown, what = ranked_ends(rows)
    figs.add("chart-gap", [{
        "type": "bar", "x": [r["code"] for r in shown], "y": [rounded(r["net_gap_pp"], 2) for r in shown],
        "marker": {"color": [f"#{STATUS_COLOURS.get(r['status'], '9E9E9E')}" for r in shown]},
        "customdata": [[figs.hover_firm(r), STATUS_LABELS.get(r["status"], r["status"])] for r in shown],
        "hovertemplate": "%{customdata[0]}<br>净利率差距 Net gap: %{y:+.1f} pp<br>%{customdata[1]}<extra></extra>",
        "name": "net gap",
    }], figs.layout(
        xaxis=ranked_axis(shown),
        yaxis={"title": {"text": f"净利率 − {figs.b.net:.0%} (pp)"}, "ticksuffix": " pp", "zeroline": True,
               "zerolinecolor": "#404040", "zerolinewidth": 1.5},
        margin=RANKED_MARGIN, showlegend=False, bargap=0.15,
    ))
    return f"Net margin TTM minus the {figs.b.net:.0%} benchmark, {what}; colour = status; 0 = on the benchmark."


def growth_scatter(figs: Figures) -> str:
    rows = [r for r in figs.rows if r["revenue_yoy_ttm"] is not None and r["net_profit_yoy_ttm"] is not None]
    xs = [r["revenue_yoy_ttm"] for r in rows] or [0.0]
    ys = [r["net_profit_yoy_ttm"] for r in rows] or [0.0]
    x0, x1 = padded(xs + [0.0], 0.05, -1.0, 2.0)
    y0, y1 = padded(ys + [0.0], 0.1, -2.0, 3.0)
    off_axes = outside(rows, "revenue_yoy_ttm", "net_profit_yoy_ttm", (x0, x1), (y0, y1))
    traces = []
    for flag, name, colour in ((True, "增收不增利 Revenue up, profit not", ORANGE), (False, "其他 Others", "#5B7DB1")):
        group = [r for r in rows if bool(r["revenue_up_profit_down"]) == flag]
        traces.append({
            "type": "scatter", "mode": "markers", "name": f"{name} ({len(group)})",
            "x": [rounded(r["revenue_yoy_ttm"]) for r in group], "y": [rounded(r["net_profit_yoy_ttm"]) for r in group],
            "marker": {"size": 9, "color": colour, "opacity": 0.8, "line": {"width": 0.8, "color": "white"}},
            "customdata": [[figs.hover_firm(r)] for r in group],
            "hovertemplate": "%{customdata[0]}<br>营收同比 Revenue YoY: %{x:+.1%}<br>净利同比 Profit YoY: %{y:+.1%}"
                             "<extra></extra>",
        })
    shapes = [
        {"type": "rect", "x0": 0, "x1": x1, "y0": y0, "y1": 0, "fillcolor": "rgba(230,126,34,0.10)",
         "line": {"width": 0}, "layer": "below"},
    ]
    annotations = [{"x": x1, "y": y0, "xanchor": "right", "yanchor": "bottom", "showarrow": False,
                    "text": "<b>增收不增利</b> revenue up, profit not", "font": {"color": ORANGE, "size": 12}}]
    figs.add("chart-growth", traces, figs.layout(
        xaxis={"title": {"text": "营收同比 Revenue YoY (TTM)"}, "tickformat": ".0%", "range": [x0, x1],
               "zerolinecolor": "#404040"},
        yaxis={"title": {"text": "净利同比 Net profit YoY (TTM)"}, "tickformat": ".0%", "range": [y0, y1],
               "zerolinecolor": "#404040"},
        shapes=shapes, annotations=annotations,
    ))
    flagged = sum(1 for r in figs.rows if r["revenue_up_profit_down"])
    missing = len(figs.rows) - len(rows)
    turned = sum(1 for r in figs.rows if r["net_profit_change_ttm"] == "转亏")
    recovered = sum(1 for r in figs.rows if r["net_profit_change_ttm"] == "扭亏")
    note = (f"{flagged} firms flagged 增收不增利 on TTM values. {missing} have no profit YoY (prior-year profit ≤ 0"
            f": {recovered} 扭亏, {turned} 转亏, the rest still loss-making) and are not plotted.")
    return note + zoom_note(off_axes)


def compute_scatter(figs: Figures) -> str:
    """Compute share against gross margin: does the compute business lift margins towards the benchmark?"""
    rows = [r for r in figs.rows if r["compute_share_ttm"] is not None and r["gross_margin_ttm"] is not None]
    ys = [r["gross_margin_ttm"] for r in rows] + [figs.b.gross]
    y0, y1 = padded(ys, 0.05, -1.0, 1.0)
    traces = figs.status_bubbles(
        rows, "compute_share_ttm", "gross_margin_ttm", largest_px=30, smallest_px=4,
        customdata=lambda r: [figs.hover_firm(r), rounded(r["compute_gross_margin_ttm"]),
                              " (沿用 carried from the last H1/FY)" if r["compute_ttm_is_carried"] else ""],
        hover="%{customdata[0]}<br>算力收入占比 Compute share: %{x:.1%}%{customdata[2]}"
              "<br>毛利率 Gross margin TTM: %{y:.1%}<br>算力毛利率 Compute gross margin: %{customdata[1]:.1%}",
    )
    figs.add("chart-compute", traces, figs.layout(
        xaxis={"title": {"text": "算力收入占比 Compute share of revenue (TTM)"}, "tickformat": ".0%", "range": [-0.03, 1.03]},
        yaxis={"title": {"text": "毛利率 Gross margin TTM"}, "tickformat": ".0%", "range": [y0, y1]},
        shapes=[{"type": "line", "x0": 0, "x1": 1, "y0": figs.b.gross, "y1": figs.b.gross,
                 "line": {"dash": "dash", "width": 1.5, "color": NAVY}}],
        annotations=[{"x": 0, "y": figs.b.gross, "xanchor": "left", "yanchor": "bottom", "showarrow": False,
                      "text": f"毛利率基准 {figs.b.gross:.0%}", "font": {"size": 10, "color": NAVY}}],
    ))
    return (f"Share of revenue from segments named as compute (算力, 智算, GPU …; IDC / cloud as a second tier), "
            f"TTM, against gross margin; bubble area = revenue. {len(rows)} firms; "
            f"{len(figs.rows) - len(rows)} without segment data or margins.")
