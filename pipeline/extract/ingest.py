"""Extraction: ask a source for the frames the models need and store each one in the raw layer as fetched.

The embedded sample, test fixtures and the live akshare source go through the same functions here:
- `ingest_board` fetches everything for a board's members (the sample replays its vintages this way);
- `ingest_live` is the incremental, resumable refresh of a live universe. It decides from the raw manifest what
  is missing or stale, so a rerun after an interruption fetches only that:
    * the day's bars come from one market snapshot (the EastMoney board's constituents, or EastMoney's quotes
      of an imported universe's codes), not one request per stock; a stock whose previous close does not match
      the snapshot's 昨收 (ex-rights day, or a day we missed) gets its daily history appended instead;
    * statements and segments are fetched for new members, for firms that filed in the current disclosure
      window (detected with one market-wide cninfo listing per period), and on a slow re-pull cadence that
      catches restatements. Outside disclosure windows a daily run fetches no statements.
  Both market-wide questions are answered in pipeline.extract.market.
"""

from __future__ import annotations

import functools
import json
import os
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Callable

from pipeline import codes, sources
from pipeline.config import SAMPLE_FIRMS, SAMPLE_YEARS
from pipeline.errors import (
    EmptyResultError,
    LeasewatchError,
    NothingDisclosed,
    SchemaDriftError,
    SourceBlockedError,
    UnsupportedLayout,
    UsageError,
)
from pipeline.extract import market
from pipeline.extract.common import call, fetch, keep, refuse_sample_mix
from pipeline.extract.plan import (
    PRICE_HISTORY_START,
    RefreshPolicy,
    StoredState,
    Task,
    TradingCalendar,
    hist_args,
    history_flags,
    parse_dates,
    plan_fetches,
    yyyymmdd,
)
from pipeline.periods import is_quarter_end
from pipeline.raw.record import request_key
from pipeline.raw.store import RawRecord, RawStore
from pipeline.sources import args_text

SAMPLE_STAMP = "sample_ingested.json"  # in the raw folder: which sample the raw layer holds (see ingest_sample)
PRICE_TOLERANCE = 0.006  # prices are quoted to the fen; a previous close that differs by more is not the same close


@dataclass
class IngestReport:
    """What one ingest did: counts for the log and the run table, failures by symbol, warnings."""

    calls: int = 0
    new_versions: int = 0
    unchanged: int = 0
    members: list[str] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)
    unsupported: dict[str, str] = field(default_factory=dict)  # code -> why (a bank, insurer or broker layout)
    warnings: list[str] = field(default_factory=list)
    plan: dict[str, int] = field(default_factory=dict)
    session: date | None = None
    pending_change: str | None = None
    already_stored: int = 0  # the sample was in the raw layer already: nothing was replayed
    restored: int = 0  # the sample's fetches copied from a cache entry (sample_cache.py) instead of replayed
    # the sample cache entry this raw layer is exactly a copy of (restored from it, or replayed into an empty raw
    # layer and saved to it); None otherwise
    sample_entry: Path | None = None

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
        self.unsupported.update(other.unsupported)
        self.warnings.extend(other.warnings)


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


def firm_tasks(code: str, price_end: str) -> list[Task]:
    """Everything fetched for a firm the raw layer has never seen: statements, segments, prices (unadjusted and
    hfq) through `price_end`, share facts."""
    symbol = codes.em_symbol(code)
    tasks = [Task(function, {"symbol": symbol}, "new") for function in (*sources.STATEMENTS, sources.SEGMENTS)]
    tasks += [Task(sources.PRICES, hist_args(code, PRICE_HISTORY_START, price_end, adjust), "new") for adjust in ("", "hfq")]
    return tasks + [Task(sources.SHARE_INFO, {"symbol": code}, "new"), Task(sources.SHARE_CHANGES, {"symbol": symbol}, "new")]


def fetch_firm(source, store: RawStore, code: str, *, price_end: str, report: IngestReport) -> None:
    """A firm the raw layer has never seen, each fetch judged on its own (see _run_firm)."""
    _run_firm(source, store, code, firm_tasks(code, price_end), report)


def _in_one_batch(run: Callable) -> Callable:
    """Run an ingest (source, store, …) inside one batch of the store's writes (see RawStore.batch)."""

    @functools.wraps(run)
    def batched(source, store: RawStore, *args, **kwargs):
        with store.batch():
            return run(source, store, *args, **kwargs)

    return batched


