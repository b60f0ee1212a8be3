"""stock_zh_a_gbjg_em (东方财富 股本结构) for a sample firm: its share-change history, as akshare 1.19.5 returns it.

akshare asks EastMoney's RPT_F10_EH_EQUITY report sorted by END_DATE descending and returns, in this order:
变更日期 (datetime.date objects), 总股本, 流通受限股份, 其他内资持股(受限), 境内法人持股(受限), 境内自然人持股(受限),
已流通股份, 已上市流通A股 (numbers after pd.to_numeric: shares, not 万股) and 变动原因 (text). A code EastMoney has
no record for gives the same nine columns with no rows (akshare's `_empty_stock_zh_a_gbjg_em_df`), never an error.

A sample firm's history follows Firm.shares_on, the count its prices and stock_individual_info_em use: the IPO
count from its listing day, a placement on its day (the new shares locked up), and those shares freed 180 days
later. Rows after `as_of` are not yet known.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import TYPE_CHECKING

from pipeline.sources import SHARE_CHANGES
from pipeline.sources.sample.firms import Firm
from pipeline.sources.shapes import COLUMNS

if TYPE_CHECKING:
    import pandas as pd


def gbjg_frame(firm: Firm, as_of: date) -> "pd.DataFrame":
    import numpy as np
    import pandas as pd

    base = float(firm.shares[0])
    free = float(math.floor(base * firm.float_ratio))
    rows = [(firm.listed, base, free, "首发A股上市")]
    if firm.placement:
        on, new = firm.placement
        rows.append((on, base + new, free, "定向增发"))
        rows.append((on + timedelta(days=180), base + new, free + new, "定向增发限售股份上市流通"))
    rows = sorted((r for r in rows if r[0] <= as_of), key=lambda r: r[0], reverse=True)
    total = np.array([r[1] for r in rows], dtype=np.float64)
    listed = np.array([r[2] for r in rows], dtype=np.float64)
    restricted = total - listed
    nan = np.full(len(rows), np.nan)
    frame = pd.DataFrame({
        "变更日期": pd.Series([r[0] for r in rows], dtype=object),
        "总股本": total,
        "流通受限股份": restricted,
        "其他内资持股(受限)": np.where(restricted > 0, restricted, np.nan),
        "境内法人持股(受限)": nan,
        "境内自然人持股(受限)": nan.copy(),
        "已流通股份": listed,
        "已上市流通A股": listed.copy(),
        "变动原因": pd.Series([r[3] for r in rows], dtype=object),
    })
    return frame[list(COLUMNS[SHARE_CHANGES])]
