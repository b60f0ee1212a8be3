"""The request budget: upstream HTTP requests of a cold backfill and of daily refreshes, counted in a simulated run.

akshare's functions are replaced by stand-ins that answer from the embedded sample (relabelled to codes on the
Shanghai and Shenzhen boards) and count the HTTP requests the real function makes, by the request costs in
../shared/reference/akshare.md:

    F10 statement (each of three)    1 date list + ceil(N / 5) batches of five report dates,
                                     + 1 HTML page per symbol (the company type, cached by akshare per process)
    stock_zygc_em, stock_individual_info_em, stock_zh_a_hist (per adjust)    1
    stock_zh_a_gbjg_em               ceil(share changes / 500): 1 for every firm
    stock_board_concept_cons_em      ceil(members / 100)
    ulist_quotes_em                  1 per call of at most 100 codes (leasewatch's EastMoney adapter)
    stock_report_disclosure          1 per market and period (cninfo: one page of 10,000 rows)
  and the fallbacks, asked only when those cannot answer (the last two rows):
    stock_sh/sz/bj_a_spot_em         ceil(stocks listed on the exchange / 100)
    stock_yysj_em                    ceil(stocks in the market / 500) + 1 (page 1 is fetched twice)

Everything between those stand-ins and the raw layer is the real code: the live source, the politeness layer
(without its waits), the planner and the raw store. The simulated day is 2026-04-21, in April, when two
disclosure periods are open (the worst month).

Run: python -m tools.bench.budget   (or make bench)
"""

from __future__ import annotations

import math
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

# Listed A-shares per exchange, mid-2025 (the spot lists and the disclosure calendar page through all of them).
LISTED = {"SH": 2_290, "SZ": 2_880, "BJ": 270}
LIST_PAGE = 100  # EastMoney quote lists (clist): pz=100
CALENDAR_PAGE = 500  # EastMoney datacenter reports: pageSize=500
FILERS = 5
BACKFILL_AT = datetime(2026, 4, 20, 18, 0)
DAILY_AT = datetime(2026, 4, 21, 18, 0)
BOARD = "BK9901"
# The universe's codes: an even mix of Shanghai main board, STAR, Shenzhen main board and ChiNext codes (chosen to
# exercise every prefix and spot list, not real members); the data behind them is the sample's.
_PREFIXES = ("603", "688", "002", "300")


@dataclass
class BudgetRow:
    scenario: str
    universe: str
    requests: int
    target: int | None
    by_function: dict[str, int] = field(default_factory=dict)

    @property
    def within_target(self) -> bool | None:
        return None if self.target is None else self.requests <= self.target


