"""The HTML report: one self-contained page (plotly.js embedded, nothing fetched) with the benchmark views.

Every chart is a Plotly figure serialised into one JSON block that a few lines of script render; the per-firm view
reads a compact JSON of quarterly series (current members only) and redraws on a selector, so a full-market
universe adds data, not traces. Charts ranking firms show all of them up to MAX_BARS and the two ends beyond.

Upstream text (company names) is escaped twice over: html.escape for the HTML written here, and Plotly-safe
(`&lt;`) inside figures, whose labels Plotly renders as pseudo-HTML; every JSON block escapes `<`, `>` and `&`
so no string can close a script element.

page.py holds the template and the escaping, figures.py the shared layout, market.py / economics.py / firm.py the
charts and sections.py the text; this module puts them on the page in order.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.display import SAMPLE_BANNER
from pipeline.reports.data import ReportData
from pipeline.reports.html.carry import fcf_bars, fleet_scatter, leverage_scatter, screen_table
from pipeline.reports.html.economics import economics_firms, economics_grid, economics_table
from pipeline.reports.html.figures import BAR_ENDS, MAX_BARS, Figures, ranked_ends
from pipeline.reports.html.firm import firm_view
from pipeline.reports.html.bridges import (
    compute_margin_scatter,
    ebitda_waterfall,
    gross_side_bars,
    recurring_scatter,
    status_changes_table,
)
from pipeline.reports.html.market import compute_scatter, gap_bars, growth_scatter, margins_scatter
from pipeline.reports.html.page import CONFIG, FONT, NAVY, PAGE, esc, script_json
from pipeline.reports.html.sections import changes_table, definitions, kpis, provenance, takeaway

__all__ = ["BAR_ENDS", "MAX_BARS", "ranked_ends", "render", "write_html"]

TITLES = {
    "chart-margins": "毛利率 vs 净利率 · Gross vs net margin against the benchmark",
    "chart-gap": "净利率差距排名 · Net-margin gap to the benchmark",
    "chart-growth": "营收同比 vs 净利同比 · Revenue growth vs profit growth",
    "chart-gross-side": "毛利率与折旧 · Gross margin, and before depreciation (at most)",
    "chart-waterfall": "EBITDA 到净利率 · From EBITDA margin to net margin",
    "chart-compute-margin": "算力业务毛利率 vs 基准 · The compute segment's gross margin against the benchmark",
    "chart-recurring": "净利率 vs 扣非净利率 · Reported against recurring net margin",
    "chart-compute": "算力收入占比 vs 毛利率 · Compute share of revenue and gross margin",
    "chart-fcf": "自由现金流 vs 净利润 · Free cash flow against net profit",
    "chart-leverage": "净负债/EBITDA vs 净利率 · Net debt / EBITDA against net margin",
    "chart-fleet": "机队增速 vs 营收增速 · GPU fleet growth against revenue growth",
    "chart-econ-grid": "单台服务器经济性 · One GPU server: net margin by utilisation and rent",
    "chart-econ-firms": "隐含利用率 · The utilisation at which one server earns each firm's compute margin",
}

# Each chart's element id and the function that draws it (and returns its note); drawn in this order.
CHARTS = {
    "chart-margins": margins_scatter,
    "chart-gap": gap_bars,
    "chart-growth": growth_scatter,
    "chart-gross-side": gross_side_bars,
    "chart-waterfall": ebitda_waterfall,
    "chart-compute-margin": compute_margin_scatter,
    "chart-recurring": recurring_scatter,
    "chart-compute": compute_scatter,
    "chart-fcf": fcf_bars,
    "chart-leverage": leverage_scatter,
    "chart-fleet": fleet_scatter,
    "chart-econ-grid": economics_grid,
    "chart-econ-firms": economics_firms,
}


def write_html(data: ReportData, target: Path) -> Path:
    from plotly.offline import get_plotlyjs

    target.write_text(render(data, get_plotlyjs()), encoding="utf-8")
    return target


def render(data: ReportData, plotly_js: str) -> str:
    figs = Figures(data)
    notes = {div_id: draw(figs) for div_id, draw in CHARTS.items()}
    options, firm_json, firm_note = firm_view(figs)

    def card(div_id: str, wide: bool = False) -> str:
        return (f'<section class="card{" wide" if wide else ""}"><h2>{esc(TITLES[div_id])}</h2>'
                f'<p class="note">{esc(notes[div_id])}</p><div id="{div_id}" class="chart"></div></section>')

    banner = f'<div class="sample-banner">{esc(SAMPLE_BANNER)}</div>' if data.is_sample else ""
    b = figs.b
    return PAGE.format(
        title=esc(f"leasewatch · 算力租赁 compute leasing · {data.label}"),
        banner=banner,
        heading=esc(f"算力租赁 Compute leasing: margins against the {b.gross:.0%} / {b.net:.0%} benchmark"),
        subheading=esc(f"{data.label} · trailing twelve months · {data.kpis['firms']} firms · data cut-off "
                       f"{data.info.get('data_cut_off')} · source {data.info.get('sources')} "
                       f"(akshare {data.info.get('akshare_version')})"),
        takeaway=esc(takeaway(figs)),
        kpis=kpis(figs),
        margins=card("chart-margins", wide=True),
        gap=card("chart-gap", wide=True),
        growth=card("chart-growth"),
        compute=card("chart-compute"),
        gross_side=card("chart-gross-side", wide=True),
        waterfall=card("chart-waterfall"),
        compute_margin=card("chart-compute-margin"),
        recurring=card("chart-recurring"),
        status_changes=status_changes_table(figs),
        fcf=card("chart-fcf", wide=True),
        leverage=card("chart-leverage"),
        fleet=card("chart-fleet"),
        screen=screen_table(figs),
        econ_grid=card("chart-econ-grid"),
        econ_firms=card("chart-econ-firms"),
        econ_table=economics_table(figs),
        firm_options=options,
        firm_note=esc(firm_note),
        changes=changes_table(figs),
        definitions=definitions(figs),
        provenance=provenance(figs),
        figures_json=script_json(figs.figures),
        config_json=script_json(CONFIG),
        firm_json=firm_json,
        plotly_js=plotly_js,
        font=FONT,
        navy=NAVY,
    )