@_in_one_batch
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
        fetch_firm(source, store, code, price_end=price_end, report=report)
        if on_progress:
            on_progress(done, len(members), code)
    return report


def ingest_sample(
    store: RawStore,
    *,
    firms: int = SAMPLE_FIRMS,
    years: int = SAMPLE_YEARS,
    on_progress: Callable[[int, int, str], None] | None = None,
) -> IngestReport:
    """Replay the embedded sample as its two vintages, so restatements and membership changes arrive as they
    would from a live source: the second fetch stores only what changed. `years` counts back from the first
    vintage, and later vintages reach back to the same year: EastMoney's history grows, it never slides."""
    from pipeline.extract import sample_cache
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

    # empty = nothing at all under the raw directory: a lost manifest beside packs is damage to repair, not room for a copy
    empty = not store.root.exists() or not any(store.root.iterdir())
    cached = sample_cache.entry(stamp, SampleSource.version)
    if empty and (restored := sample_cache.restore(cached, store)):
        return IngestReport(restored=restored, sample_entry=cached)

    total = IngestReport()
    first_year = SAMPLE_VINTAGES[0].year - years + 1
    with store.batch():  # one pack per function for the whole replay (both vintages)
        for vintage in SAMPLE_VINTAGES:
            source = SampleSource(as_of=vintage, firms=firms, years=vintage.year - first_year + 1)
            total.merge(ingest_board(source, store, SAMPLE_BOARD, price_end=yyyymmdd(vintage), on_progress=on_progress))
    records = len([r for r in store.records() if r.is_sample])
    tmp = stamp_path.with_name(stamp_path.name + ".tmp")
    tmp.write_text(json.dumps({"sample": stamp, "records": records}), encoding="utf-8")
    os.replace(tmp, stamp_path)
    if empty and not total.failures:  # the raw layer is exactly the replay: keep it for the next empty one
        sample_cache.save(cached, store, records, [SAMPLE_STAMP])
        total.sample_entry = cached
    return total


def fetch_statement(source, store: RawStore, function: str, symbol: str, report: IngestReport) -> RawRecord:
    """One F10 statement. A history with a hole, one shorter than stored before, or one that lost periods the
    last pull held is kept but flagged (akshare stops silently at the first batch of 5 dates EastMoney does not
    answer); staging reads each period from the latest payload that holds it, so a loss erases nothing.
    An income statement must have rows; an empty balance sheet or cash-flow statement is EastMoney disclosing
    none (new listings, some BJ firms): stored empty, flagged `no_disclosure`, warned about."""
    args = {"symbol": symbol}
    frame = call(source, function, **args)
    before = _stored_periods(store, source.name, function, args)
    if len(frame) == 0:
        if function == sources.INCOME:
            raise EmptyResultError(
                f"{function}(symbol={symbol!r}) returned no rows",
                "a listed firm has reports: check the code and its exchange prefix",
            )
        flags = ["no_disclosure"] + ([f"periods_lost {len(before)} ({before[0]}..{before[-1]})"] if before else [])
        held = f"; the {len(before)} periods stored before are kept" if before else ""
        report.warnings.append(f"{function}(symbol={symbol!r}) returned no rows: nothing disclosed{held}")
        record = keep(source, store, function, args, frame, flags=tuple(flags))
        report.add(record)
        return record
    periods = parse_dates(frame["REPORT_DATE"])
    unknown = sorted({p for p in periods if not is_quarter_end(p)})
    if unknown:
        report.warnings.append(
            f"{function}(symbol={symbol!r}): unknown report period(s) {', '.join(map(str, unknown))}: kept as fetched, "
            "left out of the truncation check"
        )
    earliest_before = _earliest_stored_period(store, source.name, function, args)
    quarters = [p for p in periods if is_quarter_end(p)]
    flags = history_flags(quarters, earliest_before)
    # periods the last pull held inside this pull's range (earlier ones are history_shrank's)
    lost = sorted(p for p in set(before) - set(quarters) if quarters and p >= min(quarters))
    if lost:
        flags.append(f"periods_lost {len(lost)} ({', '.join(map(str, lost[:8]))}{', …' if len(lost) > 8 else ''})")
    if flags:
        report.warnings.append(f"{function}(symbol={symbol!r}): statement history looks truncated: {'; '.join(flags)}")
    record = keep(source, store, function, args, frame, flags=tuple(flags))
    report.add(record)
    return record


