"""The page template and what writing HTML safely needs: escaping for HTML, for Plotly labels and for JSON in script."""

from __future__ import annotations

import html
import json
from typing import Any


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
{gross_side}
{waterfall}
{compute_margin}
{recurring}
<section class="card wide"><h2>状态变化 · Who crossed a benchmark line this quarter</h2>
{status_changes}
</section>
{fcf}
{leverage}
{fleet}
<section class="card wide"><h2>能否承载机队 · Can they carry the fleet? The carry screen</h2>
{screen}
</section>
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
