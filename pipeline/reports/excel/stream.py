"""Rows of finished cells, serialised straight to the sheet's XML: openpyxl's write-only worksheet without its per-cell
objects.

openpyxl's write-only mode still builds a `WriteOnlyCell` for every value, binds and type-checks it twice, hashes its
style at write and streams it through five nested XML contexts: about 25 µs a cell, most of the workbook's time
(the demo's 250,000 cells: 4 s of a 6 s report). Here a cell is a `Cell` (value, type, style id), decided once by
`Book.cell`, and a row is one lxml element written whole. What reaches the file is what openpyxl writes for the
same cells (`tests/test_report_stream.py` compares every sheet's canonical XML with openpyxl's own writer).

Only what the workbook uses is supported: values (text as inline strings, numbers, booleans, dates) with a style, and
row heights; no comments, hyperlinks or formulas (a text is never a formula: see `Book.cell`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, NamedTuple

from lxml.etree import Element, SubElement
from openpyxl.cell import WriteOnlyCell
from openpyxl.compat import safe_string
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet._writer import WorksheetWriter

PRESERVE = {"{http://www.w3.org/XML/1998/namespace}space": "preserve"}  # a text with leading or trailing blanks
LETTERS = [""] + [get_column_letter(i) for i in range(1, 257)]


class Cell(NamedTuple):
    """One finished cell: its value (already converted for Excel), openpyxl's data type ('s' text, 'n' number,
    'b' boolean, 'd' date) and its style id in the workbook ('' for the default style)."""

    value: Any
    data_type: str
    style: str


def data_type(value: Any) -> str:
    """openpyxl's type for a converted value; text is always 's' (never a formula or an error code)."""
    if isinstance(value, str):
        return "s"
    if isinstance(value, bool):
        return "b"
    if isinstance(value, (date, datetime)):
        return "d"
    return "n"


def style_id(wb, style_array) -> str:
    """A style's id in the workbook, as openpyxl writes it (`s`): '' when every part is the default."""
    return str(wb._cell_styles.add(style_array)) if any(style_array) else ""


class Sheet(WriteOnlyWorksheet):
    """A write-only worksheet whose appended rows are lists of `Cell` or None, written as they come."""

    def _values_to_row(self, values, row_idx):
        return values

    def _get_writer(self):
        if self._writer is None:
            self._writer = _Writer(self)
            self._writer.write_top()


class Reference(WriteOnlyWorksheet):
    """openpyxl's own write-only worksheet fed the same rows of `Cell`: each becomes the `WriteOnlyCell` openpyxl
    would have made (the tests' reference writer, five times slower)."""

    def _values_to_row(self, values, row_idx):
        return super()._values_to_row([openpyxl_cell(self, cell) for cell in values], row_idx)


def add_sheet(wb, title: str, *, stock: bool = False) -> Sheet | Reference:
    """A new sheet at the end of a write-only workbook (what `wb.create_sheet` does for its own kind): a `Sheet`,
    or with `stock` a `Reference`."""
    ws = (Reference if stock else Sheet)(parent=wb, title=title)
    wb._add_sheet(ws)
    return ws


class _Writer(WorksheetWriter):
    def write_row(self, xf, row, row_idx):
        """What openpyxl's `write_row` and `lxml_write_cell` write for these cells, as one element."""
        suffix = str(row_idx)
        attrs = {"r": suffix}
        attrs.update(self.ws.row_dimensions.get(row_idx, {}))
        element = Element("row", attrs)
        epoch = self.ws.parent.epoch
        for column, cell in enumerate(row, 1):
            if cell is None:
                continue
            value, kind, style = cell
            attrs = {"r": LETTERS[column] + suffix} if column < len(LETTERS) else {"r": get_column_letter(column) + suffix}
            if style:
                attrs["s"] = style
            if kind == "s":
                attrs["t"] = "inlineStr"
            elif kind == "d":
                attrs["t"] = "n"
                value = to_excel(value, epoch)
            else:
                attrs["t"] = kind
            c = SubElement(element, "c", attrs)
            if value is None or value == "":
                continue
            if kind == "s":
                SubElement(SubElement(c, "is"), "t", PRESERVE if value != value.strip() else {}).text = value
            else:
                SubElement(c, "v").text = safe_string(value)
        xf.write(element)


def openpyxl_cell(ws, cell: Cell | None):
    """The same cell as openpyxl's own `WriteOnlyCell`, its style array taken from the workbook's list by id."""
    from copy import copy

    if cell is None:
        return None
    out = WriteOnlyCell(ws, value=cell.value)
    out.data_type = cell.data_type
    if cell.style:
        out._style = copy(ws.parent._cell_styles[int(cell.style)])
    return out