class SimulatedAkshare:
    """Stand-ins for the akshare functions the ingest calls, answering from the sample and counting requests."""

    def __init__(
        self, firms: int, years: int, period: date, filed: set[str], session: date, previous: date, *, degraded=()
    ):
        from pipeline.sources.sample import SampleSource

        self.sample = SampleSource(as_of=date(2026, 4, 30), firms=firms, years=years)
        self.codes = {bench_code(i): sample for i, sample in enumerate(self.sample.codes(), start=1)}
        self.period, self.filed = period, set(filed)
        self.session, self.previous = session, previous
        self.requests: Counter = Counter()
        self._html_seen: set[str] = set()
        self.degraded = set(degraded)  # "calendar": cninfo lists no schedule; "quotes": the ulist answer drifted

    # -- F10 statements ---------------------------------------------------------------------------------
    def stock_profit_sheet_by_report_em(self, symbol: str):
        return self._statement("stock_profit_sheet_by_report_em", symbol)

    def stock_balance_sheet_by_report_em(self, symbol: str):
        return self._statement("stock_balance_sheet_by_report_em", symbol)

    def stock_cash_flow_sheet_by_report_em(self, symbol: str):
        return self._statement("stock_cash_flow_sheet_by_report_em", symbol)

    def _statement(self, function: str, symbol: str):
        code = symbol[2:]
        frame = self.sample.fetch(function, symbol=f"SZ{self.codes[code]}")
        if frame.empty:  # a firm EastMoney has no such statement for (the sample's 990099): one date-list request
            self._count(function, 1)
            return frame
        frame = frame[frame["REPORT_DATE"].str[:10] <= self._cutoff(code)].reset_index(drop=True)
        frame["SECURITY_CODE"] = code
        frame["SECUCODE"] = f"{code}.{symbol[:2]}"
        self._count(function, 1 + math.ceil(len(frame) / 5) + (symbol not in self._html_seen))
        self._html_seen.add(symbol)
        return frame

    def _cutoff(self, code: str) -> str:
        """Reports up to the simulated period for firms that filed it, up to the one before for the others."""
        if code in self.filed:
            return self.period.isoformat()
        return (self.period.replace(day=1) - timedelta(days=1)).isoformat()

    # -- one request each -------------------------------------------------------------------------------
    def stock_zygc_em(self, symbol: str):
        code = symbol[2:]
        frame = self.sample.fetch("stock_zygc_em", symbol=f"SZ{self.codes[code]}")
        frame = frame[frame["报告日期"].map(str) <= self._cutoff(code)].reset_index(drop=True)
        frame["股票代码"] = code
        self._count("stock_zygc_em", 1)
        return frame

    def stock_zh_a_hist(
        self, symbol, period="daily", start_date="19700101", end_date="20500101", adjust="", timeout=None
    ):
        self._count("stock_zh_a_hist", 1)
        return self._bars(symbol, start_date, end_date, adjust)

    def _bars(self, code: str, start: str, end: str, adjust: str = ""):
        sample = self.codes[code]
        frame = self.sample.fetch("stock_zh_a_hist", symbol=sample, start_date=start, end_date=end, adjust=adjust)
        if len(frame):
            frame["股票代码"] = code
        return frame

    def stock_individual_info_em(self, symbol, timeout=None):
        frame = self.sample.fetch("stock_individual_info_em", symbol=self.codes[symbol])
        frame.loc[frame["item"] == "股票代码", "value"] = symbol
        self._count("stock_individual_info_em", 1)
        return frame

    def stock_zh_a_gbjg_em(self, symbol: str = "603392.SH"):
        code = symbol[2:]
        frame = self.sample.fetch("stock_zh_a_gbjg_em", symbol=f"SZ{self.codes[code]}")
        self._count("stock_zh_a_gbjg_em", max(1, math.ceil(len(frame) / 500)))
        return frame

    # -- market-wide lists ------------------------------------------------------------------------------
    def stock_board_concept_cons_em(self, symbol: str):
        members = list(self.codes)
        self._count("stock_board_concept_cons_em", math.ceil(len(members) / LIST_PAGE))
        return self._quotes(members, board=True)

    def stock_sh_a_spot_em(self):
        return self._spot("SH")

    def stock_sz_a_spot_em(self):
        return self._spot("SZ")

    def stock_bj_a_spot_em(self):
        return self._spot("BJ")

    def _spot(self, exchange: str):
        from pipeline.codes import exchange_of

        self._count(f"stock_{exchange.lower()}_a_spot_em", math.ceil(LISTED[exchange] / LIST_PAGE))
        return self._quotes([c for c in self.codes if exchange_of(c) == exchange], board=False)

    def ulist_quotes_em(self, codes: str):
        from pipeline.errors import SchemaDriftError

        self._count("ulist_quotes_em", 1)
        if "quotes" in self.degraded:
            raise SchemaDriftError("ulist_quotes_em: a quote lacks the fields ['f18']", "simulated")
        return self._quotes([c for c in codes.split(",") if c in self.codes], board=False, columns="ulist_quotes_em")

    def stock_report_disclosure(self, market: str = "沪深京", period: str = "2021年报"):
        import pandas as pd

        from pipeline.codes import exchange_of
        from pipeline.sources.shapes import (
            COLUMNS, FILING_CALENDAR, FILING_MARKET_ALL, FILING_MARKET_OF_EXCHANGE, filing_period,
        )

        self._count(FILING_CALENDAR, 1)
        if "calendar" in self.degraded:  # what akshare raises on cninfo's empty `prbookinfos`
            raise ValueError("Length mismatch: Expected axis has 0 elements, new values have 10 elements")
        in_market = [c for c in self.codes if market in (FILING_MARKET_ALL, FILING_MARKET_OF_EXCHANGE[exchange_of(c)])]
        checked = period == filing_period(self.period)
        rows = []
        for code in in_market:
            published = self.session if checked and code in self.filed else pd.NaT
            rows.append([code, f"示例{code}", self.session, pd.NaT, pd.NaT, pd.NaT, published])
        return pd.DataFrame(rows, columns=list(COLUMNS[FILING_CALENDAR]))

    def stock_yysj_em(self, symbol: str = "沪深A股", date: str = "20200331"):
        import pandas as pd

        from pipeline.codes import exchange_of
        from pipeline.sources.shapes import COLUMNS, DISCLOSURE_DATES

        listed = LISTED["BJ"] if symbol == "京市A股" else LISTED["SH"] + LISTED["SZ"]
        self._count(DISCLOSURE_DATES, math.ceil(listed / CALENDAR_PAGE) + 1)
        in_market = [c for c in self.codes if (exchange_of(c) == "BJ") == (symbol == "京市A股")]
        checked = date == self.period.strftime("%Y%m%d")
        rows = []
        for i, code in enumerate(in_market, start=1):
            published = self.session if checked and code in self.filed else pd.NaT
            rows.append([i, code, f"示例{code}", self.session, pd.NaT, pd.NaT, pd.NaT, published])
        return pd.DataFrame(rows, columns=list(COLUMNS[DISCLOSURE_DATES]))

    def _quotes(self, codes: list[str], *, board: bool, columns: str | None = None):
        """The day's list rows: 最新价 the session's close, 昨收 the previous session's."""
        import pandas as pd

        from pipeline.sources.shapes import COLUMNS, SPOT_OF_EXCHANGE

        columns = list(COLUMNS[columns or ("stock_board_concept_cons_em" if board else SPOT_OF_EXCHANGE["SH"])])
        rows = []
        for rank, code in enumerate(codes, start=1):
            bars = self._bars(code, self.previous.strftime("%Y%m%d"), self.session.strftime("%Y%m%d"))
            previous, close = bars["收盘"].iloc[0], bars["收盘"].iloc[-1]
            row = {c: 0.0 for c in columns}
            row.update({"序号": rank, "代码": code, "名称": f"示例{code}", "最新价": close, "今开": previous})
            row = {c: v for c, v in row.items() if c in columns}
            row.update({"最高": max(close, previous), "最低": min(close, previous), "昨收": previous})
            row.update({"成交量": 1000.0, "成交额": close * 1e5})
            rows.append(row)
        return pd.DataFrame(rows, columns=columns)

    def _count(self, function: str, requests: int) -> None:
        self.requests[function] += requests


