"""The Summary sheet (one row per current member, ranked by the net-margin gap), its chart data and native charts."""

from __future__ import annotations

from pipeline.reports.definitions import STATUS_COLOURS, STATUS_LABELS, STATUS_ORDER
from pipeline.reports.excel.book import HEADER_ROW, NAVY, Book, cells, columns
from pipeline.reports.excel.rules import against, burden, diverging, flagged
from pipeline.reports.rank import both_ends
GAP_CHART_EACH_END = 20  # the gap ranking shows all firms up to 2 × this, else the top and bottom this many

SUMMARY_COLS = columns("summary")


def summary(book: Book, ws) -> tuple[int, int]:
    cols = SUMMARY_COLS
    d = book.data
    first, last = book.table_sheet(
        ws, f"汇总 Summary — {d.label}: {d.kpis['firms']} firms against {book.b.gross:.0%} gross / {book.b.net:.0%} net",
        book.subtitle("ranked by the net-margin gap"), cols, d.summary.records(),
    )
    against(ws, cells(cols, "gross_margin_ttm", first, last), book.b.gross)
    against(ws, cells(cols, "net_margin_ttm", first, last), book.b.net)
    against(ws, cells(cols, "compute_gross_margin_ttm", first, last), book.b.gross)
    against(ws, cells(cols, "net_margin_deducted_ttm", first, last), book.b.net)
    for key in ("gross_gap_pp", "net_gap_pp", "compute_gross_gap_pp", "net_deducted_gap_pp"):
        diverging(ws, cells(cols, key, first, last))
    for key in ("da_to_revenue_ttm", "interest_to_revenue_ttm"):
        burden(ws, cells(cols, key, first, last))
    for key in ("revenue_up_profit_down", "net_meets_only_with_one_offs"):
        flagged(ws, cells(cols, key, first, last))
    return first, last


def chart_data(book: Book, ws) -> dict:
    """The numbers behind the Summary charts: margins grouped by status, the gap ranking, the benchmark lines."""
    d = book.data
    book.heading(ws, "图表数据 Chart data", "The numbers behind the charts on the Summary sheet (from marts.benchmark)",
                 (9, 16, 20, 10, 10, 2, 24, 11, 2, 16, 10, 10))
    book.append(ws, [book.cell(ws, h, font=book.font_header, fill=book.fill_header, align=book.header_align) for h in
               ("代码 Code", "名称 Name", "状态 Status", "毛利率 Gross", "净利率 Net", None, "公司 Firm", "净利率差距 Net gap (pp)",
                None, "基准线 Benchmark line", "x", "y")])
    plotted = [r for r in d.summary.records() if r["gross_margin_ttm"] is not None and r["net_margin_ttm"] is not None]
    plotted.sort(key=lambda r: (STATUS_ORDER.index(r["status"]) if r["status"] in STATUS_ORDER else 99, r["code"]))
    groups: dict[str, tuple[int, int]] = {}
    for offset, r in enumerate(plotted):
        row = HEADER_ROW + 1 + offset
        start, _ = groups.get(r["status"], (row, row))
        groups[r["status"]] = (start, row)

    with_gap = [r for r in d.summary.records() if r["net_gap_pp"] is not None]  # the summary is ranked by the gap already
    ranked, total = both_ends(with_gap, 2 * GAP_CHART_EACH_END, GAP_CHART_EACH_END), len(with_gap)
    margins = [v for r in plotted for v in (r["gross_margin_ttm"], r["net_margin_ttm"])]
    low = max(min(margins + [0.0]), -1.0)
    high = min(max(margins + [book.b.gross, book.b.net]), 1.0)
    lines = [
        (f"毛利率基准 Gross {book.b.gross:.0%}", book.b.gross, low),
        (None, book.b.gross, high),
        (f"净利率基准 Net {book.b.net:.0%}", low, book.b.net),
        (None, high, book.b.net),
    ]
    for offset in range(max(len(plotted), len(ranked), len(lines))):
        cells: list = [None] * 12
        if offset < len(plotted):
            r = plotted[offset]
            cells[0:5] = [book.cell(ws, r["code"], "code"), book.cell(ws, r["name"], "upstream"),
                          book.cell(ws, r["status"], "status"), book.cell(ws, r["gross_margin_ttm"], "pct"),
                          book.cell(ws, r["net_margin_ttm"], "pct")]
        if offset < len(ranked):
            r = ranked[offset]
            cells[6:8] = [book.cell(ws, f"{r['name']} {r['code']}", "upstream"), book.cell(ws, r["net_gap_pp"], "pp")]
        if offset < len(lines):
            label, x, y = lines[offset]
            cells[9:12] = [book.cell(ws, label), book.cell(ws, x, "pct"), book.cell(ws, y, "pct")]
        book.append(ws, cells)
    return {"groups": groups, "ranked": ranked, "ranked_total": total, "first": HEADER_ROW + 1}


