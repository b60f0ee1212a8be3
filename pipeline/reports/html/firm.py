"""The per-firm view: every current member's quarterly series as JSON, redrawn by a selector on the page."""

from __future__ import annotations

from pipeline import periods
from pipeline.reports.definitions import STATUS_LABELS
from pipeline.reports.html.figures import YI, Figures, rounded
from pipeline.reports.html.page import esc, plot_text, script_json


def firm_view(figs: Figures) -> tuple[str, str, str]:
    """(selector options, JSON of every current member's quarterly series, note)."""
    members = {r["code"]: r for r in figs.rows}
    panel = [q for q in figs.d.quarterly.records() if q["code"] in members]
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
        firm["rev"][i] = rounded(q["revenue_q"] / YI if q["revenue_q"] is not None else None)
        firm["gm"][i] = rounded(q["gross_margin_ttm"])
        firm["nm"][i] = rounded(q["net_margin_ttm"])
    default = max(figs.rows, key=lambda r: r["revenue_ttm"] or 0)["code"] if figs.rows else ""
    options = "\n".join(
        f'<option value="{esc(r["code"])}"{" selected" if r["code"] == default else ""}>'
        f'{esc(r["code"])} {esc(r["name"])} · {esc(STATUS_LABELS.get(r["status"], r["status"]))}</option>'
        for r in sorted(figs.rows, key=lambda r: r["code"]) if r["code"] in firms
    )
    payload = {
        "periods": [periods.label(p) for p in labels],
        "gross": figs.b.gross, "net": figs.b.net,
        "firms": firms,
        "layout": figs.layout(
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
