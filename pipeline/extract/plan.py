"""Planning the live refresh: trading sessions, disclosure windows, what the raw layer holds, and which fetches
are missing or stale. Decided from the raw manifest only, so a rerun plans exactly what an interrupted run left."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from pipeline import codes, sources
from pipeline.periods import quarter_index
from pipeline.raw.store import RawRecord, RawStore

if TYPE_CHECKING:
    import pandas as pd

PRICE_HISTORY_START = "20200101"
SESSION_OPENS = time(9, 15)  # call auction: a snapshot after this is intraday
CLOSE_SETTLED = time(15, 30)  # EastMoney's snapshot shows the final close by then
GAP_QUARTERS = 4  # a run of this many missing quarter ends inside one payload is a truncated history, not a late report


# Fetched again when a firm files or is re-pulled; each entry is (function, whether it takes the F10 symbol).
FIRM_FUNCTIONS = (
    (sources.INCOME, True), (sources.BALANCE, True), (sources.CASHFLOW, True), (sources.SEGMENTS, True),
    (sources.SHARE_INFO, False), (sources.SHARE_CHANGES, True),
)
# Inputs added after the first release: a firm stored before has none; the plan catches them up gradually.
LATER_INPUTS = frozenset({sources.SHARE_CHANGES})


@dataclass(frozen=True)
class RefreshPolicy:
    """When `ingest_live` fetches statements again. Days are calendar days."""

    repull_every_days: int = 90  # re-pull a firm's full statement history this often, to catch restatements (0 = never)
    repull_limit: int = 10  # at most this many firms per run, oldest first, so re-pulls spread over days
    repull_all: bool = False  # re-pull every member whose statements were not fetched today (`ingest --repull`)
    disclosure_checks_per_day: int = 1  # April has two open periods (FY, Q1); checking one a day keeps the budget
    grace_days: int = 5  # keep checking a window this long after its deadline, for filings published that night
    accept_changes: bool = False  # apply a board change of more than 10 % in one day
    # a firm already stored but never asked for an input added in a later release (the share-change history):
    # at most this many such firms a run, so the first scheduled refresh after an upgrade stays within the daily
    # request budget; 0 = all at once (`leasewatch ingest`, the backfill command)
    new_inputs_per_run: int = 5


def history_flags(periods: list[date], earliest_before: date | None) -> list[str]:
    """Signs of a truncated history in one payload's quarter ends: a run of GAP_QUARTERS or more missing
    quarters between two reports, or a first period later than one stored from an earlier fetch."""
    quarters = sorted(set(periods))
    flags = []
    for before, after in zip(quarters, quarters[1:]):
        missing = quarter_index(after) - quarter_index(before) - 1
        if missing >= GAP_QUARTERS:
            flags.append(f"history_gap {before}..{after} ({missing} quarters missing)")
    if quarters and earliest_before and earliest_before < quarters[0]:
        flags.append(f"history_shrank {earliest_before}->{quarters[0]}")
    return flags


def parse_dates(values) -> list[date]:
    out = []
    for value in values:
        text = str(value)[:10]
        try:
            out.append(date.fromisoformat(text))
        except ValueError:
            continue
    return out


class TradingCalendar:
    """Shanghai/Shenzhen trading sessions (exchange_calendars XSHG); outside its range, weekdays with a warning."""

    def __init__(self):
        self._calendar = None
        self.warnings: list[str] = []

    def is_session(self, day: date) -> bool:
        calendar = self._xshg()
        if calendar.first_session.date() <= day <= calendar.last_session.date():
            return bool(calendar.is_session(day.isoformat()))
        note = f"no exchange calendar for {day.year}: weekdays are taken as trading days"
        if note not in self.warnings:
            self.warnings.append(note)
        return day.weekday() < 5

    def previous(self, day: date) -> date:
        """The last session strictly before `day`."""
        candidate = day - timedelta(days=1)
        while not self.is_session(candidate):
            candidate -= timedelta(days=1)
        return candidate

    def last_close(self, now: datetime) -> tuple[date, bool]:
        """The latest session whose close has settled, and whether a snapshot taken now still shows that close
        (False during a session, when it shows intraday prices)."""
        today = now.date()
        if self.is_session(today):
            if now.time() >= CLOSE_SETTLED:
                return today, True
            return self.previous(today), now.time() < SESSION_OPENS
        return self.previous(today), True

    def _xshg(self):
        if self._calendar is None:
            import warnings

            import exchange_calendars

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # exchange_calendars 4.13 trips a pandas 3 deprecation notice while building
                self._calendar = exchange_calendars.get_calendar("XSHG")
        return self._calendar


def disclosure_periods(day: date, grace_days: int = 5) -> list[date]:
    """Report periods whose disclosure window contains `day`: FY by Apr 30 of the next year, Q1 by Apr 30,
    H1 by Aug 31, Q3 by Oct 31; each window stays open `grace_days` after its deadline."""
    windows = []
    for year in (day.year - 1, day.year):
        windows += [
            (date(year - 1, 12, 31), date(year, 1, 1), date(year, 4, 30)),
            (date(year, 3, 31), date(year, 4, 1), date(year, 4, 30)),
            (date(year, 6, 30), date(year, 7, 1), date(year, 8, 31)),
            (date(year, 9, 30), date(year, 10, 1), date(year, 10, 31)),
        ]
    return sorted(period for period, opens, due in windows if opens <= day <= due + timedelta(days=grace_days))


def periods_to_check(day: date, policy: RefreshPolicy) -> list[date]:
    """The open periods checked today: all of them, or in turn when more are open than checks allowed."""
    periods = disclosure_periods(day, policy.grace_days)
    limit = max(policy.disclosure_checks_per_day, 0)
    if len(periods) <= limit:
        return periods
    start = day.toordinal() % len(periods)
    return [periods[(start + i) % len(periods)] for i in range(limit)]


class StoredState:
    """What the raw layer already holds for one source, read once before a run plans its fetches."""

    def __init__(self, store: RawStore, source_name: str):
        self.store = store
        self.source = source_name
        self._by_function: dict[str, list[RawRecord]] = {}
        for record in store.records():
            if record.source == source_name:
                self._by_function.setdefault(record.function, []).append(record)
        self._frames: dict[str, "pd.DataFrame"] = {}
        self._price_last: dict[tuple[str, str], tuple[date, float] | None] = {}
        self._snapshot_bars = sorted(
            self._by_function.get(sources.PRICE_SNAPSHOT, []), key=lambda r: r.args.get("trade_date", ""), reverse=True
        )

    def latest(self, function: str, args: dict) -> RawRecord | None:
        return self.store.latest(function, args, source=self.source)

    def fetched_at(self, function: str, args: dict) -> datetime | None:
        record = self.latest(function, args)
        return datetime.fromisoformat(record.fetched_at) if record else None

    def notice_date(self, code: str, period: date) -> date | None:
        """NOTICE_DATE of `period` in the latest stored income statement of the firm, or None if absent."""
        record = self.latest(sources.INCOME, {"symbol": codes.em_symbol(code)})
        if record is None or record.rows == 0:
            return None
        frame = self._read(record, ["REPORT_DATE", "NOTICE_DATE"])
        for report_date, notice in zip(frame["REPORT_DATE"], frame["NOTICE_DATE"]):
            if str(report_date)[:10] == period.isoformat():
                found = parse_dates([notice])
                return found[0] if found else None
        return None

    def last_bar(self, code: str, adjust: str) -> tuple[date, float] | None:
        """Date and close of the latest stored daily bar: from the daily histories, and for unadjusted prices
        also from the snapshot bars."""
        key = (code, adjust)
        if key not in self._price_last:
            best: tuple[date, float] | None = None
            for record in self._by_function.get(sources.PRICES, []):
                if record.args.get("symbol") == code and record.args.get("adjust", "") == adjust and record.rows:
                    best = max(filter(None, [best, self._last_row(record, code)]), default=None)
            if adjust == "":
                for record in self._snapshot_bars:  # newest first: the first one holding the stock is its latest
                    if best and record.args.get("trade_date", "") <= yyyymmdd(best[0]):
                        break
                    found = self._last_row(record, code)
                    if found:
                        best = max(filter(None, [best, found]))
                        break
            self._price_last[key] = best
        return self._price_last[key]

    def _last_row(self, record: RawRecord, code: str) -> tuple[date, float] | None:
        frame = self._read(record, ["日期", "股票代码", "收盘"])
        rows = frame[(frame["股票代码"].astype(str) == code) & frame["收盘"].notna()]
        if rows.empty:
            return None
        last = rows.loc[rows["日期"].map(lambda d: str(d)[:10]).idxmax()]
        return date.fromisoformat(str(last["日期"])[:10]), float(last["收盘"])

    def _read(self, record: RawRecord, columns: list[str]) -> "pd.DataFrame":
        if record.path not in self._frames:
            self._frames[record.path] = self.store.read(record)
        frame = self._frames[record.path]
        return frame[[c for c in columns if c in frame.columns]]


@dataclass
class Task:
    function: str
    args: dict
    why: str


def holds_filing(state: StoredState, code: str, period: date, published: date) -> bool:
    notice = state.notice_date(code, period)
    return notice is not None and notice >= published


def fetched_before(state: StoredState, code: str, day: date) -> bool:
    """Some of the firm's data was last fetched before `day` (a refresh interrupted half way)."""
    for function, takes_symbol in FIRM_FUNCTIONS:
        fetched = state.fetched_at(function, {"symbol": codes.em_symbol(code) if takes_symbol else code})
        if fetched is not None and fetched.date() < day:
            return True
    return False