def summary_charts(book: Book, ws, data_ws, charts: dict, summary_rows: tuple[int, int]) -> None:
    from openpyxl.chart import BarChart, Reference, ScatterChart, Series
    from openpyxl.chart.marker import DataPoint
    from openpyxl.chart.shapes import GraphicalProperties
    from openpyxl.drawing.line import LineProperties
    from openpyxl.utils import get_column_letter

    first = charts["first"]
    scatter = ScatterChart()
    scatter.title = f"毛利率 vs 净利率 Gross vs net margin, TTM {book.data.label}"
    scatter.style = 13
    scatter.height, scatter.width = 11, 19
    scatter.x_axis.title = "毛利率 Gross margin TTM"
    scatter.y_axis.title = "净利率 Net margin TTM"
    for axis in (scatter.x_axis, scatter.y_axis):
        axis.number_format = "0%"
        axis.delete = False
        axis.tickLblPos = "low"  # labels at the edge even when the axes cross inside the plot (negative margins)
    for status in STATUS_ORDER:
        if status not in charts["groups"]:
            continue
        start, end = charts["groups"][status]
        series = Series(Reference(data_ws, min_col=5, min_row=start, max_row=end),
                        Reference(data_ws, min_col=4, min_row=start, max_row=end), title=STATUS_LABELS[status])
        series.marker.symbol = "circle"
        series.marker.size = 6
        series.marker.graphicalProperties = GraphicalProperties(solidFill=STATUS_COLOURS[status])
        series.marker.graphicalProperties.line.solidFill = STATUS_COLOURS[status]
        series.graphicalProperties = GraphicalProperties(ln=LineProperties(noFill=True))
        scatter.series.append(series)
    benchmark_lines = (
        (first, NAVY, f"毛利率基准 Gross {book.b.gross:.0%}"),
        (first + 2, "7F7F7F", f"净利率基准 Net {book.b.net:.0%}"),
    )
    for row, colour, label in benchmark_lines:
        line = Series(Reference(data_ws, min_col=12, min_row=row, max_row=row + 1),
                      Reference(data_ws, min_col=11, min_row=row, max_row=row + 1),
                      title=label)
        line.marker.symbol = "none"
        line.graphicalProperties = GraphicalProperties(ln=LineProperties(solidFill=colour, prstDash="dash", w=19050))
        scatter.series.append(line)
    scatter.legend.position = "b"

    bars = BarChart()
    bars.type = "bar"
    bars.style = 10
    ranked = charts["ranked"]
    n = len(ranked)
    shown = f"all {n} firms" if n == charts["ranked_total"] else f"top and bottom {GAP_CHART_EACH_END} of {charts['ranked_total']}"
    bars.title = f"净利率差距排名 Net-margin gap to {book.b.net:.0%}, pp ({shown})"
    bars.height, bars.width = max(9, 0.45 * n), 19
    values = Reference(data_ws, min_col=8, min_row=first, max_row=first + max(n, 1) - 1)
    bars.add_data(values, titles_from_data=False)
    bars.set_categories(Reference(data_ws, min_col=7, min_row=first, max_row=first + max(n, 1) - 1))
    bars.legend = None
    bars.x_axis.scaling.orientation = "maxMin"  # the largest gap on top
    bars.x_axis.tickLblPos = "low"
    bars.y_axis.number_format = '+0"pp";-0"pp";0"pp"'
    for axis in (bars.x_axis, bars.y_axis):
        axis.delete = False
    bars.gapWidth = 40
    series = bars.series[0]
    series.invertIfNegative = False
    series.graphicalProperties = GraphicalProperties(solidFill=STATUS_COLOURS["meets_both"])
    for index, r in enumerate(ranked):
        if r["net_gap_pp"] < 0:
            series.dPt.append(DataPoint(idx=index, invertIfNegative=False,
                                        spPr=GraphicalProperties(solidFill=STATUS_COLOURS["loss_making"])))

    anchor_col = get_column_letter(len(SUMMARY_COLS) + 2)
    ws.add_chart(scatter, f"{anchor_col}{HEADER_ROW + 1}")
    ws.add_chart(bars, f"{anchor_col}{HEADER_ROW + 24}")
