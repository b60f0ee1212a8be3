"""Report periods as users type them: `2024Q3`, `2024-09-30`, `latest`."""

from __future__ import annotations

import re
from datetime import date

from pipeline.errors import UsageError

_QUARTER_END = {1: (3, 31), 2: (6, 30), 3: (9, 30), 4: (12, 31)}


def parse_period(text: str | None) -> date | None:
    """A quarter end for `2024Q3` / `2024q3` / `2024-09-30`; None for `latest` (or no value)."""
    if text is None or text.strip().lower() == "latest":
        return None
    value = text.strip()
    match = re.fullmatch(r"(\d{4})[Qq]([1-4])", value)
    if match:
        month, day = _QUARTER_END[int(match.group(2))]
        return date(int(match.group(1)), month, day)
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        parsed = None
    if parsed and is_quarter_end(parsed):
        return parsed
    raise UsageError(
        f"'{text}' is not a report period",
        "use a quarter like 2024Q3, a quarter end like 2024-09-30, or latest",
    )


def label(period: date) -> str:
    """`2024Q3` for 2024-09-30."""
    return f"{period.year}Q{(period.month - 1) // 3 + 1}"


def is_quarter_end(day: date) -> bool:
    """True for 03-31, 06-30, 09-30 and 12-31."""
    return (day.month, day.day) in _QUARTER_END.values()


def quarter_index(day: date) -> int:
    """Quarters since year 0, so two quarters' difference counts the quarters between them."""
    return day.year * 4 + (day.month - 1) // 3