def plan_fetches(members, now, session, policy, state, filed, covered) -> dict[str, list[Task]]:
    """Per firm, the fetches that are missing or stale. Decided from the raw manifest only, so a rerun after an
    interruption plans exactly what the first run did not finish."""
    today = now.date()
    repull = _repull_due(members, now, policy, state)
    plan: dict[str, list[Task]] = {}
    new_inputs = 0
    for code in sorted(members):
        tasks = []
        known = state.fetched_at(sources.INCOME, {"symbol": codes.em_symbol(code)}) is not None
        for function, takes_symbol in FIRM_FUNCTIONS:
            args = {"symbol": codes.em_symbol(code) if takes_symbol else code}
            fetched = state.fetched_at(function, args)
            if fetched is None and known and function in LATER_INPUTS and code not in filed and code not in repull:
                # stored before this input existed: caught up a few firms a run (or all with new_inputs_per_run=0)
                if policy.new_inputs_per_run and new_inputs >= policy.new_inputs_per_run:
                    continue
                new_inputs += 1
                tasks.append(Task(function, args, "new"))
            elif fetched is None:
                tasks.append(Task(function, args, "new"))
            elif code in filed and _stale_after_filing(state, code, filed[code], fetched, today):
                tasks.append(Task(function, args, "filed"))
            elif code in repull and fetched < repull[code]:
                tasks.append(Task(function, args, "repull"))
        unadjusted = state.last_bar(code, "")
        append = code not in covered and unadjusted is not None and unadjusted[0] < session
        for adjust in ("", "hfq"):
            previous = state.last_bar(code, adjust)
            end = yyyymmdd(session)
            if previous is None:
                tasks.append(Task(sources.PRICES, hist_args(code, PRICE_HISTORY_START, end, adjust), "new"))
            elif append and previous[0] < session:
                # from the last stored day, so the overlap shows the history continues where it left off
                tasks.append(Task(sources.PRICES, hist_args(code, yyyymmdd(previous[0]), end, adjust), "prices"))
        if tasks:
            plan[code] = tasks
    return plan


