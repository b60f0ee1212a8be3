"""SampleSource: the sample behind the live source's `fetch(function, **kwargs)` door."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from pipeline.config import SAMPLE_FIRMS, SAMPLE_YEARS
from pipeline.errors import EmptyResultError, NothingDisclosed, UsageError
from pipeline.sources import BOARD_CONS, CASHFLOW, PRICES, SEGMENTS, SHARE_CHANGES, SHARE_INFO, STATEMENTS
from pipeline.sources.sample.books import simulate
from pipeline.sources.sample.firms import Firm
from pipeline.sources.sample.prices import board_frame, hist_frame, info_frame
from pipeline.sources.sample.segments import zygc_frame
from pipeline.sources.sample.shares import gbjg_frame
from pipeline.sources.sample.statements import statement_frame
from pipeline.sources.sample.universe import (
    AKSHARE_VERSION,
    CODE_BASE,
    FIRST_SIM_YEAR,
    LAST_SIM_YEAR,
    NO_CASH_FLOW,
    NO_SEGMENT_TABLE,
    SAMPLE_BOARD,
    SAMPLE_BOARD_NAME,
    SAMPLE_VINTAGES,
)

if TYPE_CHECKING:
    import pandas as pd


class SampleSource:
    """The embedded sample behind the same door as the live akshare source: `fetch(function, **kwargs)`."""

    name = "sample"
    version = AKSHARE_VERSION
    is_sample = True

    def __init__(self, as_of: date = SAMPLE_VINTAGES[-1], firms: int = SAMPLE_FIRMS, years: int = SAMPLE_YEARS, seed: int = 20240801):
        if not FIRST_SIM_YEAR < as_of.year <= LAST_SIM_YEAR:
            raise UsageError(
                f"sample as_of {as_of} is outside {FIRST_SIM_YEAR + 1}–{LAST_SIM_YEAR}", "pick a date in that range"
            )
        if not 1 <= firms <= 9999:
            raise UsageError(f"sample firms={firms} is out of range", "use 1 to 9999 firms (codes 990001–999999)")
        if not 1 <= years <= as_of.year - FIRST_SIM_YEAR:
            raise UsageError(
                f"sample years={years} reaches before {FIRST_SIM_YEAR + 1}",
                f"use 1 to {as_of.year - FIRST_SIM_YEAR} years for as_of {as_of}",
            )
        if seed < 0:
            raise UsageError(f"sample seed={seed} is negative", "use a non-negative integer")
        self.as_of = as_of
        self.firms = firms
        self.years = years
        self.seed = seed
        self.first_year = as_of.year - years + 1

    def __repr__(self) -> str:
        return f"SampleSource(as_of={self.as_of}, firms={self.firms}, years={self.years}, seed={self.seed})"

    def now(self) -> datetime:
        """The fetch timestamp to record: as_of at 16:30 China time (naive), never the wall clock."""
        return datetime(self.as_of.year, self.as_of.month, self.as_of.day, 16, 30)

    def codes(self) -> list[str]:
        return [f"{CODE_BASE + i}" for i in range(1, self.firms + 1)]

    def fetch(self, function: str, **kwargs) -> "pd.DataFrame":
        """The frame akshare 1.19.5 would return for `function(**kwargs)` as of this source's date."""
        import inspect
        from functools import partial

        handlers = {name: partial(self._statement, name) for name in STATEMENTS}
        handlers.update({SEGMENTS: self._zygc, PRICES: self._hist, BOARD_CONS: self._board, SHARE_INFO: self._info,
                         SHARE_CHANGES: self._gbjg})
        handler = handlers.get(function)
        if handler is None:
            raise UsageError(f"the sample has no akshare function {function!r}", f"use one of: {', '.join(handlers)}")
        try:
            params = inspect.signature(handler).bind(**kwargs)
        except TypeError as exc:
            raise UsageError(
                f"{function}({_args(kwargs)}): {exc}", "pass the arguments akshare 1.19.5 accepts"
            ) from None
        params.apply_defaults()
        return handler(**params.arguments)

    # Each handler takes the arguments, with the defaults, of the akshare function it stands for.
    def _statement(self, function: str, symbol: str = "SH600519") -> "pd.DataFrame":
        firm = self._firm_by_em_symbol(function, symbol)
        if function == CASHFLOW and firm.index == NO_CASH_FLOW:
            import pandas as pd

            return pd.DataFrame()  # EastMoney has no cash-flow rows for it: akshare's frame without columns
        return statement_frame(firm, function, self.as_of, self.first_year)

    def _zygc(self, symbol: str = "SH688041") -> "pd.DataFrame":
        firm = self._firm_by_em_symbol(SEGMENTS, symbol)
        if firm.index == NO_SEGMENT_TABLE:
            # akshare raises KeyError on an empty `zygcfx`; the live source classifies it as this
            raise NothingDisclosed(f"{SEGMENTS}(symbol={symbol!r}): EastMoney discloses nothing here (no 主营构成 table)")
        return zygc_frame(firm, self.as_of, self.first_year)

    def _hist(
        self, symbol: str = "000001", period: str = "daily", start_date: str = "19700101", end_date: str = "20500101",
        adjust: str = "", timeout: float | None = None,
    ) -> "pd.DataFrame":
        import pandas as pd

        call = f"stock_zh_a_hist(symbol={symbol!r}, period={period!r}, adjust={adjust!r})"
        if period not in ("daily", "weekly", "monthly"):
            raise UsageError(f"{call}: period must be daily, weekly or monthly", "akshare raises KeyError otherwise")
        if period != "daily":
            raise UsageError(f"{call}: the sample serves daily bars only", "fetch period='daily' and resample")
        if adjust not in ("", "qfq", "hfq"):
            raise UsageError(f"{call}: adjust must be '', 'qfq' or 'hfq'", "akshare raises KeyError otherwise")
        start, end = _yyyymmdd(call, "start_date", start_date), _yyyymmdd(call, "end_date", end_date)
        i = self._index(symbol)
        if i is None:
            return pd.DataFrame()  # EastMoney has no klines for it: akshare returns an empty frame
        return hist_frame(self.seed, simulate(self.seed, i), start, end, adjust, self.as_of)

    def _board(self, symbol: str = "融资融券") -> "pd.DataFrame":
        if symbol not in (SAMPLE_BOARD, SAMPLE_BOARD_NAME):
            raise EmptyResultError(
                f"stock_board_concept_cons_em(symbol={symbol!r}) has no constituents in the sample",
                f"the sample board is {SAMPLE_BOARD} ({SAMPLE_BOARD_NAME})",
            )
        return board_frame(self.seed, self.firms, self.as_of).copy()

    def _info(self, symbol: str = "603777", timeout: float | None = None) -> "pd.DataFrame":
        i = self._index(symbol)
        if i is None:
            raise EmptyResultError(
                f"stock_individual_info_em(symbol={symbol!r}) returned no data",
                f"pass a bare 6-digit code of the sample, 990001–{CODE_BASE + self.firms}",
            )
        return info_frame(self.seed, simulate(self.seed, i), self.as_of)

    def _gbjg(self, symbol: str = "603392.SH") -> "pd.DataFrame":
        import pandas as pd

        from pipeline.sources.shapes import COLUMNS

        # akshare takes 603392.SH, SH603392 or a bare code; the pipeline passes the F10 form (SZ990001)
        text = symbol.strip().upper() if isinstance(symbol, str) else ""
        code = text[2:] if text[:2] in ("SH", "SZ", "BJ") else text.split(".")[0]
        i = self._index(code)
        if i is None:
            return pd.DataFrame(columns=list(COLUMNS[SHARE_CHANGES]))  # EastMoney has no record: akshare's empty table
        return gbjg_frame(simulate(self.seed, i), self.as_of)

    def _index(self, code: object) -> int | None:
        if not isinstance(code, str) or len(code) != 6 or not code.isdigit():
            return None
        i = int(code) - CODE_BASE
        return i if 1 <= i <= self.firms else None

    def _firm_by_em_symbol(self, function: str, symbol: object) -> Firm:
        text = symbol if isinstance(symbol, str) else ""
        if len(text) != 8 or text[:2] not in ("SH", "SZ", "BJ") or not text[2:].isdigit():
            raise EmptyResultError(
                f"{function}(symbol={symbol!r}): EastMoney F10 needs the upper-case market prefix "
                "(akshare fails with TypeError: 'NoneType' object is not subscriptable)",
                "pass the prefixed form, e.g. SZ990001 (pipeline.codes.em_symbol)",
            )
        i = self._index(text[2:]) if text.startswith("SZ") else None
        if i is None:
            raise EmptyResultError(
                f"{function}(symbol={symbol!r}) returned no data: not a firm of the sample",
                f"sample symbols are SZ990001–SZ{CODE_BASE + self.firms}",
            )
        return simulate(self.seed, i)


def _args(kwargs: dict) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in kwargs.items())


def _yyyymmdd(call: str, name: str, text: object) -> date:
    try:
        return datetime.strptime(str(text), "%Y%m%d").date()
    except ValueError:
        raise UsageError(f"{call}: {name}={text!r} is not a YYYYMMDD date", "e.g. 20200101") from None
