"""The Excel workbook: an About page, the benchmark Summary with native charts, and the detail sheets behind it.

Streams rows (openpyxl write-only mode) so a full-market universe stays within memory. Amounts are shown in 亿元
(the marts hold 元), ratios as % with one decimal, gaps in pp. Text that comes from upstream (company and segment
names, details) is always written as a string cell, never as a formula.
"""

from __future__ import annotations

from copy import copy
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterable

from pipeline import periods
from pipeline.display import SAMPLE_BANNER
from pipeline.reports.data import ReportData
from pipeline.reports.definitions import (
    DEFINITIONS,
    SHEET_GUIDE,
    STATUS_COLOURS,
    STATUS_LABELS,
    STATUS_MEANING,
    STATUS_ORDER,
)

HEADER_ROW = 4  # rows 1–3: title, subtitle, SAMPLE banner
YI = 1e8  # 元 per 亿元
MAX_CELL_TEXT = 32_767  # Excel's limit for one cell
GAP_CHART_EACH_END = 20  # the gap ranking shows all firms up to 2 × this, else the top and bottom this many
# A text beginning with one of these is a formula (or becomes one when a user edits the cell) in Excel and LibreOffice.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")

FORMATS = {
    "yi": "#,##0.00",
    "yi4": "#,##0.0000",
    "pct": "0.0%",
    "pp": '+0.0" pp";-0.0" pp";0.0" pp"',
    "int": "#,##0",
    "dec2": "0.00",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm",
}

NAVY = "1F3864"
GREEN_FILL = "E2F0D9"
RED_FILL = "FBE2D5"
AMBER_FILL = "FFE699"
BANNER_FILL = "C00000"


@dataclass(frozen=True)
class Col:
    key: str
    header: str  # "中文\nEnglish (unit)"
    kind: str  # code, upstream, text, yi, yi4, pct, pp, int, date, datetime, flag, status, period
    width: float


def write_workbook(data: ReportData, target: Path) -> Path:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    book = _Book(wb, data)
    sheets = {name: wb.create_sheet(name) for name, _, _ in SHEET_GUIDE}
    book.about(sheets["About"])
    summary_rows = book.summary(sheets["Summary"])
    charts = book.chart_data(sheets["Chart data"])
    book.summary_charts(sheets["Summary"], sheets["Chart data"], charts, summary_rows)
    book.quarterly(sheets["Quarterly"])
    book.segments(sheets["Segments"])
    book.bridge(sheets["Bridge"])
    book.economics(sheets["Economics"])
    book.universe(sheets["Universe"])
    book.quality(sheets["Data quality"])
    wb.properties.title = f"leasewatch {data.label}"
    wb.properties.creator = "leasewatch"
    wb.save(target)
    return target


