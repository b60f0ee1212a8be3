"""The Universe sheet: membership on the left, changes between snapshots on the right."""

from __future__ import annotations

from pipeline.reports.excel.book import HEADER_ROW, Book, Col, columns
from pipeline.reports.excel.rules import flagged


UNIVERSE_COLS = columns("universe")


CHANGE_COLS = columns("change")


def universe(book: Book, ws) -> None:
    """Membership on the left, changes on the right, under one frozen header row."""
    from openpyxl.utils import get_column_letter

    members, changes = book.data.universe.records(), book.data.changes.records()
    cols = UNIVERSE_COLS + [Col("", "", "text", 3)] + CHANGE_COLS
    current = sum(1 for m in members if m["is_current"])
    book.heading(ws, "成分股 Universe — membership and changes",
                 book.subtitle(f"{current} current and {len(members) - current} former members; "
                               f"{len(changes)} changes between snapshots (right)"),
                 [c.width for c in cols], freeze=f"C{HEADER_ROW + 1}")
    ws.row_dimensions[HEADER_ROW].height = 36
    book.append(ws, [book.cell(ws, c.header, font=book.font_header, fill=book.fill_header, align=book.header_align) if c.key else None
               for c in cols])
    for offset in range(max(len(members), len(changes))):
        left = [book.cell(ws, members[offset].get(c.key), c.kind) for c in UNIVERSE_COLS] if offset < len(members) \
            else [None] * len(UNIVERSE_COLS)
        right = [book.cell(ws, changes[offset].get(c.key), c.kind) for c in CHANGE_COLS] if offset < len(changes) else []
        book.append(ws, left + [None] + right)
    if not changes:
        book.append(ws, [None] * (len(UNIVERSE_COLS) + 1) + [book.cell(ws, "no membership change between snapshots")])
    last = HEADER_ROW + max(len(members), 1)
    ws.auto_filter.ref = f"A{HEADER_ROW}:{get_column_letter(len(UNIVERSE_COLS))}{last}"
    start = len(UNIVERSE_COLS) + 2
    review = get_column_letter(start + len(CHANGE_COLS) - 1)
    flagged(ws, f"{review}{HEADER_ROW + 1}:{review}{HEADER_ROW + max(len(changes), 1)}")
