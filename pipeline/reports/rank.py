"""Rankings too long to chart: all of the rows, or both ends of them. Shared by the workbook and the HTML page."""

from __future__ import annotations

from typing import TypeVar

T = TypeVar("T")


def both_ends(rows: list[T], limit: int, each_end: int) -> list[T]:
    """All `rows` up to `limit` of them, else the first and the last `each_end` (the order is kept)."""
    if len(rows) <= limit:
        return rows
    return rows[:each_end] + rows[-each_end:]
