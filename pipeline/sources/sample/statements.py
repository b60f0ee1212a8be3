"""F10 income, balance and cash-flow frames as akshare returns them."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from pipeline.errors import EmptyResultError
from pipeline.sources import BALANCE, INCOME
from pipeline.sources.sample.dates import CLEAN, GOING_CONCERN, qidx, quarter_end, REPORT_TYPE
from pipeline.sources.sample.fields import (
    balance_columns,
    BALANCE_FIELDS,
    balance_sort_key,
    cashflow_columns,
    CASHFLOW_FIELDS,
    CASHFLOW_TRAILING_FIELDS,
    CF_ZERO_BALANCE,
    F10_META,
    income_columns,
    INCOME_FIELDS,
    OPTIONAL_FLOWS,
    OPTIONAL_POINTS,
    SUPPLEMENT,
)
from pipeline.sources.sample.firms import Firm
from pipeline.sources.sample.universe import edge, FIRST_SIM_YEAR, MISSING_Q3, N_QUARTERS, RESTATED, SHELL

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

_INCOME_FROM_FLOWS = (
    "TOTAL_OPERATE_INCOME", "OPERATE_INCOME", "TOTAL_OPERATE_COST", "OPERATE_COST", "RESEARCH_EXPENSE",
    "OPERATE_TAX_ADD", "SALE_EXPENSE", "MANAGE_EXPENSE", "FINANCE_EXPENSE", "FE_INTEREST_EXPENSE",
    "FE_INTEREST_INCOME", "FAIRVALUE_CHANGE_INCOME", "INVEST_INCOME", "ASSET_DISPOSAL_INCOME",
    "ASSET_IMPAIRMENT_INCOME", "CREDIT_IMPAIRMENT_INCOME", "OTHER_INCOME", "OPERATE_PROFIT", "NONBUSINESS_INCOME",
    "NONBUSINESS_EXPENSE", "TOTAL_PROFIT", "INCOME_TAX", "NETPROFIT", "CONTINUED_NETPROFIT", "PARENT_NETPROFIT",
    "MINORITY_INTEREST", "DEDUCT_PARENT_NETPROFIT", "OTHER_COMPRE_INCOME", "PARENT_OCI", "TOTAL_COMPRE_INCOME",
    "PARENT_TCI", "MINORITY_TCI",
)
# cash-flow field -> internal flow key (the supplement repeats two income-statement names)
_CASHFLOW_FROM_FLOWS = {
    **{k: k for k in (
        "SALES_SERVICES", "RECEIVE_OTHER_OPERATE", "TOTAL_OPERATE_INFLOW", "BUY_SERVICES", "PAY_STAFF_CASH",
        "PAY_ALL_TAX", "PAY_OTHER_OPERATE", "TOTAL_OPERATE_OUTFLOW", "NETCASH_OPERATE", "WITHDRAW_INVEST",
        "RECEIVE_INVEST_INCOME", "DISPOSAL_LONG_ASSET", "TOTAL_INVEST_INFLOW", "CONSTRUCT_LONG_ASSET",
        "INVEST_PAY_CASH", "OBTAIN_SUBSIDIARY_OTHER", "TOTAL_INVEST_OUTFLOW", "NETCASH_INVEST", "ACCEPT_INVEST_CASH",
        "RECEIVE_LOAN_CASH", "ISSUE_BOND", "RECEIVE_OTHER_FINANCE", "TOTAL_FINANCE_INFLOW", "PAY_DEBT_CASH",
        "ASSIGN_DIVIDEND_PORFIT", "PAY_OTHER_FINANCE", "TOTAL_FINANCE_OUTFLOW", "NETCASH_FINANCE", "CCE_ADD",
        "ASSET_IMPAIRMENT", "FA_IR_DEPR", "IR_DEPR", "IA_AMORTIZE", "LPE_AMORTIZE", "DISPOSAL_LONGASSET_LOSS",
        "FAIRVALUE_CHANGE_LOSS", "INVEST_LOSS", "DT_ASSET_REDUCE", "DT_LIAB_ADD", "INVENTORY_REDUCE",
        "OPERATE_RECE_REDUCE", "OPERATE_PAYABLE_ADD", "OTHER", "NETCASH_OPERATENOTE", "CCE_ADDNOTE",
        "FINLEASE_OBTAIN_FA", "USERIGHT_ASSET_AMORTIZE", *CF_ZERO_BALANCE,
    )},
    "NETPROFIT": "CF_NETPROFIT",
    "FINANCE_EXPENSE": "CF_FINANCE_EXPENSE",
}
_CASHFLOW_POINTS = ("BEGIN_CCE", "END_CCE", "END_CASH", "BEGIN_CASH")
_CASHFLOW_ALL = CASHFLOW_FIELDS + CASHFLOW_TRAILING_FIELDS


def _col(fields: tuple[str, ...]) -> dict[str, int]:
    return {name: k for k, name in enumerate(fields)}


_INCOME_IX, _BALANCE_IX, _CASHFLOW_IX = _col(INCOME_FIELDS), _col(BALANCE_FIELDS), _col(_CASHFLOW_ALL)


def restatement_cents(firm: Firm) -> int:
    """The GPU resale the restated firm later shows net: 15 % of its FY2024 compute revenue."""
    t = qidx(RESTATED[1].year, 4)
    return int(round(0.15 * int(firm.ytd("COMP_REV")[t])))


def is_restated(firm: Firm, as_of: date) -> bool:
    return firm.index == RESTATED[0] and as_of >= RESTATED[2]


def published(firm: Firm, as_of: date, first_year: int) -> list[int]:
    """Quarter indices of the reports this firm had published by as_of, newest first."""
    out = []
    for t in range(N_QUARTERS - 1, -1, -1):
        end = quarter_end(t)
        if end.year < first_year:
            break
        if end <= as_of and firm.notice[t] <= as_of and (firm.index, end) != MISSING_Q3:
            out.append(t)
    return out


def _yoy(values: "np.ndarray") -> "np.ndarray":
    """EastMoney's `_YOY`: percent change on the same period a year earlier (on the absolute base)."""
    import numpy as np

    prev = np.full_like(values, np.nan)
    prev[4:] = values[:-4]
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (values - prev) / np.abs(prev) * 100
    out[~np.isfinite(out)] = np.nan
    return np.round(out, 4)


