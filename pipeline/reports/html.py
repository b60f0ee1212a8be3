"""The HTML report: one self-contained page (plotly.js embedded, nothing fetched) with the benchmark views.

Every chart is a Plotly figure serialised into one JSON block that a few lines of script render; the per-firm view
reads a compact JSON of quarterly series (current members only) and redraws on a selector, so a full-market
universe adds data, not traces. Charts ranking firms show all of them up to MAX_BARS and the two ends beyond.

Upstream text (company names) is escaped twice over: html.escape for the HTML written here, and Plotly-safe
(`&lt;`) inside figures, whose labels Plotly renders as pseudo-HTML; every JSON block escapes `<`, `>` and `&`
so no string can close a script element.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from pipeline import periods
from pipeline.display import SAMPLE_BANNER, pct
from pipeline.reports.data import ReportData
from pipeline.reports.definitions import DEFINITIONS, STATUS_COLOURS, STATUS_LABELS, STATUS_MEANING, STATUS_ORDER

YI = 1e8  # 元 per 亿元
MAX_BARS = 120  # ranked bar charts show every firm up to this many, else the top and bottom BAR_ENDS
BAR_ENDS = 40
FONT = '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "Helvetica Neue", Arial, sans-serif'
NAVY = "#1F3864"
ORANGE = "#E67E22"
CONFIG = {
    "displaylogo": False,
    "displayModeBar": "hover",  # tools appear when the pointer is over a chart, not over the data in a screenshot
    "responsive": True,
    "modeBarButtonsToRemove": ["lasso2d", "select2d"],
    "toImageButtonOptions": {"format": "png", "scale": 2},
}


def write_html(data: ReportData, target: Path) -> Path:
    from plotly.offline import get_plotlyjs

    page = _Page(data)
    target.write_text(page.render(get_plotlyjs()), encoding="utf-8")
    return target


def esc(text: Any) -> str:
    """For HTML written here: text, never markup."""
    return html.escape("" if text is None else str(text))


def plot_text(text: Any) -> str:
    """For strings inside Plotly figures (labels, hover): Plotly reads `<…>` as tags and decodes only &lt; &gt; &amp;."""
    return html.escape("" if text is None else str(text), quote=False)


def script_json(value: Any) -> str:
    """JSON safe inside a <script> element: `<`, `>` and `&` as \\u escapes (JSON.parse restores them)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _pp(value: float | None) -> str:
    return "–" if value is None else f"{value:+.1f} pp".replace("-", "−")


def _when(moment) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if hasattr(moment, "strftime") else str(moment)


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def _ends(rows: list[dict]) -> tuple[list[dict], str]:
    """All rows of a ranking, or its two ends when there are too many to read as bars."""
    if len(rows) <= MAX_BARS:
        return rows, f"all {len(rows)} firms"
    return rows[:BAR_ENDS] + rows[-BAR_ENDS:], f"top and bottom {BAR_ENDS} of {len(rows)} firms"


