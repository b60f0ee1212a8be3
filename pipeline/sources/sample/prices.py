"""Daily bars, board constituents and share info."""

from __future__ import annotations

import math
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING

from pipeline.sources import BOARD_CONS, PRICES
from pipeline.sources.sample.books import simulate
from pipeline.sources.sample.dates import trading_days
from pipeline.sources.sample.fields import INFO_ITEMS
from pipeline.sources.sample.firms import Firm
from pipeline.sources.sample.statements import published
from pipeline.sources.sample.universe import FIRST_SIM_YEAR, JOINS, LAST_SIM_YEAR, LEAVES
from pipeline.sources.shapes import COLUMNS

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

_THEME_WAVES = ((date(2023, 2, 1), date(2023, 6, 30), 0.004), (date(2024, 9, 24), date(2025, 2, 28), 0.0025),
                (date(2025, 7, 1), date(2025, 10, 15), 0.002))


@lru_cache(maxsize=4)
def _market(seed: int) -> tuple["np.ndarray", "np.ndarray"]:
    """Daily market return and the compute-theme premium (both shared by every firm of a seed)."""
    import numpy as np

    days, _ = trading_days()
    rng = np.random.default_rng([seed, 0])
    market = rng.normal(0.0002, 0.011, len(days))
    theme = np.zeros(len(days))
    for start, end, boost in _THEME_WAVES:
        theme[(days >= np.datetime64(start)) & (days <= np.datetime64(end))] = boost
    return market, theme


@lru_cache(maxsize=32)
def price_path(seed: int, i: int) -> dict:
    """Firm i's daily bars over the whole simulation: unadjusted OHLC, the hfq factor, volume and amount."""
    import numpy as np

    firm = simulate(seed, i)
    days, _ = trading_days()
    n = len(days)
    rng = np.random.default_rng([seed, i, 1])
    market, theme = _market(seed)
    sigma = rng.uniform(0.015, 0.028)
    exposure = rng.uniform(0.5, 1.5) if firm.price["announce"] else rng.uniform(0.0, 0.3)
    announced = days >= np.datetime64(firm.price["announce"] or date(LAST_SIM_YEAR + 1, 1, 1))
    theme_load = np.where(announced, exposure, 0.2 * exposure)
    ret = rng.uniform(0.7, 1.3) * market + theme_load * theme + rng.normal(0, sigma, n)
    # Mean reversion towards price-to-book times the last quarter-end book value per share.
    day_year = days.astype("datetime64[Y]").astype(np.int64) + 1970
    day_month = days.astype("datetime64[M]").astype(np.int64) % 12
    q = (day_year - FIRST_SIM_YEAR) * 4 + day_month // 3
    book = firm.points["TOTAL_PARENT_EQUITY"] / 100 / firm.shares
    bps = np.maximum(np.concatenate([[book[0]], book[:-1]])[q], 0.5)
    fair = np.log(firm.price["pb"] * bps)
    kappa = 0.004
    decay = (1 - kappa) ** np.arange(n)
    impulse = np.zeros(n)
    impulse[1:] = ret[1:] + kappa * fair[:-1]
    x0 = fair[0] + rng.normal(0, 0.2)
    x = decay * (x0 + np.cumsum(impulse / decay))
    step = np.clip(np.diff(x), math.log(0.913), math.log(1.095))  # stay inside the ±10 % limit
    x = x0 + np.concatenate([[0.0], np.cumsum(step)])
    total_return = np.exp(x)
    # Cash dividends: the unadjusted price drops on the ex-date; hfq multiplies it back.
    factor = np.ones(n)
    ex_ref = {}
    current = 1.0
    for ex_date, dps in firm.dividends:
        e = int(np.searchsorted(days, np.datetime64(ex_date)))
        if e <= 0 or e >= n:
            continue
        prev_raw = round(total_return[e - 1] / current, 2)
        if prev_raw <= 2 * dps:
            continue
        current *= prev_raw / (prev_raw - dps)
        factor[e:] = current
        ex_ref[e] = round(prev_raw - dps, 2)
    close = np.maximum(np.round(total_return / factor, 2), 0.01)
    ref = np.concatenate([[round(close[0] / math.exp(ret[0]), 2)], close[:-1]])
    for e, value in ex_ref.items():
        ref[e] = value
    up, down = np.round(ref * 1.1, 2), np.round(ref * 0.9, 2)
    close = np.clip(close, down, up)
    open_ = np.clip(np.round(ref * np.exp(rng.normal(0, 0.35 * sigma, n)), 2), down, up)
    high = np.clip(np.round(np.maximum(open_, close) * np.exp(np.abs(rng.normal(0, 0.5 * sigma, n))), 2), None, up)
    low = np.clip(np.round(np.minimum(open_, close) * np.exp(-np.abs(rng.normal(0, 0.5 * sigma, n))), 2), down, None)
    high = np.maximum(high, np.maximum(open_, close))
    low = np.minimum(low, np.minimum(open_, close))
    total_shares, free_shares = firm.shares_on(days)
    turnover = rng.uniform(0.6, 2.5) * np.exp(rng.normal(0, 0.35, n)) * (1 + 2 * np.abs(np.diff(x, prepend=x0)) / sigma)
    turnover *= 1 + 250 * theme * theme_load
    lots = np.maximum(np.rint(turnover / 100 * free_shares / 100), 1).astype(np.int64)
    return {
        "open": open_, "close": close, "high": high, "low": low, "ref": ref, "factor": factor, "lots": lots,
        "amount": np.round(lots * 100 * (open_ + high + low + close) / 4, 2),
        "turnover": np.round(lots * 100 / free_shares * 100, 2), "total_shares": total_shares,
        "free_shares": free_shares,
    }