def _mask_missing(firm: Firm, matrix: "np.ndarray") -> None:
    """An unpublished period has no row, so the next year's `_YOY` has no base either."""
    if firm.index == MISSING_Q3[0]:
        matrix[qidx(MISSING_Q3[1].year, 3), :] = float("nan")


def _blank_zeros(matrix: "np.ndarray", index: dict[str, int], optional: frozenset) -> None:
    import numpy as np

    cols = [index[k] for k in optional if k in index]
    block = matrix[:, cols]
    block[block == 0] = np.nan
    matrix[:, cols] = block


def _income_matrix(firm: Firm, as_of: date) -> "np.ndarray":
    import numpy as np

    m = np.full((N_QUARTERS, len(INCOME_FIELDS)), np.nan)
    ix = _INCOME_IX
    for key in _INCOME_FROM_FLOWS:
        m[:, ix[key]] = firm.ytd(key) / 100
    # EPS on the average shares of the quarters so far this year
    avg_shares = firm.shares.reshape(-1, 4).cumsum(axis=1).ravel() / np.tile(np.arange(1, 5), N_QUARTERS // 4)
    eps = np.round(firm.ytd("PARENT_NETPROFIT") / 100 / avg_shares, 4)
    m[:, ix["BASIC_EPS"]] = eps
    m[:, ix["DILUTED_EPS"]] = eps
    _blank_zeros(m, ix, OPTIONAL_FLOWS)
    year = FIRST_SIM_YEAR + np.arange(N_QUARTERS) // 4
    old = year < 2019  # impairments as a positive loss inside total operating cost
    loss = -np.nan_to_num(m[old, ix["ASSET_IMPAIRMENT_INCOME"]]) - np.nan_to_num(m[old, ix["CREDIT_IMPAIRMENT_INCOME"]])
    m[old, ix["ASSET_IMPAIRMENT_LOSS"]] = np.where(loss != 0, loss, np.nan)
    m[old, ix["TOTAL_OPERATE_COST"]] += loss
    m[old, ix["ASSET_IMPAIRMENT_INCOME"]] = np.nan
    m[old, ix["CREDIT_IMPAIRMENT_INCOME"]] = np.nan
    older = year < 2018  # no interest split of finance expense; R&D still inside admin expense
    m[older, ix["MANAGE_EXPENSE"]] += m[older, ix["RESEARCH_EXPENSE"]]
    for key in ("RESEARCH_EXPENSE", "FE_INTEREST_EXPENSE", "FE_INTEREST_INCOME"):
        m[older, ix[key]] = np.nan
    if firm.index == edge("total_income_only"):
        m[:, ix["OPERATE_INCOME"]] = np.nan
    if is_restated(firm, as_of):
        t = qidx(RESTATED[1].year, 4)
        amount = restatement_cents(firm) / 100
        for key in ("TOTAL_OPERATE_INCOME", "OPERATE_INCOME", "TOTAL_OPERATE_COST", "OPERATE_COST"):
            m[t, ix[key]] -= amount
    _mask_missing(firm, m)
    return m


def _balance_matrix(firm: Firm, as_of: date) -> "np.ndarray":
    import numpy as np

    m = np.full((N_QUARTERS, len(BALANCE_FIELDS)), np.nan)
    for key, k in _BALANCE_IX.items():
        if key in firm.points:
            m[:, k] = firm.points[key] / 100
    _blank_zeros(m, _BALANCE_IX, OPTIONAL_POINTS)
    _mask_missing(firm, m)
    return m


def _cashflow_matrix(firm: Firm, as_of: date) -> "np.ndarray":
    import numpy as np

    m = np.full((N_QUARTERS, len(_CASHFLOW_ALL)), np.nan)
    ix = _CASHFLOW_IX
    for field, key in _CASHFLOW_FROM_FLOWS.items():
        m[:, ix[field]] = firm.ytd(key) / 100
    for key in _CASHFLOW_POINTS:
        m[:, ix[key]] = firm.points[key] / 100
    _blank_zeros(m, ix, OPTIONAL_FLOWS)
    if firm.index == edge("oilgas_duplicate"):
        m[:, ix["OILGAS_BIOLOGY_DEPR"]] = m[:, ix["FA_IR_DEPR"]]
    if firm.index != edge("da_quarterly"):
        q1_q3 = np.arange(N_QUARTERS) % 2 == 0  # 03-31 and 09-30
        for key in SUPPLEMENT:
            m[q1_q3, ix[key]] = np.nan
    if is_restated(firm, as_of):
        t = qidx(RESTATED[1].year, 4)
        amount = round(restatement_cents(firm) * 1.09) / 100
        for key in ("SALES_SERVICES", "TOTAL_OPERATE_INFLOW", "BUY_SERVICES", "TOTAL_OPERATE_OUTFLOW"):
            m[t, ix[key]] -= amount
    _mask_missing(firm, m)
    return m


def _text(values: list) -> object:
    """A text column as akshare leaves it: `str`; float NaN when every value is null (its only processing, per
    batch of 5 periods); object when only some batches are entirely null (concat of str and float)."""
    import numpy as np
    import pandas as pd

    batches = [values[k:k + 5] for k in range(0, len(values), 5)]
    empty = [all(v is None for v in b) for b in batches]
    if all(empty):
        return np.full(len(values), np.nan)
    if any(empty):
        return pd.Series([np.nan if v is None else v for v in values], dtype=object)
    return pd.array(values, dtype="str")


def statement_frame(firm: Firm, function: str, as_of: date, first_year: int) -> "pd.DataFrame":
    import numpy as np
    import pandas as pd

    rows = published(firm, as_of, first_year)
    if not rows:
        raise EmptyResultError(
            f"{function}(symbol={firm.em_symbol!r}) returned no reports up to {as_of}",
            "use a later as_of or more years",
        )
    restated = is_restated(firm, as_of)
    t_restated = qidx(RESTATED[1].year, 4)
    meta: dict[str, list] = {c: [] for c in F10_META}
    opinion = []
    for t in rows:
        end = quarter_end(t)
        kind = REPORT_TYPE[t % 4]
        notice = firm.notice[t]
        update = RESTATED[2] if restated and t == t_restated else notice
        for col, val in zip(F10_META, (
            f"{firm.code}.SZ", firm.code, firm.name, f"10{firm.code}", "通用", f"{end} 00:00:00", kind,
            f"{end.year}{kind}", "058001001", f"{notice} 00:00:00", f"{update} 00:00:00", "CNY",
        )):
            meta[col].append(val)
        if t % 4 != 3:
            opinion.append(None)
        else:
            opinion.append(GOING_CONCERN if firm.index == SHELL[0] and end.year >= SHELL[1] else CLEAN)
    head = pd.DataFrame({c: _text(v) for c, v in meta.items()})
    n = len(rows)
    if function == INCOME:
        m = _income_matrix(firm, as_of)
        values, yoy = m[rows], _yoy(m)[rows]
        body = np.empty((n, 2 * values.shape[1]))
        body[:, 0::2], body[:, 1::2] = values, yoy
        parts, layout = [head, pd.DataFrame(body), pd.DataFrame({0: _text(opinion)})], income_columns()
    elif function == BALANCE:
        m = _balance_matrix(firm, as_of)
        order = sorted(range(len(BALANCE_FIELDS)), key=lambda k: balance_sort_key(f"{BALANCE_FIELDS[k]}_YOY"))
        body = np.hstack([m[rows], _yoy(m)[rows][:, order]])
        tail = pd.DataFrame({0: _text(opinion), 1: _text([None] * n), 2: _text(["0"] * n)})
        parts, layout = [head, pd.DataFrame(body), tail], balance_columns()
    else:
        m = _cashflow_matrix(firm, as_of)
        y = _yoy(m)
        k = len(CASHFLOW_FIELDS)
        trailing = np.empty((n, 2 * len(CASHFLOW_TRAILING_FIELDS)))
        trailing[:, 0::2], trailing[:, 1::2] = m[rows, k:], y[rows, k:]
        parts = [
            head, pd.DataFrame(np.hstack([m[rows, :k], y[rows, :k]])),
            pd.DataFrame({0: _text(opinion), 1: _text([None] * n)}), pd.DataFrame(trailing),
        ]
        layout = cashflow_columns()
    frame = pd.concat(parts, axis=1)
    frame.columns = layout  # the payload order, defined once by the *_columns() functions
    return frame
