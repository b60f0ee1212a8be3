"""Sources yield raw frames exactly as akshare returns them. The sample and the live akshare source share this door.

A source is anything with:
    name: str              # "sample" or "akshare"
    version: str           # the akshare version whose output shapes it returns (provenance)
    is_sample: bool
    fetch(function, **kwargs) -> pandas.DataFrame   # `function` is an akshare function name
and `now()` giving the fetch timestamp to record (the sample replays fixed timestamps, so it is deterministic).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import pandas as pd

# The akshare functions the pipeline calls, grouped by the raw table they feed.
INCOME = "stock_profit_sheet_by_report_em"
BALANCE = "stock_balance_sheet_by_report_em"
CASHFLOW = "stock_cash_flow_sheet_by_report_em"
SEGMENTS = "stock_zygc_em"
PRICES = "stock_zh_a_hist"
SHARE_INFO = "stock_individual_info_em"
# 东方财富 股本结构: the share-change history (每次股本变动的日期与总股本), for market values in force on each day.
SHARE_CHANGES = "stock_zh_a_gbjg_em"
BOARD_CONS = "stock_board_concept_cons_em"
# Not an akshare function: a board list a user exported and imported (`leasewatch universe import`).
UNIVERSE_IMPORT = "universe_import"
# Not an akshare function: the day's bars cut from a board or market snapshot (stock_board_concept_cons_em,
# ulist_quotes_em, or the fallback stock_*_a_spot_em; each stored as fetched too) in stock_zh_a_hist's columns,
# stamped with the trade date.
PRICE_SNAPSHOT = "price_snapshot"
STATEMENTS = (INCOME, BALANCE, CASHFLOW)


class Source(Protocol):
    name: str
    version: str
    is_sample: bool

    def fetch(self, function: str, **kwargs) -> "pd.DataFrame": ...

    def now(self) -> datetime: ...


def args_text(args: dict) -> str:
    """A call's arguments as they are shown in messages: "symbol='SZ300442'"."""
    return ", ".join(f"{k}={v!r}" for k, v in sorted(args.items()))
