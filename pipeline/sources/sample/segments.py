"""stock_zygc_em frames: main-business composition by product, industry and region."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from pipeline.errors import NothingDisclosed
from pipeline.sources import SEGMENTS
from pipeline.sources.sample.dates import qidx, quarter_end
from pipeline.sources.sample.firms import Firm
from pipeline.sources.sample.statements import is_restated, published, restatement_cents
from pipeline.sources.sample.universe import (
    CLASS_INDUSTRY,
    CLASS_PRODUCT,
    CLASS_REGION,
    OTHER_BUSINESS,
    OTHER_SUPPLEMENT,
    REGION_ONLY_H1,
    RESTATED,
)
from pipeline.sources.shapes import COLUMNS

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd


def _split(total: int, weights: "np.ndarray") -> list[int]:
    """Split integer cents by weights; the last part takes the rounding so the parts sum exactly."""
    import numpy as np

    w = np.asarray(weights, dtype=np.float64)
    w = w / w.sum() if w.sum() else np.full(len(w), 1 / len(w))
    parts = [int(round(total * x)) for x in w[:-1]]
    return parts + [total - sum(parts)]


def _segment_rows(firm: Firm, t: int, as_of: date) -> list[tuple[str, str, int, int | None]]:
    """(classification, segment, revenue cents, cost cents or None) for one H1 or FY period."""
    import numpy as np

    plan = firm.segments
    leg_rev, leg_cost = int(firm.ytd("LEG_REV")[t]), int(firm.ytd("LEG_COST")[t])
    comp_rev, comp_cost = int(firm.ytd("COMP_REV")[t]), int(firm.ytd("COMP_COST")[t])
    if is_restated(firm, as_of) and t == qidx(RESTATED[1].year, 4):
        cut = restatement_cents(firm)
        comp_rev, comp_cost = comp_rev - cut, comp_cost - cut
    total_rev, total_cost = leg_rev + comp_rev, leg_cost + comp_cost
    if total_rev <= 0:
        return []
    fy = t % 4 == 3
    drift = np.exp(plan["drift"][t // 4])
    n_prod = len(plan["products"])
    rows: list[tuple[str, str, int, int | None]] = []

    def add(classification: str, items: list[tuple[str, int, int | None]], last: tuple[str, ...] = ()) -> None:
        items = [it for it in items if it[1] > 0]
        items.sort(key=lambda it: (it[0] in last, -it[1]))
        rows.extend((classification, name, rev, cost) for name, rev, cost in items)

    compute = [(plan["compute_name"], comp_rev, comp_cost)] if comp_rev > 0 else []
    if fy or plan["industry_in_h1"]:
        industry_compute = [(plan["compute_industry"], comp_rev, comp_cost)] if comp_rev > 0 else []
        add(CLASS_INDUSTRY, [(firm.trade.legacy_industry, leg_rev, leg_cost)] + industry_compute)
    if leg_rev > 0:
        other_rev = int(round(leg_rev * plan["other_business"]))
        shares = plan["product_shares"] * drift[:n_prod]
        prod_rev = _split(leg_rev - other_rev, shares)
        gm = 1 - leg_cost / leg_rev
        other_cost = int(round(other_rev * (1 - gm)))
        cost_share = np.array(prod_rev) * np.clip(1 - gm - plan["product_margin"], 0.05, None)
        prod_cost = _split(leg_cost - other_cost, cost_share)
        names = list(plan["products"])
        if plan["supplement_row"]:
            names[-1] = OTHER_SUPPLEMENT  # the smallest product is not itemised; EastMoney reconciles the rest
        legacy = list(zip(names, prod_rev, prod_cost))
        if other_rev:
            legacy.append((OTHER_BUSINESS, other_rev, other_cost))
    else:
        legacy = []
    add(CLASS_PRODUCT, legacy + compute, last=(OTHER_BUSINESS, OTHER_SUPPLEMENT))
    region_only = firm.index == REGION_ONLY_H1[0] and quarter_end(t) == REGION_ONLY_H1[1]
    if region_only:
        rows.clear()  # this report breaks 主营构成 down by region only
    if fy or plan["region_in_h1"] or region_only:
        weights = plan["region_shares"] * drift[n_prod:]
        region_rev = _split(total_rev, weights)
        if plan["region_cost"]:
            # regions differ a little in margin: weight cost by revenue, nudged by the region's drift
            region_cost: list = _split(total_cost, np.array(region_rev) * drift[n_prod:] ** 0.05)
        else:
            region_cost = [None] * len(region_rev)
        add(CLASS_REGION, list(zip(plan["regions"], region_rev, region_cost)))
    return rows


def zygc_frame(firm: Firm, as_of: date, first_year: int) -> "pd.DataFrame":
    import numpy as np
    import pandas as pd

    records = []
    for t in published(firm, as_of, first_year):
        if t % 4 not in (1, 3):
            continue
        rows = _segment_rows(firm, t, as_of)
        for classification in (CLASS_INDUSTRY, CLASS_PRODUCT, CLASS_REGION):
            part = [r for r in rows if r[0] == classification]
            if not part:
                continue
            rev_sum = sum(r[2] for r in part)
            has_cost = part[0][3] is not None
            cost_sum = sum(r[3] for r in part) if has_cost else 0
            profit_sum = rev_sum - cost_sum
            for _, name, rev, cost in part:
                profit = None if cost is None else rev - cost
                records.append((
                    quarter_end(t), classification, name, rev / 100, _ratio(rev, rev_sum),
                    np.nan if cost is None else cost / 100, _ratio(cost, cost_sum),
                    np.nan if profit is None else profit / 100, _ratio(profit, profit_sum), _ratio(profit, rev),
                ))
    if not records:
        # akshare raises KeyError on an empty `zygcfx`; the live source classifies it as this
        raise NothingDisclosed(f"stock_zygc_em(symbol={firm.em_symbol!r}): EastMoney discloses nothing here "
                               f"(no segment data up to {as_of})")
    cols = list(zip(*records))
    n = len(records)
    frame = pd.DataFrame({
        "股票代码": pd.array([firm.code] * n, dtype="str"),
        "报告日期": np.array(cols[0], dtype=object),
        "分类类型": pd.array(cols[1], dtype="str"),
        "主营构成": pd.array(cols[2], dtype="str"),
    })
    for name, values in zip(COLUMNS[SEGMENTS][4:], cols[3:]):
        frame[name] = np.array(values, dtype=np.float64)
    return frame


def _ratio(part, whole) -> float:
    if part is None or not whole:
        return float("nan")
    return round(part / whole, 6)