def _stale_after_filing(
    state: StoredState, code: str, filing: tuple[date, date], fetched: datetime, today: date
) -> bool:
    """Fetched before the filing; or after it but EastMoney did not carry it yet (then again on a later day,
    never twice a day)."""
    period, published = filing
    if fetched.date() < published:
        return True
    return fetched.date() < today and not holds_filing(state, code, period, published)


def _repull_due(members, now, policy, state) -> dict[str, datetime]:
    """Firms whose statements are due for a full re-pull → the time before which a fetch counts as stale."""
    if policy.repull_all:
        cutoff = datetime.combine(now.date(), time.min)
        return {code: cutoff for code in members}
    if policy.repull_every_days <= 0:
        return {}
    cutoff = now - timedelta(days=policy.repull_every_days)
    due = []
    for code in members:
        fetched = state.fetched_at(sources.INCOME, {"symbol": codes.em_symbol(code)})
        if fetched is not None and fetched < cutoff:
            due.append((fetched, code))
    return {code: cutoff for _, code in sorted(due)[: max(policy.repull_limit, 0)]}


def hist_args(code: str, start: str, end: str, adjust: str) -> dict:
    return {"symbol": code, "period": "daily", "start_date": start, "end_date": end, "adjust": adjust}


def yyyymmdd(day: date) -> str:
    return day.strftime("%Y%m%d")
