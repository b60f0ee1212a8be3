"""The simulation's calendar: trading days, quarter indexes, report names."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

from pipeline.sources.sample.universe import FIRST_SIM_YEAR, LAST_SIM_YEAR

if TYPE_CHECKING:
    import numpy as np

_SPRING_FESTIVAL = {
    2010: (2, 14), 2011: (2, 3), 2012: (1, 23), 2013: (2, 10), 2014: (1, 31), 2015: (2, 19), 2016: (2, 8),
    2017: (1, 28), 2018: (2, 16), 2019: (2, 5), 2020: (1, 25), 2021: (2, 12), 2022: (2, 1), 2023: (1, 22),
    2024: (2, 10), 2025: (1, 29), 2026: (2, 17), 2027: (2, 6), 2028: (1, 26), 2029: (2, 13), 2030: (2, 3),
}
_DRAGON_BOAT = {
    2010: (6, 16), 2011: (6, 6), 2012: (6, 23), 2013: (6, 12), 2014: (6, 2), 2015: (6, 20), 2016: (6, 9),
    2017: (5, 30), 2018: (6, 18), 2019: (6, 7), 2020: (6, 25), 2021: (6, 14), 2022: (6, 3), 2023: (6, 22),
    2024: (6, 10), 2025: (5, 31), 2026: (6, 19), 2027: (6, 9), 2028: (5, 28), 2029: (6, 16), 2030: (6, 5),
}
_MID_AUTUMN = {
    2010: (9, 22), 2011: (9, 12), 2012: (9, 30), 2013: (9, 19), 2014: (9, 8), 2015: (9, 27), 2016: (9, 15),
    2017: (10, 4), 2018: (9, 24), 2019: (9, 13), 2020: (10, 1), 2021: (9, 21), 2022: (9, 10), 2023: (9, 29),
    2024: (9, 17), 2025: (10, 6), 2026: (9, 25), 2027: (9, 15), 2028: (10, 3), 2029: (9, 22), 2030: (9, 12),
}


def _holidays(year: int) -> set[date]:
    days = {date(year, 1, 1)}
    spring = date(year, *_SPRING_FESTIVAL[year])
    days |= {spring + timedelta(days=k) for k in range(-1, 6)}
    days.add(date(year, 4, 4 if year % 4 in (0, 1) else 5))  # Qingming
    days |= {date(year, 5, d) for d in range(1, 6)}
    days.add(date(year, *_DRAGON_BOAT[year]))
    days.add(date(year, *_MID_AUTUMN[year]))
    days |= {date(year, 10, d) for d in range(1, 8)}
    return days


@lru_cache(maxsize=1)
def trading_days() -> tuple["np.ndarray", tuple[date, ...]]:
    """Every trading day of the simulation as datetime64[D] and as datetime.date (the form akshare returns)."""
    import numpy as np

    days = np.arange(np.datetime64(f"{FIRST_SIM_YEAR}-01-01"), np.datetime64(f"{LAST_SIM_YEAR + 1}-01-01"))
    weekday = (days.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday
    holidays = sorted(d for y in range(FIRST_SIM_YEAR, LAST_SIM_YEAR + 1) for d in _holidays(y))
    closed = np.array(holidays, dtype="datetime64[D]")
    days = days[(weekday < 5) & ~np.isin(days, closed)]
    return days, tuple(days.astype(object))


def quarter_end(t: int) -> date:
    year, q = FIRST_SIM_YEAR + t // 4, t % 4
    return date(year, 3 * q + 3, 31 if q in (0, 3) else 30)


def qidx(year: int, quarter: int) -> int:
    return (year - FIRST_SIM_YEAR) * 4 + quarter - 1


def weekday_on_or_before(day: date) -> date:
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


REPORT_TYPE = ("一季报", "中报", "三季报", "年报")
GOING_CONCERN = "带持续经营重大不确定性段落的无保留意见"
CLEAN = "标准无保留意见"
