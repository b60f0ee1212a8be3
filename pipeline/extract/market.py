"""The market-wide questions of a daily refresh, each answered without touching the firms one by one:
the day's prices of an imported universe, and who filed a report in an open disclosure window.

    the day's prices   EastMoney's quotes of the members (ulist_quotes_em, pipeline.sources.eastmoney): one request
                       per 100 members; if that answer drifts or is empty, the exchanges' spot lists (52 requests
                       for Shanghai and Shenzhen), with a warning
    who filed          cninfo's 预约披露 (stock_report_disclosure): one request per report period for the whole
                       market (+1 per exchange whose members that answer lacks); if cninfo lists no schedule for the
                       period or fails, EastMoney's calendar (stock_yysj_em, ~12 requests per market), with a warning

Each answer is stored as fetched; a rerun the same evening reads it back instead of asking again.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import TYPE_CHECKING

from pipeline import codes, sources
from pipeline.errors import EmptyResultError, LeasewatchError, NothingDisclosed, SchemaDriftError, SourceBlockedError
from pipeline.extract.common import call, keep
from pipeline.extract.plan import CLOSE_SETTLED, fetched_before, holds_filing, periods_to_check, yyyymmdd
from pipeline.sources import args_text

if TYPE_CHECKING:
    import pandas as pd

QUOTE_BATCH = 100  # codes per ulist_quotes_em request (pipeline.sources.eastmoney.BATCH)


def fresh_after(now: datetime, session: date, shows_close: bool) -> datetime:
    """A snapshot fetched after this moment still answers the question a fetch now would ask."""
    if shows_close:
        return datetime.combine(session, CLOSE_SETTLED)
    return datetime.combine(now.date(), time.min)


def fetch_fresh(source, store, function, args, after, report, *, must_have_rows=False) -> "pd.DataFrame":
    """The stored frame when it was fetched after `after` (a rerun the same evening), else a new fetch."""
    latest = store.latest(function, args, source=source.name)
    if latest is not None and datetime.fromisoformat(latest.fetched_at) >= after:
        return store.read(latest)
    frame = call(source, function, **args)
    if must_have_rows and len(frame) == 0:
        raise EmptyResultError(
            f"{function}({args_text(args)}) returned no rows", "the market list cannot be empty: rerun later"
        )
    report.add(keep(source, store, function, args, frame))
    return frame


# -- the day's prices -------------------------------------------------------------------------------------------


def day_quotes(source, store, members, now, session, state, report, step) -> list[tuple[str, "pd.DataFrame"]]:
    """The day's quotes of the members still lacking the session's bar (an imported universe has no board list
    to take prices from): EastMoney's quotes of exactly those codes, else the exchanges' spot lists."""
    from pipeline.sources.shapes import QUOTES

    lacking = sorted(c for c in members if (last := state.last_bar(c, "")) is not None and last[0] < session)
    if not lacking:
        return []
    after = fresh_after(now, session, True)
    frames = []
    step(f"{QUOTES}: the day's prices of {len(lacking)} members")
    try:
        for start in range(0, len(lacking), QUOTE_BATCH):
            args = {"codes": ",".join(lacking[start : start + QUOTE_BATCH])}
            frames.append((QUOTES, fetch_fresh(source, store, QUOTES, args, after, report)))
    except SchemaDriftError as exc:
        report.warnings.append(f"{exc.message}: the day's prices come from the exchanges' spot lists")
        return spot_lists(source, store, lacking, after, report, step)
    answered = {str(c).zfill(6) for _, frame in frames for c in frame["代码"]}
    if not answered:
        report.warnings.append(
            f"{QUOTES} knew none of {len(lacking)} members: the day's prices come from the exchanges' spot lists"
        )
        return spot_lists(source, store, lacking, after, report, step)
    unknown = [c for c in lacking if c not in answered]
    if unknown:
        report.warnings.append(
            f"{QUOTES} has no quote for {len(unknown)} members ({', '.join(unknown[:5])}"
            f"{', …' if len(unknown) > 5 else ''}): their daily history is appended instead"
        )
    return frames


def spot_lists(source, store, lacking, after, report, step) -> list[tuple[str, "pd.DataFrame"]]:
    """The day's spot list of each exchange with a member in `lacking` (the whole exchange, 100 rows a request)."""
    from pipeline.sources.shapes import SPOT_OF_EXCHANGE

    out = []
    for exchange in sorted({codes.exchange_of(c) for c in lacking}):
        function = SPOT_OF_EXCHANGE[exchange]
        step(f"{function}: the day's prices")
        out.append((function, fetch_fresh(source, store, function, {}, after, report, must_have_rows=True)))
    return out