class _Page:
    def __init__(self, data: ReportData):
        self.d = data
        self.b = data.benchmarks
        self.rows = data.summary.records()
        self.figures: dict[str, dict] = {}

    # -- figures -----------------------------------------------------------------------------------------

    def layout(self, **extra) -> dict:
        layout = {
            "template": "plotly_white",
            "font": {"family": FONT, "size": 12, "color": "#262626"},
            "margin": {"l": 64, "r": 24, "t": 16, "b": 56},
            "height": 460,
            "legend": {"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0, "font": {"size": 11}},
            "hoverlabel": {"font": {"family": FONT, "size": 12}, "align": "left"},
            "modebar": {"orientation": "v"},  # down the right edge, clear of the legend above the plot
            "annotations": [],
            "shapes": [],
        }
        if self.d.is_sample:
            layout["annotations"].append(
                {"text": "SAMPLE 示例", "xref": "paper", "yref": "paper", "x": 0.5, "y": 0.5, "showarrow": False,
                 "font": {"size": 64, "color": "rgba(192,0,0,0.07)"}, "textangle": -20}
            )
        for key, value in extra.items():
            if key in ("annotations", "shapes"):
                layout[key] += value
            else:
                layout[key] = value
        return layout

    def add(self, div_id: str, traces: list, layout: dict) -> None:
        """Validate through plotly's figure model, then keep the plain JSON for the page."""
        import plotly.graph_objects as go

        figure = go.Figure(data=traces, layout=layout)
        self.figures[div_id] = json.loads(figure.to_json())

    def hover_firm(self, r: dict) -> str:
        return f"<b>{r['code']} {plot_text(r['name'])}</b>"

    def status_bubbles(self, rows: list[dict], x: str, y: str, *, largest_px: int, smallest_px: int, customdata,
                       hover: str) -> list[dict]:
        """One trace per benchmark status: bubble area = revenue TTM, colour = status. Drawn with WebGL beyond
        1,000 firms (a full market), which keeps panning and hovering responsive."""
        largest = max([r["revenue_ttm"] or 0 for r in rows] + [1]) / YI
        webgl = len(rows) > 1000
        traces = []
        for status in STATUS_ORDER:
            group = [r for r in rows if r["status"] == status]
            if not group:
                continue
            marker = {"color": f"#{STATUS_COLOURS[status]}", "opacity": 0.8, "line": {"width": 0.8, "color": "white"},
                      "size": [max((r["revenue_ttm"] or 0) / YI, 0) for r in group], "sizemode": "area",
                      "sizeref": 2 * largest / largest_px ** 2, "sizemin": smallest_px}
            traces.append({
                "type": "scattergl" if webgl else "scatter", "mode": "markers",
                "name": f"{STATUS_LABELS[status]} ({len(group)})",
                "x": [_round(r[x]) for r in group], "y": [_round(r[y]) for r in group], "marker": marker,
                "customdata": [customdata(r) for r in group],
                "hovertemplate": f"{hover}<extra>{STATUS_LABELS[status]}</extra>",
            })
        return traces

    def margins_scatter(self) -> str:
        b = self.b
        rows = [r for r in self.rows if r["gross_margin_ttm"] is not None and r["net_margin_ttm"] is not None]
        xs = [r["gross_margin_ttm"] for r in rows] + [b.gross]
        ys = [r["net_margin_ttm"] for r in rows] + [b.net]
        x0, x1 = max(min(xs) - 0.05, -1.0), min(max(xs) + 0.05, 1.0)
        y0, y1 = max(min(ys) - 0.05, -1.0), min(max(ys) + 0.05, 1.0)
        outside = sum(1 for r in rows if not (x0 <= r["gross_margin_ttm"] <= x1 and y0 <= r["net_margin_ttm"] <= y1))
        traces = self.status_bubbles(
            rows, "gross_margin_ttm", "net_margin_ttm", largest_px=42, smallest_px=5,
            customdata=lambda r: [self.hover_firm(r), _round(r["revenue_ttm"] / YI if r["revenue_ttm"] else None, 2),
                                  _round(r["gross_gap_pp"], 2), _round(r["net_gap_pp"], 2)],
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
        self.add("chart-margins", traces, self.layout(
            xaxis={"title": {"text": "毛利率 Gross margin TTM"}, "tickformat": ".0%", "range": [x0, x1], "zeroline": False},
            yaxis={"title": {"text": "净利率 Net margin TTM"}, "tickformat": ".0%", "range": [y0, y1], "zeroline": False},
            shapes=shapes, annotations=annotations, height=520,
        ))
        note = (f"Bubble area = revenue TTM; colour = status. {len(rows)} firms with both margins; "
                f"{len(self.rows) - len(rows)} without (no revenue or no TTM yet).")
        if outside:
            note += f" {outside} outside the axes (margins beyond ±100 %): zoom out to see them."
        return note

    def gap_bars(self) -> str:
        rows = [r for r in self.rows if r["net_gap_pp"] is not None]  # ranked by the gap already
        shown, what = _ends(rows)
        self.add("chart-gap", [{
            "type": "bar", "x": [r["code"] for r in shown], "y": [_round(r["net_gap_pp"], 2) for r in shown],
            "marker": {"color": [f"#{STATUS_COLOURS.get(r['status'], '9E9E9E')}" for r in shown]},
            "customdata": [[self.hover_firm(r), STATUS_LABELS.get(r["status"], r["status"])] for r in shown],
            "hovertemplate": "%{customdata[0]}<br>净利率差距 Net gap: %{y:+.1f} pp<br>%{customdata[1]}<extra></extra>",
            "name": "net gap",
        }], self.layout(
            xaxis={"type": "category", "tickvals": [r["code"] for r in shown],
                   "ticktext": [plot_text(r["name"]) for r in shown], "tickangle": -60, "tickfont": {"size": 9}},
            yaxis={"title": {"text": f"净利率 − {self.b.net:.0%} (pp)"}, "ticksuffix": " pp", "zeroline": True,
                   "zerolinecolor": "#404040", "zerolinewidth": 1.5},
            margin={"l": 64, "r": 24, "t": 16, "b": 110}, showlegend=False, bargap=0.15,
        ))
        return f"Net margin TTM minus the {self.b.net:.0%} benchmark, {what}; colour = status; 0 = on the benchmark."

    def growth_scatter(self) -> str:
        rows = [r for r in self.rows if r["revenue_yoy_ttm"] is not None and r["net_profit_yoy_ttm"] is not None]
        xs = [r["revenue_yoy_ttm"] for r in rows] or [0.0]
        ys = [r["net_profit_yoy_ttm"] for r in rows] or [0.0]
        x0, x1 = max(min(xs + [0.0]) - 0.05, -1.0), min(max(xs + [0.0]) + 0.05, 2.0)
        y0, y1 = max(min(ys + [0.0]) - 0.1, -2.0), min(max(ys + [0.0]) + 0.1, 3.0)
        outside = sum(1 for r in rows if not (x0 <= r["revenue_yoy_ttm"] <= x1 and y0 <= r["net_profit_yoy_ttm"] <= y1))
        traces = []
        for flag, name, colour in ((True, "增收不增利 Revenue up, profit not", ORANGE), (False, "其他 Others", "#5B7DB1")):
            group = [r for r in rows if bool(r["revenue_up_profit_down"]) == flag]
            traces.append({
                "type": "scatter", "mode": "markers", "name": f"{name} ({len(group)})",
                "x": [_round(r["revenue_yoy_ttm"]) for r in group], "y": [_round(r["net_profit_yoy_ttm"]) for r in group],
                "marker": {"size": 9, "color": colour, "opacity": 0.8, "line": {"width": 0.8, "color": "white"}},
                "customdata": [[self.hover_firm(r)] for r in group],
                "hovertemplate": "%{customdata[0]}<br>营收同比 Revenue YoY: %{x:+.1%}<br>净利同比 Profit YoY: %{y:+.1%}"
                                 "<extra></extra>",
            })
        shapes = [
            {"type": "rect", "x0": 0, "x1": x1, "y0": y0, "y1": 0, "fillcolor": "rgba(230,126,34,0.10)",
             "line": {"width": 0}, "layer": "below"},
        ]
        annotations = [{"x": x1, "y": y0, "xanchor": "right", "yanchor": "bottom", "showarrow": False,
                        "text": "<b>增收不增利</b> revenue up, profit not", "font": {"color": ORANGE, "size": 12}}]
        self.add("chart-growth", traces, self.layout(
            xaxis={"title": {"text": "营收同比 Revenue YoY (TTM)"}, "tickformat": ".0%", "range": [x0, x1],
                   "zerolinecolor": "#404040"},
            yaxis={"title": {"text": "净利同比 Net profit YoY (TTM)"}, "tickformat": ".0%", "range": [y0, y1],
                   "zerolinecolor": "#404040"},
            shapes=shapes, annotations=annotations,
        ))
        flagged = sum(1 for r in self.rows if r["revenue_up_profit_down"])
        missing = len(self.rows) - len(rows)
        turned = sum(1 for r in self.rows if r["net_profit_change_ttm"] == "转亏")
        recovered = sum(1 for r in self.rows if r["net_profit_change_ttm"] == "扭亏")
        note = (f"{flagged} firms flagged 增收不增利 on TTM values. {missing} have no profit YoY (prior-year profit ≤ 0"
                f": {recovered} 扭亏, {turned} 转亏, the rest still loss-making) and are not plotted.")
        if outside:
            note += f" {outside} outside the axes: zoom out to see them."
        return note

    def burden_bars(self) -> str:
        rows = [r for r in self.rows if r["da_to_revenue_ttm"] is not None or r["interest_to_revenue_ttm"] is not None]
        rows.sort(key=lambda r: -((r["da_to_revenue_ttm"] or 0) + (r["interest_to_revenue_ttm"] or 0)))
        shown, what = _ends(rows)
        codes = [r["code"] for r in shown]
        custom = [[self.hover_firm(r), " (沿用 carried from the last H1/FY)" if r["da_is_carried"] else ""] for r in shown]
        traces = [
            {"type": "bar", "name": "折旧摊销 D&A / revenue", "x": codes, "y": [_round(r["da_to_revenue_ttm"]) for r in shown],
             "marker": {"color": NAVY}, "customdata": custom,
             "hovertemplate": "%{customdata[0]}<br>折旧摊销/收入 D&A: %{y:.1%}%{customdata[1]}<extra></extra>"},
            {"type": "bar", "name": "利息 Interest / revenue", "x": codes,
             "y": [_round(r["interest_to_revenue_ttm"]) for r in shown], "marker": {"color": ORANGE}, "customdata": custom,
             "hovertemplate": "%{customdata[0]}<br>利息/收入 Interest: %{y:.1%}<extra></extra>"},
        ]
        self.add("chart-burden", traces, self.layout(
            barmode="stack", bargap=0.15,
            xaxis={"type": "category", "tickvals": codes, "ticktext": [plot_text(r["name"]) for r in shown],
                   "tickangle": -60, "tickfont": {"size": 9}},
            yaxis={"title": {"text": "占营业收入 Share of revenue TTM"}, "tickformat": ".0%"},
            margin={"l": 64, "r": 24, "t": 16, "b": 110},
        ))
        return (f"Depreciation and amortisation plus interest expense, each over revenue TTM, {what}, heaviest first. "
                "D&A is disclosed in H1 and FY reports only: at Q1 and Q3 it is carried (hover says so).")

    def compute_scatter(self) -> str:
        """Compute share against gross margin: does the compute business lift margins towards the benchmark?"""
        rows = [r for r in self.rows if r["compute_share_ttm"] is not None and r["gross_margin_ttm"] is not None]
        ys = [r["gross_margin_ttm"] for r in rows] + [self.b.gross]
        y0, y1 = max(min(ys) - 0.05, -1.0), min(max(ys) + 0.05, 1.0)
        traces = self.status_bubbles(
            rows, "compute_share_ttm", "gross_margin_ttm", largest_px=30, smallest_px=4,
            customdata=lambda r: [self.hover_firm(r), _round(r["compute_gross_margin_ttm"]),
                                  " (沿用 carried from the last H1/FY)" if r["compute_ttm_is_carried"] else ""],
            hover="%{customdata[0]}<br>算力收入占比 Compute share: %{x:.1%}%{customdata[2]}"
                  "<br>毛利率 Gross margin TTM: %{y:.1%}<br>算力毛利率 Compute gross margin: %{customdata[1]:.1%}",
        )
        self.add("chart-compute", traces, self.layout(
            xaxis={"title": {"text": "算力收入占比 Compute share of revenue (TTM)"}, "tickformat": ".0%", "range": [-0.03, 1.03]},
            yaxis={"title": {"text": "毛利率 Gross margin TTM"}, "tickformat": ".0%", "range": [y0, y1]},
            shapes=[{"type": "line", "x0": 0, "x1": 1, "y0": self.b.gross, "y1": self.b.gross,
                     "line": {"dash": "dash", "width": 1.5, "color": NAVY}}],
            annotations=[{"x": 0, "y": self.b.gross, "xanchor": "left", "yanchor": "bottom", "showarrow": False,
                          "text": f"毛利率基准 {self.b.gross:.0%}", "font": {"size": 10, "color": NAVY}}],
        ))
        return (f"Share of revenue from segments named as compute (算力, 智算, GPU …; IDC / cloud as a second tier), "
                f"TTM, against gross margin; bubble area = revenue. {len(rows)} firms; "
                f"{len(self.rows) - len(rows)} without segment data or margins.")

    def firm_view(self) -> tuple[str, str, str]:
        """(selector options, JSON of every current member's quarterly series, note)."""
        members = {r["code"]: r for r in self.rows}
        panel = [q for q in self.d.quarterly.records() if q["code"] in members]
        labels = sorted({q["period_end"] for q in panel})
        index = {p: i for i, p in enumerate(labels)}
        firms: dict[str, dict] = {}
        for q in panel:
            firm = firms.setdefault(q["code"], {
                "title": f"<b>{plot_text(q['code'])} {plot_text(q['name'])}</b> · "
                         + STATUS_LABELS.get(members[q["code"]]["status"], ""),
                "rev": [None] * len(labels), "gm": [None] * len(labels), "nm": [None] * len(labels),
            })
            i = index[q["period_end"]]
            firm["rev"][i] = _round(q["revenue_q"] / YI if q["revenue_q"] is not None else None)
            firm["gm"][i] = _round(q["gross_margin_ttm"])
            firm["nm"][i] = _round(q["net_margin_ttm"])
        default = max(self.rows, key=lambda r: r["revenue_ttm"] or 0)["code"] if self.rows else ""
        options = "\n".join(
            f'<option value="{esc(r["code"])}"{" selected" if r["code"] == default else ""}>'
            f'{esc(r["code"])} {esc(r["name"])} · {esc(STATUS_LABELS.get(r["status"], r["status"]))}</option>'
            for r in sorted(self.rows, key=lambda r: r["code"]) if r["code"] in firms
        )
        payload = {
            "periods": [periods.label(p) for p in labels],
            "gross": self.b.gross, "net": self.b.net,
            "firms": firms,
            "layout": self.layout(
                xaxis={"type": "category", "tickangle": -45},
                yaxis={"title": {"text": "单季营业收入 Revenue per quarter (亿元)"}, "rangemode": "tozero"},
                yaxis2={"title": {"text": "TTM 利润率 margin"}, "tickformat": ".0%", "overlaying": "y", "side": "right",
                        "showgrid": False, "tickmode": "auto", "zeroline": True, "zerolinecolor": "#bfbfbf"},
                margin={"l": 64, "r": 64, "t": 84, "b": 64},
                legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0, "font": {"size": 11}},
            ),
        }
        note = ("Bars: revenue of each single quarter (Q2–Q4 derived from cumulative reports); lines: gross and net "
                "margin TTM against the dashed benchmarks. Choose a firm above.")
        return options, script_json(payload), note

    # -- page --------------------------------------------------------------------------------------------

    def kpis(self) -> str:
        k, b = self.d.kpis, self.b
        firms = k["firms"] or 0
        share = (k["meets_both"] / firms) if firms else None
        cards = [
            ("覆盖公司 Firms", f"{firms}", f"current members with a report at {self.d.label}"),
            ("双达标 Meet both", f"{k['meets_both']}", f"{pct(share)} of firms at {b.gross:.0%} / {b.net:.0%}"),
            ("毛利率中位数 Median gross", pct(k["median_gross_margin"]), f"{_pp(k['median_gross_gap_pp'])} vs {b.gross:.0%}"),
            ("净利率中位数 Median net", pct(k["median_net_margin"]), f"{_pp(k['median_net_gap_pp'])} vs {b.net:.0%}"),
            ("折旧摊销/收入 Median D&A", pct(k["median_da_to_revenue"]), f"interest {pct(k['median_interest_to_revenue'])} of revenue"),
            ("算力占比 Median compute share", pct(k["median_compute_share"]), "of revenue, TTM"),
            ("亏损 Loss-making", f"{k['loss_making']}", "net profit TTM < 0"),
            ("增收不增利", f"{k['revenue_up_profit_down']}", "revenue up, profit not (TTM)"),
        ]
        return "\n".join(
            f'<div class="kpi"><div class="kpi-label">{esc(a)}</div><div class="kpi-value">{esc(v)}</div>'
            f'<div class="kpi-note">{esc(n)}</div></div>' for a, v, n in cards
        )

    def takeaway(self) -> str:
        k, b = self.d.kpis, self.b
        firms = k["firms"] or 0
        if not firms:
            return ""
        return (
            f"{k['meets_both']} of {firms} compute-leasing firms meet both the {b.gross:.0%} gross and the {b.net:.0%} net "
            f"benchmark at {self.d.label}. The median firm earns {pct(k['median_gross_margin'])} gross and "
            f"{pct(k['median_net_margin'])} net ({_pp(k['median_gross_gap_pp'])} and {_pp(k['median_net_gap_pp'])} "
            f"against the benchmarks); "
            f"depreciation takes a median {pct(k['median_da_to_revenue'])} of revenue and interest "
            f"{pct(k['median_interest_to_revenue'])}. {k['loss_making']} firms are loss-making and "
            f"{k['revenue_up_profit_down']} grew revenue without growing profit (增收不增利)."
        )

    # -- unit economics ----------------------------------------------------------------------------------

    def economics_grid(self) -> str:
        """Heat map of the model's term net margin over utilisation × monthly rent, with the benchmark contour."""
        view = self.d.economics
        r, a = view.result, view.result.assumptions
        grid = r.grid
        z = [[_round(m) for m in row] for row in grid.net_margin]
        rents = [f"{rent / 1e4:,.1f}万" for rent in grid.rent_per_month]
        uses = [f"{u:.0%}" for u in grid.utilization]
        text = [[pct(m, 0) for m in row] for row in grid.net_margin]
        self.add("chart-econ-grid", [{
            "type": "heatmap", "x": rents, "y": uses, "z": z, "text": text, "texttemplate": "%{text}",
            "zmid": 0, "colorscale": [[0, "#C0392B"], [0.5, "#FFFFFF"], [1, "#1A9850"]],
            "colorbar": {"title": {"text": "净利率<br>Net margin"}, "tickformat": ".0%"},
            "hovertemplate": "月租金 Rent %{x} 元/月<br>利用率 Utilisation %{y}<br>净利率 Net margin (term) %{z:.1%}"
                             "<extra></extra>",
        }], self.layout(
            xaxis={"title": {"text": "月租金 Rent per month at full use (元, ex-VAT)"}, "type": "category"},
            yaxis={"title": {"text": "利用率 Utilisation (billed share)"}, "type": "category"},
            height=420,
        ))
        needed = view.net_needed
        net_text = f"{needed.value:.0%}" if needed.value is not None else needed.reason
        return (f"One server under the stated assumptions ({view.source}): {view.described}. Net margin over the "
                f"{a.term_years}-year term for each flat utilisation and rent. At the assumed rent the model needs "
                f"{net_text} utilisation for {self.b.net:.0%} net; payback "
                f"{'–' if r.payback_years.value is None else f'{r.payback_years.value:.1f} years'}, project IRR "
                f"{pct(r.irr.value)}.")

    def economics_firms(self) -> str:
        """Each firm's compute gross margin on the model's curve: the utilisation at which one server earns it."""
        view = self.d.economics
        r = view.result
        firms = view.firms.records()
        solved = [f for f in firms if f["implied_utilization_term"] is not None]
        above = [f for f in firms if f["implied_utilization_term"] is None]
        from pipeline.economics import model as economics

        a = r.assumptions
        ceiling = economics.margin_at(a, 1.0, "gross", "term")
        lo = min([f["compute_gross_margin_ttm"] for f in firms] + [0.0])
        steps = 60
        curve_x = [lo + (ceiling - lo) * i / steps for i in range(steps + 1)] if ceiling is not None else []
        curve_y = [economics.implied_utilization(a, g, "term") for g in curve_x]

        def points(group, y_of, name, symbol, colour):
            return {
                "type": "scattergl" if len(group) > 1000 else "scatter", "mode": "markers", "name": name,
                "x": [_round(f["compute_gross_margin_ttm"]) for f in group], "y": [y_of(f) for f in group],
                "marker": {"size": 9, "symbol": symbol, "color": colour, "opacity": 0.85,
                           "line": {"width": 0.8, "color": "white"}},
                "customdata": [[self.hover_firm(f), _round(f["compute_share_ttm"]), _round(f["da_to_revenue_ttm"]),
                                _round(f["interest_to_revenue_ttm"]), _round(f["implied_utilization_year1"])]
                               for f in group],
                "hovertemplate": "%{customdata[0]}<br>算力毛利率 Compute gross margin TTM: %{x:.1%}"
                                 "<br>隐含利用率 Implied utilisation (term): %{y:.1%}"
                                 "<br>首年 Year 1: %{customdata[4]:.1%}"
                                 "<br>算力收入占比 Compute share: %{customdata[1]:.1%}"
                                 "<br>折旧/收入 D&A / revenue (firm): %{customdata[2]:.1%}"
                                 "<br>利息/收入 Interest / revenue (firm): %{customdata[3]:.1%}<extra></extra>",
            }

        traces = [{"type": "scatter", "mode": "lines", "name": "模型 Model: utilisation needed for a gross margin",
                   "x": [_round(x) for x in curve_x], "y": [_round(y) for y in curve_y],
                   "line": {"color": "#9DB3D6", "width": 2}, "hoverinfo": "skip"}]
        if solved:
            traces.append(points(solved, lambda f: _round(f["implied_utilization_term"]),
                                 f"公司 Firms ({len(solved)})", "circle", NAVY))
        if above:
            traces.append(points(above, lambda f: 1.0, f"高于模型上限 Above the model at 100 % ({len(above)})",
                                 "triangle-up", ORANGE))
        self.add("chart-econ-firms", traces, self.layout(
            xaxis={"title": {"text": "算力毛利率 Compute-segment gross margin TTM"}, "tickformat": ".0%"},
            yaxis={"title": {"text": "隐含利用率 Implied utilisation (term)"}, "tickformat": ".0%", "range": [0, 1.08]},
            shapes=[{"type": "line", "x0": self.b.gross, "x1": self.b.gross, "yref": "paper", "y0": 0, "y1": 1,
                     "line": {"dash": "dash", "width": 1.5, "color": NAVY}}],
            annotations=[{"x": self.b.gross, "y": 1, "yref": "paper", "xanchor": "left", "yanchor": "top",
                          "showarrow": False, "text": f" 毛利率基准 {self.b.gross:.0%}", "font": {"size": 10, "color": NAVY}}],
        ))
        return (f"{len(firms)} current members disclose a compute segment with its cost at {self.d.label}. Each sits on "
                f"the model's curve at the flat utilisation at which one server earns the firm's compute gross margin "
                f"(over the term); {len(above)} report more than the model can earn even fully used "
                f"({pct(ceiling)}), so their rent or costs differ from the model's. D&A and interest are firm-wide.")

    def economics_table(self) -> str:
        r = self.d.economics.result
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

    def changes_table(self) -> str:
        changes = self.d.changes.records()
        members = self.d.universe.records()
        current = sum(1 for m in members if m["is_current"])
        summary = (f"{current} current members, {len(members) - current} former; "
                   f"{sum(1 for c in changes if c['change'] == 'joined')} joined and "
                   f"{sum(1 for c in changes if c['change'] == 'left')} left across snapshots.")
        if not changes:
            return f"<p>{esc(summary)} No membership change between snapshots.</p>"
        rows = "\n".join(
            f'<tr><td>{esc(c["snapshot_at"])}</td><td><span class="badge {esc(c["change"])}">'
            f'{"纳入 joined" if c["change"] == "joined" else "剔除 left"}</span></td><td>{esc(c["code"])}</td>'
            f'<td>{esc(c["name"])}</td><td>{esc(c["board"])}</td><td>{pct(c["change_share"])}'
            f'{" ⚠ review" if c["needs_review"] else ""}</td></tr>'
            for c in changes[:500]
        )
        more = f"<p class='note'>{len(changes) - 500} earlier changes are in the workbook (Universe sheet).</p>" \
            if len(changes) > 500 else ""
        return (f"<p>{esc(summary)}</p><table><thead><tr><th>快照 Snapshot</th><th>变动 Change</th><th>代码 Code</th>"
                f"<th>名称 Name</th><th>板块 Board</th><th>变动比例 Share of board</th></tr></thead><tbody>{rows}</tbody></table>{more}")

    def definitions(self) -> str:
        status_rows = "\n".join(
            f'<tr><td><span class="dot" style="background:#{STATUS_COLOURS[s]}"></span>{esc(STATUS_LABELS[s])}</td>'
            f"<td>{esc(STATUS_MEANING[s])}</td><td>{self.d.status_counts.get(s, 0)}</td></tr>" for s in STATUS_ORDER
        )
        rows = "\n".join(f"<tr><td>{esc(t)}</td><td>{esc(e)}</td><td>{esc(c)}</td></tr>" for t, e, c in DEFINITIONS)
        return (f'<table class="legend"><thead><tr><th>状态 Status</th><th>Meaning</th><th>Firms</th></tr></thead>'
                f"<tbody>{status_rows}</tbody></table>"
                f"<table><thead><tr><th>术语 Term</th><th>Definition</th><th>定义</th></tr></thead><tbody>{rows}</tbody></table>")

    def provenance(self) -> str:
        info, b, pc = self.d.info, self.b, self.d.panel_counts
        items = [
            ("报告期 Period", f"{self.d.label} (quarter ending {self.d.period.isoformat()}), trailing twelve months"),
            ("数据截止 Data cut-off", f"{info.get('data_cut_off')} (latest fetch of the income statements, China time)"),
            ("来源 Source", f"{info.get('sources')} · akshare {info.get('akshare_version')} · EastMoney F10 statements, 主营构成"),
            ("基准 Benchmark", f"gross {b.gross:.0%}, net {b.net:.0%} — {b.source}"),
            ("构建 Built", f"{_when(info.get('built_at'))} by leasewatch {info.get('leasewatch_version')}; report written "
                          f"{self.d.written_at:%Y-%m-%d %H:%M}"),
            ("口径 Flags", f"{pc.get('derived_quarters')} derived quarters, {pc.get('da_carried')} carried D&A values, "
                          f"{pc.get('missing_reports')} missing reports, {pc.get('restated')} restated reports in the panel; "
                          "details in the workbook's Data quality sheet"),
        ]
        return "\n".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in items)

    def render(self, plotly_js: str) -> str:
        d = self.d
        notes = {
            "chart-margins": self.margins_scatter(),
            "chart-gap": self.gap_bars(),
            "chart-growth": self.growth_scatter(),
            "chart-burden": self.burden_bars(),
            "chart-compute": self.compute_scatter(),
            "chart-econ-grid": self.economics_grid(),
            "chart-econ-firms": self.economics_firms(),
        }
        options, firm_json, firm_note = self.firm_view()
        titles = {
            "chart-margins": "毛利率 vs 净利率 · Gross vs net margin against the benchmark",
            "chart-gap": "净利率差距排名 · Net-margin gap to the benchmark",
            "chart-growth": "营收同比 vs 净利同比 · Revenue growth vs profit growth",
            "chart-burden": "折旧与利息负担 · Depreciation and interest burden",
            "chart-compute": "算力收入占比 vs 毛利率 · Compute share of revenue and gross margin",
            "chart-econ-grid": "单台服务器经济性 · One GPU server: net margin by utilisation and rent",
            "chart-econ-firms": "隐含利用率 · The utilisation at which one server earns each firm's compute margin",
        }

        def card(div_id: str, wide: bool = False) -> str:
            return (f'<section class="card{" wide" if wide else ""}"><h2>{esc(titles[div_id])}</h2>'
                    f'<p class="note">{esc(notes[div_id])}</p><div id="{div_id}" class="chart"></div></section>')

        banner = f'<div class="sample-banner">{esc(SAMPLE_BANNER)}</div>' if d.is_sample else ""
        b = self.b
        return PAGE.format(
            title=esc(f"leasewatch · 算力租赁 compute leasing · {d.label}"),
            banner=banner,
            heading=esc(f"算力租赁 Compute leasing: margins against the {b.gross:.0%} / {b.net:.0%} benchmark"),
            subheading=esc(f"{d.label} · trailing twelve months · {d.kpis['firms']} firms · data cut-off "
                           f"{d.info.get('data_cut_off')} · source {d.info.get('sources')} (akshare {d.info.get('akshare_version')})"),
            takeaway=esc(self.takeaway()),
            kpis=self.kpis(),
            margins=card("chart-margins", wide=True),
            gap=card("chart-gap", wide=True),
            growth=card("chart-growth"),
            compute=card("chart-compute"),
            burden=card("chart-burden", wide=True),
            econ_grid=card("chart-econ-grid"),
            econ_firms=card("chart-econ-firms"),
            econ_table=self.economics_table(),
            firm_options=options,
            firm_note=esc(firm_note),
            changes=self.changes_table(),
            definitions=self.definitions(),
            provenance=self.provenance(),
            figures_json=script_json(self.figures),
            config_json=script_json(CONFIG),
            firm_json=firm_json,
            plotly_js=plotly_js,
            font=FONT,
            navy=NAVY,
        )


