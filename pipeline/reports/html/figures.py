"""The page's Plotly figures: the shared layout, validation through plotly, and the pieces several charts use."""

from __future__ import annotations

import json

from pipeline.reports.data import ReportData
from pipeline.reports.definitions import STATUS_COLOURS, STATUS_LABELS, STATUS_ORDER
from pipeline.reports.html.page import FONT, plot_text
from pipeline.reports.rank import both_ends


YI = 1e8  # 元 per 亿元
MAX_BARS = 120  # ranked bar charts show every firm up to this many, else the top and bottom BAR_ENDS
BAR_ENDS = 40
RANKED_MARGIN = {"l": 64, "r": 24, "t": 16, "b": 110}  # room below for the slanted firm names


def rounded(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def ranked_ends(rows: list[dict]) -> tuple[list[dict], str]:
    """All rows of a ranking, or its two ends when there are too many to read as bars."""
    shown = both_ends(rows, MAX_BARS, BAR_ENDS)
    if len(shown) == len(rows):
        return rows, f"all {len(rows)} firms"
    return shown, f"top and bottom {BAR_ENDS} of {len(rows)} firms"


def ranked_axis(shown: list[dict]) -> dict:
    """The category axis of a ranked bar chart: one bar per firm code, labelled with the firm's name."""
    return {"type": "category", "tickvals": [r["code"] for r in shown], "ticktext": [plot_text(r["name"]) for r in shown],
            "tickangle": -60, "tickfont": {"size": 9}}


def padded(values: list[float], pad: float, lowest: float, highest: float) -> tuple[float, float]:
    """A scatter axis's range: the values' span widened by `pad` each side, clipped to [lowest, highest] so a few
    extreme firms do not squeeze the rest (zoom_note says how many fall outside)."""
    return max(min(values) - pad, lowest), min(max(values) + pad, highest)


def outside(rows: list[dict], x: str, y: str, x_range: tuple[float, float], y_range: tuple[float, float]) -> int:
    """How many rows fall outside a scatter's ranges."""
    return sum(1 for r in rows if not (x_range[0] <= r[x] <= x_range[1] and y_range[0] <= r[y] <= y_range[1]))


def zoom_note(outside: int, why: str = "") -> str:
    """The note's tail when some points fall outside a scatter's axes."""
    return f" {outside} outside the axes{why}: zoom out to see them." if outside else ""


class Figures:
    """The report's data and the figures drawn so far, keyed by the id of the element each goes in."""

    def __init__(self, data: ReportData):
        self.d = data
        self.b = data.benchmarks
        self.rows = data.summary.records()
        self.figures: dict[str, dict] = {}

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
        """Validate through plotly's figure model, then keep the plain JSON for the page. A figure without a single
        point says so in the middle of its plot area (its note above says why)."""
        import plotly.graph_objects as go

        if not any(len(t.get("x") or t.get("y") or t.get("z") or []) for t in traces):
            layout = {**layout, "annotations": [*layout.get("annotations", []), {
                "text": f"没有数据 · Nothing to show at {plot_text(self.d.label)}: see the note above",
                "xref": "paper", "yref": "paper", "x": 0.5, "y": 0.6, "showarrow": False,
                "font": {"size": 15, "color": "#6b6b6b"}}]}

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
                "x": [rounded(r[x]) for r in group], "y": [rounded(r[y]) for r in group], "marker": marker,
                "customdata": [customdata(r) for r in group],
                "hovertemplate": f"{hover}<extra>{STATUS_LABELS[status]}</extra>",
            })
        return traces