def _bars(bars: dict, scale: "np.ndarray | None") -> dict:
    """Bars under an adjustment factor (None = unadjusted), with change, change % and amplitude on that series."""
    import numpy as np

    if scale is None:
        o, c, h, lo, ref = (bars[k] for k in ("open", "close", "high", "low", "ref"))
    else:
        o, c, h, lo = (np.round(bars[k] * scale, 2) for k in ("open", "close", "high", "low"))
        # Adjusted series compare with yesterday's adjusted close; unadjusted ones with the ex-rights reference.
        ref = np.concatenate([[round(float(bars["ref"][0] * scale[0]), 2)], c[:-1]])
    return {
        "开盘": o, "收盘": c, "最高": h, "最低": lo, "ref": ref,
        "振幅": np.round((h - lo) / ref * 100, 2), "涨跌幅": np.round((c - ref) / ref * 100, 2),
        "涨跌额": np.round(c - ref, 2),
    }


def _last_day(as_of: date) -> int:
    """Index of the last trading day on or before as_of."""
    import numpy as np

    days, _ = trading_days()
    return int(np.searchsorted(days, np.datetime64(as_of), side="right")) - 1


def hist_frame(seed: int, firm: Firm, start: date, end: date, adjust: str, as_of: date) -> "pd.DataFrame":
    import numpy as np
    import pandas as pd

    days, day_objects = trading_days()
    lo = int(np.searchsorted(days, np.datetime64(start)))
    hi = min(int(np.searchsorted(days, np.datetime64(end), side="right")), _last_day(as_of) + 1)
    if hi <= lo:
        return pd.DataFrame()  # akshare's answer when EastMoney has no klines
    bars = price_path(seed, firm.index)
    factor = bars["factor"]
    scale = {"": None, "hfq": factor, "qfq": factor / factor[_last_day(as_of)]}[adjust]
    view = _bars(bars, scale)
    columns = {
        "日期": np.array(day_objects[lo:hi], dtype=object),
        "股票代码": pd.array([firm.code] * (hi - lo), dtype="str"),
        "成交量": bars["lots"][lo:hi],
        "成交额": bars["amount"][lo:hi],
        "换手率": bars["turnover"][lo:hi],
        **{name: view[name][lo:hi] for name in ("开盘", "收盘", "最高", "最低", "振幅", "涨跌幅", "涨跌额")},
    }
    return pd.DataFrame({name: columns[name] for name in COLUMNS[PRICES]})


def _latest_fundamentals(firm: Firm, as_of: date) -> tuple[float, float]:
    """Annualised YTD net profit to parent and parent equity of the latest report published by as_of."""
    rows = published(firm, as_of, FIRST_SIM_YEAR)
    if not rows:
        return float("nan"), float("nan")
    t = rows[0]
    annual = firm.ytd("PARENT_NETPROFIT")[t] / 100 * 4 / (t % 4 + 1)
    return float(annual), float(firm.points["TOTAL_PARENT_EQUITY"][t] / 100)


def _is_member(i: int, as_of: date) -> bool:
    if i == JOINS[0]:
        return as_of >= JOINS[1]
    if i == LEAVES[0]:
        return as_of < LEAVES[1]
    return True


@lru_cache(maxsize=4)
def board_frame(seed: int, firms: int, as_of: date) -> "pd.DataFrame":
    """Constituents at as_of with that day's bar; cached, so callers get a copy (see SampleSource._board)."""
    import numpy as np
    import pandas as pd

    d = _last_day(as_of)
    rows = []
    # EastMoney lists constituents by code (fid=f12, po=1); akshare then re-sorts by change % with pandas.
    for i in range(firms, 0, -1):
        if not _is_member(i, as_of):
            continue
        firm = simulate(seed, i)
        bars = price_path(seed, i)
        close, ref = float(bars["close"][d]), float(bars["ref"][d])
        high, low = float(bars["high"][d]), float(bars["low"][d])
        profit, equity = _latest_fundamentals(firm, as_of)
        cap = close * bars["total_shares"][d]
        rows.append((
            firm.code, firm.name, close, float(np.round((close - ref) / ref * 100, 2)), float(np.round(close - ref, 2)),
            float(bars["lots"][d]), float(bars["amount"][d]), float(np.round((high - low) / ref * 100, 2)), high, low,
            float(bars["open"][d]), ref, float(bars["turnover"][d]),
            round(cap / profit, 2) if profit else float("nan"), round(cap / equity, 2) if equity else float("nan"),
        ))
    cols = list(zip(*rows))
    frame = pd.DataFrame({
        "代码": pd.array(cols[0], dtype="str"),
        "名称": pd.array(cols[1], dtype="str"),
    })
    for name, values in zip(COLUMNS[BOARD_CONS][3:], cols[2:]):
        frame[name] = np.array(values, dtype=np.float64)
    frame = frame.sort_values(by=["涨跌幅"], ascending=False, ignore_index=True)
    frame.insert(0, "序号", np.arange(1, len(frame) + 1, dtype=np.int64))
    return frame


def info_frame(seed: int, firm: Firm, as_of: date) -> "pd.DataFrame":
    import numpy as np
    import pandas as pd

    d = _last_day(as_of)
    bars = price_path(seed, firm.index)
    close = float(bars["close"][d])
    total, free = float(bars["total_shares"][d]), float(bars["free_shares"][d])
    values = [
        close, firm.code, firm.name, total, free, close * total, close * free, firm.trade.industry,
        int(firm.listed.strftime("%Y%m%d")),
    ]
    return pd.DataFrame({"item": pd.array(INFO_ITEMS, dtype="str"), "value": np.array(values, dtype=object)})
