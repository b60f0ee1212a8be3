"""China's wall clock: trading days, filings, report folders and the schedule follow it, whatever the machine's zone.

Modules call `clock.china_now()` through this module, so a test can set the time in one place.
"""

from __future__ import annotations

from datetime import datetime

CHINA_TZ = "Asia/Shanghai"


def china_now() -> datetime:
    """Current time in China (Asia/Shanghai), naive."""
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo(CHINA_TZ)).replace(tzinfo=None)


def china_text() -> str:
    """Now, to the second, labelled: '2026-11-24 18:30:00 China time'."""
    return china_now().replace(microsecond=0).isoformat(sep=" ") + " China time"
