"""The embedded sample: fictional firms served in exactly the shapes akshare 1.19.5 returns.

`SampleSource` answers the seven akshare calls the pipeline makes (F10 income / balance / cash-flow
statements by report, `stock_zygc_em`, `stock_zh_a_hist`, `stock_board_concept_cons_em`,
`stock_individual_info_em`) for firms 990001 … 990000+firms, so `make demo` runs the real path from
raw frames to marts. Column names, order and dtypes follow the installed akshare source and the
EastMoney payloads it passes through (see ../shared/reference/akshare.md §2.2, §3, §6, §7, §8):

* F10 statements: one row per REPORT_DATE, newest first, 12 meta columns, the EastMoney field codes, then
  OPINION_TYPE (income) / OPINION_TYPE, OSOPINION_TYPE, MINORITY_INTEREST(_YOY),
  USERIGHT_ASSET_AMORTIZE(_YOY) (cash flow) / OPINION_TYPE, OSOPINION_TYPE, LISTING_STATE (balance).
  Income interleaves each line with its `_YOY`; balance lists the lines alphabetically (EastMoney sorts
  `_` before letters) and then the whole `_YOY` block; cash flow lists the lines, then the `_YOY` block.
  203 / 319 / 254 columns. Amounts in 元 (float64, cents), `_YOY` in percent. Text columns are pandas
  `str`, except where akshare's per-batch processing makes them float (all null) or object (null in a
  whole batch of 5 periods only): the frames are built with that same rule.
* Values are cumulative year to date, built from internal single quarters in integer cents, so
  FY = Q1+Q2+Q3+Q4 and every subtotal identity holds to the cent.

Each firm depends only on (seed, firm index): a legacy business (2亿–80亿 a year, gross margin 8–35 %)
that pivots to GPU compute leasing, mostly in 2023–2024. GPU capex (CONSTRUCT_LONG_ASSET) lands in CIP,
then FIXED_ASSET, and is depreciated over 5 years; loans, lease liabilities and sale-and-leaseback
payables (LONG_PAYABLE) fund it and cost 4–7 % a year in FE_INTEREST_EXPENSE (leveraged firms: 7–15 %). The
compute segment of `stock_zygc_em` (按产品分类) is exactly the compute part of revenue and cost.

Edge cases (codes in `EDGE_CASES`, all among the first 108 firms):

* missing_q3 990007: no 2025-09-30 report in any of the three statements.
* restated 990011: FY2024 restated in the FY2025 annual report (UPDATE_DATE 2026-04-25): revenue and cost
  reduced by a GPU resale now shown net; profit unchanged. Sources as of an earlier date show the original.
* zero_revenue_shell 990013: legacy business stopped at the end of 2023; OPERATE_INCOME = 0 in every
  period from 2024 while overheads, interest and a loss remain; no segment rows from 2024.
* da_quarterly 990017: discloses the cash-flow supplement (D&A lines included) in Q1 and Q3 reports too;
  every other firm leaves it NaN there, as most A-share firms do.
* oilgas_duplicate 990019: OILGAS_BIOLOGY_DEPR repeats FA_IR_DEPR's amount (an EastMoney quirk).
* joins_late 990023: joins the board on 2026-03-16 (absent at vintage 1, present at vintage 2).
* leaves 990027: leaves the board on 2026-06-30 (present at vintage 1, absent at vintage 2).
* unusual_segment 990031: compute segment named "ＧＰＵ 算力 租赁服务" (full-width letters and spaces) by
  product and "智算中心运营(AIDC)" by industry.
* total_income_only 990037: OPERATE_INCOME is NaN in every report; TOTAL_OPERATE_INCOME carries revenue.
* meets_benchmark: firms built to clear 40 % gross and 20 % net margin on TTM at the latest period.
* leveraged: compute several times the legacy business at a 50–58 % compute gross margin, so the firm's TTM
  gross margin is 40 %+, but the GPUs are bought with trust loans and sale-and-leaseback (LONG_PAYABLE) at
  7–15 %, no new equity, and a heavier overhead: interest alone takes 13–27 % of revenue and TTM net margin
  stays under 20 % at the latest period. Two of them (990065, 990085) more than double their fleet in 2026
  on dearer money, carry more overhead, have tenants who pay late, and make a loss.
* gross_only: the leveraged firms that stay profitable: 40 %+ gross, a positive net margin under 20 % on TTM.
* net_only: firms below 40 % gross that clear 20 % net on TTM because an old venture stake in a GPU maker is
  marked to its STAR Market listing price in 2026 Q2 (FAIRVALUE_CHANGE_INCOME, non-recurring).
* loss_making: firms built to have a negative TTM net profit at the latest period (990013 and the two
  leveraged loss makers included).
* revenue_up_profit_down: firms built for 增收不增利 (TTM revenue up, TTM net profit down year on year).

Format eras, as EastMoney shows old reports (only visible when `years` reaches back that far): before
2018 FE_INTEREST_EXPENSE / FE_INTEREST_INCOME are NaN and RESEARCH_EXPENSE sits inside MANAGE_EXPENSE;
before 2019 impairments are ASSET_IMPAIRMENT_LOSS (positive = loss, inside TOTAL_OPERATE_COST) instead of
ASSET_IMPAIRMENT_INCOME / CREDIT_IMPAIRMENT_INCOME; before 2021 there are no right-of-use lines.
Prices start 2010-01-04 (the simulation's first day; hfq factors are anchored there), on weekdays minus
the main mainland holidays. The simulation covers 2010–2030, so as_of must fall in 2011–2030.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

from pipeline.errors import EmptyResultError, UsageError
from pipeline.sources import BALANCE, BOARD_CONS, INCOME, PRICES, SEGMENTS, SHARE_INFO, STATEMENTS

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

__all__ = ["EDGE_CASES", "SAMPLE_BOARD", "SAMPLE_BOARD_NAME", "SAMPLE_VINTAGES", "SampleSource"]

AKSHARE_VERSION = "1.19.5"
SAMPLE_VINTAGES = (date(2025, 11, 20), date(2026, 11, 20))
SAMPLE_BOARD = "BK9901"
SAMPLE_BOARD_NAME = "算力租赁(示例)"
CODE_BASE = 990000
FIRST_SIM_YEAR = 2010
LAST_SIM_YEAR = 2030
_NQ = (LAST_SIM_YEAR - FIRST_SIM_YEAR + 1) * 4
_DESIGNED_FIRMS = 108  # firms whose archetype is fixed by index; the edge cases live here

EDGE_CASES: dict[str, object] = {
    "missing_q3": "990007",
    "restated": "990011",
    "zero_revenue_shell": "990013",
    "da_quarterly": "990017",
    "oilgas_duplicate": "990019",
    "joins_late": "990023",
    "leaves": "990027",
    "unusual_segment": "990031",
    "total_income_only": "990037",
    "meets_benchmark": ["990003", "990016", "990029", "990044", "990058", "990071", "990090"],
    "loss_making": [
        "990005", "990009", "990013", "990021", "990026", "990034", "990040", "990047", "990052",
        "990061", "990066", "990074", "990079", "990083", "990088", "990095", "990101", "990106",
        "990065", "990085",  # leveraged: 40 %+ gross margin, and still a loss after interest
    ],
    "leveraged": [
        "990012", "990025", "990033", "990041", "990049", "990057", "990065", "990075", "990085", "990097",
    ],
    "net_only": ["990060", "990091"],
}
EDGE_CASES["gross_only"] = [c for c in EDGE_CASES["leveraged"] if c not in EDGE_CASES["loss_making"]]
_STARS = frozenset(int(c) - CODE_BASE for c in EDGE_CASES["meets_benchmark"])
_LOSS = frozenset(int(c) - CODE_BASE for c in EDGE_CASES["loss_making"])
_LEVERAGED = frozenset(int(c) - CODE_BASE for c in EDGE_CASES["leveraged"])
_STAKE_GAIN = frozenset(int(c) - CODE_BASE for c in EDGE_CASES["net_only"])
_LEGACY_ONLY = frozenset({36, 50, 77, 99})
_SQUEEZE = frozenset(
    i for i in range(1, _DESIGNED_FIRMS + 1)
    if (i % 4 == 2 or i % 12 == 8) and i not in _STARS | _LOSS | _LEVERAGED | _LEGACY_ONLY
)
EDGE_CASES["revenue_up_profit_down"] = [f"{CODE_BASE + i}" for i in sorted(_SQUEEZE)]


def fingerprint() -> str:
    """SHA-256 of this generator's source: a raw layer made by another version of it is another sample."""
    import hashlib
    from pathlib import Path

    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()


def _edge(name: str) -> int:
    return int(EDGE_CASES[name]) - CODE_BASE


_MISSING_Q3 = (_edge("missing_q3"), date(2025, 9, 30))
_RESTATED = (_edge("restated"), date(2024, 12, 31), date(2026, 4, 25))  # firm, period, restated on
_SHELL = (_edge("zero_revenue_shell"), 2024)  # revenue is zero from this year on
_JOINS = (_edge("joins_late"), date(2026, 3, 16))
_LEAVES = (_edge("leaves"), date(2026, 6, 30))

