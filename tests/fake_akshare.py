"""akshare substituted: the period fixture's three firms as akshare 1.19.5 would serve them on a given day.

`World.install(monkeypatch)` replaces the akshare functions the live source calls (`akshare.<function>`), so the
real AkshareSource, politeness layer and ingest run unchanged. Every call is recorded. Daily prices exist for
every trading day up to the world's current day, unadjusted and hfq; an ex-rights event changes the hfq factor
and the 昨收 the snapshots show. Filings make stock_report_disclosure and stock_yysj_em show a publication date.
leasewatch's own EastMoney adapter (pipeline.sources.eastmoney.ulist_quotes_em) is substituted the same way.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache

import pandas as pd

from pipeline.extract.ingest import TradingCalendar
from pipeline.sources import eastmoney
from pipeline.sources.polite import Politeness, PoliteCaller
from pipeline.sources.akshare import AkshareSource
from tests import akshare_shapes as shapes
from tests import period_fixture

FIRST_TRADING_DAY = date(2024, 12, 2)
OTHER_STOCK = ("000999", "测试他股")  # a non-member in the market lists
BOARD = period_fixture.BOARD

FUNCTIONS = (
    "stock_profit_sheet_by_report_em", "stock_balance_sheet_by_report_em", "stock_cash_flow_sheet_by_report_em",
    "stock_zygc_em", "stock_zh_a_hist", "stock_individual_info_em", "stock_board_concept_cons_em",
    "stock_board_concept_name_em", "stock_board_concept_info_ths", "stock_yysj_em",
    "stock_sh_a_spot_em", "stock_sz_a_spot_em", "stock_bj_a_spot_em", "stock_zh_a_gbjg_em", "stock_report_disclosure",
)
ADAPTERS = ("ulist_quotes_em",)  # in pipeline.sources.eastmoney
REAL_ADAPTERS = {name: getattr(eastmoney, name) for name in ADAPTERS}  # for tests that feed them JSON
_CNINFO_MONTH = {"一季": "0331", "半年报": "0630", "三季": "0930", "年报": "1231"}
_calendar = TradingCalendar()


@lru_cache(maxsize=2)
def _fixture_frames(restated: bool) -> dict:
    """Built once: answers are copies, and tests replace entries rather than change frames."""
    return period_fixture.frames(restated=restated)


class World:
    """What upstream knows at `now`. Tests move `now`, replace frames, add filings and ex-rights events."""

    def __init__(self, now: datetime, *, restated: bool = False):
        self.now = now
        self.frames = dict(_fixture_frames(restated))
        self.members = dict(period_fixture.FIRMS)  # the EastMoney board's constituents
        self.listed = {**period_fixture.FIRMS, OTHER_STOCK[0]: OTHER_STOCK[1]}  # the exchanges' spot lists
        self.base_close = {"300001": 10.0, "600001": 20.0, "000003": 5.0, OTHER_STOCK[0]: 8.0}
        self.ex_rights: dict[str, tuple[date, float]] = {}  # code → (ex-date, price ratio), e.g. 10送10 = 2.0
        self.filed: dict[tuple[str, str], str] = {}  # (code, 'YYYYMMDD' period) → 实际披露时间
        self.failures: dict[str, list] = {}  # function → per call in turn: an exception to raise, or None to answer
        self.boards = {BOARD: "算力租赁", "BK0002": "算力概念"}
        self.ths = (60, 40)
        self.calls: list[tuple[str, dict]] = []
        self.fixture_prices = False  # True: daily histories are the period fixture's frames, not the drift above
        self.cninfo_lacks: set[str] = set()  # codes cninfo's whole-market (沪深京) answer leaves out

    def add_firm(self, code: str, name: str, close: float) -> None:
        """A further firm, with 600001's reports under its own code, joining the board."""
        from pipeline.codes import em_symbol

        symbol = em_symbol(code)
        periods = list(period_fixture.income_600001())
        self.frames[("stock_profit_sheet_by_report_em", symbol)] = shapes.f10(code, name, period_fixture.income_600001())
        self.frames[("stock_balance_sheet_by_report_em", symbol)] = shapes.f10(code, name, period_fixture.balance(periods), balance=True)
        self.frames[("stock_cash_flow_sheet_by_report_em", symbol)] = shapes.f10(code, name, {p: {"NETCASH_OPERATE": 1e6} for p in periods})
        self.frames[("stock_zygc_em", symbol)] = shapes.zygc(code, [])
        self.frames[("stock_individual_info_em", code)] = shapes.info(code, name, 5e8)
        self.frames[("stock_zh_a_gbjg_em", symbol)] = shapes.gbjg([("2010-01-05", 5e8, "首发A股上市")])
        self.base_close[code] = close
        self.members[code] = name
        self.listed[code] = name

    # -- substitution -----------------------------------------------------------------------------------
    def install(self, monkeypatch) -> None:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # py_mini_racer's pkg_resources notice on import
            import akshare

        for name in FUNCTIONS:
            monkeypatch.setattr(akshare, name, self._function(name))
        for name in ADAPTERS:
            monkeypatch.setattr(eastmoney, name, self._function(name))

    def source(self, **politeness) -> AkshareSource:
        """The real live source, polite but without waiting, reading the world's clock."""
        policy = Politeness(**{"min_interval": 0.0, "backoff": 0.0, "jitter": 0.0, "retries": 1, **politeness})
        return AkshareSource(PoliteCaller(policy, sleep=lambda _s: None, now=lambda: self.now), clock=lambda: self.now)

    def calls_to(self, function: str) -> list[dict]:
        return [args for name, args in self.calls if name == function]

    def fetched(self) -> list[str]:
        return [name for name, _ in self.calls]

    def _function(self, name: str):
        def substitute(**kwargs):
            self.calls.append((name, kwargs))
            pending = self.failures.get(name)
            failure = pending.pop(0) if pending else None
            if failure is not None:
                raise failure
            return self.answer(name, kwargs)

        return substitute

    # -- answers --------------------------------------------------------------------------------------
    def answer(self, name: str, args: dict) -> pd.DataFrame:
        symbol = args.get("symbol")
        if name == "stock_zh_a_hist" and self.fixture_prices:
            frame = self.frames[(name, symbol, args["adjust"])]
            days = frame["日期"].map(lambda d: d.strftime("%Y%m%d"))
            return frame[(days >= args["start_date"]) & (days <= args["end_date"])].reset_index(drop=True)
        if name == "stock_zh_a_hist":
            return self.hist(symbol, args["start_date"], args["end_date"], args["adjust"])
        if name == "stock_board_concept_cons_em":
            members = {c: n for c, n in self.members.items()}
            return shapes.board(members, {c: self.quote(c) for c in members}) if symbol == BOARD else shapes.board({})
        if name in ("stock_sh_a_spot_em", "stock_sz_a_spot_em", "stock_bj_a_spot_em"):
            exchange = {"stock_sh_a_spot_em": "SH", "stock_sz_a_spot_em": "SZ", "stock_bj_a_spot_em": "BJ"}[name]
            from pipeline.codes import exchange_of

            return shapes.spot({c: (n, *self.quote(c)) for c, n in self.listed.items() if exchange_of(c) == exchange})
        if name == "ulist_quotes_em":
            asked = [c for c in args["codes"].split(",") if c in self.listed]
            return shapes.quotes({c: (self.listed[c], *self.quote(c)) for c in asked})
        if name == "stock_report_disclosure":
            from pipeline.codes import exchange_of

            label = args["period"]
            period = label[:4] + _CNINFO_MONTH[label[4:]]
            market = args["market"]
            rows = {
                c: (n, f"{period[:4]}-{period[4:6]}-25", self.filed.get((c, period)))
                for c, n in period_fixture.FIRMS.items()
                if (market == "沪深京" and c not in self.cninfo_lacks)
                or {"沪市": "SH", "深市": "SZ", "北交所": "BJ"}.get(market) == exchange_of(c)
            }
            return shapes.report_disclosure(rows)
        if name == "stock_yysj_em":
            period = args["date"]
            rows = {c: (n, f"{period[:4]}-{period[4:6]}-25", self.filed.get((c, period))) for c, n in period_fixture.FIRMS.items()}
            return shapes.yysj(rows)
        if name == "stock_board_concept_name_em":
            return shapes.board_names(self.boards)
        if name == "stock_board_concept_info_ths":
            return shapes.ths_info(*self.ths)
        for key in ((name, symbol), (name,)):
            if key in self.frames:
                return self.frames[key].copy()
        return pd.DataFrame()

    # -- prices ---------------------------------------------------------------------------------------
    def sessions(self, until: date | None = None) -> list[date]:
        last = self.today() if until is None else until
        days, day = [], FIRST_TRADING_DAY
        while day <= last:
            if _calendar.is_session(day):
                days.append(day)
            day += timedelta(days=1)
        return days

    def today(self) -> date:
        """The latest trading day whose close is known at `now` (after 15:30 on a trading day, that day)."""
        return _calendar.last_close(self.now)[0]

    def close(self, code: str, day: date) -> float:
        """Unadjusted close: a slow drift, divided by the ratio from the ex-rights date on."""
        index = (day - FIRST_TRADING_DAY).days
        price = self.base_close[code] + 0.01 * index
        ex = self.ex_rights.get(code)
        return round(price / ex[1] if ex and day >= ex[0] else price, 2)

    def factor(self, code: str, day: date) -> float:
        ex = self.ex_rights.get(code)
        return ex[1] if ex and day >= ex[0] else 1.0

    def quote(self, code: str) -> tuple[float, float]:
        """(最新价, 昨收) of the current day; on an ex-rights day 昨收 is the adjusted reference price."""
        today = self.today()
        previous = _calendar.previous(today)
        reference = self.close(code, previous) / (self.factor(code, today) / self.factor(code, previous))
        return self.close(code, today), round(reference, 2)

    def hist(self, code: str, start: str, end: str, adjust: str) -> pd.DataFrame:
        first, last = _day(start), min(_day(end), self.today())
        closes = {
            d.isoformat(): round(self.close(code, d) * (self.factor(code, d) if adjust == "hfq" else 1.0), 2)
            for d in self.sessions(last)
            if d >= first
        }
        if not closes:
            return pd.DataFrame()  # akshare returns a frame without columns when there are no klines
        return shapes.hist(code, closes)


def long_history(*, since: int = 2019, skip: frozenset | set = frozenset()) -> dict:
    """Quarterly income reports from `since` to 2024 (for period_fixture-style f10 frames), minus `skip`."""
    reports = {}
    for year in range(since, 2025):
        for quarter, (month, day) in enumerate(((3, 31), (6, 30), (9, 30), (12, 31)), start=1):
            period = f"{year}-{month:02d}-{day:02d}"
            if period not in skip:
                reports[period] = period_fixture._income(100 * quarter, 60 * quarter, 10 * quarter)
    return reports


def _day(text: str) -> date:
    return date(int(text[:4]), int(text[4:6]), int(text[6:]))
