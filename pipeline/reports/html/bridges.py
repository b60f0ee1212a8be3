"""Where the margin goes, as the statements put it (metrics.md, "Where depreciation and interest sit").

Under Chinese Accounting Standards the GPU servers' depreciation is inside 营业成本: it lowers the gross margin,
so it is drawn on the gross side (reported gross margin, and gross before D&A, at most). Interest sits in 财务费用
and lowers the net margin: it is a step of the EBITDA → net waterfall. The compute segment is scored against the
gross benchmark beside the firm-wide margin, and reported net against recurring (扣非) net beside the 20 % line.
Every number is a mart column (marts.margin_bridge, marts.benchmark, marts.status_changes).
"""

from __future__ import annotations

from statistics import median

from pipeline.reports.definitions import STATUS_LABELS
from pipeline.reports.html.figures import (
    RANKED_MARGIN, Figures, outside, padded, ranked_axis, ranked_ends, rounded, zoom_note,
)
from pipeline.reports.html.page import NAVY, ORANGE, esc, plot_text

LIGHT_NAVY = "#9DB3D6"
WATERFALL_FIRMS = 60  # firms in the waterfall's selector, by revenue; the median firm comes first
STEPS = (("ebitda_margin", "EBITDA", "absolute"), ("da_to_revenue_ttm", "− 折旧摊销 D&A", "relative"),
         ("interest_to_revenue_ttm", "− 利息 Interest", "relative"), ("tax_to_revenue", "− 所得税 Tax", "relative"),
         ("ebitda_other_to_revenue", "− 其他 Other", "relative"), ("net_margin_ttm", "净利率 Net margin", "total"))


def gross_side_bars(figs: Figures) -> str:
    rows = [r for r in figs.rows if r["gross_margin_ttm"] is not None]
    if not rows:
        figs.add("chart-gross-side", [], figs.layout())
        return f"Nothing to show: no current member has a TTM gross margin at {figs.d.label}."
    rows.sort(key=lambda r: -(r["gross_margin_ttm"]))
    shown, what = ranked_ends(rows)
    codes = [r["code"] for r in shown]
    carried = [" (D&A 沿用 carried from the last H1/FY)" if r["da_is_carried"] else "" for r in shown]
    traces = [
        {"type": "bar", "name": "毛利率 Gross margin (reported, after D&A)", "x": codes,
         "y": [rounded(r["gross_margin_ttm"]) for r in shown], "marker": {"color": NAVY},
         "customdata": [[figs.hover_firm(r)] for r in shown],
         "hovertemplate": "%{customdata[0]}<br>毛利率 Gross margin TTM: %{y:.1%}<extra></extra>"},
        {"type": "bar", "name": "+ 折旧摊销 D&A: gross before D&A, at most", "x": codes,
         "y": [rounded(r["da_in_cost_at_most"]) if r["gross_margin_ex_da"] is not None else None for r in shown],
         "marker": {"color": LIGHT_NAVY},
         "customdata": [[figs.hover_firm(r), rounded(r["gross_margin_ex_da"]), c] for r, c in zip(shown, carried)],
         "hovertemplate": "%{customdata[0]}<br>营业成本中的折旧 D&A in cost, at most: %{y:.1%}%{customdata[2]}"
                          "<br>折旧前毛利率 Gross before D&A: at most %{customdata[1]:.1%}<extra></extra>"},
    ]
    line = {"type": "line", "xref": "paper", "x0": 0, "x1": 1, "y0": figs.b.gross, "y1": figs.b.gross,
            "line": {"dash": "dash", "width": 1.5, "color": ORANGE}}
    figs.add("chart-gross-side", traces, figs.layout(
        barmode="relative", bargap=0.15, xaxis=ranked_axis(shown), shapes=[line],
        yaxis={"title": {"text": "占营业收入 Share of revenue TTM"}, "tickformat": ".0%"}, margin=RANKED_MARGIN,
    ))
    short = sum(1 for r in rows if r["gross_margin_ttm"] < figs.b.gross)
    exceeds = sum(1 for r in rows if r["da_exceeds_cost"])
    lifted = sum(1 for r in rows if r["gross_margin_ttm"] < figs.b.gross
                 and r["gross_margin_ex_da"] is not None and r["gross_margin_ex_da"] >= figs.b.gross)
    return (f"Reported gross margin TTM (dark) and D&A over revenue on top (light), {what}; dashed line = the "
            f"{figs.b.gross:.0%} benchmark. Under CAS the servers' depreciation is inside 营业成本, so the light bar "
            f"shows what the gross margin would be before depreciation — at most, since part of D&A sits in "
            f"admin and selling expense. {short} firms are below {figs.b.gross:.0%} gross; for {lifted} of them "
            "D&A accounts for the whole shortfall."
            + (f" For {exceeds} firms D&A exceeds the whole of 营业成本 (so part of it must sit elsewhere): their light "
               "bar stops at 营业成本, 100 %." if exceeds else ""))