class _Book:
    def __init__(self, wb, data: ReportData):
        from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

        self.wb = wb
        self.data = data
        self.b = data.benchmarks
        self.font_title = Font(name="Arial", size=14, bold=True, color=NAVY)
        self.font_subtitle = Font(name="Arial", size=9, italic=True, color="595959")
        self.font_header = Font(name="Arial", size=9, bold=True, color="FFFFFF")
        self.font_body = Font(name="Arial", size=9)
        self.font_bold = Font(name="Arial", size=9, bold=True)
        self.font_banner = Font(name="Arial", size=10, bold=True, color="FFFFFF")
        self.font_section = Font(name="Arial", size=11, bold=True, color=NAVY)
        self.fill_header = PatternFill("solid", fgColor=NAVY)
        self.fill_banner = PatternFill("solid", fgColor=BANNER_FILL)
        self.fill_band = PatternFill("solid", fgColor="F2F2F2")
        self.status_fills = {s: PatternFill("solid", fgColor=c) for s, c in STATUS_COLOURS.items()}
        self.font_status = Font(name="Arial", size=9, bold=True, color="FFFFFF")
        self.wrap = Alignment(wrap_text=True, vertical="top")
        self.header_align = Alignment(wrap_text=True, vertical="center", horizontal="center")
        self.center = Alignment(horizontal="center")
        self.rule = Border(bottom=Side(style="thin", color="808080"))
        self.rows: dict[str, int] = {}
        self._styles: dict[tuple, Any] = {}

    # -- cells -------------------------------------------------------------------------------------------

    def append(self, ws, cells: list, *, wrapped: Iterable[tuple[Any, float]] = ()) -> int:
        """Append one row; returns its row number (write-only sheets do not tell). `wrapped` lists (text, column
        width) of wrapping cells: the row gets the height they need, since not every spreadsheet fits it on open."""
        lines = max([_lines(text, width) for text, width in wrapped] + [1])
        if lines > 1:
            ws.row_dimensions[self.rows.get(ws.title, 0) + 1].height = 12.5 * lines
        ws.append(cells)
        self.rows[ws.title] = self.rows.get(ws.title, 0) + 1
        return self.rows[ws.title]

    def cell(self, ws, value: Any, kind: str = "text", *, font=None, fill=None, align=None):
        """One styled cell, or None for an empty unfilled one. Upstream text is a string cell even when it starts
        like a formula."""
        from openpyxl.cell import WriteOnlyCell

        value = self._convert(value, kind)
        if value is None and fill is None:
            return None
        cell = WriteOnlyCell(ws, value=value)
        risky = False
        if isinstance(value, str):
            cell.data_type = "s"  # never 'f' (formula) or 'e' (an error code such as #N/A)
            risky = value.startswith(FORMULA_TRIGGERS)
        if align is None and kind in ("flag", "code", "period", "date"):
            align = self.center
        # Styling a cell hashes every style object; copying a finished style array is what makes big sheets fast.
        key = (kind, id(font), id(fill), id(align), risky)
        style = self._styles.get(key)
        if style is None:
            if kind in FORMATS:
                cell.number_format = FORMATS[kind]
            cell.font = font or self.font_body
            if fill is not None:
                cell.fill = fill
            if align is not None:
                cell.alignment = align
            if risky:
                cell.quotePrefix = True  # stays text when a user edits the cell in Excel
            self._styles[key] = style = copy(cell._style)
        cell._style = copy(style)
        return cell

    @staticmethod
    def _convert(value: Any, kind: str):
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        if value is None:
            return None
        if kind in ("yi", "yi4"):
            return value / YI  # 元 → 亿元
        if kind == "flag":
            return "yes" if value else None
        if kind == "status":
            return STATUS_LABELS.get(value, value)
        if kind == "period":
            return periods.label(value)
        if isinstance(value, float) and value != value:  # NaN
            return None
        if isinstance(value, (int, float, date, datetime)):
            return value
        return ILLEGAL_CHARACTERS_RE.sub("", str(value))[:MAX_CELL_TEXT]

    def status_cell(self, ws, status: str | None):
        fill = self.status_fills.get(status or "")
        return self.cell(ws, status, "status", font=self.font_status if fill else None, fill=fill)

    # -- sheet skeleton ----------------------------------------------------------------------------------

    def heading(self, ws, title: str, subtitle: str, widths: Iterable[float], *, freeze: str | None = None) -> None:
        """Rows 1–3 (title, subtitle, SAMPLE banner or blank); column widths and panes must precede any row."""
        from openpyxl.utils import get_column_letter

        for index, width in enumerate(widths, 1):
            ws.column_dimensions[get_column_letter(index)].width = width
        if freeze:
            ws.freeze_panes = freeze
        ws.sheet_view.showGridLines = False
        # printed or exported to PDF: landscape, as wide as one page, header row on every page
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = "9"  # A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.row_dimensions[1].height = 22
        self.append(ws, [self.cell(ws, title, font=self.font_title)])
        self.append(ws, [self.cell(ws, subtitle, font=self.font_subtitle)])
        if self.data.is_sample:
            self.append(ws, [self.cell(ws, SAMPLE_BANNER, font=self.font_banner, fill=self.fill_banner)]
                      + [self.cell(ws, None, fill=self.fill_banner) for _ in range(5)])
        else:
            self.append(ws, [])

    def header(self, ws, cols: list[Col], row: int = HEADER_ROW) -> None:
        ws.row_dimensions[row].height = 36
        self.label_row(ws, [c.header for c in cols])

    def label_row(self, ws, names: Iterable[str | None]) -> int:
        """A row of white-on-navy column labels; returns its row number."""
        return self.append(ws, [self.cell(ws, h, font=self.font_header, fill=self.fill_header, align=self.header_align)
                                for h in names])

    def section(self, ws, title: str) -> None:
        """A blank row, then a section title."""
        self.append(ws, [])
        self.append(ws, [self.cell(ws, title, font=self.font_section)])

    def table_sheet(self, ws, title: str, subtitle: str, cols: list[Col], records: list[dict], *, freeze_cols: int = 2) -> tuple[int, int]:
        """A titled table with frozen header row and first columns, and an autofilter. Returns (first, last) data rows."""
        from openpyxl.utils import get_column_letter

        self.heading(ws, title, subtitle, [c.width for c in cols], freeze=f"{get_column_letter(freeze_cols + 1)}{HEADER_ROW + 1}")
        ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
        self.header(ws, cols)
        for record in records:
            self.append(ws, [self._record_cell(ws, c, record) for c in cols])
        first, last = HEADER_ROW + 1, HEADER_ROW + max(len(records), 1)
        ws.auto_filter.ref = f"A{HEADER_ROW}:{get_column_letter(len(cols))}{last}"
        return first, last

    def _record_cell(self, ws, col: Col, record: dict):
        if col.kind == "status":
            return self.status_cell(ws, record.get(col.key))
        return self.cell(ws, record.get(col.key), col.kind)

    @staticmethod
    def column(cols: list[Col], key: str) -> str:
        from openpyxl.utils import get_column_letter

        return get_column_letter([c.key for c in cols].index(key) + 1)

    def subtitle(self, extra: str = "") -> str:
        b = self.b
        text = (
            f"As of {self.data.label} ({self.data.period.isoformat()}), TTM unless marked Q · benchmark gross "
            f"{b.gross:.0%} / net {b.net:.0%} · amounts 亿元, ratios %, gaps pp · data cut-off {self.data.info.get('data_cut_off')}"
        )
        return f"{text} · {extra}" if extra else text

    # -- conditional formats -----------------------------------------------------------------------------

    def against(self, ws, ref: str, threshold: float) -> None:
        """Green when a margin meets its benchmark, red when it falls short."""
        from openpyxl.formatting.rule import CellIsRule
        from openpyxl.styles import Font, PatternFill

        ws.conditional_formatting.add(
            ref, CellIsRule(operator="greaterThanOrEqual", formula=[_num(threshold)],
                            fill=PatternFill("solid", bgColor=GREEN_FILL), font=Font(color="006100"))
        )
        ws.conditional_formatting.add(
            ref, CellIsRule(operator="lessThan", formula=[_num(threshold)],
                            fill=PatternFill("solid", bgColor=RED_FILL), font=Font(color="9C0006"))
        )

    def diverging(self, ws, ref: str) -> None:
        """Red below zero, white at zero, green above: for gaps in pp."""
        from openpyxl.formatting.rule import ColorScaleRule

        ws.conditional_formatting.add(
            ref, ColorScaleRule(start_type="min", start_color="F8696B", mid_type="num", mid_value=0,
                                mid_color="FFFFFF", end_type="max", end_color="63BE7B")
        )

    def burden(self, ws, ref: str) -> None:
        """White to orange: the heavier the burden, the darker."""
        from openpyxl.formatting.rule import ColorScaleRule

        ws.conditional_formatting.add(
            ref, ColorScaleRule(start_type="min", start_color="FFFFFF", end_type="percentile", end_value=95, end_color="F4B183")
        )

    def flagged(self, ws, ref: str) -> None:
        from openpyxl.formatting.rule import CellIsRule
        from openpyxl.styles import Font, PatternFill

        ws.conditional_formatting.add(
            ref, CellIsRule(operator="equal", formula=['"yes"'], fill=PatternFill("solid", bgColor=AMBER_FILL),
                            font=Font(color="7F6000", bold=True))
        )

    # -- sheets ------------------------------------------------------------------------------------------

    def about(self, ws) -> None:
        d, b, info = self.data, self.b, self.data.info
        self.heading(ws, "leasewatch · 算力租赁 Compute leasing vs the margin benchmark",
                     f"Report period {d.label} · written {d.written_at:%Y-%m-%d %H:%M}", (30, 80, 70))
        kpi = d.kpis

        def row(key, value, kind="text", note=None):
            if kind == "datetime" and value is not None:
                value, kind = f"{value:%Y-%m-%d %H:%M}", "text"  # left-aligned like the other values
            self.append(ws, [self.cell(ws, key, font=self.font_bold), self.cell(ws, value, kind, align=self.wrap),
                             self.cell(ws, note, align=self.wrap) if note else None],
                        wrapped=[(value, 80), (note, 70)])

        self.section(ws, "Report 报告")
        row("报告期 Report period", f"{d.label} (quarter ending {d.period.isoformat()}); margins on trailing twelve months")
        row("覆盖公司 Firms", f"{kpi['firms']} current members of the universe with data at {d.label} "
            f"({len(d.universe)} firms ever listed)")
        row("数据截止 Data cut-off", info.get("data_cut_off"), "datetime", "latest fetch of the income statements (China time)")
        row("数据来源 Source", _source_text(info.get("sources")))
        row("akshare 版本 akshare version", info.get("akshare_version"))
        row("仓库构建 Warehouse built", info.get("built_at"), "datetime", f"leasewatch {info.get('leasewatch_version')}")
        row("毛利率基准 Gross-margin benchmark", b.gross, "pct", b.source)
        row("净利率基准 Net-margin benchmark", b.net, "pct", b.source)
        row("单位 Units", "amounts in 亿元 (10⁸ 元); ratios in % with one decimal; gaps to the benchmark in percentage points (pp)")
        if d.is_sample:
            self.append(ws, [self.cell(ws, "SAMPLE 示例", font=self.font_banner, fill=self.fill_banner),
                       self.cell(ws, "Built from the embedded sample of fictional firms (names marked 示例): the numbers "
                                 "illustrate the method and describe no real company.", font=self.font_banner,
                                 fill=self.fill_banner, align=self.wrap)], wrapped=[("x" * 120, 80)])

        self.section(ws, "工作表 Sheets")
        for name, english, chinese in SHEET_GUIDE:
            row(name, english, note=chinese)

        self.section(ws, "状态 Status")
        for status in STATUS_ORDER:
            self.append(ws, [self.status_cell(ws, status), self.cell(ws, STATUS_MEANING[status], align=self.wrap),
                             self.cell(ws, f"{d.status_counts.get(status, 0)} firms at {d.label}")])

        self.section(ws, "定义 Definitions (metrics.md)")
        self.append(ws, [self.cell(ws, h, font=self.font_header, fill=self.fill_header) for h in ("Term 术语", "Definition", "定义")])
        for term, english, chinese in DEFINITIONS:
            self.append(ws, [self.cell(ws, term, font=self.font_bold, align=self.wrap), self.cell(ws, english, align=self.wrap),
                             self.cell(ws, chinese, align=self.wrap)], wrapped=[(term, 30), (english, 80), (chinese, 70)])

    SUMMARY_COLS = [
        Col("code", "代码\nCode", "code", 9),
        Col("name", "名称\nName", "upstream", 16),
        Col("status", "状态\nStatus", "status", 20),
        Col("revenue_ttm", "营业收入\nRevenue TTM (亿元)", "yi", 12),
        Col("revenue_yoy_ttm", "营收同比\nRevenue YoY", "pct", 10),
        Col("net_profit_ttm", "净利润\nNet profit TTM (亿元)", "yi", 12),
        Col("net_profit_yoy_ttm", "净利同比\nProfit YoY", "pct", 10),
        Col("net_profit_change_ttm", "扭亏/转亏\nSign change", "text", 9),
        Col("gross_margin_ttm", "毛利率\nGross margin", "pct", 10),
        Col("gross_gap_pp", "毛利率差距\nGross gap (pp)", "pp", 11),
        Col("net_margin_ttm", "净利率\nNet margin", "pct", 10),
        Col("net_gap_pp", "净利率差距\nNet gap (pp)", "pp", 11),
        Col("da_to_revenue_ttm", "折旧摊销/收入\nD&A / revenue", "pct", 12),
        Col("da_is_carried", "折旧沿用\nD&A carried", "flag", 9),
        Col("interest_to_revenue_ttm", "利息/收入\nInterest / revenue", "pct", 11),
        Col("compute_share_ttm", "算力收入占比\nCompute share", "pct", 11),
        Col("compute_gross_margin_ttm", "算力毛利率\nCompute gross margin", "pct", 11),
        Col("revenue_up_profit_down", "增收不增利\nRevenue up, profit not", "flag", 11),
    ]

    def summary(self, ws) -> tuple[int, int]:
        cols = self.SUMMARY_COLS
        d = self.data
        first, last = self.table_sheet(
            ws, f"汇总 Summary — {d.label}: {d.kpis['firms']} firms against {self.b.gross:.0%} gross / {self.b.net:.0%} net",
            self.subtitle("ranked by the net-margin gap"), cols, d.summary.records(),
        )
        col = lambda key: self.column(cols, key)  # noqa: E731
        self.against(ws, f"{col('gross_margin_ttm')}{first}:{col('gross_margin_ttm')}{last}", self.b.gross)
        self.against(ws, f"{col('net_margin_ttm')}{first}:{col('net_margin_ttm')}{last}", self.b.net)
        for key in ("gross_gap_pp", "net_gap_pp"):
            self.diverging(ws, f"{col(key)}{first}:{col(key)}{last}")
        for key in ("da_to_revenue_ttm", "interest_to_revenue_ttm"):
            self.burden(ws, f"{col(key)}{first}:{col(key)}{last}")
        self.flagged(ws, f"{col('revenue_up_profit_down')}{first}:{col('revenue_up_profit_down')}{last}")
        return first, last

    def chart_data(self, ws) -> dict:
        """The numbers behind the Summary charts: margins grouped by status, the gap ranking, the benchmark lines."""
        d = self.data
        self.heading(ws, "图表数据 Chart data", "The numbers behind the charts on the Summary sheet (from marts.benchmark)",
                     (9, 16, 20, 10, 10, 2, 24, 11, 2, 16, 10, 10))
        self.append(ws, [self.cell(ws, h, font=self.font_header, fill=self.fill_header, align=self.header_align) for h in
                   ("代码 Code", "名称 Name", "状态 Status", "毛利率 Gross", "净利率 Net", None, "公司 Firm", "净利率差距 Net gap (pp)",
                    None, "基准线 Benchmark line", "x", "y")])
        plotted = [r for r in d.summary.records() if r["gross_margin_ttm"] is not None and r["net_margin_ttm"] is not None]
        plotted.sort(key=lambda r: (STATUS_ORDER.index(r["status"]) if r["status"] in STATUS_ORDER else 99, r["code"]))
        groups: dict[str, tuple[int, int]] = {}
        for offset, r in enumerate(plotted):
            row = HEADER_ROW + 1 + offset
            start, _ = groups.get(r["status"], (row, row))
            groups[r["status"]] = (start, row)

        ranked, total = _gap_ranking(d.summary.records())
        margins = [v for r in plotted for v in (r["gross_margin_ttm"], r["net_margin_ttm"])]
        low = max(min(margins + [0.0]), -1.0)
        high = min(max(margins + [self.b.gross, self.b.net]), 1.0)
        lines = [
            (f"毛利率基准 Gross {self.b.gross:.0%}", self.b.gross, low),
            (None, self.b.gross, high),
            (f"净利率基准 Net {self.b.net:.0%}", low, self.b.net),
            (None, high, self.b.net),
        ]
        for offset in range(max(len(plotted), len(ranked), len(lines))):
            cells: list = [None] * 12
            if offset < len(plotted):
                r = plotted[offset]
                cells[0:5] = [self.cell(ws, r["code"], "code"), self.cell(ws, r["name"], "upstream"),
                              self.cell(ws, r["status"], "status"), self.cell(ws, r["gross_margin_ttm"], "pct"),
                              self.cell(ws, r["net_margin_ttm"], "pct")]
            if offset < len(ranked):
                r = ranked[offset]
                cells[6:8] = [self.cell(ws, f"{r['name']} {r['code']}", "upstream"), self.cell(ws, r["net_gap_pp"], "pp")]
            if offset < len(lines):
                label, x, y = lines[offset]
                cells[9:12] = [self.cell(ws, label), self.cell(ws, x, "pct"), self.cell(ws, y, "pct")]
            self.append(ws, cells)
        return {"groups": groups, "ranked": ranked, "ranked_total": total, "first": HEADER_ROW + 1}

    def summary_charts(self, ws, data_ws, charts: dict, summary_rows: tuple[int, int]) -> None:
        from openpyxl.chart import BarChart, Reference, ScatterChart, Series
        from openpyxl.chart.marker import DataPoint
        from openpyxl.chart.shapes import GraphicalProperties
        from openpyxl.drawing.line import LineProperties
        from openpyxl.utils import get_column_letter

        first = charts["first"]
        scatter = ScatterChart()
        scatter.title = f"毛利率 vs 净利率 Gross vs net margin, TTM {self.data.label}"
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
            (first, NAVY, f"毛利率基准 Gross {self.b.gross:.0%}"),
            (first + 2, "7F7F7F", f"净利率基准 Net {self.b.net:.0%}"),
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
        bars.title = f"净利率差距排名 Net-margin gap to {self.b.net:.0%}, pp ({shown})"
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

        anchor_col = get_column_letter(len(self.SUMMARY_COLS) + 2)
        ws.add_chart(scatter, f"{anchor_col}{HEADER_ROW + 1}")
        ws.add_chart(bars, f"{anchor_col}{HEADER_ROW + 24}")

    QUARTERLY_COLS = [
        Col("code", "代码\nCode", "code", 9),
        Col("name", "名称\nName", "upstream", 16),
        Col("period_end", "季度\nQuarter", "period", 9),
        Col("period_end_date", "期末\nPeriod end", "date", 11),
        Col("is_current_member", "成分股\nCurrent member", "flag", 9),
        Col("status", "状态\nStatus (TTM)", "status", 20),
        Col("revenue_q", "营业收入(单季)\nRevenue Q (亿元)", "yi", 12),
        Col("revenue_ttm", "营业收入TTM\nRevenue TTM (亿元)", "yi", 12),
        Col("revenue_yoy_ttm", "营收同比\nRevenue YoY TTM", "pct", 10),
        Col("gross_profit_q", "毛利(单季)\nGross profit Q (亿元)", "yi", 12),
        Col("net_profit_q", "净利润(单季)\nNet profit Q (亿元)", "yi", 12),
        Col("net_profit_ttm", "净利润TTM\nNet profit TTM (亿元)", "yi", 12),
        Col("net_profit_yoy_ttm", "净利同比\nProfit YoY TTM", "pct", 10),
        Col("gross_margin_q", "毛利率(单季)\nGross margin Q", "pct", 10),
        Col("gross_margin_ttm", "毛利率TTM\nGross margin TTM", "pct", 10),
        Col("net_margin_q", "净利率(单季)\nNet margin Q", "pct", 10),
        Col("net_margin_ttm", "净利率TTM\nNet margin TTM", "pct", 10),
        Col("depreciation_amortization_ttm", "折旧摊销TTM\nD&A TTM (亿元)", "yi", 11),
        Col("da_to_revenue_ttm", "折旧摊销/收入\nD&A / revenue TTM", "pct", 11),
        Col("depreciation_amortization_ttm_is_carried", "折旧沿用\nD&A carried", "flag", 9),
        Col("interest_expense_q", "利息费用(单季)\nInterest Q (亿元)", "yi", 11),
        Col("interest_expense_ttm", "利息费用TTM\nInterest TTM (亿元)", "yi", 11),
        Col("interest_to_revenue_ttm", "利息/收入\nInterest / revenue TTM", "pct", 11),
        Col("compute_revenue_ttm", "算力收入TTM\nCompute revenue TTM (亿元)", "yi", 12),
        Col("compute_share_ttm", "算力占比\nCompute share TTM", "pct", 10),
        Col("compute_ttm_is_carried", "算力沿用\nCompute carried", "flag", 9),
        Col("report_missing", "缺报告\nReport missing", "flag", 9),
        Col("quarter_is_derived", "推算单季\nQ derived", "flag", 9),
        Col("is_restated", "追溯调整\nRestated", "flag", 9),
        Col("revenue_is_fallback", "营业总收入替代\nRevenue fallback", "flag", 10),
    ]

    def quarterly(self, ws) -> None:
        cols = self.QUARTERLY_COLS
        records = self.data.quarterly.records()
        for r in records:
            r["period_end_date"] = r["period_end"]
        first, last = self.table_sheet(
            ws, "季度面板 Quarterly panel — single quarter (Q) and trailing twelve months (TTM)",
            self.subtitle("every firm in the warehouse, one row per quarter; flags mark derived, carried and missing values"),
            cols, records, freeze_cols=3,
        )
        col = lambda key: self.column(cols, key)  # noqa: E731
        self.against(ws, f"{col('gross_margin_ttm')}{first}:{col('gross_margin_ttm')}{last}", self.b.gross)
        self.against(ws, f"{col('net_margin_ttm')}{first}:{col('net_margin_ttm')}{last}", self.b.net)

    SEGMENT_COLS = [
        Col("code", "代码\nCode", "code", 9),
        Col("name", "名称\nName", "upstream", 16),
        Col("period_end", "期末\nPeriod end", "date", 11),
        Col("classification", "分类\nClassification", "upstream", 12),
        Col("segment", "主营构成\nSegment (as disclosed)", "upstream", 24),
        Col("revenue", "收入\nRevenue (亿元)", "yi", 11),
        Col("cost", "成本\nCost (亿元)", "yi", 11),
        Col("gross_margin", "毛利率\nGross margin", "pct", 10),
        Col("share_of_revenue", "收入占比\nShare of revenue", "pct", 10),
        Col("is_compute", "算力\nCompute", "flag", 8),
        Col("compute_tier", "层级\nTier", "int", 6),
        Col("matched_keyword", "匹配关键词\nKeyword matched", "upstream", 12),
        Col("match_reason", "分类依据\nWhy classified", "upstream", 40),
    ]

    def segments(self, ws) -> None:
        cols = self.SEGMENT_COLS
        first, last = self.table_sheet(
            ws, "主营构成 Segments — compute classification, for audit",
            self.subtitle("cumulative H1 / FY values of the last two years; tier 1 = compute proper, 2 = IDC / cloud"),
            cols, self.data.segments.records(),
        )
        self.flagged(ws, f"{self.column(cols, 'is_compute')}{first}:{self.column(cols, 'is_compute')}{last}")

    BRIDGE_COLS = [
        Col("code", "代码\nCode", "code", 9),
        Col("name", "名称\nName", "upstream", 16),
        Col("status", "状态\nStatus", "status", 20),
        Col("gross_margin_ttm", "毛利率\nGross margin", "pct", 10),
        Col("selling_to_revenue_ttm", "− 销售费用\n− Selling", "pct", 10),
        Col("admin_to_revenue_ttm", "− 管理费用\n− Admin", "pct", 10),
        Col("rd_to_revenue_ttm", "− 研发费用\n− R&D", "pct", 10),
        Col("finance_to_revenue_ttm", "− 财务费用\n− Finance (net)", "pct", 10),
        Col("impairment_to_revenue_ttm", "− 减值损失\n− Impairment", "pct", 10),
        Col("tax_to_revenue_ttm", "− 所得税\n− Income tax", "pct", 10),
        Col("other_to_revenue_ttm", "− 其他\n− Other (residual)", "pct", 10),
        Col("net_margin_ttm", "= 净利率\n= Net margin", "pct", 10),
        Col("gross_to_net_ttm", "毛利率−净利率\nGross → net, total", "pct", 12),
    ]

    def bridge(self, ws) -> None:
        cols = self.BRIDGE_COLS
        b = self.b
        benchmark = {
            "code": None,
            "name": "基准 Benchmark",
            "gross_margin_ttm": b.gross,
            "net_margin_ttm": b.net,
            "gross_to_net_ttm": b.gross - b.net,  # the benchmark's own 40 → 20: the room for all costs below gross profit
        }
        records = [benchmark] + self.data.bridge.records()
        first, last = self.table_sheet(
            ws, f"利润率桥 Margin bridge — gross → net, share of revenue TTM, {self.data.label}",
            self.subtitle(f"the benchmark's {b.gross:.0%} → {b.net:.0%} leaves {b.gross - b.net:.0%} of revenue for "
                          "everything below gross profit; compare each firm's total"),
            cols, records,
        )
        col = lambda key: self.column(cols, key)  # noqa: E731
        self.against(ws, f"{col('gross_margin_ttm')}{first + 1}:{col('gross_margin_ttm')}{last}", b.gross)
        self.against(ws, f"{col('net_margin_ttm')}{first + 1}:{col('net_margin_ttm')}{last}", b.net)
        from openpyxl.formatting.rule import CellIsRule
        from openpyxl.styles import Font, PatternFill

        # A firm whose costs below gross profit exceed the benchmark's room cannot reach the net benchmark at 40 % gross.
        ws.conditional_formatting.add(
            f"{col('gross_to_net_ttm')}{first + 1}:{col('gross_to_net_ttm')}{last}",
            CellIsRule(operator="greaterThan", formula=[_num(b.gross - b.net)],
                       fill=PatternFill("solid", bgColor=RED_FILL), font=Font(color="9C0006")),
        )

    ECONOMICS_FIRM_COLS = [
        Col("code", "代码\nCode", "code", 9),
        Col("name", "名称\nName", "upstream", 16),
        Col("compute_share_ttm", "算力收入占比\nCompute share", "pct", 11),
        Col("compute_gross_margin_ttm", "算力毛利率\nCompute gross margin", "pct", 12),
        Col("model_gross_margin_term", "模型毛利率\nModel gross (term)", "pct", 12),
        Col("compute_gross_gap_to_model_pp", "差距\nGap to model", "pp", 11),
        Col("implied_utilization_term", "隐含利用率\nImplied utilisation (term)", "pct", 13),
        Col("implied_utilization_year1", "隐含利用率(首年)\nImplied utilisation (year 1)", "pct", 13),
        Col("da_to_revenue_ttm", "折旧/收入\nD&A / revenue (firm)", "pct", 12),
        Col("interest_to_revenue_ttm", "利息/收入\nInterest / revenue (firm)", "pct", 12),
        Col("net_margin_ttm", "净利率\nNet margin (firm)", "pct", 11),
        Col("implied_utilization_note", "说明\nNote", "text", 60),
    ]

    def economics(self, ws) -> None:
        """The model by year, what utilisation each margin needs, the sensitivity grid, then the firms beside it."""
        from openpyxl.utils import get_column_letter

        view = self.data.economics
        cols = self.ECONOMICS_FIRM_COLS
        r = view.result
        a = r.assumptions
        self.heading(
            ws, "单台GPU服务器经济性 Unit economics of one leased GPU server, and the firms beside it",
            f"Model: {view.described} · assumptions: {view.source} · amounts 元 per server, margins %",
            [c.width for c in cols], freeze="A4",
        )

        self.section(ws, f"逐年损益 P&L by year ({a.depreciation_method}), 元 per server")
        self.label_row(ws, ["Year", "Utilisation", "Revenue", "Depreciation", "Opex", "Interest", "Tax", "Net profit",
                "Gross margin", "Net margin", "D&A / revenue", "Cash flow"])
        first = None
        for y in (*r.years, r.total):
            row = self.append(ws, [
                self.cell(ws, y.year if y.year else "term", "int" if y.year else "text", font=None if y.year else self.font_bold),
                self.cell(ws, y.utilization, "pct"), self.cell(ws, y.revenue, "int"), self.cell(ws, y.depreciation, "int"),
                self.cell(ws, y.opex, "int"), self.cell(ws, y.interest, "int"), self.cell(ws, y.tax, "int"),
                self.cell(ws, y.net_profit, "int"), self.cell(ws, y.gross_margin, "pct"), self.cell(ws, y.net_margin, "pct"),
                self.cell(ws, y.depreciation / y.revenue if y.revenue else None, "pct"), self.cell(ws, y.cash_flow, "int"),
            ])
            first = first or row
        self.against(ws, f"I{first}:I{row}", self.b.gross)
        self.against(ws, f"J{first}:J{row}", self.b.net)

        shown = min(a.term_years, 9)
        self.section(ws, "折旧方法 Net margin by depreciation method (everything else unchanged)"
                + (f", first {shown} of {a.term_years} years" if shown < a.term_years else ""))
        self.label_row(ws, ["Method", *[f"Year {i + 1}" for i in range(shown)], "Payback (years)"])
        first = None
        for m in r.methods:
            row = self.append(ws, [self.cell(ws, m.method), *[self.cell(ws, v, "pct") for v in m.net_margin[:shown]],
                                   self.cell(ws, m.payback_years.value or m.payback_years.reason,
                                             "text" if m.payback_years.value is None else "dec2")])
            first = first or row
        last_col = get_column_letter(1 + shown)
        self.diverging(ws, f"B{first}:{last_col}{row}")

        self.section(ws, "所需利用率 Utilisation each target needs (held flat); payback, IRR and NPV")
        self.label_row(ws, ["Target", "Basis", "Utilisation", None, "Measure", "Value"])
        extras = [
            ("payback (years)", r.payback_years.value, r.payback_years.reason, "dec2"),
            ("IRR, project", r.irr.value, r.irr.reason, "pct"),
            (f"NPV at {a.discount_rate:.0%} (元)", r.npv, None, "int"),
        ]
        for i, q in enumerate(r.requirements):
            extra = extras[i] if i < len(extras) else None
            value = q.utilization.value
            self.append(ws, [
                self.cell(ws, q.name), self.cell(ws, "over the term" if q.basis == "term" else "year 1"),
                self.cell(ws, value if value is not None else q.utilization.reason, "pct" if value is not None else "text"),
                None,
                self.cell(ws, extra[0]) if extra else None,
                self.cell(ws, extra[1] if extra[1] is not None else extra[2], extra[3] if extra[1] is not None else "text")
                if extra else None,
            ])

        self.section(ws, "敏感性 Net margin over the term: utilisation (rows) × monthly rent in 元 (columns)")
        self.label_row(ws, ["Utilisation", *[f"{rent:,.0f}" for rent in r.grid.rent_per_month]])
        first = None
        for u, margins in zip(r.grid.utilization, r.grid.net_margin):
            row = self.append(ws, [self.cell(ws, u, "pct", font=self.font_bold), *[self.cell(ws, m, "pct") for m in margins]])
            first = first or row
        self.diverging(ws, f"B{first}:{get_column_letter(1 + len(r.grid.rent_per_month))}{row}")

        self.section(ws, f"各公司 Firms with a disclosed compute segment at {self.data.label}: their compute gross margin and "
                "the utilisation at which the model earns it")
        self.append(ws, [self.cell(ws, "D&A, interest and net margin are firm-wide (statements do not split them by "
                                       "segment); implied utilisation holds utilisation flat in the model.",
                                   font=self.font_subtitle)])
        ws.row_dimensions[self.rows[ws.title] + 1].height = 36  # before the row: a write-only sheet streams it
        header_row = self.label_row(ws, [c.header for c in cols])
        records = view.firms.records()
        for record in records:
            self.append(ws, [self._record_cell(ws, c, record) for c in cols])
        last = header_row + max(len(records), 1)
        ws.auto_filter.ref = f"A{header_row}:{get_column_letter(len(cols))}{last}"
        col = lambda key: self.column(cols, key)  # noqa: E731
        self.diverging(ws, f"{col('compute_gross_gap_to_model_pp')}{header_row + 1}:{col('compute_gross_gap_to_model_pp')}{last}")
        self.burden(ws, f"{col('implied_utilization_term')}{header_row + 1}:{col('implied_utilization_year1')}{last}")

    UNIVERSE_COLS = [
        Col("code", "代码\nCode", "code", 9),
        Col("name", "名称\nName", "upstream", 16),
        Col("exchange", "交易所\nExchange", "code", 8),
        Col("board", "板块\nBoard", "upstream", 10),
        Col("membership_source", "来源\nMembership source", "upstream", 24),
        Col("industry", "行业\nIndustry", "upstream", 14),
        Col("list_date", "上市日期\nListed", "date", 11),
        Col("first_seen", "首次纳入\nFirst seen", "date", 11),
        Col("last_seen", "最近纳入\nLast seen", "date", 11),
        Col("is_current", "当前成分\nCurrent", "flag", 8),
    ]
    CHANGE_COLS = [
        Col("snapshot_at", "快照时间\nSnapshot", "datetime", 16),
        Col("change", "变动\nChange", "text", 8),
        Col("code", "代码\nCode", "code", 9),
        Col("name", "名称\nName", "upstream", 16),
        Col("board", "板块\nBoard", "upstream", 10),
        Col("previous_size", "原成分数\nPrevious size", "int", 9),
        Col("change_share", "变动比例\nChange share", "pct", 9),
        Col("needs_review", "需复核\nNeeds review (>10 %)", "flag", 10),
    ]

    def universe(self, ws) -> None:
        """Membership on the left, changes on the right, under one frozen header row."""
        from openpyxl.utils import get_column_letter

        members, changes = self.data.universe.records(), self.data.changes.records()
        cols = self.UNIVERSE_COLS + [Col("", "", "text", 3)] + self.CHANGE_COLS
        current = sum(1 for m in members if m["is_current"])
        self.heading(ws, "成分股 Universe — membership and changes",
                     self.subtitle(f"{current} current and {len(members) - current} former members; "
                                   f"{len(changes)} changes between snapshots (right)"),
                     [c.width for c in cols], freeze=f"C{HEADER_ROW + 1}")
        ws.row_dimensions[HEADER_ROW].height = 36
        self.append(ws, [self.cell(ws, c.header, font=self.font_header, fill=self.fill_header, align=self.header_align) if c.key else None
                   for c in cols])
        for offset in range(max(len(members), len(changes))):
            left = [self.cell(ws, members[offset].get(c.key), c.kind) for c in self.UNIVERSE_COLS] if offset < len(members) \
                else [None] * len(self.UNIVERSE_COLS)
            right = [self.cell(ws, changes[offset].get(c.key), c.kind) for c in self.CHANGE_COLS] if offset < len(changes) else []
            self.append(ws, left + [None] + right)
        if not changes:
            self.append(ws, [None] * (len(self.UNIVERSE_COLS) + 1) + [self.cell(ws, "no membership change between snapshots")])
        last = HEADER_ROW + max(len(members), 1)
        ws.auto_filter.ref = f"A{HEADER_ROW}:{get_column_letter(len(self.UNIVERSE_COLS))}{last}"
        start = len(self.UNIVERSE_COLS) + 2
        review = get_column_letter(start + len(self.CHANGE_COLS) - 1)
        self.flagged(ws, f"{review}{HEADER_ROW + 1}:{review}{HEADER_ROW + max(len(changes), 1)}")

    QUALITY_COLS = [
        Col("check_name", "检查\nCheck", "text", 22),
        Col("code", "代码\nCode", "code", 9),
        Col("name", "名称\nName", "upstream", 16),
        Col("period_end", "期末\nPeriod end", "date", 11),
        Col("detail", "说明\nDetail", "upstream", 70),
    ]

    def quality(self, ws) -> None:
        """Counts first (what kind of issues, how many), then restatements and data tests, then every flagged row."""
        from openpyxl.utils import get_column_letter

        d = self.data
        widths = (22, 12, 16, 12, 70, 12, 14, 14, 14, 14, 14)
        self.heading(ws, "数据质量 Data quality — what is derived, carried, restated or missing",
                     self.subtitle("from marts.data_quality, marts.restatements and marts.fundamentals"), widths,
                     freeze="A4")

        counts = d.panel_counts
        self.section(ws, f"季度面板 Quarterly panel up to {d.label}")
        self.label_row(ws, ["Item", "Quarters", "Meaning"])
        for label, key, meaning in (
            ("quarters", "quarters", "firm-quarters in the panel"),
            ("derived quarters", "derived_quarters", "single quarters computed from YTD reports (Q2–Q4)"),
            ("missing reports", "missing_reports", "quarters without a report (values NULL)"),
            ("D&A carried", "da_carried", "D&A TTM carried from the previous H1/FY report (Q1, Q3)"),
            ("compute carried", "compute_carried", "compute-segment TTM carried from the previous H1/FY report"),
            ("restated", "restated", "reports fetched in more than one version; the latest is used"),
        ):
            self.append(ws, [self.cell(ws, label), self.cell(ws, counts.get(key), "int"), self.cell(ws, meaning)])

        self.section(ws, "检查 Checks (marts.data_quality)")
        self.label_row(ws, ["Check", "Rows", "Firms", None, "Meaning"])
        for r in d.quality_counts.records():
            self.append(ws, [self.cell(ws, r["check_name"]), self.cell(ws, r["rows"], "int"), self.cell(ws, r["firms"], "int"),
                       None, self.cell(ws, r["meaning"], "upstream")])
        if not len(d.quality_counts):
            self.append(ws, [self.cell(ws, "no flagged condition")])

        self.section(ws, "追溯调整 Restatements (marts.restatements), amounts 亿元")
        self.label_row(ws, ["Statement", "Code", "Name", "Period end", "Line", "Version", "Update date", "Previous", "Value", "Change"])
        for r in d.restatements.records():
            self.append(ws, [self.cell(ws, r["statement"]), self.cell(ws, r["code"], "code"), self.cell(ws, r["name"], "upstream"),
                       self.cell(ws, r["period_end"], "date"), self.cell(ws, r["line"], "upstream"),
                       self.cell(ws, r["version_no"], "int"), self.cell(ws, r["update_date"], "date"),
                       self.cell(ws, r["previous_value"], "yi4"), self.cell(ws, r["value"], "yi4"),
                       self.cell(ws, r["change"], "yi4")])
        if not len(d.restatements):
            self.append(ws, [self.cell(ws, "no restated report")])

        self.section(ws, "数据测试 Data tests (sql/tests) and the last run")
        self.label_row(ws, ["Test", "Result", None, None, "Meaning"])
        for name in d.data_tests:
            self.append(ws, [self.cell(ws, name), self.cell(ws, "passed"), None, None,
                       self.cell(ws, "0 offending rows: a failing data test stops the build, so a warehouse exists only "
                                     "when all pass")])
        for r in d.run_problems.records():
            self.append(ws, [self.cell(ws, r["kind"]), self.cell(ws, r["item"], "upstream"), None, None,
                       self.cell(ws, f"{r['command']} at {r['started_at']}: {r['detail']}", "upstream")])

        self.section(ws, "明细 Every flagged row")
        header_row = self.label_row(ws, [c.header for c in self.QUALITY_COLS])
        for r in d.quality.records():
            self.append(ws, [self.cell(ws, r.get(c.key), c.kind) for c in self.QUALITY_COLS])
        last_row = header_row + max(len(d.quality), 1)
        ws.auto_filter.ref = f"A{header_row}:{get_column_letter(len(self.QUALITY_COLS))}{last_row}"


def _gap_ranking(records: list[dict]) -> tuple[list[dict], int]:
    """The firms the gap chart shows (all, or both ends of the ranking) and how many have a gap."""
    ranked = [r for r in records if r["net_gap_pp"] is not None]  # the summary is ranked by the gap already
    if len(ranked) > 2 * GAP_CHART_EACH_END:
        return ranked[:GAP_CHART_EACH_END] + ranked[-GAP_CHART_EACH_END:], len(ranked)
    return ranked, len(ranked)


def _lines(text: Any, width: float) -> int:
    """Lines a wrapped text needs in a column `width` characters wide (CJK characters count twice)."""
    if text is None:
        return 1
    from pipeline.display import width as display_width

    return sum(max(1, -(-display_width(part) // max(int(width * 1.1) - 2, 1))) for part in str(text).split("\n"))


def _num(value: float) -> str:
    return repr(float(value))


def _source_text(sources: str | None) -> str:
    if not sources:
        return "unknown"
    names = {"sample": "embedded sample (fictional firms, akshare shapes)", "akshare": "akshare (EastMoney F10, 主营构成, prices)"}
    return "; ".join(names.get(s.strip(), s.strip()) for s in sources.split(","))

