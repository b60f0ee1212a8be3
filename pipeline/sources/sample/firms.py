"""One simulated firm's books and the helpers that build them."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from pipeline.sources.sample.dates import qidx, weekday_on_or_before
from pipeline.sources.sample.fields import CF_ZERO_BALANCE
from pipeline.sources.sample.universe import (
    COMPUTE_INDUSTRIES,
    COMPUTE_SEGMENTS,
    DESIGNED_FIRMS,
    edge,
    FIRST_SIM_YEAR,
    INDUSTRY_TIER1_ONLY,
    LAST_SIM_YEAR,
    LEGACY_ONLY,
    LEVERAGED,
    LOSS,
    N_QUARTERS,
    REGIONS,
    RESTATED,
    SERVER_SALES,
    SHELL,
    SQUEEZE,
    STARS,
    Trade,
    UNUSUAL_SEGMENTS,
)

if TYPE_CHECKING:
    import numpy as np


@dataclass
class Firm:
    index: int
    code: str
    name: str
    trade: Trade
    archetype: str
    listed: date
    notice: tuple[date, ...]  # per quarter index
    flows: dict  # single-quarter amounts in integer cents
    points: dict  # quarter-end balances in integer cents
    shares: "np.ndarray"  # shares outstanding at each quarter end
    float_ratio: float
    placement: tuple[date, int] | None  # (date, new shares); they trade freely 180 days later
    dividends: tuple[tuple[date, float], ...]  # (ex-date, cash per share)
    segments: dict  # names and split parameters for stock_zygc_em
    price: dict  # parameters of the price path

    @property
    def em_symbol(self) -> str:
        return f"SZ{self.code}"

    def ytd(self, key: str) -> "np.ndarray":
        """Year-to-date cents of a flow line, for every quarter of the simulation."""
        return self.flows[key].reshape(-1, 4).cumsum(axis=1).ravel()

    def shares_on(self, days: "np.ndarray") -> tuple["np.ndarray", "np.ndarray"]:
        """Total and freely traded shares on each day."""
        import numpy as np

        base = float(self.shares[0])
        total = np.full(len(days), base)
        free = np.full(len(days), float(math.floor(base * self.float_ratio)))
        if self.placement:
            on, new = self.placement
            total[days >= np.datetime64(on)] += new
            free[days >= np.datetime64(on + timedelta(days=180))] += new
        return total, free


def archetype_of(i: int, rng: "np.random.Generator") -> str:
    if i == SHELL[0]:
        return "shell"
    if i <= DESIGNED_FIRMS:
        if i in STARS:
            return "star"
        if i in LEVERAGED:  # before LOSS: a leveraged firm can also be built to lose money
            return "leveraged"
        if i in LOSS:
            return "loss"
        if i in LEGACY_ONLY:
            return "legacy"
        return "squeeze" if i in SQUEEZE else "generic"
    # Beyond the designed firms the sample stands for the whole market: most firms never pivot.
    return str(rng.choice(
        ["legacy", "generic", "squeeze", "loss", "leveraged", "star"], p=[0.55, 0.27, 0.08, 0.06, 0.03, 0.01]
    ))


def amortised_debt(q: int, tranches: list[tuple[int, float, int]]) -> tuple["np.ndarray", "np.ndarray"]:
    """Straight-line amortising debt: (start quarter, amount, quarters). Balance after each quarter's
    repayment, and the part due within the next four quarters (一年内到期)."""
    import numpy as np

    t = np.arange(q + 4)
    balance, current = np.zeros(q), np.zeros(q)
    for start, amount, n in tranches:
        if amount > 0 and start < q:
            owed = np.where(t >= start, amount * np.clip(1 - (t - start) / n, 0, 1), 0.0)
            balance += owed[:q]
            current += np.where(t[:q] >= start, owed[:q] - owed[4:], 0.0)
    return balance, current


def straight_assets(q: int, tranches: list[tuple[int, float, int]]) -> tuple["np.ndarray", "np.ndarray"]:
    """Assets written off straight-line from the quarter they arrive: (net balance, charge per quarter)."""
    import numpy as np

    t = np.arange(q)
    balance, charge = np.zeros(q), np.zeros(q)
    for start, amount, n in tranches:
        if amount > 0 and start < q:
            live = (t >= start) & (t < start + n)
            charge += np.where(live, amount / n, 0.0)
            balance += np.where(t >= start, amount * np.clip(1 - (t - start + 1) / n, 0, 1), 0.0)
    return balance, charge


def cents(x) -> "np.ndarray":
    import numpy as np

    return np.rint(np.asarray(x, dtype=np.float64) * 100).astype(np.int64)


def lag(x: "np.ndarray", first=None) -> "np.ndarray":
    import numpy as np

    out = np.empty_like(x)
    out[1:] = x[:-1]
    out[0] = x[0] if first is None else first
    return out


def ffill(x: "np.ndarray") -> "np.ndarray":
    import numpy as np

    idx = np.where(np.isnan(x), 0, np.arange(len(x)))
    np.maximum.accumulate(idx, out=idx)
    return x[idx]


def ex_dividend_date(year: int, month_day: tuple[int, int]) -> date:
    return weekday_on_or_before(date(year, *month_day))


def cash_flows(f: dict, p: dict, debt: dict, inputs: dict) -> None:
    """The cash-flow statement in cents: investing and financing from the books, operating as the balancing
    item of the change in cash, and the indirect-method supplement reconciling net profit to it."""
    import numpy as np

    v = inputs
    Q = v["Q"]
    zero = np.zeros(Q, dtype=np.int64)

    def diff(x, first=None):
        return x - lag(x, x[0] if first is None else first)

    restricted = np.rint(v["restricted"] * p["MONETARYFUNDS"]).astype(np.int64)
    end_cce = p["MONETARYFUNDS"] - restricted
    cce_add = diff(end_cce, end_cce[0])
    begin_year = lag(end_cce, end_cce[0])[::4].repeat(4)

    f["CONSTRUCT_LONG_ASSET"] = v["construct"]
    f["DISPOSAL_LONG_ASSET"] = v["disposal"]
    f["OBTAIN_SUBSIDIARY_OTHER"] = v["goodwill_buy"]
    f["WITHDRAW_INVEST"] = v["wmp"]
    f["INVEST_PAY_CASH"] = v["wmp"]
    f["RECEIVE_INVEST_INCOME"] = v["invest_cash"]
    f["TOTAL_INVEST_INFLOW"] = f["WITHDRAW_INVEST"] + f["RECEIVE_INVEST_INCOME"] + f["DISPOSAL_LONG_ASSET"]
    f["TOTAL_INVEST_OUTFLOW"] = f["CONSTRUCT_LONG_ASSET"] + f["INVEST_PAY_CASH"] + f["OBTAIN_SUBSIDIARY_OTHER"]
    f["NETCASH_INVEST"] = f["TOTAL_INVEST_INFLOW"] - f["TOTAL_INVEST_OUTFLOW"]

    short = p["SHORT_LOAN"]
    short_prev = lag(short, short[0])
    short_repaid = np.maximum(np.rint(0.6 * short_prev).astype(np.int64), short_prev - short)
    short_new = short - short_prev + short_repaid
    long_total = debt["long"][0]
    long_repaid = lag(long_total, long_total[0]) + v["long_new"] - long_total
    lease_total = debt["lease"][0]
    lease_paid = lag(lease_total, lease_total[0]) + v["lease_new"] - lease_total
    lp_total = debt["lp"][0]
    lp_paid = lag(lp_total, lp_total[0]) + v["slb"] + v["finlease"] - lp_total
    f["ACCEPT_INVEST_CASH"] = v["placement"]
    f["RECEIVE_LOAN_CASH"] = v["long_new"] + short_new
    f["ISSUE_BOND"] = v["bond_issue"]
    f["RECEIVE_OTHER_FINANCE"] = v["slb"]
    f["TOTAL_FINANCE_INFLOW"] = (
        f["ACCEPT_INVEST_CASH"] + f["RECEIVE_LOAN_CASH"] + f["ISSUE_BOND"] + f["RECEIVE_OTHER_FINANCE"]
    )
    f["PAY_DEBT_CASH"] = long_repaid + short_repaid
    f["ASSIGN_DIVIDEND_PORFIT"] = v["dividend"] + v["interest_paid"]
    f["PAY_OTHER_FINANCE"] = lease_paid + lp_paid + v["interest_lease"]  # lease and sale-leaseback payments
    f["TOTAL_FINANCE_OUTFLOW"] = f["PAY_DEBT_CASH"] + f["ASSIGN_DIVIDEND_PORFIT"] + f["PAY_OTHER_FINANCE"]
    f["NETCASH_FINANCE"] = f["TOTAL_FINANCE_INFLOW"] - f["TOTAL_FINANCE_OUTFLOW"]
    f["CCE_ADD"] = cce_add
    f["NETCASH_OPERATE"] = cce_add - f["NETCASH_INVEST"] - f["NETCASH_FINANCE"]

    revenue = f["OPERATE_INCOME"]
    collected = diff(v["ar_gross"]) + diff(p["NOTE_RECE"]) - diff(p["CONTRACT_LIAB"])
    sales = np.rint(revenue * 1.09).astype(np.int64) - collected  # revenue with VAT, less what is still owed
    receive_other = f["OTHER_INCOME"] + f["FE_INTEREST_INCOME"] + f["NONBUSINESS_INCOME"]
    pay_tax = f["OPERATE_TAX_ADD"] + np.clip(f["INCOME_TAX"], 0, None) + np.rint(0.02 * revenue).astype(np.int64)
    pay_other = np.rint(0.4 * (f["SALE_EXPENSE"] + f["MANAGE_EXPENSE"])).astype(np.int64)
    pay_other = pay_other + f["NONBUSINESS_EXPENSE"] + v["fees"]
    inflow = sales + receive_other
    outflow = inflow - f["NETCASH_OPERATE"]
    buy = outflow - v["staff"] - pay_tax - pay_other
    # a quarter whose cash inflow beats all its costs books the excess as other receipts
    short_fall = np.clip(-buy, 0, None)
    receive_other = receive_other + short_fall
    f["SALES_SERVICES"] = sales
    f["RECEIVE_OTHER_OPERATE"] = receive_other
    f["TOTAL_OPERATE_INFLOW"] = sales + receive_other
    f["BUY_SERVICES"] = buy + short_fall
    f["PAY_STAFF_CASH"] = v["staff"]
    f["PAY_ALL_TAX"] = pay_tax
    f["PAY_OTHER_OPERATE"] = pay_other
    f["TOTAL_OPERATE_OUTFLOW"] = f["TOTAL_OPERATE_INFLOW"] - f["NETCASH_OPERATE"]

    f["CF_NETPROFIT"] = f["NETPROFIT"]
    f["ASSET_IMPAIRMENT"] = -(f["ASSET_IMPAIRMENT_INCOME"] + f["CREDIT_IMPAIRMENT_INCOME"])
    f["FA_IR_DEPR"] = v["fa_ir_depr"]
    f["IR_DEPR"] = v["ir_depr"]
    f["IA_AMORTIZE"] = v["ia_amort"]
    f["LPE_AMORTIZE"] = v["lpe_amort"]
    f["USERIGHT_ASSET_AMORTIZE"] = v["rou_amort"]
    f["DISPOSAL_LONGASSET_LOSS"] = -f["ASSET_DISPOSAL_INCOME"]
    f["FAIRVALUE_CHANGE_LOSS"] = -f["FAIRVALUE_CHANGE_INCOME"]
    f["CF_FINANCE_EXPENSE"] = f["FE_INTEREST_EXPENSE"]
    f["INVEST_LOSS"] = -f["INVEST_INCOME"]
    f["DT_ASSET_REDUCE"] = -diff(p["DEFER_TAX_ASSET"])
    f["DT_LIAB_ADD"] = diff(p["DEFER_TAX_LIAB"])
    f["INVENTORY_REDUCE"] = -diff(p["INVENTORY"])
    f["OPERATE_RECE_REDUCE"] = -diff(
        p["ACCOUNTS_RECE"] + p["NOTE_RECE"] + p["FINANCE_RECE"] + p["PREPAYMENT"] + p["OTHER_RECE"]
        + p["CONTRACT_ASSET"] + p["OTHER_CURRENT_ASSET"]
    )
    f["OPERATE_PAYABLE_ADD"] = diff(
        p["ACCOUNTS_PAYABLE"] + p["NOTE_PAYABLE"] + p["CONTRACT_LIAB"] + p["STAFF_SALARY_PAYABLE"] + p["TAX_PAYABLE"]
        + p["OTHER_PAYABLE"] + p["OTHER_CURRENT_LIAB"] + p["DEFER_INCOME"]
    )
    explained = sum(
        f[k] for k in (
            "CF_NETPROFIT", "ASSET_IMPAIRMENT", "FA_IR_DEPR", "IR_DEPR", "IA_AMORTIZE", "LPE_AMORTIZE",
            "USERIGHT_ASSET_AMORTIZE", "DISPOSAL_LONGASSET_LOSS", "FAIRVALUE_CHANGE_LOSS", "CF_FINANCE_EXPENSE",
            "INVEST_LOSS", "DT_ASSET_REDUCE", "DT_LIAB_ADD", "INVENTORY_REDUCE", "OPERATE_RECE_REDUCE",
            "OPERATE_PAYABLE_ADD",
        )
    )
    f["OTHER"] = f["NETCASH_OPERATE"] - explained
    f["NETCASH_OPERATENOTE"] = f["NETCASH_OPERATE"]
    f["CCE_ADDNOTE"] = cce_add
    f["FINLEASE_OBTAIN_FA"] = v["finlease"]
    for key in CF_ZERO_BALANCE:
        f[key] = zero
    p["END_CCE"] = end_cce
    p["BEGIN_CCE"] = begin_year
    p["END_CASH"] = end_cce
    p["BEGIN_CASH"] = begin_year


def notice_dates(rng: "np.random.Generator", i: int) -> tuple[date, ...]:
    """Publication date of every report: Q1 in late April, H1 in August, Q3 in late October, FY by next April;
    firms that publish FY late often release Q1 the same day."""
    out: list[date] = []
    for year in range(FIRST_SIM_YEAR, LAST_SIM_YEAR + 1):
        q1 = date(year, 4, int(rng.integers(16, 30)))
        h1 = date(year, 8, int(rng.integers(10, 31)))
        q3 = date(year, 10, int(rng.integers(16, 31)))
        fy = date(year + 1, 3, 15) + timedelta(days=int(rng.integers(0, 45)))
        out += [weekday_on_or_before(d) for d in (q1, h1, q3, fy)]
    for year in range(FIRST_SIM_YEAR + 1, LAST_SIM_YEAR + 1):
        fy_prev = out[qidx(year - 1, 4)]
        if fy_prev.month == 4 and fy_prev.day >= 16 and rng.random() < 0.5:
            out[qidx(year, 1)] = fy_prev
    if i == RESTATED[0]:
        out[qidx(2025, 4)] = RESTATED[2]
    return tuple(out)


def segment_plan(rng: "np.random.Generator", i: int, trade: Trade) -> dict:
    """How stock_zygc_em splits this firm's revenue: product shares, regions, naming, which tables it discloses."""
    n_products = int(rng.integers(2, 4))
    shares = dirichlet(rng, n_products)
    unusual = i == edge("unusual_segment")
    regions_n = int(rng.integers(2, 5))
    regions = tuple(rng.choice(len(REGIONS), size=regions_n, replace=False).tolist())
    plan = {
        "products": trade.products[:n_products],
        "product_shares": shares,
        "product_margin": rng.uniform(-0.08, 0.08, n_products),
        "other_business": float(rng.uniform(0.01, 0.03)) if rng.random() < 0.3 else 0.0,
        "supplement_row": rng.random() < 0.15,
        "compute_name": UNUSUAL_SEGMENTS[0] if unusual else str(rng.choice(COMPUTE_SEGMENTS)),
        "compute_industry": UNUSUAL_SEGMENTS[1] if unusual else str(rng.choice(COMPUTE_INDUSTRIES)),
        "regions": tuple(REGIONS[k] for k in regions),
        "region_shares": dirichlet(rng, regions_n),
        "region_cost": rng.random() < 0.3,
        "industry_in_h1": rng.random() < 0.5,
        "region_in_h1": rng.random() < 0.7,
        "drift": rng.normal(0, 0.03, (N_QUARTERS // 4, n_products + regions_n)),
    }
    # edge cases of the segment picker, set after every draw so the other firms' draws stay as they were
    if i == SERVER_SALES[0]:
        plan["products"] = (SERVER_SALES[1], *plan["products"][1:])
    if i == INDUSTRY_TIER1_ONLY[0]:
        plan["compute_name"], plan["compute_industry"] = INDUSTRY_TIER1_ONLY[1:]
        plan["industry_in_h1"] = True
    return plan


def dirichlet(rng: "np.random.Generator", n: int) -> "np.ndarray":
    import numpy as np

    x = rng.gamma(3.0, 1.0, n)
    return np.sort(x / x.sum())[::-1]