# ---------------------------------------------------------------------------------------------------
# EastMoney field codes, in payload order (general companies, companyType 4)
# ---------------------------------------------------------------------------------------------------
F10_META = (
    "SECUCODE", "SECURITY_CODE", "SECURITY_NAME_ABBR", "ORG_CODE", "ORG_TYPE", "REPORT_DATE",
    "REPORT_TYPE", "REPORT_DATE_NAME", "SECURITY_TYPE_CODE", "NOTICE_DATE", "UPDATE_DATE", "CURRENCY",
)
INCOME_FIELDS = (
    "TOTAL_OPERATE_INCOME", "OPERATE_INCOME", "INTEREST_INCOME", "EARNED_PREMIUM", "FEE_COMMISSION_INCOME",
    "OTHER_BUSINESS_INCOME", "TOI_OTHER", "TOTAL_OPERATE_COST", "OPERATE_COST", "INTEREST_EXPENSE",
    "FEE_COMMISSION_EXPENSE", "RESEARCH_EXPENSE", "SURRENDER_VALUE", "NET_COMPENSATE_EXPENSE",
    "NET_CONTRACT_RESERVE", "POLICY_BONUS_EXPENSE", "REINSURE_EXPENSE", "OTHER_BUSINESS_COST",
    "OPERATE_TAX_ADD", "SALE_EXPENSE", "MANAGE_EXPENSE", "ME_RESEARCH_EXPENSE", "FINANCE_EXPENSE",
    "FE_INTEREST_EXPENSE", "FE_INTEREST_INCOME", "ASSET_IMPAIRMENT_LOSS", "CREDIT_IMPAIRMENT_LOSS",
    "TOC_OTHER", "FAIRVALUE_CHANGE_INCOME", "INVEST_INCOME", "INVEST_JOINT_INCOME", "NET_EXPOSURE_INCOME",
    "EXCHANGE_INCOME", "ASSET_DISPOSAL_INCOME", "ASSET_IMPAIRMENT_INCOME", "CREDIT_IMPAIRMENT_INCOME",
    "OTHER_INCOME", "OPERATE_PROFIT_OTHER", "OPERATE_PROFIT_BALANCE", "OPERATE_PROFIT", "NONBUSINESS_INCOME",
    "NONCURRENT_DISPOSAL_INCOME", "NONBUSINESS_EXPENSE", "NONCURRENT_DISPOSAL_LOSS", "EFFECT_TP_OTHER",
    "TOTAL_PROFIT_BALANCE", "TOTAL_PROFIT", "INCOME_TAX", "EFFECT_NETPROFIT_OTHER", "EFFECT_NETPROFIT_BALANCE",
    "UNCONFIRM_INVEST_LOSS", "NETPROFIT", "PRECOMBINE_PROFIT", "CONTINUED_NETPROFIT", "DISCONTINUED_NETPROFIT",
    "PARENT_NETPROFIT", "MINORITY_INTEREST", "DEDUCT_PARENT_NETPROFIT", "NETPROFIT_OTHER", "NETPROFIT_BALANCE",
    "BASIC_EPS", "DILUTED_EPS", "OTHER_COMPRE_INCOME", "PARENT_OCI", "MINORITY_OCI", "PARENT_OCI_OTHER",
    "PARENT_OCI_BALANCE", "UNABLE_OCI", "CREDITRISK_FAIRVALUE_CHANGE", "OTHERRIGHT_FAIRVALUE_CHANGE",
    "SETUP_PROFIT_CHANGE", "RIGHTLAW_UNABLE_OCI", "UNABLE_OCI_OTHER", "UNABLE_OCI_BALANCE", "ABLE_OCI",
    "RIGHTLAW_ABLE_OCI", "AFA_FAIRVALUE_CHANGE", "HMI_AFA", "CASHFLOW_HEDGE_VALID", "CREDITOR_FAIRVALUE_CHANGE",
    "CREDITOR_IMPAIRMENT_RESERVE", "FINANCE_OCI_AMT", "CONVERT_DIFF", "ABLE_OCI_OTHER", "ABLE_OCI_BALANCE",
    "OCI_OTHER", "OCI_BALANCE", "TOTAL_COMPRE_INCOME", "PARENT_TCI", "MINORITY_TCI", "PRECOMBINE_TCI",
    "EFFECT_TCI_BALANCE", "TCI_OTHER", "TCI_BALANCE", "ACF_END_INCOME",
)
BALANCE_FIELDS = (
    "ACCEPT_DEPOSIT_INTERBANK", "ACCOUNTS_PAYABLE", "ACCOUNTS_RECE", "ACCRUED_EXPENSE", "ADVANCE_RECEIVABLES",
    "AGENT_TRADE_SECURITY", "AGENT_UNDERWRITE_SECURITY", "AMORTIZE_COST_FINASSET", "AMORTIZE_COST_FINLIAB",
    "AMORTIZE_COST_NCFINASSET", "AMORTIZE_COST_NCFINLIAB", "APPOINT_FVTPL_FINASSET", "APPOINT_FVTPL_FINLIAB",
    "ASSET_BALANCE", "ASSET_OTHER", "ASSIGN_CASH_DIVIDEND", "AVAILABLE_SALE_FINASSET", "BOND_PAYABLE",
    "BORROW_FUND", "BUY_RESALE_FINASSET", "CAPITAL_RESERVE", "CIP", "CONSUMPTIVE_BIOLOGICAL_ASSET",
    "CONTRACT_ASSET", "CONTRACT_LIAB", "CONVERT_DIFF", "CREDITOR_INVEST", "CURRENT_ASSET_BALANCE",
    "CURRENT_ASSET_OTHER", "CURRENT_LIAB_BALANCE", "CURRENT_LIAB_OTHER", "DEFER_INCOME", "DEFER_INCOME_1YEAR",
    "DEFER_TAX_ASSET", "DEFER_TAX_LIAB", "DERIVE_FINASSET", "DERIVE_FINLIAB", "DEVELOP_EXPENSE",
    "DIV_HOLDSALE_ASSET", "DIV_HOLDSALE_LIAB", "DIVIDEND_PAYABLE", "DIVIDEND_RECE", "EQUITY_BALANCE",
    "EQUITY_OTHER", "EXPORT_REFUND_RECE", "FEE_COMMISSION_PAYABLE", "FIN_FUND", "FINANCE_RECE", "FIXED_ASSET",
    "FIXED_ASSET_DISPOSAL", "FVTOCI_FINASSET", "FVTOCI_NCFINASSET", "FVTPL_FINASSET", "FVTPL_FINLIAB",
    "GENERAL_RISK_RESERVE", "GOODWILL", "HOLD_MATURITY_INVEST", "HOLDSALE_ASSET", "HOLDSALE_LIAB",
    "INSURANCE_CONTRACT_RESERVE", "INTANGIBLE_ASSET", "INTEREST_PAYABLE", "INTEREST_RECE", "INTERNAL_PAYABLE",
    "INTERNAL_RECE", "INVENTORY", "INVEST_REALESTATE", "LEASE_LIAB", "LEND_FUND", "LIAB_BALANCE",
    "LIAB_EQUITY_BALANCE", "LIAB_EQUITY_OTHER", "LIAB_OTHER", "LOAN_ADVANCE", "LOAN_PBC", "LONG_EQUITY_INVEST",
    "LONG_LOAN", "LONG_PAYABLE", "LONG_PREPAID_EXPENSE", "LONG_RECE", "LONG_STAFFSALARY_PAYABLE",
    "MINORITY_EQUITY", "MONETARYFUNDS", "NONCURRENT_ASSET_1YEAR", "NONCURRENT_ASSET_BALANCE",
    "NONCURRENT_ASSET_OTHER", "NONCURRENT_LIAB_1YEAR", "NONCURRENT_LIAB_BALANCE", "NONCURRENT_LIAB_OTHER",
    "NOTE_ACCOUNTS_PAYABLE", "NOTE_ACCOUNTS_RECE", "NOTE_PAYABLE", "NOTE_RECE", "OIL_GAS_ASSET",
    "OTHER_COMPRE_INCOME", "OTHER_CREDITOR_INVEST", "OTHER_CURRENT_ASSET", "OTHER_CURRENT_LIAB",
    "OTHER_EQUITY_INVEST", "OTHER_EQUITY_OTHER", "OTHER_EQUITY_TOOL", "OTHER_NONCURRENT_ASSET",
    "OTHER_NONCURRENT_FINASSET", "OTHER_NONCURRENT_LIAB", "OTHER_PAYABLE", "OTHER_RECE", "PARENT_EQUITY_BALANCE",
    "PARENT_EQUITY_OTHER", "PERPETUAL_BOND", "PERPETUAL_BOND_PAYBALE", "PREDICT_CURRENT_LIAB", "PREDICT_LIAB",
    "PREFERRED_SHARES", "PREFERRED_SHARES_PAYBALE", "PREMIUM_RECE", "PREPAYMENT", "PRODUCTIVE_BIOLOGY_ASSET",
    "PROJECT_MATERIAL", "RC_RESERVE_RECE", "REINSURE_PAYABLE", "REINSURE_RECE", "SELL_REPO_FINASSET",
    "SETTLE_EXCESS_RESERVE", "SHARE_CAPITAL", "SHORT_BOND_PAYABLE", "SHORT_FIN_PAYABLE", "SHORT_LOAN",
    "SPECIAL_PAYABLE", "SPECIAL_RESERVE", "STAFF_SALARY_PAYABLE", "SUBSIDY_RECE", "SURPLUS_RESERVE",
    "TAX_PAYABLE", "TOTAL_ASSETS", "TOTAL_CURRENT_ASSETS", "TOTAL_CURRENT_LIAB", "TOTAL_EQUITY",
    "TOTAL_LIAB_EQUITY", "TOTAL_LIABILITIES", "TOTAL_NONCURRENT_ASSETS", "TOTAL_NONCURRENT_LIAB",
    "TOTAL_OTHER_PAYABLE", "TOTAL_OTHER_RECE", "TOTAL_PARENT_EQUITY", "TRADE_FINASSET",
    "TRADE_FINASSET_NOTFVTPL", "TRADE_FINLIAB", "TRADE_FINLIAB_NOTFVTPL", "TREASURY_SHARES", "UNASSIGN_RPOFIT",
    "UNCONFIRM_INVEST_LOSS", "USERIGHT_ASSET",
)
CASHFLOW_FIELDS = (
    "SALES_SERVICES", "DEPOSIT_INTERBANK_ADD", "LOAN_PBC_ADD", "OFI_BF_ADD", "RECEIVE_ORIGIC_PREMIUM",
    "RECEIVE_REINSURE_NET", "INSURED_INVEST_ADD", "DISPOSAL_TFA_ADD", "RECEIVE_INTEREST_COMMISSION",
    "BORROW_FUND_ADD", "LOAN_ADVANCE_REDUCE", "REPO_BUSINESS_ADD", "RECEIVE_TAX_REFUND", "RECEIVE_OTHER_OPERATE",
    "OPERATE_INFLOW_OTHER", "OPERATE_INFLOW_BALANCE", "TOTAL_OPERATE_INFLOW", "BUY_SERVICES", "LOAN_ADVANCE_ADD",
    "PBC_INTERBANK_ADD", "PAY_ORIGIC_COMPENSATE", "PAY_INTEREST_COMMISSION", "PAY_POLICY_BONUS", "PAY_STAFF_CASH",
    "PAY_ALL_TAX", "PAY_OTHER_OPERATE", "OPERATE_OUTFLOW_OTHER", "OPERATE_OUTFLOW_BALANCE",
    "TOTAL_OPERATE_OUTFLOW", "OPERATE_NETCASH_OTHER", "OPERATE_NETCASH_BALANCE", "NETCASH_OPERATE",
    "WITHDRAW_INVEST", "RECEIVE_INVEST_INCOME", "DISPOSAL_LONG_ASSET", "DISPOSAL_SUBSIDIARY_OTHER",
    "REDUCE_PLEDGE_TIMEDEPOSITS", "RECEIVE_OTHER_INVEST", "INVEST_INFLOW_OTHER", "INVEST_INFLOW_BALANCE",
    "TOTAL_INVEST_INFLOW", "CONSTRUCT_LONG_ASSET", "INVEST_PAY_CASH", "PLEDGE_LOAN_ADD", "OBTAIN_SUBSIDIARY_OTHER",
    "ADD_PLEDGE_TIMEDEPOSITS", "PAY_OTHER_INVEST", "INVEST_OUTFLOW_OTHER", "INVEST_OUTFLOW_BALANCE",
    "TOTAL_INVEST_OUTFLOW", "INVEST_NETCASH_OTHER", "INVEST_NETCASH_BALANCE", "NETCASH_INVEST",
    "ACCEPT_INVEST_CASH", "SUBSIDIARY_ACCEPT_INVEST", "RECEIVE_LOAN_CASH", "ISSUE_BOND", "RECEIVE_OTHER_FINANCE",
    "FINANCE_INFLOW_OTHER", "FINANCE_INFLOW_BALANCE", "TOTAL_FINANCE_INFLOW", "PAY_DEBT_CASH",
    "ASSIGN_DIVIDEND_PORFIT", "SUBSIDIARY_PAY_DIVIDEND", "BUY_SUBSIDIARY_EQUITY", "PAY_OTHER_FINANCE",
    "SUBSIDIARY_REDUCE_CASH", "FINANCE_OUTFLOW_OTHER", "FINANCE_OUTFLOW_BALANCE", "TOTAL_FINANCE_OUTFLOW",
    "FINANCE_NETCASH_OTHER", "FINANCE_NETCASH_BALANCE", "NETCASH_FINANCE", "RATE_CHANGE_EFFECT", "CCE_ADD_OTHER",
    "CCE_ADD_BALANCE", "CCE_ADD", "BEGIN_CCE", "END_CCE_OTHER", "END_CCE_BALANCE", "END_CCE", "NETPROFIT",
    "ASSET_IMPAIRMENT", "FA_IR_DEPR", "OILGAS_BIOLOGY_DEPR", "IR_DEPR", "IA_AMORTIZE", "LPE_AMORTIZE",
    "DEFER_INCOME_AMORTIZE", "PREPAID_EXPENSE_REDUCE", "ACCRUED_EXPENSE_ADD", "DISPOSAL_LONGASSET_LOSS",
    "FA_SCRAP_LOSS", "FAIRVALUE_CHANGE_LOSS", "FINANCE_EXPENSE", "INVEST_LOSS", "DEFER_TAX", "DT_ASSET_REDUCE",
    "DT_LIAB_ADD", "PREDICT_LIAB_ADD", "INVENTORY_REDUCE", "OPERATE_RECE_REDUCE", "OPERATE_PAYABLE_ADD", "OTHER",
    "OPERATE_NETCASH_OTHERNOTE", "OPERATE_NETCASH_BALANCENOTE", "NETCASH_OPERATENOTE", "DEBT_TRANSFER_CAPITAL",
    "CONVERT_BOND_1YEAR", "FINLEASE_OBTAIN_FA", "UNINVOLVE_INVESTFIN_OTHER", "END_CASH", "BEGIN_CASH",
    "END_CASH_EQUIVALENTS", "BEGIN_CASH_EQUIVALENTS", "CCE_ADD_OTHERNOTE", "CCE_ADD_BALANCENOTE", "CCE_ADDNOTE",
)
CASHFLOW_TRAILING_FIELDS = ("MINORITY_INTEREST", "USERIGHT_ASSET_AMORTIZE")


def _balance_sort_key(field: str) -> str:
    # EastMoney's balance payload sorts `_` before letters and digits (DEFER_INCOME_1YEAR_YOY < DEFER_INCOME_YOY)
    return field.replace("_", " ")


def income_columns() -> list[str]:
    cols = list(F10_META)
    for f in INCOME_FIELDS:
        cols += [f, f"{f}_YOY"]
    return cols + ["OPINION_TYPE"]


def balance_columns() -> list[str]:
    yoy = sorted((f"{f}_YOY" for f in BALANCE_FIELDS), key=_balance_sort_key)
    return list(F10_META) + list(BALANCE_FIELDS) + yoy + ["OPINION_TYPE", "OSOPINION_TYPE", "LISTING_STATE"]


def cashflow_columns() -> list[str]:
    tail = ["OPINION_TYPE", "OSOPINION_TYPE"]
    for f in CASHFLOW_TRAILING_FIELDS:
        tail += [f, f"{f}_YOY"]
    return list(F10_META) + list(CASHFLOW_FIELDS) + [f"{f}_YOY" for f in CASHFLOW_FIELDS] + tail


