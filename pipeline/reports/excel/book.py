"""Workbook helpers shared by every sheet: the styles, one styled cell, the title rows, label rows and tables.

Streams rows (openpyxl write-only mode, each row serialised whole by stream.py) so a full-market universe stays
within memory. Amounts are shown in 亿元
(the marts hold 元), ratios as % with one decimal, gaps in pp. Text that comes from upstream (company and segment
names, details) is always written as a string cell, never as a formula.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any, Iterable

from pipeline import periods
from pipeline.display import SAMPLE_BANNER
from pipeline.reports.data import ReportData
from pipeline.reports.definitions import STATUS_COLOURS, STATUS_LABELS
from pipeline.reports.excel.stream import Cell, data_type, style_id

HEADER_ROW = 4  # rows 1–3: title, subtitle, SAMPLE banner
YI = 1e8  # 元 per 亿元
MAX_CELL_TEXT = 32_767  # Excel's limit for one cell
# A text beginning with one of these is a formula (or becomes one when a user edits the cell) in Excel and LibreOffice.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")

FORMATS = {
    "yi": "#,##0.00",
    "yi4": "#,##0.0000",
    "pct": "0.0%",
    "pp": '+0.0" pp";-0.0" pp";0.0" pp"',
    "int": "#,##0",
    "dec2": "0.00",
    "x": '0.00"×"',
    "days": '#,##0" d"',
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


COLUMNS_FILE = Path(__file__).with_name("columns.csv")


@cache
def _catalogue() -> dict[str, tuple[Col, ...]]:
    tables: dict[str, list[Col]] = {}
    with open(COLUMNS_FILE, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            width = float(row["width"])
            tables.setdefault(row["table"], []).append(
                Col(row["key"], f"{row['header_zh']}\n{row['header_en']}", row["kind"], int(width) if width.is_integer() else width))
    return {name: tuple(cols) for name, cols in tables.items()}


def columns(table: str) -> list[Col]:
    """A sheet's columns in order, from columns.csv: one bilingual header, value kind and width per row."""
    return list(_catalogue()[table])


