"""Plain-text tables and number formats for the terminal. Chinese characters count as two columns."""

from __future__ import annotations

import csv
import io
import json
import math
import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal

SAMPLE_BANNER = "SAMPLE — built from the embedded fictional sample (示例), not real company data"


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, size: int, right: bool = False) -> str:
    fill = " " * max(size - width(text), 0)
    return fill + text if right else text + fill


def cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return f"{value:,.4f}".rstrip("0").rstrip(".") if abs(value) < 1e6 else f"{value:,.0f}"
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


def table(columns: list[str], rows: list[tuple], *, right_align_numbers: bool = True) -> str:
    texts = [[cell(v) for v in row] for row in rows]
    widths = [max([width(c)] + [width(r[i]) for r in texts]) for i, c in enumerate(columns)]
    numeric = [
        right_align_numbers and all(isinstance(row[i], (int, float, Decimal)) or row[i] is None for row in rows)
        for i in range(len(columns))
    ]
    lines = [
        "  ".join(pad(c, w, n) for c, w, n in zip(columns, widths, numeric)).rstrip(),
        "  ".join("-" * w for w in widths),
    ]
    for r in texts:
        lines.append("  ".join(pad(v, w, n) for v, w, n in zip(r, widths, numeric)).rstrip())
    return "\n".join(lines)


# A text cell that a spreadsheet would run as a formula when the CSV is opened (=cmd|' /C calc'!A0, +…, -…, @…, or a
# leading tab or carriage return) gets a leading apostrophe (OWASP's CSV injection advice); a number stays a number.
# The patterns are written for both Python's re and DuckDB's RE2: build/export.py applies them in SQL.
FORMULA_PATTERN = r"^[=+\-@\t\r]"
NUMBER_PATTERN = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$"
_FORMULA, _NUMBER = re.compile(FORMULA_PATTERN), re.compile(NUMBER_PATTERN)


def spreadsheet_safe(text: str) -> str:
    return "'" + text if _FORMULA.match(text) and not _NUMBER.match(text) else text


def csv_cell(value) -> str:
    """A value as CSV text: full precision, no thousands separators; NULL/NaN/±inf empty; text made inert."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (int, float, Decimal)):
        return str(value)
    return spreadsheet_safe(str(value))


def to_csv(columns: list[str], rows: list[tuple]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([spreadsheet_safe(c) for c in columns])
    writer.writerows([[csv_cell(v) for v in row] for row in rows])
    return buffer.getvalue().rstrip("\n")


def json_value(value):
    """A value JSON can hold: NaN and ±inf (which json.dumps writes as invalid NaN/-Infinity) become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return json_value(float(value))
    if isinstance(value, dict):
        return {k: json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    return value


def to_json(columns: list[str], rows: list[tuple]) -> str:
    rows_out = [{c: json_value(v) for c, v in zip(columns, row)} for row in rows]
    return json.dumps(rows_out, ensure_ascii=False, indent=1, allow_nan=False)


def pct(value, digits: int = 1) -> str:
    """0.4123 → '41.2%'; NULL → '–'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value * 100:.{digits}f}%"


def pp(value) -> str:
    """A gap in percentage points: +3.2pp / −12.0pp."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:+.1f}pp"


def yi(value) -> str:
    """元 → 亿元 with two decimals."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value / 1e8:,.2f}"


def sql_quote(text: str) -> str:
    """A value for a single-quoted SQL string literal (DuckDB): quotes doubled."""
    return text.replace("'", "''")