def bench_code(i: int) -> str:
    return f"{_PREFIXES[i % len(_PREFIXES)]}{800 + i:03d}"


def request_budget(firms: int = 108, years: int = 10) -> list[BudgetRow]:
    """Requests per scenario, counted by running the ingest against SimulatedAkshare. `years` of history
    (10 gives ~38 report periods per firm, as for a firm listed a decade ago)."""
    from pipeline.extract.plan import RefreshPolicy, TradingCalendar, periods_to_check

    calendar = TradingCalendar()
    session = DAILY_AT.date()
    period = periods_to_check(session, RefreshPolicy())[0]

    def upstream(filed: set[str], day: date, degraded=()) -> SimulatedAkshare:
        return SimulatedAkshare(firms, years, period, filed, day, calendar.previous(day), degraded=degraded)

    rows: list[BudgetRow] = []
    with tempfile.TemporaryDirectory(prefix="leasewatch-bench-") as tmp:
        root = Path(tmp)
        backfill = upstream(set(), BACKFILL_AT.date())
        _universe("EastMoney board", root / "board", backfill)
        # A backfill fetches every member's history whatever the universe's source: run it once.
        rows.append(_run("cold backfill", "either", root / "board", backfill, BACKFILL_AT, None))
        shutil.copytree(root / "board", root / "imported")
        _universe("imported list", root / "imported", backfill)
        filers = set(list(backfill.codes)[:: max(len(backfill.codes) // FILERS, 1)][:FILERS])
        for universe, base in (("EastMoney board", root / "board"), ("imported list", root / "imported")):
            for scenario, filed, target in (
                ("daily, no new filings", set(), 20),
                (f"daily, {len(filers)} firms filed", filers, None),
            ):
                day = root / f"{base.name}-{len(filed)}"
                shutil.copytree(base, day)
                rows.append(_run(scenario, universe, day, upstream(filed, session), DAILY_AT, target))
        for scenario, degraded in (
            ("daily, no new filings; cninfo lists no schedule", ("calendar",)),
            ("daily, no new filings; the quotes answer drifted", ("quotes",)),
        ):
            day = root / f"imported-{'-'.join(degraded)}"
            shutil.copytree(root / "imported", day)
            rows.append(_run(scenario, "imported list", day, upstream(set(), session, degraded), DAILY_AT, None))
        rows.append(_naive(root / "naive", upstream(set(), session)))
    return rows


def _source(upstream: SimulatedAkshare, now: datetime):
    from pipeline.sources.polite import Politeness, PoliteCaller
    from pipeline.sources.akshare import AkshareSource

    caller = PoliteCaller(Politeness(min_interval=0.0), sleep=lambda _s: None, now=lambda: now)
    return AkshareSource(caller, module=upstream, clock=lambda: now)


def _universe(universe: str, base: Path, upstream: SimulatedAkshare) -> None:
    from pipeline.raw.store import RawStore
    from pipeline.extract.universe import import_file, refresh_board

    store = RawStore(base / "raw")
    if universe == "EastMoney board":
        refresh_board(_source(upstream, BACKFILL_AT.replace(hour=17)), store, BOARD)
    else:
        members = base / "members.csv"
        members.parent.mkdir(parents=True, exist_ok=True)
        members.write_text("代码,名称\n" + "".join(f"{c},示例{c}\n" for c in upstream.codes), encoding="utf-8")
        import_file(store, members, now=BACKFILL_AT.replace(hour=19))  # after the backfill: now the latest snapshot
    upstream.requests.clear()


def _run(scenario: str, universe: str, base: Path, upstream: SimulatedAkshare, now: datetime, target) -> BudgetRow:
    from pipeline.extract.ingest import ingest_live
    from pipeline.raw.store import RawStore

    report = ingest_live(_source(upstream, now), RawStore(base / "raw"), now=now)
    if report.failures:
        raise RuntimeError(f"simulated {scenario} ({universe}) failed: {report.failures}")
    return BudgetRow(scenario, universe, sum(upstream.requests.values()), target, dict(upstream.requests))


def _naive(base: Path, upstream: SimulatedAkshare) -> BudgetRow:
    """The loop the budget is measured against: every function for every stock, every day."""
    from pipeline.extract.ingest import IngestReport, fetch_firm
    from pipeline.raw.store import RawStore

    source, store, report = _source(upstream, DAILY_AT), RawStore(base / "raw"), IngestReport()
    for code in upstream.codes:
        fetch_firm(source, store, code, price_end=DAILY_AT.strftime("%Y%m%d"), report=report)
    total = sum(upstream.requests.values())
    return BudgetRow("naive daily loop (every function, every stock)", "any", total, None, dict(upstream.requests))


def table(rows: list[BudgetRow]) -> str:
    from pipeline import display

    columns = ["scenario", "universe", "requests", "target", "within"]
    verdict = {True: "yes", False: "NO", None: ""}
    body = [
        (r.scenario, r.universe, r.requests, f"≤ {r.target}" if r.target else "", verdict[r.within_target]) for r in rows
    ]
    return display.table(columns, body)


def main() -> None:
    firms, years = 108, 10
    rows = request_budget(firms, years)
    print(
        f"Upstream HTTP requests, counted with akshare's request costs: {firms} firms with ~{4 * years - 2} report periods"
        f" each; daily run on {DAILY_AT:%Y-%m-%d} (FY and Q1 disclosure windows open)"
    )
    print(table(rows))
    print("\nBy function:")
    for row in rows:
        parts = ", ".join(f"{k} {v}" for k, v in sorted(row.by_function.items()) if v)
        print(f"  {row.scenario} ({row.universe}): {parts}")
    if any(r.within_target is False for r in rows):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