def _latest_with_rows(store: RawStore, source_name: str, function: str, args: dict) -> RawRecord | None:
    """The latest stored payload of a request that had rows (an empty answer since holds no periods)."""
    latest = store.latest(function, args, source=source_name)
    if latest is None or latest.rows:
        return latest
    key = request_key(function, args)
    held = [r for r in store.records(function) if r.source == source_name and r.rows and request_key(r.function, r.args) == key]
    return max(held, key=lambda r: r.fetched_at, default=None)


def _stored_periods(store: RawStore, source_name: str, function: str, args: dict) -> list[date]:
    """The quarter ends of the latest stored payload with rows: what a new pull is compared with."""
    latest = _latest_with_rows(store, source_name, function, args)
    return sorted(set(_read_periods(store, latest))) if latest is not None else []


def _earliest_stored_period(store: RawStore, source_name: str, function: str, args: dict) -> date | None:
    """The first period any earlier fetch of this request held: the latest payload's first period, or earlier
    when that fetch was itself flagged as shrunk (the flag carries the earlier start forward)."""
    latest = _latest_with_rows(store, source_name, function, args)
    if latest is None:
        return None
    known = _read_periods(store, latest)
    for flag in latest.flags:
        if flag.startswith("history_shrank "):
            known += parse_dates([flag.split()[1].split("->")[0]])
    return min(known) if known else None


def _read_periods(store: RawStore, record: RawRecord) -> list[date]:
    table = store.read_table(record, ["REPORT_DATE"])
    column = table.column(0).to_pylist() if table.num_columns else []
    return [p for p in parse_dates(column) if is_quarter_end(p)]


@_in_one_batch
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
    keeping everything fetched so far (written in batches: see RawStore.batch)."""
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
        fresh_after = market.fresh_after(now, session, shows_close)
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
        snapshots = market.day_quotes(source, store, members, now, session, state, report, step)
    report.members = sorted(members)
    covered = _store_bars(source, store, members, snapshots, session, calendar, state, report) if shows_close else set()

    filed = market.filings(source, store, members, now, policy, state, report, step)
    plan = plan_fetches(members, now, session, policy, state, filed, covered)
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
        args = {"trade_date": yyyymmdd(session), "adjust": "", "from": ",".join(used)}
        report.add(keep(source, store, sources.PRICE_SNAPSHOT, args, frame))
    return covered


def _bar(code: str, session: date, row: dict) -> dict:
    bar = {"日期": session, "股票代码": code, "开盘": row["今开"], "收盘": row["最新价"], "成交量": int(row["成交量"])}
    for column in ("最高", "最低", "成交额", "振幅", "涨跌幅", "涨跌额", "换手率"):
        bar[column] = row[column]
    return bar


def _run_firm(source, store, code: str, tasks: list[Task], report: IngestReport) -> None:
    """A firm's fetches, each judged on its own. Upstream's "nothing disclosed" (no 主营构成 table, no quote
    record) is stored as an empty payload flagged `no_disclosure`, so the plan does not ask again before the firm
    files; a bank, insurer or broker layout marks the firm unsupported (a flagged empty payload, never zeros).
    Segment tables are optional: another failure there is a warning and is asked again on the next run. Any
    other failure marks the firm failed; a blocked source or a schema change stops the run."""
    import pandas as pd

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
        except UnsupportedLayout as exc:
            if code not in report.unsupported:
                report.warnings.append(f"{code}: unsupported: {exc.message}")
            report.unsupported[code] = exc.message
            report.add(keep(source, store, task.function, task.args, pd.DataFrame(), flags=("unsupported_layout",)))
        except NothingDisclosed as exc:
            report.warnings.append(f"{code}: {exc.message}")
            report.add(keep(source, store, task.function, task.args, pd.DataFrame(), flags=("no_disclosure",)))
        except LeasewatchError as exc:
            if task.function == sources.SEGMENTS:
                report.warnings.append(f"{code}: no segment table: {exc.message}")
            else:
                errors.append(exc.message)
    if errors:
        report.failures[code] = "; ".join(errors)
