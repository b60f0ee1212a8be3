"""Extraction: ask a source for the frames the models need and store each one in the raw layer as fetched.

The embedded sample, test fixtures and the live akshare source go through the same functions here:
- `ingest_board` fetches everything for a board's members (the sample replays its vintages this way);
- `ingest_live` is the incremental, resumable refresh of a live universe. It decides from the raw manifest what
  is missing or stale, so a rerun after an interruption fetches only that:
    * the day's bars come from one market snapshot (the EastMoney board's constituents, or the exchanges' spot
      lists for an imported universe), not one request per stock; a stock whose previous close does not match
      the snapshot's 昨收 (ex-rights day, or a day we missed) gets its daily history appended instead;
    * statements and segments are fetched for new members, for firms that filed in the current disclosure
      window (detected with one market-wide `stock_yysj_em` call), and on a slow re-pull cadence that catches
      restatements. Outside disclosure windows a daily run fetches no statements.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Callable

from pipeline import codes, sources
from pipeline.errors import EmptyResultError, LeasewatchError, SchemaDriftError, SourceBlockedError, UsageError
from pipeline.extract.common import call, fetch, keep, refuse_sample_mix
from pipeline.raw.store import RawRecord, RawStore
from pipeline.sources import args_text

if TYPE_CHECKING:
    import pandas as pd

PRICE_HISTORY_START = "20200101"
SESSION_OPENS = time(9, 15)  # call auction: a snapshot after this is intraday
CLOSE_SETTLED = time(15, 30)  # EastMoney's snapshot shows the final close by then
SAMPLE_STAMP = "sample_ingested.json"  # in the raw folder: which sample the raw layer holds (see ingest_sample)
GAP_QUARTERS = 4  # a run of this many missing quarter ends inside one payload is a truncated history, not a late report
PRICE_TOLERANCE = 0.006  # prices are quoted to the fen; a previous close that differs by more is not the same close

# Fetched again when a firm files or is re-pulled; each entry is (function, whether it takes the F10 symbol).
_FIRM_FUNCTIONS = (
    (sources.INCOME, True), (sources.BALANCE, True), (sources.CASHFLOW, True), (sources.SEGMENTS, True),
    (sources.SHARE_INFO, False),
)


@dataclass
class IngestReport:
    """What one ingest did: counts for the log and the run table, failures by symbol, warnings."""

    calls: int = 0
    new_versions: int = 0
    unchanged: int = 0
    members: list[str] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    plan: dict[str, int] = field(default_factory=dict)
    session: date | None = None
    pending_change: str | None = None
    already_stored: int = 0  # the sample was in the raw layer already: nothing was replayed

    def add(self, record: RawRecord) -> None:
        self.calls += 1
        if record.new:
            self.new_versions += 1
        else:
            self.unchanged += 1

    def merge(self, other: "IngestReport") -> None:
        self.calls += other.calls
        self.new_versions += other.new_versions
        self.unchanged += other.unchanged
        self.members = other.members or self.members
        self.failures.update(other.failures)
        self.warnings.extend(other.warnings)


@dataclass(frozen=True)
class RefreshPolicy:
    """When `ingest_live` fetches statements again. Days are calendar days."""

    repull_every_days: int = 90  # re-pull a firm's full statement history this often, to catch restatements (0 = never)
    repull_limit: int = 10  # at most this many firms per run, oldest first, so re-pulls spread over days
    repull_all: bool = False  # re-pull every member whose statements were not fetched today (`ingest --repull`)
    disclosure_checks_per_day: int = 1  # April has two open periods (FY, Q1); checking one a day keeps the budget
    grace_days: int = 5  # keep checking a window this long after its deadline, for filings published that night
    accept_changes: bool = False  # apply a board change of more than 10 % in one day


# -- Whole boards (the sample's replay) ---------------------------------------------------------------------


def fetch_board(source, store: RawStore, board: str, report: IngestReport) -> list[str]:
    """Members of an EastMoney concept board, stored as a dated membership snapshot."""
    record, frame = fetch(source, store, sources.BOARD_CONS, symbol=board)
    report.add(record)
    if len(frame) == 0:
        raise EmptyResultError(
            f"{sources.BOARD_CONS}(symbol={board!r}) returned no members",
            "check the board code (leasewatch universe sync) or import a member list",
        )
    return sorted(codes.normalize_code(c) for c in frame["代码"])


def fetch_firm(source, store: RawStore, code: str, *, price_end: str, report: IngestReport) -> None:
    """Statements, segments, prices (unadjusted and hfq) and share facts of one firm."""
    symbol = codes.em_symbol(code)
    for function in sources.STATEMENTS:
        fetch_statement(source, store, function, symbol, report)
    record, _ = fetch(source, store, sources.SEGMENTS, symbol=symbol)
    report.add(record)
    for adjust in ("", "hfq"):
        record, _ = fetch(source, store, sources.PRICES, **_hist_args(code, PRICE_HISTORY_START, price_end, adjust))
        report.add(record)
    record, _ = fetch(source, store, sources.SHARE_INFO, symbol=code)
    report.add(record)


def ingest_board(
    source,
    store: RawStore,
    board: str,
    *,
    price_end: str,
    on_progress: Callable[[int, int, str], None] | None = None,
) -> IngestReport:
    """Fetch a board's members and every member's data. A firm that fails is recorded and skipped; a blocked
    source or a schema change stops the run (everything fetched so far is kept)."""
    report = IngestReport()
    members = fetch_board(source, store, board, report)
    report.members = members
    for done, code in enumerate(members, start=1):
        try:
            fetch_firm(source, store, code, price_end=price_end, report=report)
        except (SourceBlockedError, SchemaDriftError):
            raise
        except LeasewatchError as exc:
            report.failures[code] = str(exc)
        if on_progress:
            on_progress(done, len(members), code)
    return report


def ingest_sample(
    store: RawStore,
    *,
    firms: int = 108,
    years: int = 6,
    on_progress: Callable[[int, int, str], None] | None = None,
) -> IngestReport:
    """Replay the embedded sample as its two vintages, so restatements and membership changes arrive as they
    would from a live source: the second fetch stores only what changed. `years` counts back from the first
    vintage, and later vintages reach back to the same year: EastMoney's history grows, it never slides."""
    from pipeline.sources import sample
    from pipeline.sources.sample import SAMPLE_BOARD, SAMPLE_VINTAGES, SampleSource

    # The sample is deterministic: once replayed with these settings by this generator, replaying it again would
    # only log the two vintages' fetches anew (and count the older vintage as a "new version" of the newer one).
    stamp_path = store.root / SAMPLE_STAMP
    stamp = {
        "firms": firms,
        "years": years,
        "vintages": [v.isoformat() for v in SAMPLE_VINTAGES],
        "generator": sample.fingerprint(),
    }
    stored = [r for r in store.records() if r.is_sample]
    if stamp_path.exists() and stored:
        try:
            done = json.loads(stamp_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            done = None
        if done and done.get("sample") == stamp and done.get("records") == len(stored):
            return IngestReport(already_stored=len(stored))

    total = IngestReport()
    first_year = SAMPLE_VINTAGES[0].year - years + 1
    with store.deferred_writes():  # generating the next frame overlaps with writing the last one
        for vintage in SAMPLE_VINTAGES:
            source = SampleSource(as_of=vintage, firms=firms, years=vintage.year - first_year + 1)
            total.merge(ingest_board(source, store, SAMPLE_BOARD, price_end=_yyyymmdd(vintage), on_progress=on_progress))
    records = len([r for r in store.records() if r.is_sample])
    tmp = stamp_path.with_name(stamp_path.name + ".tmp")
    tmp.write_text(json.dumps({"sample": stamp, "records": records}), encoding="utf-8")
    os.replace(tmp, stamp_path)
    return total


# -- Statements: truncated histories ----------------------------------------------------------------------


def fetch_statement(source, store: RawStore, function: str, symbol: str, report: IngestReport) -> RawRecord:
    """One F10 statement. It must have rows; a history with a hole or one shorter than stored before is kept
    but flagged (akshare stops silently at the first batch of 5 dates EastMoney does not answer)."""
    args = {"symbol": symbol}
    frame = call(source, function, **args)
    if len(frame) == 0:
        raise EmptyResultError(
            f"{function}(symbol={symbol!r}) returned no rows",
            "a listed firm has reports: check the code and its exchange prefix",
        )
    periods = _periods(frame["REPORT_DATE"])
    unknown = sorted({p for p in periods if not _is_quarter_end(p)})
    if unknown:
        report.warnings.append(
            f"{function}(symbol={symbol!r}): unknown report period(s) {', '.join(map(str, unknown))}: kept as fetched, "
            "left out of the truncation check"
        )
    earliest_before = _earliest_stored_period(store, source.name, function, args)
    flags = history_flags([p for p in periods if _is_quarter_end(p)], earliest_before)
    if flags:
        report.warnings.append(f"{function}(symbol={symbol!r}): statement history looks truncated: {'; '.join(flags)}")
    record = keep(source, store, function, args, frame, flags=tuple(flags))
    report.add(record)
    return record


def history_flags(periods: list[date], earliest_before: date | None) -> list[str]:
    """Signs of a truncated history in one payload's quarter ends: a run of GAP_QUARTERS or more missing
    quarters between two reports, or a first period later than one stored from an earlier fetch."""
    quarters = sorted(set(periods))
    flags = []
    for before, after in zip(quarters, quarters[1:]):
        missing = _quarter_index(after) - _quarter_index(before) - 1
        if missing >= GAP_QUARTERS:
            flags.append(f"history_gap {before}..{after} ({missing} quarters missing)")
    if quarters and earliest_before and earliest_before < quarters[0]:
        flags.append(f"history_shrank {earliest_before}->{quarters[0]}")
    return flags


def _earliest_stored_period(store: RawStore, source_name: str, function: str, args: dict) -> date | None:
    """The first period any earlier fetch of this request held: the latest payload's first period, or earlier
    when that fetch was itself flagged as shrunk (the flag carries the earlier start forward)."""
    latest = store.latest(function, args, source=source_name)
    if latest is None or latest.rows == 0:
        return None
    known = _read_periods(store, latest)
    for flag in latest.flags:
        if flag.startswith("history_shrank "):
            known += _periods([flag.split()[1].split("->")[0]])
    return min(known) if known else None


def _read_periods(store: RawStore, record: RawRecord) -> list[date]:
    import pyarrow.parquet as pq

    # ParquetFile.read: pq.read_table's dataset machinery costs more than reading one column of a small file
    column = pq.ParquetFile(store.path_of(record)).read(columns=["REPORT_DATE"]).column(0).to_pylist()
    return [p for p in _periods(column) if _is_quarter_end(p)]


def _periods(values) -> list[date]:
    out = []
    for value in values:
        text = str(value)[:10]
        try:
            out.append(date.fromisoformat(text))
        except ValueError:
            continue
    return out


def _is_quarter_end(day: date) -> bool:
    return (day.month, day.day) in ((3, 31), (6, 30), (9, 30), (12, 31))


def _quarter_index(day: date) -> int:
    return day.year * 4 + (day.month - 1) // 3


# -- Calendars: trading sessions and disclosure windows ---------------------------------------------------


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


# -- What is stored ----------------------------------------------------------------------------------------


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
                found = _periods([notice])
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
                    if best and record.args.get("trade_date", "") <= _yyyymmdd(best[0]):
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


# -- The live refresh --------------------------------------------------------------------------------------


@dataclass
class _Task:
    function: str
    args: dict
    why: str


def ingest_live(
    source,
    store: RawStore,
    *,
    now: datetime | None = None,
    policy: RefreshPolicy = RefreshPolicy(),
    calendar: TradingCalendar | None = None,
    on_progress: Callable[[int, int, str], None] | None = None,
    on_step: Callable[[str], None] | None = None,
) -> IngestReport:
    """Bring the raw layer up to date for the current universe (backfill what is missing, refresh what is
    stale). A firm that fails is recorded and skipped; a blocked source or a schema change stops the run,
    keeping everything fetched so far."""
    from pipeline.extract import universe

    step = on_step or (lambda _message: None)
    now = now or source.now()
    calendar = calendar or TradingCalendar()
    report = IngestReport()
    refuse_sample_mix(store, source)
    snapshot = universe.latest_snapshot(store)
    if snapshot is None:
        raise UsageError(
            "there is no universe yet, so nothing to ingest",
            "import a member list (leasewatch universe import FILE) or take EastMoney's board (leasewatch universe sync)",
        )
    members = dict(snapshot.members)
    session, shows_close = calendar.last_close(now)
    report.session = session
    state = StoredState(store, source.name)

    snapshots = []
    if snapshot.function == sources.BOARD_CONS:
        step(f"board {snapshot.board}: constituents and the day's prices")
        fresh_after = _fresh_after(now, session, shows_close)
        refresh = universe.refresh_board(
            source, store, snapshot.board, accept_changes=policy.accept_changes, fresh_after=fresh_after
        )
        if refresh.record is not None:
            report.add(refresh.record)
        if refresh.applied:
            members = refresh.members
        else:
            report.pending_change = refresh.change.summary()
            report.warnings.append(f"board {snapshot.board} changed by more than 10 %, not applied: {report.pending_change}")
        snapshots.append((sources.BOARD_CONS, refresh.frame))
    elif shows_close:
        snapshots = _spot_lists(source, store, members, now, session, state, report, step)
    report.members = sorted(members)
    covered = _store_bars(source, store, members, snapshots, session, calendar, state, report) if shows_close else set()

    filed = _filings(source, store, members, now, policy, state, report, step)
    plan = _plan(members, now, session, policy, state, filed, covered)
    reasons = [task.why for tasks in plan.values() for task in tasks]
    report.plan = {why: reasons.count(why) for why in ("new", "filed", "repull", "prices")}
    report.plan["firms"] = len(plan)
    step(
        f"plan: {len(plan)} of {len(members)} firms need fetches "
        f"({', '.join(f'{n} {why}' for why, n in report.plan.items() if why != 'firms' and n)})"
    )
    for done, (code, tasks) in enumerate(sorted(plan.items()), start=1):
        _run_firm(source, store, code, tasks, report)
        if on_progress:
            on_progress(done, len(plan), code)
    report.warnings.extend(calendar.warnings)
    return report


def _fresh_after(now: datetime, session: date, shows_close: bool) -> datetime:
    """A snapshot fetched after this moment still answers the question a fetch now would ask."""
    if shows_close:
        return datetime.combine(session, CLOSE_SETTLED)
    return datetime.combine(now.date(), time.min)


def _fetch_fresh(source, store, function, args, fresh_after, report, *, must_have_rows=False):
    """The stored frame when it was fetched after `fresh_after` (a rerun the same evening), else a new fetch."""
    latest = store.latest(function, args, source=source.name)
    if latest is not None and datetime.fromisoformat(latest.fetched_at) >= fresh_after:
        return store.read(latest)
    frame = call(source, function, **args)
    if must_have_rows and len(frame) == 0:
        raise EmptyResultError(
            f"{function}({args_text(args)}) returned no rows", "the market list cannot be empty: rerun later"
        )
    report.add(keep(source, store, function, args, frame))
    return frame


def _spot_lists(source, store, members, now, session, state, report, step) -> list[tuple[str, "pd.DataFrame"]]:
    """The day's spot list of each exchange that has a member still lacking the session's bar (an imported
    universe has no board list to take prices from)."""
    from pipeline.sources.shapes import SPOT_OF_EXCHANGE

    lacking = {codes.exchange_of(c) for c in members if (last := state.last_bar(c, "")) is not None and last[0] < session}
    out = []
    for exchange in sorted(lacking):
        function = SPOT_OF_EXCHANGE[exchange]
        step(f"{function}: the day's prices")
        frame = _fetch_fresh(source, store, function, {}, _fresh_after(now, session, True), report, must_have_rows=True)
        out.append((function, frame))
    return out


def _store_bars(source, store, members, snapshots, session, calendar, state, report) -> set[str]:
    """Cut the session's bar for each member from the snapshots and store them as one PRICE_SNAPSHOT frame.
    Returns the members whose unadjusted prices are now complete through the session (or not trading)."""
    import pandas as pd

    from pipeline.sources.shapes import COLUMNS, SNAPSHOT_COLUMNS

    previous_session = calendar.previous(session)
    covered: set[str] = set()
    bars = []
    used = []
    for function, frame in snapshots:
        missing = [c for c in SNAPSHOT_COLUMNS if c not in frame.columns]
        if missing and len(frame.columns):
            raise SchemaDriftError(
                f"{function} lacks the columns a day's bar needs: {missing}", "akshare's output changed: check the pinned version"
            )
        used.append(function)
        for row in frame.to_dict("records"):
            code = str(row["代码"]).zfill(6)
            if code not in members or code in covered:
                continue
            last = state.last_bar(code, "")
            if last is None:
                continue  # never fetched: the full history comes below
            if last[0] >= session or pd.isna(row["最新价"]) or not row["成交量"]:
                covered.add(code)  # already stored, or suspended today (no bar to add)
                continue
            if last[0] == previous_session and abs(float(row["昨收"]) - last[1]) <= PRICE_TOLERANCE:
                bars.append(_bar(code, session, row))
                covered.add(code)
    if bars:
        frame = pd.DataFrame(bars, columns=list(COLUMNS[sources.PRICES]))
        frame["成交量"] = frame["成交量"].astype("int64")
        args = {"trade_date": _yyyymmdd(session), "adjust": "", "from": ",".join(used)}
        report.add(keep(source, store, sources.PRICE_SNAPSHOT, args, frame))
    return covered


def _bar(code: str, session: date, row: dict) -> dict:
    bar = {"日期": session, "股票代码": code, "开盘": row["今开"], "收盘": row["最新价"], "成交量": int(row["成交量"])}
    for column in ("最高", "最低", "成交额", "振幅", "涨跌幅", "涨跌额", "换手率"):
        bar[column] = row[column]
    return bar


def _filings(source, store, members, now, policy, state, report, step) -> dict[str, tuple[date, date]]:
    """Members whose report for an open disclosure period was published after what we hold:
    code → (period, publication date 实际披露时间). One market-wide call per period and market; a failed
    call is a warning, never the end of the run."""
    import pandas as pd

    from pipeline.sources.shapes import DISCLOSURE_DATES, DISCLOSURE_MARKET_OF_EXCHANGE

    filed: dict[str, tuple[date, date]] = {}
    # A firm without stored statements is fetched anyway; a cold backfill needs no filing check.
    held = [c for c in members if state.fetched_at(sources.INCOME, {"symbol": codes.em_symbol(c)}) is not None]
    markets = sorted({DISCLOSURE_MARKET_OF_EXCHANGE[codes.exchange_of(c)] for c in held})
    for period in periods_to_check(now.date(), policy):
        for market in markets:
            args = {"symbol": market, "date": _yyyymmdd(period)}
            step(f"{DISCLOSURE_DATES}({args_text(args)}): who filed")
            try:
                frame = _fetch_fresh(source, store, DISCLOSURE_DATES, args, datetime.combine(now.date(), time.min), report)
            except (SourceBlockedError, SchemaDriftError):
                raise
            except LeasewatchError as exc:
                report.warnings.append(f"filing check for {period} ({market}) skipped: {exc.message}")
                continue
            if len(frame) == 0:
                report.warnings.append(f"{DISCLOSURE_DATES}({args_text(args)}) returned no rows: no filing check for {period}")
                continue
            for code, published in zip(frame["股票代码"].astype(str), frame["实际披露时间"]):
                if code not in members or pd.isna(published):
                    continue
                published = pd.Timestamp(published).date()
                if not _holds_filing(state, code, period, published) or _fetched_before(state, code, published):
                    filed[code] = (period, published)
    return filed


def _holds_filing(state: StoredState, code: str, period: date, published: date) -> bool:
    notice = state.notice_date(code, period)
    return notice is not None and notice >= published


def _fetched_before(state: StoredState, code: str, day: date) -> bool:
    """Some of the firm's data was last fetched before `day` (a refresh interrupted half way)."""
    for function, takes_symbol in _FIRM_FUNCTIONS:
        fetched = state.fetched_at(function, {"symbol": codes.em_symbol(code) if takes_symbol else code})
        if fetched is not None and fetched.date() < day:
            return True
    return False


def _plan(members, now, session, policy, state, filed, covered) -> dict[str, list[_Task]]:
    """Per firm, the fetches that are missing or stale. Decided from the raw manifest only, so a rerun after an
    interruption plans exactly what the first run did not finish."""
    today = now.date()
    repull = _repull_due(members, now, policy, state)
    plan: dict[str, list[_Task]] = {}
    for code in sorted(members):
        tasks = []
        for function, takes_symbol in _FIRM_FUNCTIONS:
            args = {"symbol": codes.em_symbol(code) if takes_symbol else code}
            fetched = state.fetched_at(function, args)
            if fetched is None:
                tasks.append(_Task(function, args, "new"))
            elif code in filed and _stale_after_filing(state, code, filed[code], fetched, today):
                tasks.append(_Task(function, args, "filed"))
            elif code in repull and fetched < repull[code]:
                tasks.append(_Task(function, args, "repull"))
        unadjusted = state.last_bar(code, "")
        append = code not in covered and unadjusted is not None and unadjusted[0] < session
        for adjust in ("", "hfq"):
            previous = state.last_bar(code, adjust)
            end = _yyyymmdd(session)
            if previous is None:
                tasks.append(_Task(sources.PRICES, _hist_args(code, PRICE_HISTORY_START, end, adjust), "new"))
            elif append and previous[0] < session:
                # from the last stored day, so the overlap shows the history continues where it left off
                tasks.append(_Task(sources.PRICES, _hist_args(code, _yyyymmdd(previous[0]), end, adjust), "prices"))
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
    return fetched.date() < today and not _holds_filing(state, code, period, published)


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


def _run_firm(source, store, code: str, tasks: list[_Task], report: IngestReport) -> None:
    """A firm's fetches. Segment tables are optional (some firms publish none); any other failure marks the firm."""
    errors = []
    for task in tasks:
        try:
            if task.function in sources.STATEMENTS:
                fetch_statement(source, store, task.function, task.args["symbol"], report)
                continue
            frame = call(source, task.function, **task.args)
            if len(frame) == 0 and task.function == sources.SHARE_INFO:
                raise EmptyResultError(f"{task.function}(symbol={code!r}) returned no rows", "check the code")
            if len(frame) == 0 and task.function == sources.PRICES and task.args["start_date"] == PRICE_HISTORY_START:
                raise EmptyResultError(
                    f"{task.function}({args_text(task.args)}) returned no prices",
                    "check the code; a listed stock has trading days",
                )
            report.add(keep(source, store, task.function, task.args, frame))
        except (SourceBlockedError, SchemaDriftError):
            raise
        except LeasewatchError as exc:
            if task.function == sources.SEGMENTS:
                report.warnings.append(f"{code}: no segment table: {exc.message}")
            else:
                errors.append(exc.message)
    if errors:
        report.failures[code] = "; ".join(errors)


def _hist_args(code: str, start: str, end: str, adjust: str) -> dict:
    return {"symbol": code, "period": "daily", "start_date": start, "end_date": end, "adjust": adjust}


def _yyyymmdd(day: date) -> str:
    return day.strftime("%Y%m%d")

