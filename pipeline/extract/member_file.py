"""Member lists users export from 同花顺, 东方财富, Wind or keep by hand (CSV or XLSX): read into code → name."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from pipeline import codes
from pipeline.errors import UsageError

# Header names seen in exports from 同花顺, 东方财富, Wind and spreadsheets people keep by hand.
_CODE_HEADERS = ("代码", "证券代码", "股票代码", "code", "symbol", "ts_code", "ticker")
_NAME_HEADERS = ("名称", "证券名称", "股票名称", "股票简称", "证券简称", "简称", "name")


def read_member_file(path: Path) -> tuple[dict[str, str], int]:
    """code → name from an exported member list, and how many rows were skipped as not listing a stock
    (blank lines, footers such as 数据来源). Tolerates: codes with or without exchange suffix or prefix, leading
    zeros lost by Excel, ="002230" quoting, a BOM, GBK/GB18030 or UTF-16 text, title rows above the header,
    and extra columns."""
    if not path.is_file():
        raise UsageError(f"no file {path}", "give the path of a CSV or XLSX export with 代码 and 名称 columns")
    rows = _read_rows(path)
    header_at = next((i for i, row in enumerate(rows[:20]) if _find(row, _CODE_HEADERS) is not None), None)
    if header_at is None:
        first = [c for c in (rows[0] if rows else []) if c][:8]
        raise UsageError(
            f"{path.name} has no code column (代码); its first row is {first}",
            "export the board with its 代码 and 名称 columns, or name the columns so",
        )
    header = rows[header_at]
    code_at, name_at = _find(header, _CODE_HEADERS), _find(header, _NAME_HEADERS)
    members: dict[str, str] = {}
    first_line: dict[str, int] = {}
    bad, clashes, skipped = [], [], 0
    for line, row in enumerate(rows[header_at + 1 :], start=header_at + 2):
        raw = row[code_at].strip().strip("=").strip('"').strip("'").strip() if code_at < len(row) else ""
        if not re.search(r"\d", raw) or re.search(r"[\u4e00-\u9fff]", raw):
            skipped += 1  # a blank row, or a note such as 数据来源：同花顺 2025-06-03
            continue
        try:
            code = codes.normalize_code(raw)
            codes.exchange_of(code)
        except UsageError:
            bad.append(f"line {line}: {raw!r}")
            continue
        name = (row[name_at].strip() if name_at is not None and name_at < len(row) else "") or None
        if code in members and name and members[code] and name != members[code]:
            # the same code under two names: one of them is a typo or a stale row, and guessing which is not ours
            clashes.append(f"{code} is {members[code]!r} on line {first_line[code]} and {name!r} on line {line}")
            continue
        if code not in members or not members[code]:
            members[code], first_line[code] = name, line
    if clashes:
        raise UsageError(
            f"{path.name} lists {len(clashes)} codes under two names ({'; '.join(clashes[:3])}{' …' if len(clashes) > 3 else ''})",
            "keep one row per code (the same code twice with the same name is fine) and import again",
        )
    if bad:
        raise UsageError(
            f"{path.name}: {len(bad)} rows do not hold an A-share code ({'; '.join(bad[:5])}{' …' if len(bad) > 5 else ''})",
            "fix or delete those rows and import again",
        )
    if not members:
        raise UsageError(f"{path.name} lists no stocks under its {header[code_at]!r} column", "check the file")
    return members, skipped


def _read_rows(path: Path) -> list[list[str]]:
    """Every row as text cells. Excel files through pandas; anything else (and .xls files that are really
    text, as some terminals export) as delimited text."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm", ".xls"):
        import pandas as pd

        try:
            frame = pd.read_excel(path, header=None, dtype=object)
        except Exception as exc:
            if suffix != ".xls":
                raise UsageError(f"cannot read {path.name} as Excel: {exc}", "save it again as .xlsx or .csv") from exc
        else:
            return [["" if v is None or v != v else _cell(v) for v in row] for row in frame.itertuples(index=False)]
    text = _decode(path.read_bytes(), path)
    try:
        delimiter = csv.Sniffer().sniff(text[:4096], delimiters=",\t;|").delimiter
    except csv.Error:
        delimiter = ","
    return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


def _cell(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a code Excel stored as a number: 2230.0 → 2230 (zeros are restored later)
    return str(value).strip()


def _decode(data: bytes, path: Path) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UsageError(f"{path.name} is neither UTF-8 nor GBK text", "save it again as CSV (UTF-8) or XLSX")


def _find(row: list[str], names: tuple[str, ...]) -> int | None:
    cleaned = [str(c).strip().lstrip("\ufeff").lower() for c in row]
    for name in names:
        if name.lower() in cleaned:
            return cleaned.index(name.lower())
    return None