class Book:
    """The workbook being written, its data and styles; each sheet is a function taking the book."""

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
        self._styles: dict[tuple, str] = {}  # (kind, font, fill, align, risky) → style id

    def append(self, ws, cells: list, *, wrapped: Iterable[tuple[Any, float]] = ()) -> int:
        """Append one row of `cell`s (or None); returns its row number (write-only sheets do not tell). `wrapped`
        lists (text, column width) of wrapping cells: the row gets the height they need, since not every
        spreadsheet fits it on open."""
        lines = max([wrapped_lines(text, width) for text, width in wrapped] + [1])
        if lines > 1:
            ws.row_dimensions[self.rows.get(ws.title, 0) + 1].height = 12.5 * lines
        ws.append(cells)
        self.rows[ws.title] = self.rows.get(ws.title, 0) + 1
        return self.rows[ws.title]

    def cell(self, ws, value: Any, kind: str = "text", *, font=None, fill=None, align=None) -> Cell | None:
        """One styled cell, or None for an empty unfilled one. Upstream text is a string cell even when it starts
        like a formula."""
        value = self._convert(value, kind)
        if value is None and fill is None:
            return None
        risky = isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)
        if align is None and kind in ("flag", "code", "period", "date"):
            align = self.center
        # Styling a cell hashes every style object: each combination is styled once, the first time it is met.
        key = (kind, id(font), id(fill), id(align), risky)
        style = self._styles.get(key)
        if style is None:
            self._styles[key] = style = self._style(ws, value, kind, font, fill, align, risky)
        return Cell(value, data_type(value), style)

    def _style(self, ws, value, kind: str, font, fill, align, risky: bool) -> str:
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(ws, value=value)  # a date value gives the cell a date format unless `kind` has one
        if kind in FORMATS:
            cell.number_format = FORMATS[kind]
        cell.font = font or self.font_body
        if fill is not None:
            cell.fill = fill
        if align is not None:
            cell.alignment = align
        if risky:
            cell.quotePrefix = True  # stays text when a user edits the cell in Excel
        return style_id(self.wb, cell._style)

    @staticmethod
    def _convert(value: Any, kind: str):
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        if value is None:
            return "not checked" if kind == "check" else None
        if kind in ("yi", "yi4"):
            return value / YI  # 元 → 亿元
        if kind == "flag":
            return "yes" if value else None
        if kind == "check":  # a screen flag: raised, clear, or not checked (its inputs are missing)
            return "yes" if value else "no"
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

    def label_row(self, ws, names: Iterable[str | None]) -> int:
        """A row of white-on-navy column labels; returns its row number."""
        return self.append(ws, [self.cell(ws, h, font=self.font_header, fill=self.fill_header, align=self.header_align)
                                for h in names])

    def section(self, ws, title: str) -> None:
        """A blank row, then a section title."""
        self.append(ws, [])
        self.append(ws, [self.cell(ws, title, font=self.font_section)])

    def table_sheet(self, ws, title: str, subtitle: str, cols: list[Col], records: list[dict], *, freeze_cols: int = 2,
                    empty: str = "no rows for this period") -> tuple[int, int]:
        """A titled table with frozen header row and first columns, and an autofilter. Returns (first, last) data rows
        (last < first when there are none: a row then says so, `empty` giving why)."""
        from openpyxl.utils import get_column_letter

        self.heading(ws, title, subtitle, [c.width for c in cols], freeze=f"{get_column_letter(freeze_cols + 1)}{HEADER_ROW + 1}")
        ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
        header_row, last = self.table(ws, cols, records, empty=empty)
        return header_row + 1, last

    def table(self, ws, cols: list[Col], records: list[dict], *, tall_header: bool = True,
              empty: str = "no rows for this period") -> tuple[int, int]:
        """A label row of the columns' headers (36 pt tall unless `tall_header` is False), one row per record, and an
        autofilter over them; with no records, one row saying so (`empty`: why). Returns (header row, last data
        row); with no records last = header row, so `cells` gives no range to format."""
        from openpyxl.utils import get_column_letter

        if tall_header:
            ws.row_dimensions[self.rows.get(ws.title, 0) + 1].height = 36  # before the row: a write-only sheet streams it
        header_row = self.label_row(ws, [c.header for c in cols])
        for record in records:
            self.append(ws, [self.record_cell(ws, c, record) for c in cols])
        if not records:
            self.nothing(ws, empty)
            ws.auto_filter.ref = f"A{header_row}:{get_column_letter(len(cols))}{header_row + 1}"
            return header_row, header_row
        last = header_row + len(records)
        ws.auto_filter.ref = f"A{header_row}:{get_column_letter(len(cols))}{last}"
        return header_row, last

    def nothing(self, ws, why: str) -> int:
        """A row saying, in place of a table's rows, that there is nothing to show and why."""
        return self.append(ws, [self.cell(ws, f"没有数据 Nothing to show: {why}", font=self.font_subtitle)])

    def record_cell(self, ws, col: Col, record: dict):
        if col.kind == "status":
            return self.status_cell(ws, record.get(col.key))
        return self.cell(ws, record.get(col.key), col.kind)

    def subtitle(self, extra: str = "") -> str:
        b = self.b
        text = (
            f"As of {self.data.label} ({self.data.period.isoformat()}), TTM unless marked Q · benchmark gross "
            f"{b.gross:.0%} / net {b.net:.0%} · amounts 亿元, ratios %, gaps pp · data cut-off {self.data.info.get('data_cut_off')}"
        )
        return f"{text} · {extra}" if extra else text


def cells(cols: list[Col], key: str, first: int, last: int, to_key: str | None = None) -> str | None:
    """The range of `key`'s column (through `to_key`'s) from row `first` to `last`; None when there are no rows."""
    if last < first:
        return None
    return f"{column(cols, key)}{first}:{column(cols, to_key or key)}{last}"


def column(cols: list[Col], key: str) -> str:
    """The column letter of `key` among `cols`."""
    from openpyxl.utils import get_column_letter

    return get_column_letter([c.key for c in cols].index(key) + 1)


def wrapped_lines(text: Any, width: float) -> int:
    """Lines a wrapped text needs in a column `width` characters wide (CJK characters count twice)."""
    if text is None:
        return 1
    from pipeline.display import width as display_width

    return sum(max(1, -(-display_width(part) // max(int(width * 1.1) - 2, 1))) for part in str(text).split("\n"))