PAGE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data: blob:; font-src data:">
<title>{title}</title>
<style>
  :root {{ --navy: {navy}; --ink: #262626; --muted: #6b6b6b; --rule: #e3e3e3; }}
  * {{ box-sizing: border-box; }}
  body {{ margin: 0; font-family: {font}; color: var(--ink); background: #f4f5f7; font-size: 14px; line-height: 1.5; }}
  .sample-banner {{ background: #c00000; color: #fff; font-weight: 700; text-align: center; padding: 6px 12px; letter-spacing: .02em; }}
  header {{ background: var(--navy); color: #fff; padding: 22px 32px 18px; }}
  header .brand {{ font-size: 12px; letter-spacing: .12em; text-transform: uppercase; opacity: .75; }}
  header h1 {{ margin: 4px 0 6px; font-size: 24px; font-weight: 700; }}
  header .sub {{ font-size: 13px; opacity: .85; }}
  main {{ max-width: 1320px; margin: 0 auto; padding: 20px 24px 40px; }}
  .takeaway {{ background: #fff; border-left: 4px solid var(--navy); padding: 12px 16px; margin: 0 0 16px; font-size: 15px; }}
  .kpis {{ display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 10px; margin-bottom: 16px; }}
  .kpi {{ background: #fff; border-radius: 6px; padding: 10px 12px; border-top: 3px solid var(--navy); }}
  .kpi-label {{ font-size: 12px; color: var(--muted); }}
  .kpi-value {{ font-size: 24px; font-weight: 700; color: var(--navy); }}
  .kpi-note {{ font-size: 11px; color: var(--muted); }}
  .grid {{ display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }}
  .card {{ background: #fff; border-radius: 6px; padding: 14px 16px 8px; box-shadow: 0 1px 2px rgba(0,0,0,.06); min-width: 0; }}
  .card.wide {{ grid-column: 1 / -1; }}
  .card h2 {{ font-size: 16px; margin: 0 0 2px; color: var(--navy); }}
  .note {{ font-size: 12px; color: var(--muted); margin: 0 0 6px; }}
  .chart {{ width: 100%; min-height: 300px; }}
  select {{ font: inherit; padding: 4px 8px; max-width: 100%; }}
  table {{ border-collapse: collapse; width: 100%; font-size: 12.5px; margin: 8px 0 12px; }}
  th {{ background: var(--navy); color: #fff; text-align: left; padding: 5px 8px; font-weight: 600; }}
  td {{ border-bottom: 1px solid var(--rule); padding: 5px 8px; vertical-align: top; }}
  .badge {{ display: inline-block; padding: 0 6px; border-radius: 3px; color: #fff; font-size: 11px; }}
  .badge.joined {{ background: #1a9850; }} .badge.left {{ background: #d73027; }}
  .dot {{ display: inline-block; width: 10px; height: 10px; border-radius: 50%; margin-right: 6px; }}
  dl {{ display: grid; grid-template-columns: 160px 1fr; gap: 4px 12px; margin: 8px 0; font-size: 13px; }}
  dt {{ color: var(--muted); }} dd {{ margin: 0; }}
  footer {{ text-align: center; color: var(--muted); font-size: 12px; padding: 8px 0 24px; }}
  @media (max-width: 900px) {{ .grid {{ grid-template-columns: 1fr; }} }}
</style>
</head>
<body>
{banner}
<header>
  <div class="brand">leasewatch · A-share compute-leasing monitor</div>
  <h1>{heading}</h1>
  <div class="sub">{subheading}</div>
</header>
<main>
<p class="takeaway">{takeaway}</p>
<div class="kpis">
{kpis}
</div>
<div class="grid">
{margins}
{gap}
{growth}
{compute}
{burden}
{econ_grid}
{econ_firms}
<section class="card wide"><h2>单台服务器逐年损益 · One server, year by year</h2>
{econ_table}
</section>
<section class="card wide"><h2>单家公司 · One firm, quarter by quarter</h2>
  <p class="note">{firm_note}</p>
  <label for="firm-select">公司 Firm: </label><select id="firm-select">
{firm_options}
  </select>
  <div id="chart-firm" class="chart"></div>
</section>
<section class="card"><h2>成分股变动 · Membership changes</h2>
{changes}
</section>
<section class="card"><h2>数据与口径 · Data and cut-off</h2>
<dl>
{provenance}
</dl>
</section>
<section class="card wide"><h2>定义 · Definitions (metrics.md)</h2>
{definitions}
</section>
</div>
</main>
<footer>leasewatch · every number from the warehouse marts · amounts in 亿元, ratios in %, gaps in percentage points</footer>
<script type="application/json" id="lw-figures">{figures_json}</script>
<script type="application/json" id="lw-config">{config_json}</script>
<script type="application/json" id="lw-firms">{firm_json}</script>
<script>{plotly_js}</script>
<script>
(function () {{
  "use strict";
  var read = function (id) {{ return JSON.parse(document.getElementById(id).textContent); }};
  var figures = read("lw-figures"), config = read("lw-config"), panel = read("lw-firms");
  Object.keys(figures).forEach(function (id) {{
    Plotly.newPlot(id, figures[id].data, figures[id].layout, config);
  }});
  var select = document.getElementById("firm-select");
  function drawFirm(code) {{
    var firm = panel.firms[code];
    if (!firm) {{ return; }}
    var x = panel.periods, flat = function (v) {{ return x.map(function () {{ return v; }}); }};
    var pct = function (v) {{ return (v * 100).toFixed(0) + "%"; }};
    var traces = [
      {{type: "bar", name: "营业收入 Revenue Q (亿元)", x: x, y: firm.rev, marker: {{color: "#9DB3D6"}},
        hovertemplate: "%{{x}}<br>营业收入 Revenue: %{{y:,.2f}} 亿元<extra></extra>"}},
      {{type: "scatter", mode: "lines+markers", name: "毛利率 Gross margin TTM", x: x, y: firm.gm, yaxis: "y2",
        line: {{color: "{navy}", width: 2.5}}, hovertemplate: "%{{x}}<br>毛利率 Gross TTM: %{{y:.1%}}<extra></extra>"}},
      {{type: "scatter", mode: "lines+markers", name: "净利率 Net margin TTM", x: x, y: firm.nm, yaxis: "y2",
        line: {{color: "#E67E22", width: 2.5}}, hovertemplate: "%{{x}}<br>净利率 Net TTM: %{{y:.1%}}<extra></extra>"}},
      {{type: "scatter", mode: "lines", name: "毛利率基准 " + pct(panel.gross), x: x, y: flat(panel.gross), yaxis: "y2",
        line: {{color: "{navy}", dash: "dash", width: 1.2}}, hoverinfo: "skip"}},
      {{type: "scatter", mode: "lines", name: "净利率基准 " + pct(panel.net), x: x, y: flat(panel.net), yaxis: "y2",
        line: {{color: "#E67E22", dash: "dash", width: 1.2}}, hoverinfo: "skip"}}
    ];
    var layout = JSON.parse(JSON.stringify(panel.layout));
    layout.title = {{text: firm.title, x: 0.01, y: 0.97, yanchor: "top", font: {{size: 15}}}};
    Plotly.react("chart-firm", traces, layout, config);
  }}
  select.addEventListener("change", function () {{ drawFirm(select.value); }});
  drawFirm(select.value);
}})();
</script>
</body>
</html>
"""