# -- who filed --------------------------------------------------------------------------------------------------


def filings(source, store, members, now, policy, state, report, step) -> dict[str, tuple[date, date]]:
    """Members whose report for an open disclosure period was published after what we hold:
    code → (period, publication date). A calendar that cannot answer is a warning, never the end of the run."""
    import pandas as pd

    filed: dict[str, tuple[date, date]] = {}
    # A firm without stored statements is fetched anyway; a cold backfill needs no filing check.
    held = [c for c in members if state.fetched_at(sources.INCOME, {"symbol": codes.em_symbol(c)}) is not None]
    if not held:
        return filed
    today = datetime.combine(now.date(), time.min)
    for period in periods_to_check(now.date(), policy):
        published = _cninfo(source, store, held, period, today, report, step)
        if published is None:
            published = _eastmoney(source, store, held, period, today, report, step)
        for code, day in published.items():
            if code not in members or pd.isna(day):
                continue
            day = pd.Timestamp(day).date()
            if not holds_filing(state, code, period, day) or fetched_before(state, code, day):
                filed[code] = (period, day)
    return filed


def _cninfo(source, store, held, period, today, report, step) -> dict | None:
    """Code → 实际披露 from cninfo, or None when cninfo gives no answer for the period (then EastMoney is asked)."""
    from pipeline.sources.shapes import (
        FILING_CALENDAR, FILING_MARKET_ALL, FILING_MARKET_OF_EXCHANGE, FILING_PAGE, filing_period,
    )

    label = filing_period(period)

    def label_of(args: dict) -> str:
        return f"{FILING_CALENDAR}({args_text(args)})"

    published: dict[str, object] = {}
    markets = [FILING_MARKET_ALL]
    while markets:
        market = markets.pop(0)
        args = {"market": market, "period": label}
        step(f"{label_of(args)}: who filed")
        try:
            frame = fetch_fresh(source, store, FILING_CALENDAR, args, today, report)
        except SourceBlockedError:
            raise
        except LeasewatchError as exc:
            if market != FILING_MARKET_ALL:
                report.warnings.append(f"filing check for {period} ({market}) skipped: {exc.message}")
                continue
            kind = "lists no schedule" if isinstance(exc, NothingDisclosed) else (
                "changed its answer" if isinstance(exc, SchemaDriftError) else "failed"
            )
            report.warnings.append(f"cninfo {kind} for {period}: {exc.message}; asking EastMoney's calendar")
            return None
        if market == FILING_MARKET_ALL and len(frame) == 0:
            report.warnings.append(f"{label_of(args)} returned no rows; asking EastMoney's calendar")
            return None
        if len(frame) >= FILING_PAGE:
            report.warnings.append(f"{label_of(args)} filled its {FILING_PAGE}-row page: it may be cut off")
        for code, day in zip(frame["股票代码"].astype(str).str.zfill(6), frame["实际披露"]):
            published.setdefault(code, day)
        if market == FILING_MARKET_ALL:
            absent = sorted({codes.exchange_of(c) for c in held if c not in published})
            markets += [FILING_MARKET_OF_EXCHANGE[e] for e in absent]
    return published


def _eastmoney(source, store, held, period, today, report, step) -> dict:
    """Code → 实际披露时间 from EastMoney's calendar, one call per market of the held members."""
    from pipeline.sources.shapes import DISCLOSURE_DATES, DISCLOSURE_MARKET_OF_EXCHANGE

    published: dict[str, object] = {}
    for market in sorted({DISCLOSURE_MARKET_OF_EXCHANGE[codes.exchange_of(c)] for c in held}):
        args = {"symbol": market, "date": yyyymmdd(period)}
        step(f"{DISCLOSURE_DATES}({args_text(args)}): who filed")
        try:
            frame = fetch_fresh(source, store, DISCLOSURE_DATES, args, today, report)
        except (SourceBlockedError, SchemaDriftError):
            raise
        except LeasewatchError as exc:
            report.warnings.append(f"filing check for {period} ({market}) skipped: {exc.message}")
            continue
        if len(frame) == 0:
            report.warnings.append(f"{DISCLOSURE_DATES}({args_text(args)}) returned no rows: no check for {period}")
            continue
        for code, day in zip(frame["股票代码"].astype(str), frame["实际披露时间"]):
            published.setdefault(code, day)
    return published
