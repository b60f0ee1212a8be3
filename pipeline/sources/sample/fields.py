"""EastMoney field codes and akshare column lists the sample's frames carry, in payload order."""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.sources import BALANCE, CASHFLOW, INCOME


F10_META = (
    "SECUCODE", "SECURITY_CODE", "SECURITY_NAME_ABBR", "ORG_CODE", "ORG_TYPE", "REPORT_DATE",
    "REPORT_TYPE", "REPORT_DATE_NAME", "SECURITY_TYPE_CODE", "NOTICE_DATE", "UPDATE_DATE", "CURRENCY",
)
# The line codes of each statement's payload, as EastMoney sends them (data, kept beside this module).
_LINES = json.loads(Path(__file__).with_name("eastmoney_fields.json").read_text(encoding="utf-8"))
INCOME_FIELDS: tuple[str, ...] = tuple(_LINES[INCOME])
BALANCE_FIELDS: tuple[str, ...] = tuple(_LINES[BALANCE])
CASHFLOW_FIELDS: tuple[str, ...] = tuple(_LINES[CASHFLOW])
CASHFLOW_TRAILING_FIELDS = ("MINORITY_INTEREST", "USERIGHT_ASSET_AMORTIZE")


def balance_sort_key(field: str) -> str:
    # EastMoney's balance payload sorts `_` before letters and digits (DEFER_INCOME_1YEAR_YOY < DEFER_INCOME_YOY)
    return field.replace("_", " ")


def income_columns() -> list[str]:
    cols = list(F10_META)
    for f in INCOME_FIELDS:
        cols += [f, f"{f}_YOY"]
    return cols + ["OPINION_TYPE"]


def balance_columns() -> list[str]:
    yoy = sorted((f"{f}_YOY" for f in BALANCE_FIELDS), key=balance_sort_key)
    return list(F10_META) + list(BALANCE_FIELDS) + yoy + ["OPINION_TYPE", "OSOPINION_TYPE", "LISTING_STATE"]


def cashflow_columns() -> list[str]:
    tail = ["OPINION_TYPE", "OSOPINION_TYPE"]
    for f in CASHFLOW_TRAILING_FIELDS:
        tail += [f, f"{f}_YOY"]
    return list(F10_META) + list(CASHFLOW_FIELDS) + [f"{f}_YOY" for f in CASHFLOW_FIELDS] + tail


# stock_individual_info_em's item labels, the rows of its (item, value) frame, which shapes.py does not list.
INFO_ITEMS = ("最新", "股票代码", "股票简称", "总股本", "流通股", "总市值", "流通市值", "行业", "上市时间")

# Lines that EastMoney leaves blank (NaN) when a firm has nothing to report there, rather than 0.
OPTIONAL_FLOWS = frozenset({
    "FAIRVALUE_CHANGE_INCOME", "ASSET_DISPOSAL_INCOME", "ASSET_IMPAIRMENT_INCOME", "CREDIT_IMPAIRMENT_INCOME",
    "NONBUSINESS_INCOME", "NONBUSINESS_EXPENSE", "OTHER_COMPRE_INCOME", "PARENT_OCI", "INVEST_INCOME",
    "WITHDRAW_INVEST", "INVEST_PAY_CASH", "RECEIVE_INVEST_INCOME", "DISPOSAL_LONG_ASSET", "OBTAIN_SUBSIDIARY_OTHER",
    "ACCEPT_INVEST_CASH", "ISSUE_BOND", "RECEIVE_OTHER_FINANCE", "RECEIVE_LOAN_CASH", "PAY_DEBT_CASH",
    "ASSET_IMPAIRMENT", "IR_DEPR", "LPE_AMORTIZE", "USERIGHT_ASSET_AMORTIZE", "DISPOSAL_LONGASSET_LOSS",
    "FAIRVALUE_CHANGE_LOSS", "INVEST_LOSS", "DT_LIAB_ADD", "FINLEASE_OBTAIN_FA", "INVENTORY_REDUCE",
})
OPTIONAL_POINTS = frozenset({
    "TRADE_FINASSET_NOTFVTPL", "NOTE_RECE", "FINANCE_RECE", "INVENTORY", "CONTRACT_ASSET", "LONG_EQUITY_INVEST",
    "INVEST_REALESTATE", "CIP", "USERIGHT_ASSET", "GOODWILL", "LONG_PREPAID_EXPENSE", "OTHER_NONCURRENT_ASSET",
    "SHORT_LOAN", "NOTE_PAYABLE", "NONCURRENT_LIAB_1YEAR", "LONG_LOAN", "BOND_PAYABLE", "LEASE_LIAB",
    "LONG_PAYABLE", "DEFER_INCOME", "DEFER_TAX_LIAB", "OTHER_COMPRE_INCOME", "MINORITY_EQUITY",
})
# The indirect-method supplement (补充资料): most firms disclose it only in H1 and FY reports.
SUPPLEMENT = (
    "NETPROFIT", "ASSET_IMPAIRMENT", "FA_IR_DEPR", "OILGAS_BIOLOGY_DEPR", "IR_DEPR", "IA_AMORTIZE", "LPE_AMORTIZE",
    "DISPOSAL_LONGASSET_LOSS", "FAIRVALUE_CHANGE_LOSS", "FINANCE_EXPENSE", "INVEST_LOSS", "DT_ASSET_REDUCE",
    "DT_LIAB_ADD", "INVENTORY_REDUCE", "OPERATE_RECE_REDUCE", "OPERATE_PAYABLE_ADD", "OTHER",
    "OPERATE_NETCASH_BALANCENOTE", "NETCASH_OPERATENOTE", "FINLEASE_OBTAIN_FA", "END_CASH", "BEGIN_CASH",
    "CCE_ADD_BALANCENOTE", "CCE_ADDNOTE", "USERIGHT_ASSET_AMORTIZE",
)
CF_ZERO_BALANCE = (
    "OPERATE_INFLOW_BALANCE", "OPERATE_OUTFLOW_BALANCE", "OPERATE_NETCASH_BALANCE", "INVEST_INFLOW_BALANCE",
    "INVEST_OUTFLOW_BALANCE", "INVEST_NETCASH_BALANCE", "FINANCE_INFLOW_BALANCE", "FINANCE_OUTFLOW_BALANCE",
    "FINANCE_NETCASH_BALANCE", "CCE_ADD_BALANCE", "END_CCE_BALANCE", "OPERATE_NETCASH_BALANCENOTE",
    "CCE_ADD_BALANCENOTE",
)