ZYGC_COLUMNS = ("股票代码", "报告日期", "分类类型", "主营构成", "主营收入", "收入比例", "主营成本", "成本比例", "主营利润", "利润比例", "毛利率")
HIST_COLUMNS = ("日期", "股票代码", "开盘", "收盘", "最高", "最低", "成交量", "成交额", "振幅", "涨跌幅", "涨跌额", "换手率")
BOARD_COLUMNS = (
    "序号", "代码", "名称", "最新价", "涨跌幅", "涨跌额", "成交量", "成交额", "振幅", "最高", "最低", "今开", "昨收",
    "换手率", "市盈率-动态", "市净率",
)
INFO_ITEMS = ("最新", "股票代码", "股票简称", "总股本", "流通股", "总市值", "流通市值", "行业", "上市时间")

# Lines that EastMoney leaves blank (NaN) when a firm has nothing to report there, rather than 0.
_OPTIONAL_FLOWS = frozenset({
    "FAIRVALUE_CHANGE_INCOME", "ASSET_DISPOSAL_INCOME", "ASSET_IMPAIRMENT_INCOME", "CREDIT_IMPAIRMENT_INCOME",
    "NONBUSINESS_INCOME", "NONBUSINESS_EXPENSE", "OTHER_COMPRE_INCOME", "PARENT_OCI", "INVEST_INCOME",
    "WITHDRAW_INVEST", "INVEST_PAY_CASH", "RECEIVE_INVEST_INCOME", "DISPOSAL_LONG_ASSET", "OBTAIN_SUBSIDIARY_OTHER",
    "ACCEPT_INVEST_CASH", "ISSUE_BOND", "RECEIVE_OTHER_FINANCE", "RECEIVE_LOAN_CASH", "PAY_DEBT_CASH",
    "ASSET_IMPAIRMENT", "IR_DEPR", "LPE_AMORTIZE", "USERIGHT_ASSET_AMORTIZE", "DISPOSAL_LONGASSET_LOSS",
    "FAIRVALUE_CHANGE_LOSS", "INVEST_LOSS", "DT_LIAB_ADD", "FINLEASE_OBTAIN_FA", "INVENTORY_REDUCE",
})
_OPTIONAL_POINTS = frozenset({
    "TRADE_FINASSET_NOTFVTPL", "NOTE_RECE", "FINANCE_RECE", "INVENTORY", "CONTRACT_ASSET", "LONG_EQUITY_INVEST",
    "INVEST_REALESTATE", "CIP", "USERIGHT_ASSET", "GOODWILL", "LONG_PREPAID_EXPENSE", "OTHER_NONCURRENT_ASSET",
    "SHORT_LOAN", "NOTE_PAYABLE", "NONCURRENT_LIAB_1YEAR", "LONG_LOAN", "BOND_PAYABLE", "LEASE_LIAB",
    "LONG_PAYABLE", "DEFER_INCOME", "DEFER_TAX_LIAB", "OTHER_COMPRE_INCOME", "MINORITY_EQUITY",
})
# The indirect-method supplement (补充资料): most firms disclose it only in H1 and FY reports.
_SUPPLEMENT = (
    "NETPROFIT", "ASSET_IMPAIRMENT", "FA_IR_DEPR", "OILGAS_BIOLOGY_DEPR", "IR_DEPR", "IA_AMORTIZE", "LPE_AMORTIZE",
    "DISPOSAL_LONGASSET_LOSS", "FAIRVALUE_CHANGE_LOSS", "FINANCE_EXPENSE", "INVEST_LOSS", "DT_ASSET_REDUCE",
    "DT_LIAB_ADD", "INVENTORY_REDUCE", "OPERATE_RECE_REDUCE", "OPERATE_PAYABLE_ADD", "OTHER",
    "OPERATE_NETCASH_BALANCENOTE", "NETCASH_OPERATENOTE", "FINLEASE_OBTAIN_FA", "END_CASH", "BEGIN_CASH",
    "CCE_ADD_BALANCENOTE", "CCE_ADDNOTE", "USERIGHT_ASSET_AMORTIZE",
)
_CF_ZERO_BALANCE = (
    "OPERATE_INFLOW_BALANCE", "OPERATE_OUTFLOW_BALANCE", "OPERATE_NETCASH_BALANCE", "INVEST_INFLOW_BALANCE",
    "INVEST_OUTFLOW_BALANCE", "INVEST_NETCASH_BALANCE", "FINANCE_INFLOW_BALANCE", "FINANCE_OUTFLOW_BALANCE",
    "FINANCE_NETCASH_BALANCE", "CCE_ADD_BALANCE", "END_CCE_BALANCE", "OPERATE_NETCASH_BALANCENOTE",
    "CCE_ADD_BALANCENOTE",
)

# ---------------------------------------------------------------------------------------------------
# Fictional firms: legacy trades, names, segments
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Trade:
    word: str  # the trade part of the short name
    industry: str  # EastMoney industry (stock_individual_info_em 行业)
    legacy_industry: str  # the 按行业分类 segment of the legacy business
    products: tuple[str, str, str]
    gross_margin: tuple[float, float]
    season: tuple[float, float, float, float]
    dso: float  # days of revenue in receivables
    dio: float  # days of cost in inventory
    asset_intensity: float  # gross fixed assets per yuan of annual revenue


_TRADES = (
    _Trade("彩印", "包装印刷", "印刷业", ("彩票印制", "商业票据印刷", "包装印刷品"), (0.25, 0.35), (0.95, 1.0, 1.0, 1.05), 60, 50, 0.8),
    _Trade("味精", "调味发酵品Ⅱ", "食品制造业", ("味精", "复合调味料", "饲料添加剂"), (0.10, 0.18), (1.0, 0.95, 1.0, 1.05), 20, 60, 1.0),
    _Trade("纺织", "纺织制造", "纺织业", ("棉纱", "坯布", "针织面料"), (0.08, 0.15), (0.9, 1.05, 1.05, 1.0), 45, 90, 0.9),
    _Trade("置业", "房地产开发", "房地产业", ("商品房销售", "物业管理", "房屋租赁"), (0.18, 0.32), (0.6, 0.9, 0.9, 1.6), 10, 700, 0.1),
    _Trade("算力科技", "IT服务Ⅱ", "软件和信息技术服务业", ("软件开发", "系统集成", "技术服务"), (0.28, 0.35), (0.7, 0.95, 0.95, 1.4), 150, 40, 0.3),
    _Trade("数据", "互联网服务", "互联网和相关服务", ("IDC服务", "CDN服务", "带宽销售"), (0.20, 0.32), (0.95, 1.0, 1.0, 1.05), 90, 5, 1.5),
    _Trade("通信", "通信设备", "计算机、通信和其他电子设备制造业", ("通信网络设备", "光模块", "技术服务"), (0.18, 0.30),
           (0.8, 1.0, 1.0, 1.2), 120, 90, 0.5),
    _Trade("电子", "消费电子", "计算机、通信和其他电子设备制造业", ("精密结构件", "电子元器件", "模具"), (0.12, 0.22),
           (0.85, 0.95, 1.05, 1.15), 90, 70, 0.8),
    _Trade("光电", "光学光电子", "计算机、通信和其他电子设备制造业", ("LED封装", "显示模组", "照明产品"), (0.12, 0.25),
           (0.9, 1.0, 1.05, 1.05), 100, 80, 0.9),
    _Trade("传媒", "文化传媒", "文化艺术业", ("影视发行", "广告营销", "游戏运营"), (0.20, 0.35), (0.8, 0.9, 1.0, 1.3), 120, 30, 0.2),
    _Trade("矿业", "工业金属", "有色金属矿采选业", ("铜精矿", "锌精矿", "金属贸易"), (0.15, 0.30), (0.95, 1.0, 1.0, 1.05), 15, 60, 1.5),
    _Trade("化工", "化学制品", "化学原料和化学制品制造业", ("精细化学品", "涂料", "助剂"), (0.12, 0.25), (0.95, 1.05, 1.0, 1.0), 45, 60, 1.0),
    _Trade("电力", "电力行业", "电力、热力生产和供应业", ("售电", "光伏发电", "热力"), (0.15, 0.30), (1.05, 0.9, 1.05, 1.0), 60, 10, 2.5),
    _Trade("机械", "通用设备", "通用设备制造业", ("工业泵阀", "压缩机", "配件"), (0.18, 0.28), (0.8, 1.0, 1.0, 1.2), 120, 120, 0.7),
    _Trade("家居", "家居用品", "家具制造业", ("板式家具", "定制橱柜", "软体家具"), (0.20, 0.32), (0.8, 1.0, 1.05, 1.15), 40, 60, 0.6),
    _Trade("农牧", "养殖业", "畜牧业", ("生猪", "饲料", "种猪"), (0.08, 0.15), (1.0, 0.95, 1.0, 1.05), 5, 100, 1.2),
    _Trade("线缆", "电网设备", "电气机械和器材制造业", ("电力电缆", "通信线缆", "铜杆"), (0.08, 0.12), (0.85, 1.0, 1.05, 1.1), 90, 45, 0.4),
    _Trade("环保", "环保行业", "生态保护和环境治理业", ("污水处理运营", "固废处置", "环保工程"), (0.25, 0.35), (0.8, 0.95, 1.0, 1.25), 180, 20, 2.0),
)
_QUALIFIERS = "华鑫天恒泰瑞中东新海盛宏金隆远达通安兴信德嘉永昌荣弘博汇润丰"
_COMPUTE_SEGMENTS = (
    "算力租赁", "算力服务", "智算服务", "算力租赁服务", "AI算力服务", "智算中心服务", "GPU算力租赁", "云计算及算力服务",
    "算力业务", "智能算力服务",
)
_COMPUTE_INDUSTRIES = ("信息技术服务业", "软件和信息技术服务业", "互联网和相关服务")
_UNUSUAL_SEGMENTS = ("ＧＰＵ 算力 租赁服务", "智算中心运营(AIDC)")  # by product, by industry
_REGIONS = ("华东地区", "华南地区", "华北地区", "华中地区", "西南地区", "境外")
_OTHER_SUPPLEMENT = "其他(补充)"
_OTHER_BUSINESS = "其他业务"
_CLASS_INDUSTRY, _CLASS_PRODUCT, _CLASS_REGION = "按行业分类", "按产品分类", "按地区分类"


def _qualifier(n: int) -> str:
    """0 → '', 1..30 → one character, then ordered pairs of distinct characters: an injection, so names stay unique."""
    if n == 0:
        return ""
    k = len(_QUALIFIERS)
    if n <= k:
        return _QUALIFIERS[n - 1]
    a, b = divmod(n - k - 1, k - 1)
    if a >= k:
        raise UsageError(f"the sample has names for at most {k * k * len(_TRADES)} firms", "ask for fewer firms")
    return _QUALIFIERS[a] + _QUALIFIERS[b if b < a else b + 1]


def firm_name(i: int) -> str:
    """The short name of firm i (1-based): 示例 + qualifier + legacy trade, unique for every i."""
    q, t = divmod(i - 1, len(_TRADES))
    return f"示例{_qualifier(q)}{_TRADES[t].word}"


# ---------------------------------------------------------------------------------------------------
# Calendar
# ---------------------------------------------------------------------------------------------------
_SPRING_FESTIVAL = {
    2010: (2, 14), 2011: (2, 3), 2012: (1, 23), 2013: (2, 10), 2014: (1, 31), 2015: (2, 19), 2016: (2, 8),
    2017: (1, 28), 2018: (2, 16), 2019: (2, 5), 2020: (1, 25), 2021: (2, 12), 2022: (2, 1), 2023: (1, 22),
    2024: (2, 10), 2025: (1, 29), 2026: (2, 17), 2027: (2, 6), 2028: (1, 26), 2029: (2, 13), 2030: (2, 3),
}
_DRAGON_BOAT = {
    2010: (6, 16), 2011: (6, 6), 2012: (6, 23), 2013: (6, 12), 2014: (6, 2), 2015: (6, 20), 2016: (6, 9),
    2017: (5, 30), 2018: (6, 18), 2019: (6, 7), 2020: (6, 25), 2021: (6, 14), 2022: (6, 3), 2023: (6, 22),
    2024: (6, 10), 2025: (5, 31), 2026: (6, 19), 2027: (6, 9), 2028: (5, 28), 2029: (6, 16), 2030: (6, 5),
}
_MID_AUTUMN = {
    2010: (9, 22), 2011: (9, 12), 2012: (9, 30), 2013: (9, 19), 2014: (9, 8), 2015: (9, 27), 2016: (9, 15),
    2017: (10, 4), 2018: (9, 24), 2019: (9, 13), 2020: (10, 1), 2021: (9, 21), 2022: (9, 10), 2023: (9, 29),
    2024: (9, 17), 2025: (10, 6), 2026: (9, 25), 2027: (9, 15), 2028: (10, 3), 2029: (9, 22), 2030: (9, 12),
}