def ebitda_waterfall(figs: Figures) -> str:
    rows = [r for r in figs.rows if all(r[k] is not None for k, _, _ in STEPS)]
    if not rows:
        figs.add("chart-waterfall", [], figs.layout())
        return "Nothing to show: no current member has EBITDA, D&A and net margin TTM at this period."
    rows.sort(key=lambda r: r["net_margin_ttm"])
    middle = rows[(len(rows) - 1) // 2]
    by_revenue = sorted((r for r in rows if r is not middle), key=lambda r: -(r["revenue_ttm"] or 0))
    choices = [middle] + by_revenue[: WATERFALL_FIRMS - 1]
    labels = [label for _, label, _ in STEPS]

    def values(r: dict) -> list[float]:
        return [rounded(r[k] if i in (0, 5) else -r[k]) for i, (k, _, _) in enumerate(STEPS)]

    def title(r: dict) -> str:
        return plot_text(f"{r['code']} {r['name']}" + (" (median net margin)" if r is middle else ""))

    trace = {"type": "waterfall", "x": labels, "y": values(middle), "measure": [m for _, _, m in STEPS],
             "connector": {"line": {"color": "#BFBFBF"}}, "decreasing": {"marker": {"color": ORANGE}},
             "increasing": {"marker": {"color": NAVY}}, "totals": {"marker": {"color": NAVY}},
             "hovertemplate": "%{x}: %{y:.1%}<extra></extra>", "name": title(middle)}
    buttons = [{"label": title(r), "method": "update", "args": [{"y": [values(r)], "name": [title(r)]}]} for r in choices]
    figs.add("chart-waterfall", [trace], figs.layout(
        yaxis={"title": {"text": "占营业收入 Share of revenue TTM"}, "tickformat": ".0%"}, showlegend=False,
        updatemenus=[{"buttons": buttons, "x": 0, "y": 1.12, "xanchor": "left", "yanchor": "bottom",
                      "showactive": True}],
        margin={"l": 64, "r": 24, "t": 48, "b": 56},
    ))
    return (f"EBITDA margin less D&A, interest, income tax and the residual equals the net margin (marts.margin_bridge, "
            f"closing exactly). Shown: the median firm by net margin; the menu has it and the {len(choices) - 1} "
            f"largest by revenue of {len(rows)} firms with every step. D&A appears here because EBITDA adds it back "
            "— in the statements it sits in 营业成本, above the gross line.")


def compute_margin_scatter(figs: Figures) -> str:
    b = figs.b
    rows = [r for r in figs.rows if r["compute_gross_margin_ttm"] is not None and r["gross_margin_ttm"] is not None]
    statuses = {s: sum(1 for r in figs.rows if r["compute_gross_status"] == s)
                for s in ("meets", "below", "no_segment_cost", "no_compute_segment", "not_disclosed")}
    if not rows:
        figs.add("chart-compute-margin", [], figs.layout())
        return (f"Nothing to show: no current member discloses a compute segment with its cost at {figs.d.label} "
                f"({statuses['not_disclosed']} without segment data, {statuses['no_compute_segment']} without a "
                "compute row).")
    xs = [r["gross_margin_ttm"] for r in rows] + [b.gross]
    ys = [r["compute_gross_margin_ttm"] for r in rows] + [b.gross]
    x0, x1 = padded(xs, 0.05, -1.0, 1.0)
    y0, y1 = padded(ys, 0.05, -1.0, 1.0)
    off_axes = outside(rows, "gross_margin_ttm", "compute_gross_margin_ttm", (x0, x1), (y0, y1))
    trace = {"type": "scatter", "mode": "markers", "x": [rounded(r["gross_margin_ttm"]) for r in rows],
             "y": [rounded(r["compute_gross_margin_ttm"]) for r in rows],
             "marker": {"size": 9, "color": [NAVY if r["compute_gross_status"] == "meets" else ORANGE for r in rows],
                        "opacity": 0.8},
             "customdata": [[figs.hover_firm(r), rounded(r["compute_share_ttm"])] for r in rows],
             "hovertemplate": "%{customdata[0]}<br>公司毛利率 Firm-wide gross: %{x:.1%}<br>算力毛利率 Compute gross: "
                              "%{y:.1%}<br>算力占比 Compute share: %{customdata[1]:.0%}<extra></extra>"}
    dash = {"dash": "dash", "width": 1.5, "color": "#7F7F7F"}
    shapes = [{"type": "line", "x0": b.gross, "x1": b.gross, "y0": y0, "y1": y1, "line": dash},
              {"type": "line", "x0": x0, "x1": x1, "y0": b.gross, "y1": b.gross, "line": dash}]
    figs.add("chart-compute-margin", [trace], figs.layout(
        xaxis={"title": {"text": "公司毛利率 Firm-wide gross margin TTM"}, "tickformat": ".0%", "range": [x0, x1]},
        yaxis={"title": {"text": "算力业务毛利率 Compute-segment gross margin TTM"}, "tickformat": ".0%",
               "range": [y0, y1]},
        shapes=shapes, showlegend=False,
    ))
    return (f"The benchmark describes the compute-leasing business: its segment gross margin (主营构成) against "
            f"{b.gross:.0%} (blue = meets), beside the firm-wide margin; dashed lines at {b.gross:.0%}. "
            f"{statuses['meets']} meet, {statuses['below']} below, {statuses['no_segment_cost']} without segment "
            f"cost, {statuses['no_compute_segment']} without a compute row, {statuses['not_disclosed']} not "
            "disclosed. Segments carry no net profit, so the net benchmark is not scored on them."
            + zoom_note(off_axes))


def recurring_scatter(figs: Figures) -> str:
    b = figs.b
    rows = [r for r in figs.rows if r["net_margin_ttm"] is not None and r["net_margin_deducted_ttm"] is not None]
    if not rows:
        figs.add("chart-recurring", [], figs.layout())
        return f"Nothing to show: no current member has both reported and 扣非 net margins at {figs.d.label}."
    xs = [r["net_margin_ttm"] for r in rows] + [b.net]
    ys = [r["net_margin_deducted_ttm"] for r in rows] + [b.net]
    x0, x1 = padded(xs, 0.05, -1.0, 1.0)
    y0, y1 = padded(ys, 0.05, -1.0, 1.0)
    off_axes = outside(rows, "net_margin_ttm", "net_margin_deducted_ttm", (x0, x1), (y0, y1))
    one_offs = [r for r in rows if r["net_meets_only_with_one_offs"]]
    trace = {"type": "scatter", "mode": "markers", "x": [rounded(r["net_margin_ttm"]) for r in rows],
             "y": [rounded(r["net_margin_deducted_ttm"]) for r in rows],
             "marker": {"size": 9, "opacity": 0.8,
                        "color": [ORANGE if r["net_meets_only_with_one_offs"] else NAVY for r in rows]},
             "customdata": [[figs.hover_firm(r), rounded(r["one_offs_to_revenue"])] for r in rows],
             "hovertemplate": "%{customdata[0]}<br>净利率 Net margin: %{x:.1%}<br>扣非净利率 Recurring: %{y:.1%}"
                              "<br>一次性收益/收入 One-off gains: %{customdata[1]:.1%}<extra></extra>"}
    dash = {"dash": "dash", "width": 1.5, "color": "#7F7F7F"}
    shapes = [{"type": "line", "x0": b.net, "x1": b.net, "y0": y0, "y1": y1, "line": dash},
              {"type": "line", "x0": x0, "x1": x1, "y0": b.net, "y1": b.net, "line": dash},
              {"type": "line", "x0": max(x0, y0), "x1": min(x1, y1), "y0": max(x0, y0), "y1": min(x1, y1),
               "line": {"width": 1, "color": "#D9D9D9"}}]
    figs.add("chart-recurring", [trace], figs.layout(
        xaxis={"title": {"text": "净利率 Reported net margin TTM"}, "tickformat": ".0%", "range": [x0, x1]},
        yaxis={"title": {"text": "扣非净利率 Recurring (扣非) net margin TTM"}, "tickformat": ".0%", "range": [y0, y1]},
        shapes=shapes, showlegend=False,
    ))
    names = ", ".join(f"{r['code']} {r['name']}" for r in one_offs[:5])
    return (f"Reported net margin against the recurring one (扣非归母净利润 / revenue); dashed lines at {b.net:.0%}, grey "
            f"= equal. Below the diagonal, one-off gains (subsidies, investment and fair-value gains, disposals) lift "
            f"the reported figure. {len(one_offs)} firms (orange) meet {b.net:.0%} net only with one-off gains"
            + (f": {names}." if one_offs else ".") + zoom_note(off_axes))


SCORE_LABELS = {"meets": "达标 Meets", "below": "未达标 Below"}


def score_label(status: str | None) -> str:
    """A status of any dimension in words: the firm-wide ones, or meets/below of the compute and recurring scores."""
    if status is None:
        return "–"
    return STATUS_LABELS.get(status) or SCORE_LABELS.get(status, status)


def status_changes_table(figs: Figures) -> str:
    changes = figs.d.status_changes.records()
    if not changes:
        return (f"<p>Nothing to show: no current member's status changed at {esc(figs.d.label)} "
                "(marts.status_changes holds every earlier change).</p>")
    arrows = {"up": "↑ up", "down": "↓ down", "changed": "→ changed"}
    dims = {"firm_wide": "公司 firm-wide", "compute": "算力业务 compute gross", "recurring": "扣非 recurring net"}
    body = "\n".join(
        f"<tr><td>{esc(c['code'])}</td><td>{esc(c['name'])}</td><td>{esc(dims.get(c['dimension'], c['dimension']))}</td>"
        f"<td>{esc(score_label(c['previous_status']))}</td><td>{esc(score_label(c['status']))}</td><td>{esc(arrows.get(c['direction'], c['direction']))}</td></tr>"
        for c in changes[:300]
    )
    more = f"<p class='note'>{len(changes) - 300} more in the workbook.</p>" if len(changes) > 300 else ""
    up = sum(1 for c in changes if c["direction"] == "up")
    down = sum(1 for c in changes if c["direction"] == "down")
    return (f"<p>{len(changes)} status changes at {esc(figs.d.label)}: {up} crossed a benchmark line upwards, {down} "
            "downwards (previous status = the firm's previous reported quarter).</p>"
            "<table><thead><tr><th>代码 Code</th><th>名称 Name</th><th>维度 Dimension</th><th>之前 Before</th>"
            f"<th>现在 Now</th><th>方向 Direction</th></tr></thead><tbody>{body}</tbody></table>{more}")


def takeaway_facts(figs: Figures) -> str:
    """The sentence on where the margin goes, in what the statements say."""
    k, b = figs.d.kpis, figs.b
    da = [r["da_to_revenue_ttm"] for r in figs.rows if r["da_to_revenue_ttm"] is not None and r["gross_margin_ttm"] is not None]
    parts = []
    if da:
        parts.append(f"depreciation, inside 营业成本, lowers the median firm's gross margin by at most "
                     f"{median(da) * 100:.1f} pp")
    if k.get("median_interest_to_revenue") is not None:
        parts.append(f"interest takes {k['median_interest_to_revenue'] * 100:.1f} pp of revenue off the net margin")
    sentence = ("; ".join(parts) + ". ") if parts else ""
    sentence = sentence[:1].upper() + sentence[1:]
    if k.get("compute_scored"):
        sentence += (f"{k['compute_meets']} of {k['compute_scored']} firms with a costed compute segment earn "
                     f"{b.gross:.0%} gross on it. ")
    sentence += (f"{k['net_only_with_one_offs']} firms meet {b.net:.0%} net only with one-off gains; "
                 f"{k['recurring_meets']} meet it on recurring (扣非) profit.")
    return sentence