def _holidays(year: int) -> set[date]:
    days = {date(year, 1, 1)}
    spring = date(year, *_SPRING_FESTIVAL[year])
    days |= {spring + timedelta(days=k) for k in range(-1, 6)}
    days.add(date(year, 4, 4 if year % 4 in (0, 1) else 5))  # Qingming
    days |= {date(year, 5, d) for d in range(1, 6)}
    days.add(date(year, *_DRAGON_BOAT[year]))
    days.add(date(year, *_MID_AUTUMN[year]))
    days |= {date(year, 10, d) for d in range(1, 8)}
    return days


@lru_cache(maxsize=1)
def _trading_days() -> tuple["np.ndarray", tuple[date, ...]]:
    """Every trading day of the simulation as datetime64[D] and as datetime.date (the form akshare returns)."""
    import numpy as np

    days = np.arange(np.datetime64(f"{FIRST_SIM_YEAR}-01-01"), np.datetime64(f"{LAST_SIM_YEAR + 1}-01-01"))
    weekday = (days.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday
    holidays = sorted(d for y in range(FIRST_SIM_YEAR, LAST_SIM_YEAR + 1) for d in _holidays(y))
    closed = np.array(holidays, dtype="datetime64[D]")
    days = days[(weekday < 5) & ~np.isin(days, closed)]
    return days, tuple(days.astype(object))


def _quarter_end(t: int) -> date:
    year, q = FIRST_SIM_YEAR + t // 4, t % 4
    return date(year, 3 * q + 3, 31 if q in (0, 3) else 30)


def _qidx(year: int, quarter: int) -> int:
    return (year - FIRST_SIM_YEAR) * 4 + quarter - 1


def _weekday_on_or_before(day: date) -> date:
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


_REPORT_TYPE = ("一季报", "中报", "三季报", "年报")
_GOING_CONCERN = "带持续经营重大不确定性段落的无保留意见"
_CLEAN = "标准无保留意见"


# ---------------------------------------------------------------------------------------------------
# One firm's books
# ---------------------------------------------------------------------------------------------------
@dataclass
class _Firm:
    index: int
    code: str
    name: str
    trade: _Trade
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


def _archetype(i: int, rng: "np.random.Generator") -> str:
    if i == _SHELL[0]:
        return "shell"
    if i <= _DESIGNED_FIRMS:
        if i in _STARS:
            return "star"
        if i in _LEVERAGED:  # before _LOSS: a leveraged firm can also be built to lose money
            return "leveraged"
        if i in _LOSS:
            return "loss"
        if i in _LEGACY_ONLY:
            return "legacy"
        return "squeeze" if i in _SQUEEZE else "generic"
    # Beyond the designed firms the sample stands for the whole market: most firms never pivot.
    return str(rng.choice(
        ["legacy", "generic", "squeeze", "loss", "leveraged", "star"], p=[0.55, 0.27, 0.08, 0.06, 0.03, 0.01]
    ))


def _tranches(q: int, tranches: list[tuple[int, float, int]]) -> tuple["np.ndarray", "np.ndarray"]:
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


def _straight_assets(q: int, tranches: list[tuple[int, float, int]]) -> tuple["np.ndarray", "np.ndarray"]:
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


def _cents(x) -> "np.ndarray":
    import numpy as np

    return np.rint(np.asarray(x, dtype=np.float64) * 100).astype(np.int64)


def _lag(x: "np.ndarray", first=None) -> "np.ndarray":
    import numpy as np

    out = np.empty_like(x)
    out[1:] = x[:-1]
    out[0] = x[0] if first is None else first
    return out


@lru_cache(maxsize=256)
def _simulate(seed: int, i: int) -> _Firm:
    """Simulate firm i's quarters from 2010 to 2030. Depends only on (seed, i)."""
    import numpy as np

    rng = np.random.default_rng([seed, i])
    uni = rng.uniform
    # The leveraged and stake-gain designs draw from a stream of their own, so adding them changed no other firm.
    own = np.random.default_rng([seed, i, 3])
    Q = _NQ
    t = np.arange(Q)
    qtr = t % 4
    yidx = t // 4
    year = FIRST_SIM_YEAR + yidx
    n_years = Q // 4
    trade = _TRADES[(i - 1) % len(_TRADES)]
    arch = _archetype(i, rng)
    compute = arch in ("star", "generic", "squeeze", "loss", "leveraged")
    # a leveraged firm built to lose money: a 2026 expansion on dearer money, more overhead, tenants who pay late
    strained = arch == "leveraged" and (i in _LOSS if i <= _DESIGNED_FIRMS else own.random() < 0.25)
    y2021 = 2021 - FIRST_SIM_YEAR

    # Legacy business: revenue level by year (anchored at 2021), seasonality, margin.
    legacy_2021 = math.exp(uni(math.log(2e8), math.log(8e9)))
    growth = {
        "star": rng.normal(0.03, 0.02), "generic": rng.normal(0.03, 0.05), "squeeze": rng.normal(0.01, 0.03),
        "loss": rng.normal(-0.07, 0.03), "legacy": rng.normal(0.03, 0.05), "shell": -0.1,
        "leveraged": own.normal(0.03, 0.02),
    }[arch]
    shocks = np.cumsum(rng.normal(0, 0.04, n_years))
    level = legacy_2021 * np.exp(growth * (np.arange(n_years) - y2021) + shocks - shocks[y2021])
    season = np.array(trade.season) * uni(0.95, 1.05, 4)
    season /= season.mean()
    leg_rev = level[yidx] / 4 * season[qtr] * np.exp(rng.normal(0, 0.03, Q))
    if arch == "shell":
        leg_rev[year >= _SHELL[1]] = 0.0
    lo, hi = trade.gross_margin
    gm0 = {"star": uni(max(lo, hi - 0.05), hi), "loss": uni(lo, lo + 0.02)}.get(arch, uni(lo, hi))
    trend = {"loss": -0.015 * np.clip(year - 2023, 0, None), "squeeze": -0.01 * np.clip(year - 2024, 0, None)}
    gm_leg = np.clip(gm0 + trend.get(arch, 0.0) + rng.normal(0, 0.008, Q), 0.03, 0.36)
    leg_cost = leg_rev * (1 - gm_leg)

    # Compute leasing: GPU waves bought for cash (CIP one quarter, then fixed assets), depreciated over 5 years.
    comp_rev = np.zeros(Q)
    comp_cost = np.zeros(Q)
    power = np.zeros(Q)  # electricity and operations of the compute business
    gpu_cash = np.zeros(Q)  # CONSTRUCT_LONG_ASSET for GPUs
    gpu_cip = np.zeros(Q)
    gpu_prepaid = np.zeros(Q)  # paid ahead for GPUs, in OTHER_NONCURRENT_ASSET
    gpu_in_service = np.zeros(Q)
    gpu_dep = np.zeros(Q)
    finlease = np.zeros(Q)
    loan_tranches: list[tuple[int, float, int]] = []
    lease_tranches: list[tuple[int, float, int]] = []
    lp_tranches: list[tuple[int, float, int]] = []
    lpe_tranches: list[tuple[int, float, int]] = []
    slb_cash = np.zeros(Q)
    placement_amount = np.zeros(Q)
    bond_issue = np.zeros(Q)
    goodwill_buy = np.zeros(Q)
    goodwill_impair = np.zeros(Q)
    s0 = None
    unit = 0.0
    r_loan = uni(0.04, 0.065)
    r_lease = uni(0.045, 0.055)
    r_lp = uni(0.055, 0.07)
    if arch == "leveraged":  # trust loans and sale-and-leaseback from leasing companies, not bank credit
        r_loan = own.uniform(0.11, 0.12) if strained else own.uniform(0.07, 0.085)
        r_lp = own.uniform(0.14, 0.15) if strained else own.uniform(0.10, 0.125)
    if compute:
        start_year, first, spread = {
            "star": (2023, 1, 3), "generic": (2023, 2, 7), "squeeze": (2023, 3, 2), "loss": (2024, 1, 5),
            "leveraged": (2023, 4, 4),
        }[arch]
        s0 = _qidx(start_year, first) + int(rng.integers(0, spread))
        legacy_2022 = level[2022 - FIRST_SIM_YEAR]
        ratio = {
            "star": uni(3.5, 5.5), "generic": uni(0.3, 1.2), "squeeze": uni(0.5, 1.3), "loss": uni(0.4, 1.0),
            "leveraged": own.uniform(3.5, 5.0),
        }[arch]
        g_c = {  # compute gross margin at full use
            "star": uni(0.54, 0.57), "generic": uni(0.26, 0.36), "squeeze": uni(0.33, 0.38), "loss": uni(0.15, 0.22),
            "leveraged": own.uniform(0.50, 0.53) if strained else own.uniform(0.50, 0.56),
        }[arch]
        p_c = uni(0.06, 0.09) if arch == "star" else uni(0.08, 0.13)
        l_c = uni(0.05, 0.2)
        u_max = {  # utilisation once a wave has ramped up; loss makers leave GPUs idle
            "star": uni(0.95, 0.98), "generic": uni(0.9, 0.97), "squeeze": uni(0.9, 0.95), "loss": uni(0.7, 0.8),
            "leveraged": own.uniform(0.94, 0.98),
        }[arch]
        ramp = int(rng.integers(2, 4)) if arch in ("squeeze", "leveraged") else int(rng.integers(3, 7))
        # (quarter in service, share of one GPU unit); squeeze firms keep buying into a falling rent market
        waves = {
            "star": ((s0, 0.5), (s0 + 2, 0.3), (s0 + 5, 0.2)),
            "generic": ((s0, 0.4), (s0 + 2, 0.3), (s0 + 5, 0.3)),
            "squeeze": ((s0, 0.5), (s0 + 2, 0.5), (_qidx(2025, 4), 0.3), (_qidx(2026, 2), 0.25)),
            "loss": ((s0, 0.7), (s0 + 1, 0.6)),
            "leveraged": (
                (s0, 0.4), (s0 + 2, 0.3), (s0 + 4, 0.3), (_qidx(2026, 1), 1.5) if strained else (_qidx(2025, 4), 0.4),
            ),
        }[arch]
        decline = {"star": 0.0, "generic": 0.005, "squeeze": 0.02, "loss": 0.02, "leveraged": 0.0}[arch]
        revenue_full = ratio * legacy_2022  # a year's compute revenue from one unit of GPUs at full use
        unit = (1 - g_c - p_c) * revenue_full * 5 / (1 + l_c)  # GPU cost of that unit: margin g_c at full use
        leaseback = (
            arch == "leveraged" or arch == "loss" and rng.random() < 0.5 or arch != "loss" and rng.random() < 0.12
        )
        fin_lease = not leaseback and rng.random() < 0.06
        f_loan = {  # share of the cash capex borrowed as term loans
            "star": uni(0.1, 0.25), "generic": uni(0.3, 0.6), "squeeze": uni(0.4, 0.65), "loss": uni(0.8, 1.0),
            "leveraged": own.uniform(0.3, 0.45),
        }[arch]
        # a leveraged firm sells 80–100 % of each GPU wave to a leasing company and leases it back over five years
        slb_share = (own.uniform(0.95, 1.0) if strained else own.uniform(0.8, 0.95)) if arch == "leveraged" else 0.0
        slb_term = 20 if arch == "leveraged" else 12
        loan_term = int(rng.integers(12, 21))
        used = np.zeros(Q)  # GPU cost in service weighted by its utilisation, which ramps up wave by wave
        for ts, share in waves:
            if ts >= Q:
                continue
            amount = share * unit
            non_cash = amount * uni(0.3, 0.5) if fin_lease else 0.0
            cash = amount - non_cash
            if ts == s0 and ts >= 2:
                gpu_prepaid[ts - 2] += 0.2 * cash
                gpu_cash[ts - 2] += 0.2 * cash
                gpu_cash[ts - 1] += 0.8 * cash
            else:
                gpu_cash[ts - 1] += cash
            gpu_cip[ts - 1] += cash
            gpu_in_service[ts:] += amount
            gpu_dep[ts:ts + 20] += amount / 20
            used += np.where(t >= ts, amount * (0.4 + (u_max - 0.4) * np.clip((t - ts + 1) / ramp, 0, 1)), 0.0)
            if non_cash:
                finlease[ts] += non_cash
                lp_tranches.append((ts, non_cash, 12))
            loan_tranches.append((ts - 1, f_loan * cash, loan_term))
            lease_tranches.append((ts, l_c * amount, 20))
            lpe_tranches.append((ts, 0.03 * amount, 12))
            if leaseback and ts + 1 < Q:
                proceeds = (slb_share if arch == "leveraged" else uni(0.5, 0.7)) * cash
                slb_cash[ts + 1] += proceeds
                lp_tranches.append((ts + 1, proceeds, slb_term))
        price_factor = (1 - decline) ** np.clip(t - _qidx(2025, 1), 0, None)
        usage = revenue_full / 4 / unit * used * np.clip(1 + rng.normal(0, 0.015, Q), 0, None)
        comp_rev = usage * price_factor * np.exp(rng.normal(0, 0.02, Q))
        rou_amort_c = _straight_assets(Q, lease_tranches)[1]
        power = p_c * usage  # power and operations follow use, not the rent
        comp_cost = gpu_dep + rou_amort_c + power
        if arch == "star" or arch != "leveraged" and rng.random() < 0.3:  # leveraged firms raise no equity
            placement_amount[min(s0 + 2, Q - 1)] = uni(0.4, 0.7) * unit if arch == "star" else uni(0.15, 0.35) * unit
        if arch == "generic" and rng.random() < 0.1:
            bond_issue[min(s0 + 1, Q - 1)] = 0.3 * unit
        has_goodwill = arch == "loss" or arch not in ("star", "leveraged") and rng.random() < 0.2
        if has_goodwill:
            goodwill_buy[s0] = uni(0.05, 0.3) * unit
            impair_at = _qidx(2025, 4) if arch == "loss" else _qidx(int(rng.choice([2024, 2025])), 4)
            share = uni(0.5, 1.0) if arch == "loss" else (uni(0.1, 0.4) if rng.random() < 0.4 else 0.0)
            goodwill_impair[impair_at] = share * goodwill_buy[s0]

    rev = leg_rev + comp_rev
    cost = leg_cost + comp_cost
    annual = level[yidx] + 4 * comp_rev

    # Legacy fixed assets, depreciated on the declining balance so a shrinking firm never goes below zero;
    # maintenance capex (a little above depreciation while the business grows) waits one quarter in CIP.
    net0 = 0.55 * trade.asset_intensity * uni(0.7, 1.3) * level[0]
    rate = 1 / (0.6 * int(rng.integers(40, 61)))
    upkeep = uni(0.9, 1.25, Q) * np.exp(np.diff(np.log(level), prepend=math.log(level[0])))[yidx] ** 0.25
    if arch == "shell":
        upkeep[year >= _SHELL[1]] = 0.2
    sold = np.where((rng.random() < 0.6) & (rng.random(Q) < 0.4), uni(0.002, 0.01, Q), 0.0)
    leg_dep, leg_capex, disposal_book, leg_net = np.zeros(Q), np.zeros(Q), np.zeros(Q), np.zeros(Q)
    net, in_cip = net0, net0 * rate
    for k in range(Q):
        leg_dep[k] = net * rate
        disposal_book[k] = net * sold[k]
        leg_capex[k] = leg_dep[k] * upkeep[k]
        net += in_cip - leg_dep[k] - disposal_book[k]
        in_cip = leg_capex[k]
        leg_net[k] = net
    disposal_gain = disposal_book * rng.normal(0.1, 0.3, Q)
    gpu_net = gpu_in_service - np.cumsum(gpu_dep)
    fixed_asset = leg_net + gpu_net
    cip = leg_capex + gpu_cip

    # Other long-lived assets.
    ia0 = uni(0.03, 0.15) * level[0]
    ia_amort = np.full(Q, ia0 / 200)
    intangible = 0.8 * ia0 - np.cumsum(ia_amort)
    if rng.random() < 0.7:
        lpe_tranches += [(q_, uni(0.0, 0.004) * level[q_ // 4], 12) for q_ in range(1, Q, 4)]
    lpe, lpe_amort = _straight_assets(Q, lpe_tranches)
    lpe_add = np.zeros(Q)
    for start, amount, _ in lpe_tranches:
        lpe_add[start] += amount
    t2021 = _qidx(2021, 1)
    legacy_lease = uni(0.005, 0.02) * level[y2021]
    lease_tranches += [(t2021, legacy_lease, 20), (t2021 + 20, 1.05 * legacy_lease, 20)]
    rou, rou_amort = _straight_assets(Q, lease_tranches)
    lease_total, lease_current = _tranches(Q, lease_tranches)
    lease_new = np.zeros(Q)
    for start, amount, _ in lease_tranches:
        if start < Q:
            lease_new[start] += amount
    goodwill = np.cumsum(goodwill_buy - goodwill_impair)
    has_ire = trade.word == "置业" or rng.random() < 0.1
    ire0 = (0.4 if trade.word == "置业" else uni(0.05, 0.2)) * level[0] if has_ire else 0.0
    ir_dep = np.full(Q, ire0 / 160)  # investment property over 40 years
    invest_property = 0.8 * ire0 - np.cumsum(ir_dep)
    lei = uni(0.01, 0.08) * legacy_2021 if rng.random() < 0.5 else 0.0
    invest_income = lei * uni(0.02, 0.08) / 4 * np.exp(rng.normal(0, 0.3, Q))
    wmp = uni(0.02, 0.1) * level[yidx] * np.exp(rng.normal(0, 0.2, Q)) if rng.random() < 0.4 else np.zeros(Q)
    invest_income = invest_income + wmp * 0.025 / 4
    tfa0 = uni(0.02, 0.08) * legacy_2021 if rng.random() < 0.35 else 0.0
    tfa = tfa0 * np.exp(np.cumsum(rng.normal(0, 0.04, Q)))
    if i in _STAKE_GAIN:  # an old venture stake in a GPU maker, marked to its STAR Market listing price in 2026 Q2
        listing = _qidx(2026, 2)
        stake = own.uniform(0.01, 0.02) * legacy_2021
        tfa = tfa + stake + np.where(t >= listing, own.uniform(0.15, 0.22) * rev[listing - 3:listing + 1].sum(), 0.0)
        tfa0 += stake
    fv_change = np.diff(tfa, prepend=tfa0)

    # Working capital: receivables (with a growing bad-debt provision), inventory (written down each Q4).
    dso_leg = trade.dso * uni(0.7, 1.3)
    dso_c = uni(120, 200) if arch == "loss" or strained else uni(60, 150)  # tenants that pay late
    ar_gross = (leg_rev * dso_leg + comp_rev * dso_c) / 91 * 1.09
    provision_ratio = uni(0.03, 0.06) + (0.02 if arch == "loss" or strained else 0.003) * np.clip(year - 2023, 0, None)
    provision = provision_ratio * ar_gross
    credit_impair = -np.diff(provision, prepend=provision[0])
    note_rece = uni(0.02, 0.12) * ar_gross if rng.random() < 0.6 else np.zeros(Q)
    finance_rece = uni(0.01, 0.05) * level[yidx] / 4 if rng.random() < 0.3 else np.zeros(Q)
    ar_net = ar_gross - provision
    inv_gross = leg_cost * trade.dio * uni(0.7, 1.3) / 91
    writedown_ratio = uni(0.01, 0.04) + (0.01 if arch in ("loss", "shell") else 0.0)
    q4 = qtr == 3
    inv_writedown = np.where(q4, writedown_ratio * inv_gross, np.nan)
    inv_writedown[0] = writedown_ratio * inv_gross[0]
    inv_writedown = _ffill(inv_writedown)
    inv_writedown = np.minimum(inv_writedown, 0.5 * inv_gross)
    inventory = inv_gross - inv_writedown
    asset_impair = -np.diff(inv_writedown, prepend=inv_writedown[0]) - goodwill_impair
    prepayment = 0.03 * cost
    other_rece = uni(0.003, 0.02) * level[yidx]
    contract_asset = uni(0.02, 0.06) * level[yidx] / 4 if rng.random() < 0.2 else np.zeros(Q)
    vat_credit = np.zeros(Q)
    carry = 0.0
    for k in range(Q):
        carry = 0.75 * carry + 0.13 * gpu_cash[k]
        vat_credit[k] = carry
    other_current_asset = vat_credit + 0.005 * level[yidx]
    other_noncurrent = gpu_prepaid + uni(0.0, 0.01) * legacy_2021
    dta_base = uni(0.003, 0.015) * level[yidx]

    # Expenses: a trade's overheads scale with its gross margin, so thin-margin trades stay thinly profitable.
    tax_add = uni(0.004, 0.01) * rev + (0.05 * leg_rev if trade.word == "置业" else 0.0)
    overhead = gm0 * (uni(0.35, 0.5) if arch == "star" else uni(0.45, 0.7))
    sale_share, admin_share, research_share = overhead * _dirichlet(rng, 3)[rng.permutation(3)]
    sale = sale_share * leg_rev + uni(0.003, 0.01) * comp_rev
    manage = 0.5 * admin_share * legacy_2021 / 4 * 1.03 ** (year - 2021) + 0.5 * admin_share * leg_rev
    if s0 is not None:
        manage = manage + np.where(t >= s0, 0.01 * revenue_full / 4, 0.0) + 0.005 * comp_rev
    research = research_share * leg_rev + uni(0.005, 0.015) * comp_rev
    if arch == "leveraged":  # brokers who find GPU tenants, data-centre staff, a scheduling platform of its own
        extra = (0.045, 0.065) if strained else (0.03, 0.05)
        sale, manage, research = (x + own.uniform(*extra) * comp_rev for x in (sale, manage, research))
    fees = uni(0.0003, 0.001) * rev
    other_income = uni(0.002, 0.008) * rev + np.where(rng.random(Q) < 0.3, 0.001 * legacy_2021 * rng.random(Q), 0.0)
    nbi = uni(0.0, 0.002) * rev * np.exp(rng.normal(0, 0.5, Q)) if rng.random() < 0.6 else np.zeros(Q)
    nbe = uni(0.0, 0.002) * rev * np.exp(rng.normal(0, 0.5, Q)) if rng.random() < 0.6 else np.zeros(Q)
    if arch == "shell":  # a shell: a little rent and subsidy, and losses on guarantees it gave its old business
        other_income = other_income + np.where(year >= _SHELL[1], 0.0005 * legacy_2021, 0.0)
        nbe = nbe + np.where(year >= _SHELL[1], 0.015 * legacy_2021, 0.0)
    oci = rng.normal(0, 0.001, Q) * legacy_2021 if rng.random() < 0.2 else np.zeros(Q)
    tax_rate = 0.15 if rng.random() < 0.5 else 0.25
    minority_share = 0.0 if rng.random() < 0.4 else uni(0.01, 0.1)
    staff = 0.5 * (sale + manage + research) + 0.08 * leg_cost

    # Operating liabilities.
    accounts_payable = (leg_cost * uni(30, 100) + power * 30) / 91 * 1.13
    note_payable = uni(0.1, 0.4) * accounts_payable if rng.random() < 0.5 else np.zeros(Q)
    contract_liab = (uni(0.8, 1.5) if trade.word == "置业" else uni(0.01, 0.08)) * level[yidx] + 0.3 * comp_rev
    if arch == "shell":
        contract_liab = np.where(year >= _SHELL[1], 0.0, contract_liab)
    staff_payable = 0.35 * staff
    tax_payable = 0.025 * rev + 0.002 * legacy_2021
    other_payable = uni(0.005, 0.03) * level[yidx]
    other_current_liab = 0.08 * contract_liab
    defer_income = np.full(Q, uni(0.002, 0.01) * legacy_2021) if rng.random() < 0.4 else np.zeros(Q)
    defer_tax_liab = 0.25 * np.clip(tfa - tfa0, 0, None)

    # Borrowing: legacy term loans refinanced every three years, GPU loans, bonds, short-term loans.
    legacy_loan = uni(0.0, 0.15)
    loan_tranches += [(q_, legacy_loan * level[q_ // 4], 16) for q_ in range(0, Q, 12)]
    long_total, long_current = _tranches(Q, loan_tranches)
    long_new = np.zeros(Q)
    for start, amount, _ in loan_tranches:
        if start < Q:
            long_new[start] += amount
    bond_total = np.cumsum(bond_issue)
    lp_total, lp_current = _tranches(Q, lp_tranches)
    short_base = uni(0.0, 0.12) * level[yidx] + 0.3 * comp_rev
    r_short = r_loan - 0.005
    r_dep = 0.003 if arch == "shell" else uni(0.008, 0.015)  # a shell's cash sits frozen as guarantee collateral
    ie_loan = r_loan / 4 * _lag(long_total, 0.0)
    ie_bond = 0.045 / 4 * _lag(bond_total, 0.0)
    ie_lease = r_lease / 4 * _lag(lease_total, 0.0)
    ie_lp = r_lp / 4 * _lag(lp_total, 0.0)
    ie_scheduled = ie_loan + ie_bond + ie_lease + ie_lp

    # Shares, dividends.
    bps0 = uni(2.5, 5.0)
    payout = uni(0.1, 0.4) if rng.random() < 0.75 else 0.0
    ex_month_day = (int(rng.integers(6, 8)), int(rng.integers(1, 29)))
    pl_ratio = uni(0.1, 0.25)

    # Opening balance sheet (end of 2009): cash set so that equity is at least 35 % of assets.
    noncash = (
        tfa + note_rece + ar_net + finance_rece + prepayment + other_rece + inventory + contract_asset
        + other_current_asset + lei + invest_property + fixed_asset + cip + rou + intangible + goodwill + lpe
        + dta_base + other_noncurrent
    )
    liab_ex = (
        note_payable + accounts_payable + contract_liab + staff_payable + tax_payable + other_payable
        + other_current_liab + long_total + bond_total + lease_total + lp_total + defer_income + defer_tax_liab
    )
    cash0 = max(uni(0.1, 0.3) * level[0], (liab_ex[0] + short_base[0]) / 0.65 - noncash[0])
    equity0 = noncash[0] + cash0 - liab_ex[0] - short_base[0]
    min_cash = np.maximum(uni(0.05, 0.12) * annual, 3e7)
    opbase = (
        rev - cost - tax_add - sale - manage - research - fees + other_income + invest_income + fv_change
        + disposal_gain + asset_impair + credit_impair
    )
    nb = nbi - nbe
    shares0 = round(equity0 * (1 - 0.05) / bps0)
    new_shares = np.zeros(Q, dtype=np.int64)
    if placement_amount.any():
        new_shares[int(np.argmax(placement_amount))] = round(pl_ratio * shares0)
    shares = shares0 + np.cumsum(new_shares)

    # Quarter by quarter: interest on the opening short-term debt and cash, tax, dividends, and a revolving
    # short-term loan that keeps cash above a floor (this is where losses and GPU capex show up as debt).
    ie = np.zeros(Q)
    ii = np.zeros(Q)
    tax = np.zeros(Q)
    parent = np.zeros(Q)
    dividend = np.zeros(Q)
    dps_paid = np.zeros(Q)
    short = np.zeros(Q)
    dta_loss = np.zeros(Q)
    equity = equity0
    cash_prev, short_prev, revolver, dta = cash0, short_base[0], 0.0, 0.0
    pending: dict[int, float] = {}
    recognise_dta = arch != "shell"
    opbase_l, nb_l, ies_l, sb_l = opbase.tolist(), nb.tolist(), ie_scheduled.tolist(), short_base.tolist()
    liab_l, noncash_l, minc_l, oci_l = liab_ex.tolist(), noncash.tolist(), min_cash.tolist(), oci.tolist()
    pl_l, shares_l = placement_amount.tolist(), shares.tolist()
    pay_quarter = 1 if ex_month_day[0] == 6 else 2
    for k in range(Q):
        ie_k = ies_l[k] + r_short / 4 * short_prev
        ii_k = r_dep / 4 * max(cash_prev, 0.0)
        tp = opbase_l[k] - (ie_k - ii_k) + nb_l[k]
        tax_k = tax_rate * tp if tp > 0 else (0.5 * tax_rate * tp if recognise_dta else 0.0)
        np_k = tp - tax_k
        ie[k], ii[k], tax[k] = ie_k, ii_k, tax_k
        parent[k] = np_k * (1 - minority_share)
        if k % 4 == 3 and payout:
            fy_parent = parent[k - 3:k + 1].sum()
            dps = math.floor(payout * fy_parent / shares_l[k] * 1000) / 1000 if fy_parent > 0 else 0.0
            if dps >= 0.01 and k + 1 + pay_quarter < Q:
                pending[k + 1 + pay_quarter] = dps
        dps_paid[k] = pending.pop(k, 0.0)
        dividend[k] = dps_paid[k] * shares_l[k]
        if tax_k < 0:
            dta -= tax_k
        dta_loss[k] = dta
        equity += np_k + oci_l[k] - dividend[k] + pl_l[k]
        cash = equity + liab_l[k] + sb_l[k] + revolver - noncash_l[k] - dta
        if cash < minc_l[k]:
            revolver += minc_l[k] - cash
            cash = minc_l[k]
        elif revolver > 0 and cash > 2 * minc_l[k]:
            repay = min(revolver, cash - 1.5 * minc_l[k])
            revolver -= repay
            cash -= repay
        short[k] = sb_l[k] + revolver
        cash_prev, short_prev = cash, short[k]

    # Everything in integer cents; subtotals are sums of the rounded parts, cash is the balancing item.
    c = _cents
    flows = {
        "LEG_REV": c(leg_rev), "LEG_COST": c(leg_cost), "COMP_REV": c(comp_rev), "COMP_COST": c(comp_cost),
        "OPERATE_TAX_ADD": c(tax_add), "SALE_EXPENSE": c(sale), "MANAGE_EXPENSE": c(manage),
        "RESEARCH_EXPENSE": c(research), "FE_INTEREST_EXPENSE": c(ie), "FE_INTEREST_INCOME": c(ii),
        "OTHER_INCOME": c(other_income), "INVEST_INCOME": c(invest_income), "FAIRVALUE_CHANGE_INCOME": c(fv_change),
        "ASSET_DISPOSAL_INCOME": c(disposal_gain), "ASSET_IMPAIRMENT_INCOME": c(asset_impair),
        "CREDIT_IMPAIRMENT_INCOME": c(credit_impair), "NONBUSINESS_INCOME": c(nbi), "NONBUSINESS_EXPENSE": c(nbe),
        "INCOME_TAX": c(tax), "OTHER_COMPRE_INCOME": c(oci),
    }
    f = flows
    f["OPERATE_INCOME"] = f["LEG_REV"] + f["COMP_REV"]
    f["TOTAL_OPERATE_INCOME"] = f["OPERATE_INCOME"]
    f["OPERATE_COST"] = f["LEG_COST"] + f["COMP_COST"]
    f["FINANCE_EXPENSE"] = f["FE_INTEREST_EXPENSE"] - f["FE_INTEREST_INCOME"] + c(fees)
    f["TOTAL_OPERATE_COST"] = (
        f["OPERATE_COST"] + f["OPERATE_TAX_ADD"] + f["SALE_EXPENSE"] + f["MANAGE_EXPENSE"] + f["RESEARCH_EXPENSE"]
        + f["FINANCE_EXPENSE"]
    )
    f["OPERATE_PROFIT"] = (
        f["OPERATE_INCOME"] - f["TOTAL_OPERATE_COST"] + f["OTHER_INCOME"] + f["INVEST_INCOME"]
        + f["FAIRVALUE_CHANGE_INCOME"] + f["ASSET_DISPOSAL_INCOME"] + f["ASSET_IMPAIRMENT_INCOME"]
        + f["CREDIT_IMPAIRMENT_INCOME"]
    )
    f["TOTAL_PROFIT"] = f["OPERATE_PROFIT"] + f["NONBUSINESS_INCOME"] - f["NONBUSINESS_EXPENSE"]
    f["NETPROFIT"] = f["TOTAL_PROFIT"] - f["INCOME_TAX"]
    f["CONTINUED_NETPROFIT"] = f["NETPROFIT"]
    f["MINORITY_INTEREST"] = np.rint(minority_share * f["NETPROFIT"]).astype(np.int64)
    f["PARENT_NETPROFIT"] = f["NETPROFIT"] - f["MINORITY_INTEREST"]
    non_recurring = (
        0.6 * f["OTHER_INCOME"] + f["FAIRVALUE_CHANGE_INCOME"] + f["ASSET_DISPOSAL_INCOME"]
        + f["NONBUSINESS_INCOME"] - f["NONBUSINESS_EXPENSE"]
    )
    f["DEDUCT_PARENT_NETPROFIT"] = f["PARENT_NETPROFIT"] - np.rint(
        non_recurring * (1 - tax_rate) * (1 - minority_share)
    ).astype(np.int64)
    f["PARENT_OCI"] = f["OTHER_COMPRE_INCOME"]
    f["TOTAL_COMPRE_INCOME"] = f["NETPROFIT"] + f["OTHER_COMPRE_INCOME"]
    f["PARENT_TCI"] = f["PARENT_NETPROFIT"] + f["OTHER_COMPRE_INCOME"]
    f["MINORITY_TCI"] = f["MINORITY_INTEREST"]

    dividend_c = np.rint(dps_paid * shares * 100).astype(np.int64)
    fy_parent_c = f["PARENT_NETPROFIT"].reshape(-1, 4).sum(axis=1)
    surplus_add = np.zeros(Q, dtype=np.int64)
    surplus_add[3::4] = np.rint(0.1 * np.clip(fy_parent_c, 0, None)).astype(np.int64)
    placement_c = c(placement_amount)
    parent0 = equity0 * (1 - 0.05)
    p = {
        "TRADE_FINASSET_NOTFVTPL": c(tfa), "NOTE_RECE": c(note_rece), "ACCOUNTS_RECE": c(ar_net),
        "FINANCE_RECE": c(finance_rece), "PREPAYMENT": c(prepayment), "OTHER_RECE": c(other_rece),
        "INVENTORY": c(inventory), "CONTRACT_ASSET": c(contract_asset), "OTHER_CURRENT_ASSET": c(other_current_asset),
        "LONG_EQUITY_INVEST": c(np.full(Q, lei)), "INVEST_REALESTATE": c(invest_property),
        "FIXED_ASSET": c(fixed_asset), "CIP": c(cip), "USERIGHT_ASSET": c(rou), "INTANGIBLE_ASSET": c(intangible),
        "GOODWILL": c(goodwill), "LONG_PREPAID_EXPENSE": c(lpe), "DEFER_TAX_ASSET": c(dta_base + dta_loss),
        "OTHER_NONCURRENT_ASSET": c(other_noncurrent),
        "SHORT_LOAN": c(short), "NOTE_PAYABLE": c(note_payable), "ACCOUNTS_PAYABLE": c(accounts_payable),
        "CONTRACT_LIAB": c(contract_liab), "STAFF_SALARY_PAYABLE": c(staff_payable), "TAX_PAYABLE": c(tax_payable),
        "OTHER_PAYABLE": c(other_payable), "OTHER_CURRENT_LIAB": c(other_current_liab),
        "DEFER_INCOME": c(defer_income), "DEFER_TAX_LIAB": c(defer_tax_liab),
        "SHARE_CAPITAL": shares.astype(np.int64) * 100,
        "CAPITAL_RESERVE": c(0.55 * (parent0 - shares0)) + np.cumsum(placement_c - new_shares * 100),
        "OTHER_COMPRE_INCOME": np.cumsum(f["OTHER_COMPRE_INCOME"]),
        "SURPLUS_RESERVE": c(0.15 * (parent0 - shares0)) + np.cumsum(surplus_add),
        "UNASSIGN_RPOFIT": c(0.3 * (parent0 - shares0)) + np.cumsum(f["PARENT_NETPROFIT"] - dividend_c - surplus_add),
        "MINORITY_EQUITY": c(0.05 * equity0) + np.cumsum(f["MINORITY_INTEREST"]),
    }
    debt = {
        "long": (c(long_total), c(long_current)), "bond": (c(bond_total), np.zeros(Q, dtype=np.int64)),
        "lease": (c(lease_total), c(lease_current)), "lp": (c(lp_total), c(lp_current)),
    }
    p["NONCURRENT_LIAB_1YEAR"] = sum(cur for _, cur in debt.values())
    p["LONG_LOAN"] = debt["long"][0] - debt["long"][1]
    p["BOND_PAYABLE"] = debt["bond"][0]
    p["LEASE_LIAB"] = debt["lease"][0] - debt["lease"][1]
    p["LONG_PAYABLE"] = debt["lp"][0] - debt["lp"][1]
    p["NOTE_ACCOUNTS_RECE"] = p["NOTE_RECE"] + p["ACCOUNTS_RECE"]
    p["TOTAL_OTHER_RECE"] = p["OTHER_RECE"]
    p["NOTE_ACCOUNTS_PAYABLE"] = p["NOTE_PAYABLE"] + p["ACCOUNTS_PAYABLE"]
    p["TOTAL_OTHER_PAYABLE"] = p["OTHER_PAYABLE"]
    p["TOTAL_CURRENT_LIAB"] = (
        p["SHORT_LOAN"] + p["NOTE_PAYABLE"] + p["ACCOUNTS_PAYABLE"] + p["CONTRACT_LIAB"] + p["STAFF_SALARY_PAYABLE"]
        + p["TAX_PAYABLE"] + p["TOTAL_OTHER_PAYABLE"] + p["NONCURRENT_LIAB_1YEAR"] + p["OTHER_CURRENT_LIAB"]
    )
    p["TOTAL_NONCURRENT_LIAB"] = (
        p["LONG_LOAN"] + p["BOND_PAYABLE"] + p["LEASE_LIAB"] + p["LONG_PAYABLE"] + p["DEFER_INCOME"]
        + p["DEFER_TAX_LIAB"]
    )
    p["TOTAL_LIABILITIES"] = p["TOTAL_CURRENT_LIAB"] + p["TOTAL_NONCURRENT_LIAB"]
    p["TOTAL_PARENT_EQUITY"] = (
        p["SHARE_CAPITAL"] + p["CAPITAL_RESERVE"] + p["OTHER_COMPRE_INCOME"] + p["SURPLUS_RESERVE"]
        + p["UNASSIGN_RPOFIT"]
    )
    p["TOTAL_EQUITY"] = p["TOTAL_PARENT_EQUITY"] + p["MINORITY_EQUITY"]
    p["TOTAL_LIAB_EQUITY"] = p["TOTAL_LIABILITIES"] + p["TOTAL_EQUITY"]
    p["TOTAL_NONCURRENT_ASSETS"] = (
        p["LONG_EQUITY_INVEST"] + p["INVEST_REALESTATE"] + p["FIXED_ASSET"] + p["CIP"] + p["USERIGHT_ASSET"]
        + p["INTANGIBLE_ASSET"] + p["GOODWILL"] + p["LONG_PREPAID_EXPENSE"] + p["DEFER_TAX_ASSET"]
        + p["OTHER_NONCURRENT_ASSET"]
    )
    current_noncash = (
        p["TRADE_FINASSET_NOTFVTPL"] + p["NOTE_RECE"] + p["ACCOUNTS_RECE"] + p["FINANCE_RECE"] + p["PREPAYMENT"]
        + p["TOTAL_OTHER_RECE"] + p["INVENTORY"] + p["CONTRACT_ASSET"] + p["OTHER_CURRENT_ASSET"]
    )
    p["MONETARYFUNDS"] = p["TOTAL_LIAB_EQUITY"] - p["TOTAL_NONCURRENT_ASSETS"] - current_noncash
    p["TOTAL_CURRENT_ASSETS"] = current_noncash + p["MONETARYFUNDS"]
    p["TOTAL_ASSETS"] = p["TOTAL_CURRENT_ASSETS"] + p["TOTAL_NONCURRENT_ASSETS"]

    _cash_flows(f, p, debt, inputs=dict(
        Q=Q, restricted=uni(0.0, 0.08) if rng.random() < 0.5 else 0.0, cash0=cash0,
        construct=c(leg_capex + gpu_cash + lpe_add), disposal=c(disposal_book + disposal_gain) * (disposal_book > 0),
        goodwill_buy=c(goodwill_buy), wmp=c(wmp), invest_cash=c(invest_income), placement=placement_c,
        long_new=c(long_new), bond_issue=c(bond_issue), slb=c(slb_cash), finlease=c(finlease),
        lease_new=c(lease_new), dividend=dividend_c,
        interest_paid=c(ie_loan + ie_bond + r_short / 4 * _lag(short, short_base[0])),
        interest_lease=c(ie_lease + ie_lp), staff=c(staff), fees=c(fees),
        fa_ir_depr=c(leg_dep + gpu_dep), ir_depr=c(ir_dep), ia_amort=c(ia_amort), lpe_amort=c(lpe_amort),
        rou_amort=c(rou_amort), ar_gross=c(ar_gross),
    ))

    notice = _notice_dates(rng, i)
    listed = date(int(rng.integers(1996, 2010)), int(rng.integers(1, 13)), int(rng.integers(1, 29)))
    listed = _weekday_on_or_before(listed)
    dividends = tuple(
        (_ex_date(FIRST_SIM_YEAR + k // 4, ex_month_day), float(dps_paid[k])) for k in range(Q) if dps_paid[k] > 0
    )
    placement = None
    if new_shares.any():
        k = int(np.argmax(new_shares))
        placement = (_weekday_on_or_before(_quarter_end(k) - timedelta(days=45)), int(new_shares[k]))
    seg_rng = np.random.default_rng([seed, i, 2])
    segments = _segment_plan(seg_rng, i, trade)
    price = {
        "pb": (uni(5.0, 8.0) if arch == "star" else uni(1.2, 2.5) if arch in ("loss", "shell") else uni(1.5, 3.5)),
        "announce": _quarter_end(s0 - 2) if s0 is not None else None,
    }
    return _Firm(
        index=i, code=f"{CODE_BASE + i}", name=firm_name(i), trade=trade, archetype=arch, listed=listed,
        notice=notice, flows=f, points=p, shares=shares, float_ratio=uni(0.75, 1.0), placement=placement,
        dividends=dividends, segments=segments, price=price,
    )


def _ffill(x: "np.ndarray") -> "np.ndarray":
    import numpy as np

    idx = np.where(np.isnan(x), 0, np.arange(len(x)))
    np.maximum.accumulate(idx, out=idx)
    return x[idx]


def _ex_date(year: int, month_day: tuple[int, int]) -> date:
    return _weekday_on_or_before(date(year, *month_day))


def _cash_flows(f: dict, p: dict, debt: dict, inputs: dict) -> None:
    """The cash-flow statement in cents: investing and financing from the books, operating as the balancing
    item of the change in cash, and the indirect-method supplement reconciling net profit to it."""
    import numpy as np

    v = inputs
    Q = v["Q"]
    zero = np.zeros(Q, dtype=np.int64)

    def diff(x, first=None):
        return x - _lag(x, x[0] if first is None else first)

    restricted = np.rint(v["restricted"] * p["MONETARYFUNDS"]).astype(np.int64)
    end_cce = p["MONETARYFUNDS"] - restricted
    cce_add = diff(end_cce, end_cce[0])
    begin_year = _lag(end_cce, end_cce[0])[::4].repeat(4)

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
    short_prev = _lag(short, short[0])
    short_repaid = np.maximum(np.rint(0.6 * short_prev).astype(np.int64), short_prev - short)
    short_new = short - short_prev + short_repaid
    long_total = debt["long"][0]
    long_repaid = _lag(long_total, long_total[0]) + v["long_new"] - long_total
    lease_total = debt["lease"][0]
    lease_paid = _lag(lease_total, lease_total[0]) + v["lease_new"] - lease_total
    lp_total = debt["lp"][0]
    lp_paid = _lag(lp_total, lp_total[0]) + v["slb"] + v["finlease"] - lp_total
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
    for key in _CF_ZERO_BALANCE:
        f[key] = zero
    p["END_CCE"] = end_cce
    p["BEGIN_CCE"] = begin_year
    p["END_CASH"] = end_cce
    p["BEGIN_CASH"] = begin_year


def _notice_dates(rng: "np.random.Generator", i: int) -> tuple[date, ...]:
    """Publication date of every report: Q1 in late April, H1 in August, Q3 in late October, FY by next April;
    firms that publish FY late often release Q1 the same day."""
    out: list[date] = []
    for year in range(FIRST_SIM_YEAR, LAST_SIM_YEAR + 1):
        q1 = date(year, 4, int(rng.integers(16, 30)))
        h1 = date(year, 8, int(rng.integers(10, 31)))
        q3 = date(year, 10, int(rng.integers(16, 31)))
        fy = date(year + 1, 3, 15) + timedelta(days=int(rng.integers(0, 45)))
        out += [_weekday_on_or_before(d) for d in (q1, h1, q3, fy)]
    for year in range(FIRST_SIM_YEAR + 1, LAST_SIM_YEAR + 1):
        fy_prev = out[_qidx(year - 1, 4)]
        if fy_prev.month == 4 and fy_prev.day >= 16 and rng.random() < 0.5:
            out[_qidx(year, 1)] = fy_prev
    if i == _RESTATED[0]:
        out[_qidx(2025, 4)] = _RESTATED[2]
    return tuple(out)


def _segment_plan(rng: "np.random.Generator", i: int, trade: _Trade) -> dict:
    """How stock_zygc_em splits this firm's revenue: product shares, regions, naming, which tables it discloses."""
    n_products = int(rng.integers(2, 4))
    shares = _dirichlet(rng, n_products)
    unusual = i == _edge("unusual_segment")
    regions_n = int(rng.integers(2, 5))
    regions = tuple(rng.choice(len(_REGIONS), size=regions_n, replace=False).tolist())
    return {
        "products": trade.products[:n_products],
        "product_shares": shares,
        "product_margin": rng.uniform(-0.08, 0.08, n_products),
        "other_business": float(rng.uniform(0.01, 0.03)) if rng.random() < 0.3 else 0.0,
        "supplement_row": rng.random() < 0.15,
        "compute_name": _UNUSUAL_SEGMENTS[0] if unusual else str(rng.choice(_COMPUTE_SEGMENTS)),
        "compute_industry": _UNUSUAL_SEGMENTS[1] if unusual else str(rng.choice(_COMPUTE_INDUSTRIES)),
        "regions": tuple(_REGIONS[k] for k in regions),
        "region_shares": _dirichlet(rng, regions_n),
        "region_cost": rng.random() < 0.3,
        "industry_in_h1": rng.random() < 0.5,
        "region_in_h1": rng.random() < 0.7,
        "drift": rng.normal(0, 0.03, (_NQ // 4, n_products + regions_n)),
    }


def _dirichlet(rng: "np.random.Generator", n: int) -> "np.ndarray":
    import numpy as np

    x = rng.gamma(3.0, 1.0, n)
    return np.sort(x / x.sum())[::-1]


# ---------------------------------------------------------------------------------------------------
# F10 statements
# ---------------------------------------------------------------------------------------------------
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
        "FINLEASE_OBTAIN_FA", "USERIGHT_ASSET_AMORTIZE", *_CF_ZERO_BALANCE,
    )},
    "NETPROFIT": "CF_NETPROFIT",
    "FINANCE_EXPENSE": "CF_FINANCE_EXPENSE",
}
_CASHFLOW_POINTS = ("BEGIN_CCE", "END_CCE", "END_CASH", "BEGIN_CASH")
_CASHFLOW_ALL = CASHFLOW_FIELDS + CASHFLOW_TRAILING_FIELDS


def _col(fields: tuple[str, ...]) -> dict[str, int]:
    return {name: k for k, name in enumerate(fields)}


_INCOME_IX, _BALANCE_IX, _CASHFLOW_IX = _col(INCOME_FIELDS), _col(BALANCE_FIELDS), _col(_CASHFLOW_ALL)


def _restatement_cents(firm: _Firm) -> int:
    """The GPU resale the restated firm later shows net: 15 % of its FY2024 compute revenue."""
    t = _qidx(_RESTATED[1].year, 4)
    return int(round(0.15 * int(firm.ytd("COMP_REV")[t])))


def _restated(firm: _Firm, as_of: date) -> bool:
    return firm.index == _RESTATED[0] and as_of >= _RESTATED[2]


def _published(firm: _Firm, as_of: date, first_year: int) -> list[int]:
    """Quarter indices of the reports this firm had published by as_of, newest first."""
    out = []
    for t in range(_NQ - 1, -1, -1):
        end = _quarter_end(t)
        if end.year < first_year:
            break
        if end <= as_of and firm.notice[t] <= as_of and (firm.index, end) != _MISSING_Q3:
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


def _mask_missing(firm: _Firm, matrix: "np.ndarray") -> None:
    """An unpublished period has no row, so the next year's `_YOY` has no base either."""
    if firm.index == _MISSING_Q3[0]:
        matrix[_qidx(_MISSING_Q3[1].year, 3), :] = float("nan")


def _blank_zeros(matrix: "np.ndarray", index: dict[str, int], optional: frozenset) -> None:
    import numpy as np

    cols = [index[k] for k in optional if k in index]
    block = matrix[:, cols]
    block[block == 0] = np.nan
    matrix[:, cols] = block


def _income_matrix(firm: _Firm, as_of: date) -> "np.ndarray":
    import numpy as np

    m = np.full((_NQ, len(INCOME_FIELDS)), np.nan)
    ix = _INCOME_IX
    for key in _INCOME_FROM_FLOWS:
        m[:, ix[key]] = firm.ytd(key) / 100
    # EPS on the average shares of the quarters so far this year
    avg_shares = firm.shares.reshape(-1, 4).cumsum(axis=1).ravel() / np.tile(np.arange(1, 5), _NQ // 4)
    eps = np.round(firm.ytd("PARENT_NETPROFIT") / 100 / avg_shares, 4)
    m[:, ix["BASIC_EPS"]] = eps
    m[:, ix["DILUTED_EPS"]] = eps
    _blank_zeros(m, ix, _OPTIONAL_FLOWS)
    year = FIRST_SIM_YEAR + np.arange(_NQ) // 4
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
    if firm.index == _edge("total_income_only"):
        m[:, ix["OPERATE_INCOME"]] = np.nan
    if _restated(firm, as_of):
        t = _qidx(_RESTATED[1].year, 4)
        amount = _restatement_cents(firm) / 100
        for key in ("TOTAL_OPERATE_INCOME", "OPERATE_INCOME", "TOTAL_OPERATE_COST", "OPERATE_COST"):
            m[t, ix[key]] -= amount
    _mask_missing(firm, m)
    return m


def _balance_matrix(firm: _Firm, as_of: date) -> "np.ndarray":
    import numpy as np

    m = np.full((_NQ, len(BALANCE_FIELDS)), np.nan)
    for key, k in _BALANCE_IX.items():
        if key in firm.points:
            m[:, k] = firm.points[key] / 100
    _blank_zeros(m, _BALANCE_IX, _OPTIONAL_POINTS)
    _mask_missing(firm, m)
    return m


def _cashflow_matrix(firm: _Firm, as_of: date) -> "np.ndarray":
    import numpy as np

    m = np.full((_NQ, len(_CASHFLOW_ALL)), np.nan)
    ix = _CASHFLOW_IX
    for field, key in _CASHFLOW_FROM_FLOWS.items():
        m[:, ix[field]] = firm.ytd(key) / 100
    for key in _CASHFLOW_POINTS:
        m[:, ix[key]] = firm.points[key] / 100
    _blank_zeros(m, ix, _OPTIONAL_FLOWS)
    if firm.index == _edge("oilgas_duplicate"):
        m[:, ix["OILGAS_BIOLOGY_DEPR"]] = m[:, ix["FA_IR_DEPR"]]
    if firm.index != _edge("da_quarterly"):
        q1_q3 = np.arange(_NQ) % 2 == 0  # 03-31 and 09-30
        for key in _SUPPLEMENT:
            m[q1_q3, ix[key]] = np.nan
    if _restated(firm, as_of):
        t = _qidx(_RESTATED[1].year, 4)
        amount = round(_restatement_cents(firm) * 1.09) / 100
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


def _statement_frame(firm: _Firm, function: str, as_of: date, first_year: int) -> "pd.DataFrame":
    import numpy as np
    import pandas as pd

    rows = _published(firm, as_of, first_year)
    if not rows:
        raise EmptyResultError(
            f"{function}(symbol={firm.em_symbol!r}) returned no reports up to {as_of}",
            "use a later as_of or more years",
        )
    restated = _restated(firm, as_of)
    t_restated = _qidx(_RESTATED[1].year, 4)
    meta: dict[str, list] = {c: [] for c in F10_META}
    opinion = []
    for t in rows:
        end = _quarter_end(t)
        kind = _REPORT_TYPE[t % 4]
        notice = firm.notice[t]
        update = _RESTATED[2] if restated and t == t_restated else notice
        for col, val in zip(F10_META, (
            f"{firm.code}.SZ", firm.code, firm.name, f"10{firm.code}", "通用", f"{end} 00:00:00", kind,
            f"{end.year}{kind}", "058001001", f"{notice} 00:00:00", f"{update} 00:00:00", "CNY",
        )):
            meta[col].append(val)
        if t % 4 != 3:
            opinion.append(None)
        else:
            opinion.append(_GOING_CONCERN if firm.index == _SHELL[0] and end.year >= _SHELL[1] else _CLEAN)
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
        order = sorted(range(len(BALANCE_FIELDS)), key=lambda k: _balance_sort_key(f"{BALANCE_FIELDS[k]}_YOY"))
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


# ---------------------------------------------------------------------------------------------------
# stock_zygc_em
# ---------------------------------------------------------------------------------------------------
def _split(total: int, weights: "np.ndarray") -> list[int]:
    """Split integer cents by weights; the last part takes the rounding so the parts sum exactly."""
    import numpy as np

    w = np.asarray(weights, dtype=np.float64)
    w = w / w.sum() if w.sum() else np.full(len(w), 1 / len(w))
    parts = [int(round(total * x)) for x in w[:-1]]
    return parts + [total - sum(parts)]


def _segment_rows(firm: _Firm, t: int, as_of: date) -> list[tuple[str, str, int, int | None]]:
    """(classification, segment, revenue cents, cost cents or None) for one H1 or FY period."""
    import numpy as np

    plan = firm.segments
    leg_rev, leg_cost = int(firm.ytd("LEG_REV")[t]), int(firm.ytd("LEG_COST")[t])
    comp_rev, comp_cost = int(firm.ytd("COMP_REV")[t]), int(firm.ytd("COMP_COST")[t])
    if _restated(firm, as_of) and t == _qidx(_RESTATED[1].year, 4):
        cut = _restatement_cents(firm)
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
        add(_CLASS_INDUSTRY, [(firm.trade.legacy_industry, leg_rev, leg_cost)] + industry_compute)
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
            names[-1] = _OTHER_SUPPLEMENT  # the smallest product is not itemised; EastMoney reconciles the rest
        legacy = list(zip(names, prod_rev, prod_cost))
        if other_rev:
            legacy.append((_OTHER_BUSINESS, other_rev, other_cost))
    else:
        legacy = []
    add(_CLASS_PRODUCT, legacy + compute, last=(_OTHER_BUSINESS, _OTHER_SUPPLEMENT))
    if fy or plan["region_in_h1"]:
        weights = plan["region_shares"] * drift[n_prod:]
        region_rev = _split(total_rev, weights)
        if plan["region_cost"]:
            # regions differ a little in margin: weight cost by revenue, nudged by the region's drift
            region_cost: list = _split(total_cost, np.array(region_rev) * drift[n_prod:] ** 0.05)
        else:
            region_cost = [None] * len(region_rev)
        add(_CLASS_REGION, list(zip(plan["regions"], region_rev, region_cost)))
    return rows


def _zygc_frame(firm: _Firm, as_of: date, first_year: int) -> "pd.DataFrame":
    import numpy as np
    import pandas as pd

    records = []
    for t in _published(firm, as_of, first_year):
        if t % 4 not in (1, 3):
            continue
        rows = _segment_rows(firm, t, as_of)
        for classification in (_CLASS_INDUSTRY, _CLASS_PRODUCT, _CLASS_REGION):
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
                    _quarter_end(t), classification, name, rev / 100, _ratio(rev, rev_sum),
                    np.nan if cost is None else cost / 100, _ratio(cost, cost_sum),
                    np.nan if profit is None else profit / 100, _ratio(profit, profit_sum), _ratio(profit, rev),
                ))
    if not records:
        raise EmptyResultError(
            f"stock_zygc_em(symbol={firm.em_symbol!r}) returned no segment data up to {as_of}",
            "akshare raises KeyError here; treat the firm as having no segment disclosure",
        )
    cols = list(zip(*records))
    n = len(records)
    frame = pd.DataFrame({
        "股票代码": pd.array([firm.code] * n, dtype="str"),
        "报告日期": np.array(cols[0], dtype=object),
        "分类类型": pd.array(cols[1], dtype="str"),
        "主营构成": pd.array(cols[2], dtype="str"),
    })
    for name, values in zip(ZYGC_COLUMNS[4:], cols[3:]):
        frame[name] = np.array(values, dtype=np.float64)
    return frame


def _ratio(part, whole) -> float:
    if part is None or not whole:
        return float("nan")
    return round(part / whole, 6)


# ---------------------------------------------------------------------------------------------------
# Prices
# ---------------------------------------------------------------------------------------------------
_THEME_WAVES = ((date(2023, 2, 1), date(2023, 6, 30), 0.004), (date(2024, 9, 24), date(2025, 2, 28), 0.0025),
                (date(2025, 7, 1), date(2025, 10, 15), 0.002))


@lru_cache(maxsize=4)
def _market(seed: int) -> tuple["np.ndarray", "np.ndarray"]:
    """Daily market return and the compute-theme premium (both shared by every firm of a seed)."""
    import numpy as np

    days, _ = _trading_days()
    rng = np.random.default_rng([seed, 0])
    market = rng.normal(0.0002, 0.011, len(days))
    theme = np.zeros(len(days))
    for start, end, boost in _THEME_WAVES:
        theme[(days >= np.datetime64(start)) & (days <= np.datetime64(end))] = boost
    return market, theme


@lru_cache(maxsize=32)
def _prices(seed: int, i: int) -> dict:
    """Firm i's daily bars over the whole simulation: unadjusted OHLC, the hfq factor, volume and amount."""
    import numpy as np

    firm = _simulate(seed, i)
    days, _ = _trading_days()
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

    days, _ = _trading_days()
    return int(np.searchsorted(days, np.datetime64(as_of), side="right")) - 1


def _hist_frame(seed: int, firm: _Firm, start: date, end: date, adjust: str, as_of: date) -> "pd.DataFrame":
    import numpy as np
    import pandas as pd

    days, day_objects = _trading_days()
    lo = int(np.searchsorted(days, np.datetime64(start)))
    hi = min(int(np.searchsorted(days, np.datetime64(end), side="right")), _last_day(as_of) + 1)
    if hi <= lo:
        return pd.DataFrame()  # akshare's answer when EastMoney has no klines
    bars = _prices(seed, firm.index)
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
    return pd.DataFrame({name: columns[name] for name in HIST_COLUMNS})


def _latest_fundamentals(firm: _Firm, as_of: date) -> tuple[float, float]:
    """Annualised YTD net profit to parent and parent equity of the latest report published by as_of."""
    rows = _published(firm, as_of, FIRST_SIM_YEAR)
    if not rows:
        return float("nan"), float("nan")
    t = rows[0]
    annual = firm.ytd("PARENT_NETPROFIT")[t] / 100 * 4 / (t % 4 + 1)
    return float(annual), float(firm.points["TOTAL_PARENT_EQUITY"][t] / 100)


def _is_member(i: int, as_of: date) -> bool:
    if i == _JOINS[0]:
        return as_of >= _JOINS[1]
    if i == _LEAVES[0]:
        return as_of < _LEAVES[1]
    return True


@lru_cache(maxsize=4)
def _board_frame(seed: int, firms: int, as_of: date) -> "pd.DataFrame":
    """Constituents at as_of with that day's bar; cached, so callers get a copy (see SampleSource._board)."""
    import numpy as np
    import pandas as pd

    d = _last_day(as_of)
    rows = []
    # EastMoney lists constituents by code (fid=f12, po=1); akshare then re-sorts by change % with pandas.
    for i in range(firms, 0, -1):
        if not _is_member(i, as_of):
            continue
        firm = _simulate(seed, i)
        bars = _prices(seed, i)
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
    for name, values in zip(BOARD_COLUMNS[3:], cols[2:]):
        frame[name] = np.array(values, dtype=np.float64)
    frame = frame.sort_values(by=["涨跌幅"], ascending=False, ignore_index=True)
    frame.insert(0, "序号", np.arange(1, len(frame) + 1, dtype=np.int64))
    return frame


def _info_frame(seed: int, firm: _Firm, as_of: date) -> "pd.DataFrame":
    import numpy as np
    import pandas as pd

    d = _last_day(as_of)
    bars = _prices(seed, firm.index)
    close = float(bars["close"][d])
    total, free = float(bars["total_shares"][d]), float(bars["free_shares"][d])
    values = [
        close, firm.code, firm.name, total, free, close * total, close * free, firm.trade.industry,
        int(firm.listed.strftime("%Y%m%d")),
    ]
    return pd.DataFrame({"item": pd.array(INFO_ITEMS, dtype="str"), "value": np.array(values, dtype=object)})


# ---------------------------------------------------------------------------------------------------
# The source
# ---------------------------------------------------------------------------------------------------


class SampleSource:
    """The embedded sample behind the same door as the live akshare source: `fetch(function, **kwargs)`."""

    name = "sample"
    version = AKSHARE_VERSION
    is_sample = True

    def __init__(self, as_of: date = SAMPLE_VINTAGES[-1], firms: int = 108, years: int = 6, seed: int = 20240801):
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
        handlers.update({SEGMENTS: self._zygc, PRICES: self._hist, BOARD_CONS: self._board, SHARE_INFO: self._info})
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
        return _statement_frame(firm, function, self.as_of, self.first_year)

    def _zygc(self, symbol: str = "SH688041") -> "pd.DataFrame":
        firm = self._firm_by_em_symbol(SEGMENTS, symbol)
        return _zygc_frame(firm, self.as_of, self.first_year)

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
        return _hist_frame(self.seed, _simulate(self.seed, i), start, end, adjust, self.as_of)

    def _board(self, symbol: str = "融资融券") -> "pd.DataFrame":
        if symbol not in (SAMPLE_BOARD, SAMPLE_BOARD_NAME):
            raise EmptyResultError(
                f"stock_board_concept_cons_em(symbol={symbol!r}) has no constituents in the sample",
                f"the sample board is {SAMPLE_BOARD} ({SAMPLE_BOARD_NAME})",
            )
        return _board_frame(self.seed, self.firms, self.as_of).copy()

    def _info(self, symbol: str = "603777", timeout: float | None = None) -> "pd.DataFrame":
        i = self._index(symbol)
        if i is None:
            raise EmptyResultError(
                f"stock_individual_info_em(symbol={symbol!r}) returned no data",
                f"pass a bare 6-digit code of the sample, 990001–{CODE_BASE + self.firms}",
            )
        return _info_frame(self.seed, _simulate(self.seed, i), self.as_of)

    def _index(self, code: object) -> int | None:
        if not isinstance(code, str) or len(code) != 6 or not code.isdigit():
            return None
        i = int(code) - CODE_BASE
        return i if 1 <= i <= self.firms else None

    def _firm_by_em_symbol(self, function: str, symbol: object) -> _Firm:
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
        return _simulate(self.seed, i)


def _args(kwargs: dict) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in kwargs.items())


def _yyyymmdd(call: str, name: str, text: object) -> date:
    try:
        return datetime.strptime(str(text), "%Y%m%d").date()
    except ValueError:
        raise UsageError(f"{call}: {name}={text!r} is not a YYYYMMDD date", "e.g. 20200101") from None
