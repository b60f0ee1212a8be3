"""The embedded sample source: akshare 1.19.5 shapes, determinism, vintages, the books' identities, the designed
economics and every edge case.

The expected column lists below are written out from akshare's source (stock_zygc.py, stock_hist_em.py,
stock_board_concept_em.py, stock_info_em.py) and, for the F10 statements, from the EastMoney payloads akshare
passes through unchanged (../shared/reference/akshare.md §3): 203 / 319 / 254 columns.
"""

from __future__ import annotations

import math
from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest

from pipeline.errors import EmptyResultError, UsageError
from pipeline.sources import sample
from pipeline.sources.sample import EDGE_CASES, SAMPLE_BOARD, SAMPLE_BOARD_NAME, SAMPLE_VINTAGES, SampleSource

V1, V2 = SAMPLE_VINTAGES
INCOME, BALANCE, CASHFLOW = (
    "stock_profit_sheet_by_report_em",
    "stock_balance_sheet_by_report_em",
    "stock_cash_flow_sheet_by_report_em",
)
STATEMENTS = (INCOME, BALANCE, CASHFLOW)

EXPECTED_INCOME_COLUMNS = """
    SECUCODE SECURITY_CODE SECURITY_NAME_ABBR ORG_CODE ORG_TYPE REPORT_DATE REPORT_TYPE REPORT_DATE_NAME
    SECURITY_TYPE_CODE NOTICE_DATE UPDATE_DATE CURRENCY TOTAL_OPERATE_INCOME TOTAL_OPERATE_INCOME_YOY OPERATE_INCOME
    OPERATE_INCOME_YOY INTEREST_INCOME INTEREST_INCOME_YOY EARNED_PREMIUM EARNED_PREMIUM_YOY FEE_COMMISSION_INCOME
    FEE_COMMISSION_INCOME_YOY OTHER_BUSINESS_INCOME OTHER_BUSINESS_INCOME_YOY TOI_OTHER TOI_OTHER_YOY
    TOTAL_OPERATE_COST TOTAL_OPERATE_COST_YOY OPERATE_COST OPERATE_COST_YOY INTEREST_EXPENSE INTEREST_EXPENSE_YOY
    FEE_COMMISSION_EXPENSE FEE_COMMISSION_EXPENSE_YOY RESEARCH_EXPENSE RESEARCH_EXPENSE_YOY SURRENDER_VALUE
    SURRENDER_VALUE_YOY NET_COMPENSATE_EXPENSE NET_COMPENSATE_EXPENSE_YOY NET_CONTRACT_RESERVE
    NET_CONTRACT_RESERVE_YOY POLICY_BONUS_EXPENSE POLICY_BONUS_EXPENSE_YOY REINSURE_EXPENSE REINSURE_EXPENSE_YOY
    OTHER_BUSINESS_COST OTHER_BUSINESS_COST_YOY OPERATE_TAX_ADD OPERATE_TAX_ADD_YOY SALE_EXPENSE SALE_EXPENSE_YOY
    MANAGE_EXPENSE MANAGE_EXPENSE_YOY ME_RESEARCH_EXPENSE ME_RESEARCH_EXPENSE_YOY FINANCE_EXPENSE
    FINANCE_EXPENSE_YOY FE_INTEREST_EXPENSE FE_INTEREST_EXPENSE_YOY FE_INTEREST_INCOME FE_INTEREST_INCOME_YOY
    ASSET_IMPAIRMENT_LOSS ASSET_IMPAIRMENT_LOSS_YOY CREDIT_IMPAIRMENT_LOSS CREDIT_IMPAIRMENT_LOSS_YOY TOC_OTHER
    TOC_OTHER_YOY FAIRVALUE_CHANGE_INCOME FAIRVALUE_CHANGE_INCOME_YOY INVEST_INCOME INVEST_INCOME_YOY
    INVEST_JOINT_INCOME INVEST_JOINT_INCOME_YOY NET_EXPOSURE_INCOME NET_EXPOSURE_INCOME_YOY EXCHANGE_INCOME
    EXCHANGE_INCOME_YOY ASSET_DISPOSAL_INCOME ASSET_DISPOSAL_INCOME_YOY ASSET_IMPAIRMENT_INCOME
    ASSET_IMPAIRMENT_INCOME_YOY CREDIT_IMPAIRMENT_INCOME CREDIT_IMPAIRMENT_INCOME_YOY OTHER_INCOME OTHER_INCOME_YOY
    OPERATE_PROFIT_OTHER OPERATE_PROFIT_OTHER_YOY OPERATE_PROFIT_BALANCE OPERATE_PROFIT_BALANCE_YOY OPERATE_PROFIT
    OPERATE_PROFIT_YOY NONBUSINESS_INCOME NONBUSINESS_INCOME_YOY NONCURRENT_DISPOSAL_INCOME
    NONCURRENT_DISPOSAL_INCOME_YOY NONBUSINESS_EXPENSE NONBUSINESS_EXPENSE_YOY NONCURRENT_DISPOSAL_LOSS
    NONCURRENT_DISPOSAL_LOSS_YOY EFFECT_TP_OTHER EFFECT_TP_OTHER_YOY TOTAL_PROFIT_BALANCE TOTAL_PROFIT_BALANCE_YOY
    TOTAL_PROFIT TOTAL_PROFIT_YOY INCOME_TAX INCOME_TAX_YOY EFFECT_NETPROFIT_OTHER EFFECT_NETPROFIT_OTHER_YOY
    EFFECT_NETPROFIT_BALANCE EFFECT_NETPROFIT_BALANCE_YOY UNCONFIRM_INVEST_LOSS UNCONFIRM_INVEST_LOSS_YOY NETPROFIT
    NETPROFIT_YOY PRECOMBINE_PROFIT PRECOMBINE_PROFIT_YOY CONTINUED_NETPROFIT CONTINUED_NETPROFIT_YOY
    DISCONTINUED_NETPROFIT DISCONTINUED_NETPROFIT_YOY PARENT_NETPROFIT PARENT_NETPROFIT_YOY MINORITY_INTEREST
    MINORITY_INTEREST_YOY DEDUCT_PARENT_NETPROFIT DEDUCT_PARENT_NETPROFIT_YOY NETPROFIT_OTHER NETPROFIT_OTHER_YOY
    NETPROFIT_BALANCE NETPROFIT_BALANCE_YOY BASIC_EPS BASIC_EPS_YOY DILUTED_EPS DILUTED_EPS_YOY OTHER_COMPRE_INCOME
    OTHER_COMPRE_INCOME_YOY PARENT_OCI PARENT_OCI_YOY MINORITY_OCI MINORITY_OCI_YOY PARENT_OCI_OTHER
    PARENT_OCI_OTHER_YOY PARENT_OCI_BALANCE PARENT_OCI_BALANCE_YOY UNABLE_OCI UNABLE_OCI_YOY
    CREDITRISK_FAIRVALUE_CHANGE CREDITRISK_FAIRVALUE_CHANGE_YOY OTHERRIGHT_FAIRVALUE_CHANGE
    OTHERRIGHT_FAIRVALUE_CHANGE_YOY SETUP_PROFIT_CHANGE SETUP_PROFIT_CHANGE_YOY RIGHTLAW_UNABLE_OCI
    RIGHTLAW_UNABLE_OCI_YOY UNABLE_OCI_OTHER UNABLE_OCI_OTHER_YOY UNABLE_OCI_BALANCE UNABLE_OCI_BALANCE_YOY ABLE_OCI
    ABLE_OCI_YOY RIGHTLAW_ABLE_OCI RIGHTLAW_ABLE_OCI_YOY AFA_FAIRVALUE_CHANGE AFA_FAIRVALUE_CHANGE_YOY HMI_AFA
    HMI_AFA_YOY CASHFLOW_HEDGE_VALID CASHFLOW_HEDGE_VALID_YOY CREDITOR_FAIRVALUE_CHANGE
    CREDITOR_FAIRVALUE_CHANGE_YOY CREDITOR_IMPAIRMENT_RESERVE CREDITOR_IMPAIRMENT_RESERVE_YOY FINANCE_OCI_AMT
    FINANCE_OCI_AMT_YOY CONVERT_DIFF CONVERT_DIFF_YOY ABLE_OCI_OTHER ABLE_OCI_OTHER_YOY ABLE_OCI_BALANCE
    ABLE_OCI_BALANCE_YOY OCI_OTHER OCI_OTHER_YOY OCI_BALANCE OCI_BALANCE_YOY TOTAL_COMPRE_INCOME
    TOTAL_COMPRE_INCOME_YOY PARENT_TCI PARENT_TCI_YOY MINORITY_TCI MINORITY_TCI_YOY PRECOMBINE_TCI
    PRECOMBINE_TCI_YOY EFFECT_TCI_BALANCE EFFECT_TCI_BALANCE_YOY TCI_OTHER TCI_OTHER_YOY TCI_BALANCE TCI_BALANCE_YOY
    ACF_END_INCOME ACF_END_INCOME_YOY OPINION_TYPE
""".split()
EXPECTED_BALANCE_COLUMNS = """
    SECUCODE SECURITY_CODE SECURITY_NAME_ABBR ORG_CODE ORG_TYPE REPORT_DATE REPORT_TYPE REPORT_DATE_NAME
    SECURITY_TYPE_CODE NOTICE_DATE UPDATE_DATE CURRENCY ACCEPT_DEPOSIT_INTERBANK ACCOUNTS_PAYABLE ACCOUNTS_RECE
    ACCRUED_EXPENSE ADVANCE_RECEIVABLES AGENT_TRADE_SECURITY AGENT_UNDERWRITE_SECURITY AMORTIZE_COST_FINASSET
    AMORTIZE_COST_FINLIAB AMORTIZE_COST_NCFINASSET AMORTIZE_COST_NCFINLIAB APPOINT_FVTPL_FINASSET
    APPOINT_FVTPL_FINLIAB ASSET_BALANCE ASSET_OTHER ASSIGN_CASH_DIVIDEND AVAILABLE_SALE_FINASSET BOND_PAYABLE
    BORROW_FUND BUY_RESALE_FINASSET CAPITAL_RESERVE CIP CONSUMPTIVE_BIOLOGICAL_ASSET CONTRACT_ASSET CONTRACT_LIAB
    CONVERT_DIFF CREDITOR_INVEST CURRENT_ASSET_BALANCE CURRENT_ASSET_OTHER CURRENT_LIAB_BALANCE CURRENT_LIAB_OTHER
    DEFER_INCOME DEFER_INCOME_1YEAR DEFER_TAX_ASSET DEFER_TAX_LIAB DERIVE_FINASSET DERIVE_FINLIAB DEVELOP_EXPENSE
    DIV_HOLDSALE_ASSET DIV_HOLDSALE_LIAB DIVIDEND_PAYABLE DIVIDEND_RECE EQUITY_BALANCE EQUITY_OTHER
    EXPORT_REFUND_RECE FEE_COMMISSION_PAYABLE FIN_FUND FINANCE_RECE FIXED_ASSET FIXED_ASSET_DISPOSAL FVTOCI_FINASSET
    FVTOCI_NCFINASSET FVTPL_FINASSET FVTPL_FINLIAB GENERAL_RISK_RESERVE GOODWILL HOLD_MATURITY_INVEST HOLDSALE_ASSET
    HOLDSALE_LIAB INSURANCE_CONTRACT_RESERVE INTANGIBLE_ASSET INTEREST_PAYABLE INTEREST_RECE INTERNAL_PAYABLE
    INTERNAL_RECE INVENTORY INVEST_REALESTATE LEASE_LIAB LEND_FUND LIAB_BALANCE LIAB_EQUITY_BALANCE
    LIAB_EQUITY_OTHER LIAB_OTHER LOAN_ADVANCE LOAN_PBC LONG_EQUITY_INVEST LONG_LOAN LONG_PAYABLE
    LONG_PREPAID_EXPENSE LONG_RECE LONG_STAFFSALARY_PAYABLE MINORITY_EQUITY MONETARYFUNDS NONCURRENT_ASSET_1YEAR
    NONCURRENT_ASSET_BALANCE NONCURRENT_ASSET_OTHER NONCURRENT_LIAB_1YEAR NONCURRENT_LIAB_BALANCE
    NONCURRENT_LIAB_OTHER NOTE_ACCOUNTS_PAYABLE NOTE_ACCOUNTS_RECE NOTE_PAYABLE NOTE_RECE OIL_GAS_ASSET
    OTHER_COMPRE_INCOME OTHER_CREDITOR_INVEST OTHER_CURRENT_ASSET OTHER_CURRENT_LIAB OTHER_EQUITY_INVEST
    OTHER_EQUITY_OTHER OTHER_EQUITY_TOOL OTHER_NONCURRENT_ASSET OTHER_NONCURRENT_FINASSET OTHER_NONCURRENT_LIAB
    OTHER_PAYABLE OTHER_RECE PARENT_EQUITY_BALANCE PARENT_EQUITY_OTHER PERPETUAL_BOND PERPETUAL_BOND_PAYBALE
    PREDICT_CURRENT_LIAB PREDICT_LIAB PREFERRED_SHARES PREFERRED_SHARES_PAYBALE PREMIUM_RECE PREPAYMENT
    PRODUCTIVE_BIOLOGY_ASSET PROJECT_MATERIAL RC_RESERVE_RECE REINSURE_PAYABLE REINSURE_RECE SELL_REPO_FINASSET
    SETTLE_EXCESS_RESERVE SHARE_CAPITAL SHORT_BOND_PAYABLE SHORT_FIN_PAYABLE SHORT_LOAN SPECIAL_PAYABLE
    SPECIAL_RESERVE STAFF_SALARY_PAYABLE SUBSIDY_RECE SURPLUS_RESERVE TAX_PAYABLE TOTAL_ASSETS TOTAL_CURRENT_ASSETS
    TOTAL_CURRENT_LIAB TOTAL_EQUITY TOTAL_LIAB_EQUITY TOTAL_LIABILITIES TOTAL_NONCURRENT_ASSETS
    TOTAL_NONCURRENT_LIAB TOTAL_OTHER_PAYABLE TOTAL_OTHER_RECE TOTAL_PARENT_EQUITY TRADE_FINASSET
    TRADE_FINASSET_NOTFVTPL TRADE_FINLIAB TRADE_FINLIAB_NOTFVTPL TREASURY_SHARES UNASSIGN_RPOFIT
    UNCONFIRM_INVEST_LOSS USERIGHT_ASSET ACCEPT_DEPOSIT_INTERBANK_YOY ACCOUNTS_PAYABLE_YOY ACCOUNTS_RECE_YOY
    ACCRUED_EXPENSE_YOY ADVANCE_RECEIVABLES_YOY AGENT_TRADE_SECURITY_YOY AGENT_UNDERWRITE_SECURITY_YOY
    AMORTIZE_COST_FINASSET_YOY AMORTIZE_COST_FINLIAB_YOY AMORTIZE_COST_NCFINASSET_YOY AMORTIZE_COST_NCFINLIAB_YOY
    APPOINT_FVTPL_FINASSET_YOY APPOINT_FVTPL_FINLIAB_YOY ASSET_BALANCE_YOY ASSET_OTHER_YOY ASSIGN_CASH_DIVIDEND_YOY
    AVAILABLE_SALE_FINASSET_YOY BOND_PAYABLE_YOY BORROW_FUND_YOY BUY_RESALE_FINASSET_YOY CAPITAL_RESERVE_YOY CIP_YOY
    CONSUMPTIVE_BIOLOGICAL_ASSET_YOY CONTRACT_ASSET_YOY CONTRACT_LIAB_YOY CONVERT_DIFF_YOY CREDITOR_INVEST_YOY
    CURRENT_ASSET_BALANCE_YOY CURRENT_ASSET_OTHER_YOY CURRENT_LIAB_BALANCE_YOY CURRENT_LIAB_OTHER_YOY
    DEFER_INCOME_1YEAR_YOY DEFER_INCOME_YOY DEFER_TAX_ASSET_YOY DEFER_TAX_LIAB_YOY DERIVE_FINASSET_YOY
    DERIVE_FINLIAB_YOY DEVELOP_EXPENSE_YOY DIV_HOLDSALE_ASSET_YOY DIV_HOLDSALE_LIAB_YOY DIVIDEND_PAYABLE_YOY
    DIVIDEND_RECE_YOY EQUITY_BALANCE_YOY EQUITY_OTHER_YOY EXPORT_REFUND_RECE_YOY FEE_COMMISSION_PAYABLE_YOY
    FIN_FUND_YOY FINANCE_RECE_YOY FIXED_ASSET_DISPOSAL_YOY FIXED_ASSET_YOY FVTOCI_FINASSET_YOY FVTOCI_NCFINASSET_YOY
    FVTPL_FINASSET_YOY FVTPL_FINLIAB_YOY GENERAL_RISK_RESERVE_YOY GOODWILL_YOY HOLD_MATURITY_INVEST_YOY
    HOLDSALE_ASSET_YOY HOLDSALE_LIAB_YOY INSURANCE_CONTRACT_RESERVE_YOY INTANGIBLE_ASSET_YOY INTEREST_PAYABLE_YOY
    INTEREST_RECE_YOY INTERNAL_PAYABLE_YOY INTERNAL_RECE_YOY INVENTORY_YOY INVEST_REALESTATE_YOY LEASE_LIAB_YOY
    LEND_FUND_YOY LIAB_BALANCE_YOY LIAB_EQUITY_BALANCE_YOY LIAB_EQUITY_OTHER_YOY LIAB_OTHER_YOY LOAN_ADVANCE_YOY
    LOAN_PBC_YOY LONG_EQUITY_INVEST_YOY LONG_LOAN_YOY LONG_PAYABLE_YOY LONG_PREPAID_EXPENSE_YOY LONG_RECE_YOY
    LONG_STAFFSALARY_PAYABLE_YOY MINORITY_EQUITY_YOY MONETARYFUNDS_YOY NONCURRENT_ASSET_1YEAR_YOY
    NONCURRENT_ASSET_BALANCE_YOY NONCURRENT_ASSET_OTHER_YOY NONCURRENT_LIAB_1YEAR_YOY NONCURRENT_LIAB_BALANCE_YOY
    NONCURRENT_LIAB_OTHER_YOY NOTE_ACCOUNTS_PAYABLE_YOY NOTE_ACCOUNTS_RECE_YOY NOTE_PAYABLE_YOY NOTE_RECE_YOY
    OIL_GAS_ASSET_YOY OTHER_COMPRE_INCOME_YOY OTHER_CREDITOR_INVEST_YOY OTHER_CURRENT_ASSET_YOY
    OTHER_CURRENT_LIAB_YOY OTHER_EQUITY_INVEST_YOY OTHER_EQUITY_OTHER_YOY OTHER_EQUITY_TOOL_YOY
    OTHER_NONCURRENT_ASSET_YOY OTHER_NONCURRENT_FINASSET_YOY OTHER_NONCURRENT_LIAB_YOY OTHER_PAYABLE_YOY
    OTHER_RECE_YOY PARENT_EQUITY_BALANCE_YOY PARENT_EQUITY_OTHER_YOY PERPETUAL_BOND_PAYBALE_YOY PERPETUAL_BOND_YOY
    PREDICT_CURRENT_LIAB_YOY PREDICT_LIAB_YOY PREFERRED_SHARES_PAYBALE_YOY PREFERRED_SHARES_YOY PREMIUM_RECE_YOY
    PREPAYMENT_YOY PRODUCTIVE_BIOLOGY_ASSET_YOY PROJECT_MATERIAL_YOY RC_RESERVE_RECE_YOY REINSURE_PAYABLE_YOY
    REINSURE_RECE_YOY SELL_REPO_FINASSET_YOY SETTLE_EXCESS_RESERVE_YOY SHARE_CAPITAL_YOY SHORT_BOND_PAYABLE_YOY
    SHORT_FIN_PAYABLE_YOY SHORT_LOAN_YOY SPECIAL_PAYABLE_YOY SPECIAL_RESERVE_YOY STAFF_SALARY_PAYABLE_YOY
    SUBSIDY_RECE_YOY SURPLUS_RESERVE_YOY TAX_PAYABLE_YOY TOTAL_ASSETS_YOY TOTAL_CURRENT_ASSETS_YOY
    TOTAL_CURRENT_LIAB_YOY TOTAL_EQUITY_YOY TOTAL_LIAB_EQUITY_YOY TOTAL_LIABILITIES_YOY TOTAL_NONCURRENT_ASSETS_YOY
    TOTAL_NONCURRENT_LIAB_YOY TOTAL_OTHER_PAYABLE_YOY TOTAL_OTHER_RECE_YOY TOTAL_PARENT_EQUITY_YOY
    TRADE_FINASSET_NOTFVTPL_YOY TRADE_FINASSET_YOY TRADE_FINLIAB_NOTFVTPL_YOY TRADE_FINLIAB_YOY TREASURY_SHARES_YOY
    UNASSIGN_RPOFIT_YOY UNCONFIRM_INVEST_LOSS_YOY USERIGHT_ASSET_YOY OPINION_TYPE OSOPINION_TYPE LISTING_STATE
""".split()
EXPECTED_CASHFLOW_COLUMNS = """
    SECUCODE SECURITY_CODE SECURITY_NAME_ABBR ORG_CODE ORG_TYPE REPORT_DATE REPORT_TYPE REPORT_DATE_NAME
    SECURITY_TYPE_CODE NOTICE_DATE UPDATE_DATE CURRENCY SALES_SERVICES DEPOSIT_INTERBANK_ADD LOAN_PBC_ADD OFI_BF_ADD
    RECEIVE_ORIGIC_PREMIUM RECEIVE_REINSURE_NET INSURED_INVEST_ADD DISPOSAL_TFA_ADD RECEIVE_INTEREST_COMMISSION
    BORROW_FUND_ADD LOAN_ADVANCE_REDUCE REPO_BUSINESS_ADD RECEIVE_TAX_REFUND RECEIVE_OTHER_OPERATE
    OPERATE_INFLOW_OTHER OPERATE_INFLOW_BALANCE TOTAL_OPERATE_INFLOW BUY_SERVICES LOAN_ADVANCE_ADD PBC_INTERBANK_ADD
    PAY_ORIGIC_COMPENSATE PAY_INTEREST_COMMISSION PAY_POLICY_BONUS PAY_STAFF_CASH PAY_ALL_TAX PAY_OTHER_OPERATE
    OPERATE_OUTFLOW_OTHER OPERATE_OUTFLOW_BALANCE TOTAL_OPERATE_OUTFLOW OPERATE_NETCASH_OTHER
    OPERATE_NETCASH_BALANCE NETCASH_OPERATE WITHDRAW_INVEST RECEIVE_INVEST_INCOME DISPOSAL_LONG_ASSET
    DISPOSAL_SUBSIDIARY_OTHER REDUCE_PLEDGE_TIMEDEPOSITS RECEIVE_OTHER_INVEST INVEST_INFLOW_OTHER
    INVEST_INFLOW_BALANCE TOTAL_INVEST_INFLOW CONSTRUCT_LONG_ASSET INVEST_PAY_CASH PLEDGE_LOAN_ADD
    OBTAIN_SUBSIDIARY_OTHER ADD_PLEDGE_TIMEDEPOSITS PAY_OTHER_INVEST INVEST_OUTFLOW_OTHER INVEST_OUTFLOW_BALANCE
    TOTAL_INVEST_OUTFLOW INVEST_NETCASH_OTHER INVEST_NETCASH_BALANCE NETCASH_INVEST ACCEPT_INVEST_CASH
    SUBSIDIARY_ACCEPT_INVEST RECEIVE_LOAN_CASH ISSUE_BOND RECEIVE_OTHER_FINANCE FINANCE_INFLOW_OTHER
    FINANCE_INFLOW_BALANCE TOTAL_FINANCE_INFLOW PAY_DEBT_CASH ASSIGN_DIVIDEND_PORFIT SUBSIDIARY_PAY_DIVIDEND
    BUY_SUBSIDIARY_EQUITY PAY_OTHER_FINANCE SUBSIDIARY_REDUCE_CASH FINANCE_OUTFLOW_OTHER FINANCE_OUTFLOW_BALANCE
    TOTAL_FINANCE_OUTFLOW FINANCE_NETCASH_OTHER FINANCE_NETCASH_BALANCE NETCASH_FINANCE RATE_CHANGE_EFFECT
    CCE_ADD_OTHER CCE_ADD_BALANCE CCE_ADD BEGIN_CCE END_CCE_OTHER END_CCE_BALANCE END_CCE NETPROFIT ASSET_IMPAIRMENT
    FA_IR_DEPR OILGAS_BIOLOGY_DEPR IR_DEPR IA_AMORTIZE LPE_AMORTIZE DEFER_INCOME_AMORTIZE PREPAID_EXPENSE_REDUCE
    ACCRUED_EXPENSE_ADD DISPOSAL_LONGASSET_LOSS FA_SCRAP_LOSS FAIRVALUE_CHANGE_LOSS FINANCE_EXPENSE INVEST_LOSS
    DEFER_TAX DT_ASSET_REDUCE DT_LIAB_ADD PREDICT_LIAB_ADD INVENTORY_REDUCE OPERATE_RECE_REDUCE OPERATE_PAYABLE_ADD
    OTHER OPERATE_NETCASH_OTHERNOTE OPERATE_NETCASH_BALANCENOTE NETCASH_OPERATENOTE DEBT_TRANSFER_CAPITAL
    CONVERT_BOND_1YEAR FINLEASE_OBTAIN_FA UNINVOLVE_INVESTFIN_OTHER END_CASH BEGIN_CASH END_CASH_EQUIVALENTS
    BEGIN_CASH_EQUIVALENTS CCE_ADD_OTHERNOTE CCE_ADD_BALANCENOTE CCE_ADDNOTE SALES_SERVICES_YOY
    DEPOSIT_INTERBANK_ADD_YOY LOAN_PBC_ADD_YOY OFI_BF_ADD_YOY RECEIVE_ORIGIC_PREMIUM_YOY RECEIVE_REINSURE_NET_YOY
    INSURED_INVEST_ADD_YOY DISPOSAL_TFA_ADD_YOY RECEIVE_INTEREST_COMMISSION_YOY BORROW_FUND_ADD_YOY
    LOAN_ADVANCE_REDUCE_YOY REPO_BUSINESS_ADD_YOY RECEIVE_TAX_REFUND_YOY RECEIVE_OTHER_OPERATE_YOY
    OPERATE_INFLOW_OTHER_YOY OPERATE_INFLOW_BALANCE_YOY TOTAL_OPERATE_INFLOW_YOY BUY_SERVICES_YOY
    LOAN_ADVANCE_ADD_YOY PBC_INTERBANK_ADD_YOY PAY_ORIGIC_COMPENSATE_YOY PAY_INTEREST_COMMISSION_YOY
    PAY_POLICY_BONUS_YOY PAY_STAFF_CASH_YOY PAY_ALL_TAX_YOY PAY_OTHER_OPERATE_YOY OPERATE_OUTFLOW_OTHER_YOY
    OPERATE_OUTFLOW_BALANCE_YOY TOTAL_OPERATE_OUTFLOW_YOY OPERATE_NETCASH_OTHER_YOY OPERATE_NETCASH_BALANCE_YOY
    NETCASH_OPERATE_YOY WITHDRAW_INVEST_YOY RECEIVE_INVEST_INCOME_YOY DISPOSAL_LONG_ASSET_YOY
    DISPOSAL_SUBSIDIARY_OTHER_YOY REDUCE_PLEDGE_TIMEDEPOSITS_YOY RECEIVE_OTHER_INVEST_YOY INVEST_INFLOW_OTHER_YOY
    INVEST_INFLOW_BALANCE_YOY TOTAL_INVEST_INFLOW_YOY CONSTRUCT_LONG_ASSET_YOY INVEST_PAY_CASH_YOY
    PLEDGE_LOAN_ADD_YOY OBTAIN_SUBSIDIARY_OTHER_YOY ADD_PLEDGE_TIMEDEPOSITS_YOY PAY_OTHER_INVEST_YOY
    INVEST_OUTFLOW_OTHER_YOY INVEST_OUTFLOW_BALANCE_YOY TOTAL_INVEST_OUTFLOW_YOY INVEST_NETCASH_OTHER_YOY
    INVEST_NETCASH_BALANCE_YOY NETCASH_INVEST_YOY ACCEPT_INVEST_CASH_YOY SUBSIDIARY_ACCEPT_INVEST_YOY
    RECEIVE_LOAN_CASH_YOY ISSUE_BOND_YOY RECEIVE_OTHER_FINANCE_YOY FINANCE_INFLOW_OTHER_YOY
    FINANCE_INFLOW_BALANCE_YOY TOTAL_FINANCE_INFLOW_YOY PAY_DEBT_CASH_YOY ASSIGN_DIVIDEND_PORFIT_YOY
    SUBSIDIARY_PAY_DIVIDEND_YOY BUY_SUBSIDIARY_EQUITY_YOY PAY_OTHER_FINANCE_YOY SUBSIDIARY_REDUCE_CASH_YOY
    FINANCE_OUTFLOW_OTHER_YOY FINANCE_OUTFLOW_BALANCE_YOY TOTAL_FINANCE_OUTFLOW_YOY FINANCE_NETCASH_OTHER_YOY
    FINANCE_NETCASH_BALANCE_YOY NETCASH_FINANCE_YOY RATE_CHANGE_EFFECT_YOY CCE_ADD_OTHER_YOY CCE_ADD_BALANCE_YOY
    CCE_ADD_YOY BEGIN_CCE_YOY END_CCE_OTHER_YOY END_CCE_BALANCE_YOY END_CCE_YOY NETPROFIT_YOY ASSET_IMPAIRMENT_YOY
    FA_IR_DEPR_YOY OILGAS_BIOLOGY_DEPR_YOY IR_DEPR_YOY IA_AMORTIZE_YOY LPE_AMORTIZE_YOY DEFER_INCOME_AMORTIZE_YOY
    PREPAID_EXPENSE_REDUCE_YOY ACCRUED_EXPENSE_ADD_YOY DISPOSAL_LONGASSET_LOSS_YOY FA_SCRAP_LOSS_YOY
    FAIRVALUE_CHANGE_LOSS_YOY FINANCE_EXPENSE_YOY INVEST_LOSS_YOY DEFER_TAX_YOY DT_ASSET_REDUCE_YOY DT_LIAB_ADD_YOY
    PREDICT_LIAB_ADD_YOY INVENTORY_REDUCE_YOY OPERATE_RECE_REDUCE_YOY OPERATE_PAYABLE_ADD_YOY OTHER_YOY
    OPERATE_NETCASH_OTHERNOTE_YOY OPERATE_NETCASH_BALANCENOTE_YOY NETCASH_OPERATENOTE_YOY DEBT_TRANSFER_CAPITAL_YOY
    CONVERT_BOND_1YEAR_YOY FINLEASE_OBTAIN_FA_YOY UNINVOLVE_INVESTFIN_OTHER_YOY END_CASH_YOY BEGIN_CASH_YOY
    END_CASH_EQUIVALENTS_YOY BEGIN_CASH_EQUIVALENTS_YOY CCE_ADD_OTHERNOTE_YOY CCE_ADD_BALANCENOTE_YOY
    CCE_ADDNOTE_YOY OPINION_TYPE OSOPINION_TYPE MINORITY_INTEREST MINORITY_INTEREST_YOY USERIGHT_ASSET_AMORTIZE
    USERIGHT_ASSET_AMORTIZE_YOY
""".split()
EXPECTED_ZYGC_COLUMNS = ["股票代码", "报告日期", "分类类型", "主营构成", "主营收入", "收入比例", "主营成本", "成本比例", "主营利润", "利润比例", "毛利率"]
EXPECTED_HIST_COLUMNS = ["日期", "股票代码", "开盘", "收盘", "最高", "最低", "成交量", "成交额", "振幅", "涨跌幅", "涨跌额", "换手率"]
EXPECTED_BOARD_COLUMNS = [
    "序号", "代码", "名称", "最新价", "涨跌幅", "涨跌额", "成交量", "成交额", "振幅", "最高", "最低", "今开", "昨收", "换手率",
    "市盈率-动态", "市净率",
]
EXPECTED_INFO_ITEMS = ["最新", "股票代码", "股票简称", "总股本", "流通股", "总市值", "流通市值", "行业", "上市时间"]
F10_TEXT = {
    "SECUCODE", "SECURITY_CODE", "SECURITY_NAME_ABBR", "ORG_CODE", "ORG_TYPE", "REPORT_DATE", "REPORT_TYPE",
    "REPORT_DATE_NAME", "SECURITY_TYPE_CODE", "NOTICE_DATE", "UPDATE_DATE", "CURRENCY", "OPINION_TYPE",
    "OSOPINION_TYPE", "LISTING_STATE",
}
HIST_ARGS = {"period": "daily", "start_date": "20200101", "end_date": "20261120"}
CENT = 0.011  # sums of cent amounts held as float


def code_of(name: str) -> str:
    return EDGE_CASES[name]


@pytest.fixture(scope="module")
def src() -> SampleSource:
    return SampleSource(as_of=V2, firms=108, years=6, seed=20240801)


@pytest.fixture(scope="module")
def src_v1() -> SampleSource:
    return SampleSource(as_of=V1, firms=108, years=6, seed=20240801)


def statement(source: SampleSource, function: str, code: str) -> pd.DataFrame:
    return source.fetch(function, symbol=f"SZ{code}")


def rows_by_date(frame: pd.DataFrame) -> dict[str, pd.Series]:
    return {r["REPORT_DATE"][:10]: r for _, r in frame.iterrows()}


def v(row: pd.Series, field: str) -> float:
    """A statement value, a blank (NaN) line counting as zero as the metrics contract says."""
    x = row[field]
    return 0.0 if pd.isna(x) else float(x)


# --- shapes ----------------------------------------------------------------------------------------


def test_f10_columns_in_akshare_order_with_akshare_dtypes(src):
    for function, expected in ((INCOME, EXPECTED_INCOME_COLUMNS), (BALANCE, EXPECTED_BALANCE_COLUMNS),
                               (CASHFLOW, EXPECTED_CASHFLOW_COLUMNS)):
        frame = statement(src, function, "990001")
        assert list(frame.columns) == expected, function
        assert len(frame.columns) == {INCOME: 203, BALANCE: 319, CASHFLOW: 254}[function]
        for column in frame.columns:
            if column == "OSOPINION_TYPE":
                assert frame[column].dtype == np.float64 and frame[column].isna().all()  # all null -> float
            elif column == "OPINION_TYPE":
                # null in the whole last batch of 5 periods (no annual report there) -> object, as akshare's concat
                assert frame[column].dtype == object
                assert set(frame.loc[frame["REPORT_TYPE"] == "年报", column]) == {"标准无保留意见"}
            elif column in F10_TEXT:
                assert frame[column].dtype == "str", (function, column)
            else:
                assert frame[column].dtype == np.float64, (function, column)
        first = frame.iloc[0]
        identity = [first[c] for c in ("SECUCODE", "SECURITY_CODE", "ORG_CODE", "ORG_TYPE", "CURRENCY")]
        assert identity == ["990001.SZ", "990001", "10990001", "通用", "CNY"]
        period = [first[c] for c in ("REPORT_DATE", "REPORT_TYPE", "REPORT_DATE_NAME")]
        assert period == ["2026-09-30 00:00:00", "三季报", "2026三季报"]
        assert list(frame["REPORT_DATE"]) == sorted(frame["REPORT_DATE"], reverse=True)
        assert frame["REPORT_DATE"].iloc[-1] == "2021-03-31 00:00:00"  # years=6 at 2026 -> fiscal 2021..2026


def test_other_functions_columns_and_dtypes(src):
    zygc = src.fetch("stock_zygc_em", symbol="SZ990001")
    assert list(zygc.columns) == EXPECTED_ZYGC_COLUMNS
    assert [str(t) for t in zygc.dtypes] == ["str", "object", "str", "str"] + ["float64"] * 7
    assert all(type(d) is date for d in zygc["报告日期"])
    assert set(zygc["分类类型"]) <= {"按行业分类", "按产品分类", "按地区分类"}

    hist = src.fetch("stock_zh_a_hist", symbol="990001", adjust="", **HIST_ARGS)
    assert list(hist.columns) == EXPECTED_HIST_COLUMNS
    assert [str(t) for t in hist.dtypes] == ["object", "str"] + ["float64"] * 4 + ["int64"] + ["float64"] * 5
    assert all(type(d) is date for d in hist["日期"].head())

    board = src.fetch("stock_board_concept_cons_em", symbol=SAMPLE_BOARD)
    assert list(board.columns) == EXPECTED_BOARD_COLUMNS
    assert [str(t) for t in board.dtypes] == ["int64", "str", "str"] + ["float64"] * 13
    assert list(board["序号"]) == list(range(1, len(board) + 1))
    assert list(board["涨跌幅"]) == sorted(board["涨跌幅"], reverse=True)

    info = src.fetch("stock_individual_info_em", symbol="990001")
    assert list(info.columns) == ["item", "value"]
    assert str(info["item"].dtype) == "str" and info["value"].dtype == object
    assert list(info["item"]) == EXPECTED_INFO_ITEMS
    values = dict(zip(info["item"], info["value"]))
    assert values["股票代码"] == "990001" and "示例" in values["股票简称"]
    assert isinstance(values["上市时间"], int) and 19900101 < values["上市时间"] < 20100101


# --- the real akshare code turns the equivalent EastMoney payloads into identical frames --------------


class _Reply:
    def __init__(self, payload=None, text=""):
        self._payload, self.text = payload, text

    def json(self):
        return self._payload


def _records(frame: pd.DataFrame) -> list[dict]:
    """Rows as EastMoney's JSON has them: null where the frame has NaN."""
    return [
        {k: (None if isinstance(x, float) and math.isnan(x) else x) for k, x in row.items()}
        for row in frame.to_dict("records")
    ]


def _f10_payloads(frame: pd.DataFrame):
    records = {r["REPORT_DATE"][:10]: r for r in _records(frame)}

    def get(url, params=None, timeout=None, **_):
        if url.endswith("/Index"):
            return _Reply(text='<html><input id="hidctype" value="4"/></html>')
        if "DateAjaxNew" in url:
            return _Reply({"data": [{"REPORT_DATE": d} for d in frame["REPORT_DATE"]]})
        return _Reply({"data": [records[d] for d in params["dates"].split(",")]})

    return get


def _zygc_payload(frame: pd.DataFrame):
    kinds = {"按行业分类": "1", "按产品分类": "2", "按地区分类": "3"}
    rows = [
        {"SECUCODE": f"{r['股票代码']}.SZ", "SECURITY_CODE": r["股票代码"], "REPORT_DATE": f"{r['报告日期']} 00:00:00",
         "MAINOP_TYPE": kinds[r["分类类型"]], "ITEM_NAME": r["主营构成"], "MAIN_BUSINESS_INCOME": r["主营收入"],
         "MBI_RATIO": r["收入比例"], "MAIN_BUSINESS_COST": r["主营成本"], "MBC_RATIO": r["成本比例"],
         "MAIN_BUSINESS_RPOFIT": r["主营利润"], "MBR_RATIO": r["利润比例"], "GROSS_RPOFIT_RATIO": r["毛利率"], "RANK": k}
        for k, r in enumerate(_records(frame))
    ]
    return lambda url, params=None, timeout=None, **_: _Reply({"zygcfx": rows})


def _hist_payload(frame: pd.DataFrame):
    lines = [
        ",".join([str(r["日期"])] + [repr(r[c]) for c in ("开盘", "收盘", "最高", "最低")] + [str(r["成交量"])]
                 + [repr(r[c]) for c in ("成交额", "振幅", "涨跌幅", "涨跌额", "换手率")])
        for r in frame.to_dict("records")
    ]
    return lambda url, params=None, timeout=None, **_: _Reply({"data": {"klines": lines}})


def _board_payload(frame: pd.DataFrame):
    server_order = frame.sort_values("代码", ascending=False)  # EastMoney lists by code (fid f12, po 1)
    fields = {2: "最新价", 3: "涨跌幅", 4: "涨跌额", 5: "成交量", 6: "成交额", 7: "振幅", 8: "换手率", 9: "市盈率-动态",
              12: "代码", 14: "名称", 15: "最高", 16: "最低", 17: "今开", 18: "昨收", 23: "市净率"}
    keys = [*range(1, 19), *range(20, 26), 62, 115, 128, 136, 152, 45, 140, 141]  # 32 fields, mapped by position
    diff = [{f"f{k}": r.get(fields.get(k), 0) for k in keys} for r in server_order.to_dict("records")]
    return lambda url, params=None, timeout=None, **_: _Reply({"data": {"total": len(diff), "diff": diff}})


def _info_payload(frame: pd.DataFrame):
    codes = ["f43", "f57", "f58", "f84", "f85", "f116", "f117", "f127", "f189"]
    data = dict(zip(codes, frame["value"]))
    payload = {"rc": 0, "rt": 4, "svr": 1, "lt": 1, "full": 1, "data": data}
    return lambda url, params=None, timeout=None, **_: _Reply(payload)


@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::FutureWarning", "ignore::UserWarning")
def test_akshare_turns_the_equivalent_payloads_into_the_same_frames(src, monkeypatch):
    pytest.importorskip("akshare")
    import requests
    from akshare.stock.stock_board_concept_em import stock_board_concept_cons_em
    from akshare.stock.stock_info_em import stock_individual_info_em
    from akshare.stock_feature import stock_three_report_em as f10
    from akshare.stock_feature.stock_hist_em import stock_zh_a_hist
    from akshare.stock_fundamental.stock_zygc import stock_zygc_em
    import akshare.utils.func as paging

    monkeypatch.setattr(paging.time, "sleep", lambda _s: None)
    # akshare's F10 functions are slow offline (a pass over every column of every batch): four calls suffice
    for code, function in [("990001", f) for f in STATEMENTS] + [(code_of("zero_revenue_shell"), INCOME)]:
        ours = statement(src, function, code)
        f10._stock_balance_sheet_by_report_ctype_em.cache_clear()
        monkeypatch.setattr(requests, "get", _f10_payloads(ours))
        theirs = getattr(f10, function)(symbol=f"SZ{code}")
        pd.testing.assert_frame_equal(theirs, ours, check_exact=True)
    f10._stock_balance_sheet_by_report_ctype_em.cache_clear()

    ours = src.fetch("stock_zygc_em", symbol="SZ990031")
    monkeypatch.setattr(requests, "get", _zygc_payload(ours))
    pd.testing.assert_frame_equal(stock_zygc_em(symbol="SZ990031"), ours, check_exact=True)

    for adjust in ("", "hfq"):
        ours = src.fetch("stock_zh_a_hist", symbol="990001", adjust=adjust, **HIST_ARGS)
        monkeypatch.setattr(requests, "get", _hist_payload(ours))
        theirs = stock_zh_a_hist(symbol="990001", adjust=adjust, **HIST_ARGS)
        pd.testing.assert_frame_equal(theirs, ours, check_exact=True)

    ours = src.fetch("stock_board_concept_cons_em", symbol=SAMPLE_BOARD)
    monkeypatch.setattr(paging, "request_with_retry", _board_payload(ours))
    pd.testing.assert_frame_equal(stock_board_concept_cons_em(symbol=SAMPLE_BOARD), ours, check_exact=True)

    ours = src.fetch("stock_individual_info_em", symbol="990001")
    monkeypatch.setattr(requests, "get", _info_payload(ours))
    pd.testing.assert_frame_equal(stock_individual_info_em(symbol="990001"), ours, check_exact=True)


# --- source contract ---------------------------------------------------------------------------------


def test_source_identity_and_clock(src):
    assert (src.name, src.version, src.is_sample) == ("sample", "1.19.5", True)
    assert src.now() == datetime(2026, 11, 20, 16, 30)
    assert SampleSource(as_of=V1).now() == datetime(2025, 11, 20, 16, 30)
    assert SAMPLE_VINTAGES == (date(2025, 11, 20), date(2026, 11, 20)) and SAMPLE_BOARD == "BK9901"


def test_arguments_are_checked_like_akshare(src):
    with pytest.raises(EmptyResultError, match="upper-case market prefix"):
        src.fetch(INCOME, symbol="990001")  # akshare: TypeError 'NoneType' object is not subscriptable
    with pytest.raises(EmptyResultError, match="upper-case market prefix"):
        src.fetch(BALANCE, symbol="sz990001")
    with pytest.raises(EmptyResultError, match=r"stock_cash_flow_sheet_by_report_em\(symbol='SZ990109'\)"):
        src.fetch(CASHFLOW, symbol="SZ990109")  # beyond the 108 firms
    with pytest.raises(EmptyResultError, match="SH990001"):
        src.fetch("stock_zygc_em", symbol="SH990001")
    with pytest.raises(EmptyResultError, match="603777"):
        src.fetch("stock_individual_info_em")  # akshare's default symbol is not in the sample
    with pytest.raises(EmptyResultError, match="BK0001"):
        src.fetch("stock_board_concept_cons_em", symbol="BK0001")
    few = SampleSource(firms=5)
    by_name = few.fetch("stock_board_concept_cons_em", symbol=SAMPLE_BOARD_NAME)
    pd.testing.assert_frame_equal(by_name, few.fetch("stock_board_concept_cons_em", symbol=SAMPLE_BOARD))
    for symbol in ("300442", "SZ990001", "990109"):
        empty = src.fetch("stock_zh_a_hist", symbol=symbol, adjust="", **HIST_ARGS)
        assert empty.shape == (0, 0)  # akshare returns an empty frame without columns when there are no klines
    with pytest.raises(UsageError, match="adjust"):
        src.fetch("stock_zh_a_hist", symbol="990001", adjust="xfq")
    with pytest.raises(UsageError, match="start_date"):
        src.fetch("stock_zh_a_hist", symbol="990001", start_date="2020-01-01")
    with pytest.raises(UsageError, match="unexpected keyword"):
        src.fetch(INCOME, symbol="SZ990001", period="20241231")
    with pytest.raises(UsageError, match="stock_yjbb_em"):
        src.fetch("stock_yjbb_em", date="20240331")
    with pytest.raises(UsageError):
        SampleSource(as_of=date(2026, 11, 20), years=17)


def test_frames_are_deterministic(src):
    """A firm simulated afresh (bypassing the cache) gives byte-identical frames and price paths."""
    fresh = sample._simulate.__wrapped__(src.seed, 5)
    for function in STATEMENTS:
        rebuilt = sample._statement_frame(fresh, function, src.as_of, src.first_year)
        assert rebuilt.to_csv() == statement(src, function, "990005").to_csv()
    rebuilt = sample._zygc_frame(fresh, src.as_of, src.first_year)
    assert rebuilt.to_csv() == src.fetch("stock_zygc_em", symbol="SZ990005").to_csv()
    cached, again = sample._prices(src.seed, 5), sample._prices.__wrapped__(src.seed, 5)
    assert all(np.array_equal(cached[k], again[k]) for k in cached)
    other_seed = SampleSource(seed=7).fetch(INCOME, symbol="SZ990005")
    assert not other_seed["OPERATE_INCOME"].equals(statement(src, INCOME, "990005")["OPERATE_INCOME"])


def test_a_firm_does_not_depend_on_how_many_firms_are_asked_for(src):
    small = SampleSource(firms=12)
    for function in (*STATEMENTS, "stock_zygc_em"):
        pd.testing.assert_frame_equal(small.fetch(function, symbol="SZ990005"), src.fetch(function, symbol="SZ990005"))
    pd.testing.assert_frame_equal(
        small.fetch("stock_individual_info_em", symbol="990005"), src.fetch("stock_individual_info_em", symbol="990005")
    )
    assert len(small.fetch("stock_board_concept_cons_em", symbol=SAMPLE_BOARD)) == 12


def test_names_are_unique_fictional_and_chinese():
    names = [sample.firm_name(i) for i in range(1, 5401)]
    assert len(set(names)) == 5400
    assert all(n.startswith("示例") for n in names)
    assert {"示例算力科技", "示例彩印", "示例味精"} <= set(names[:18])


# --- vintages ------------------------------------------------------------------------------------------


def test_vintage_one_shows_only_what_was_published_by_then(src, src_v1):
    old = statement(src_v1, INCOME, "990001")
    assert old["REPORT_DATE"].iloc[0] == "2025-09-30 00:00:00"
    assert not old["REPORT_DATE"].str.startswith("2026").any()
    assert all(n <= "2025-11-20" for n in old["NOTICE_DATE"])
    hist = src_v1.fetch("stock_zh_a_hist", symbol="990001", adjust="", **HIST_ARGS)
    assert hist["日期"].iloc[-1] == date(2025, 11, 20)


RESTATED_FIELDS = {
    INCOME: {"TOTAL_OPERATE_INCOME", "OPERATE_INCOME", "TOTAL_OPERATE_COST", "OPERATE_COST"},
    CASHFLOW: {"SALES_SERVICES", "TOTAL_OPERATE_INFLOW", "BUY_SERVICES", "TOTAL_OPERATE_OUTFLOW"},
}


def test_restated_firm_differs_only_in_fy2024(src, src_v1):
    code = code_of("restated")
    for function, fields in RESTATED_FIELDS.items():
        new, old = rows_by_date(statement(src, function, code)), rows_by_date(statement(src_v1, function, code))
        assert set(new) - set(old) == {"2025-12-31", "2026-03-31", "2026-06-30", "2026-09-30"}
        for day in set(old) & set(new) - {"2024-12-31"}:
            pd.testing.assert_series_equal(new[day], old[day], check_names=False)
        before, after = old["2024-12-31"], new["2024-12-31"]
        changed = {c for c in before.index if not (before[c] == after[c] or pd.isna(before[c]) and pd.isna(after[c]))}
        assert changed == fields | {f"{f}_YOY" for f in fields} | {"UPDATE_DATE"}, function
        assert after["UPDATE_DATE"] == "2026-04-25 00:00:00" and before["UPDATE_DATE"] == before["NOTICE_DATE"]
        if function == INCOME:
            cut = before["OPERATE_INCOME"] - after["OPERATE_INCOME"]
            assert cut > 0 and before["OPERATE_COST"] - after["OPERATE_COST"] == pytest.approx(cut)  # shown net
    # the balance sheet was not restated, but the republished annual report carries the new UPDATE_DATE
    balance_new, balance_old = statement(src, BALANCE, code), statement(src_v1, BALANCE, code)
    both = set(balance_new["REPORT_DATE"]) & set(balance_old["REPORT_DATE"])
    new_rows = balance_new[balance_new["REPORT_DATE"].isin(both)].reset_index(drop=True)
    old_rows = balance_old[balance_old["REPORT_DATE"].isin(both)].reset_index(drop=True)
    updated = new_rows.loc[new_rows["UPDATE_DATE"] != old_rows["UPDATE_DATE"], "REPORT_DATE"]
    assert list(updated) == ["2024-12-31 00:00:00"]
    pd.testing.assert_frame_equal(
        new_rows.drop(columns="UPDATE_DATE"), old_rows.drop(columns="UPDATE_DATE"),
        check_dtype=False,  # OPINION_TYPE's dtype depends on where the batches of 5 periods fall
    )


def test_board_membership_changes_between_vintages():
    new = set(SampleSource(as_of=V2, firms=30).fetch("stock_board_concept_cons_em", symbol=SAMPLE_BOARD)["代码"])
    old = set(SampleSource(as_of=V1, firms=30).fetch("stock_board_concept_cons_em", symbol=SAMPLE_BOARD)["代码"])
    assert new - old == {code_of("joins_late")}
    assert old - new == {code_of("leaves")}
    assert len(new) == len(old) == 29


# --- the books ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["990001", "990003", "990005", "990013", "990031", "990037", "990060", "990085"])
def test_statement_identities_hold_in_every_report(src, code):
    income = statement(src, INCOME, code)
    for _, r in income.iterrows():
        revenue = v(r, "TOTAL_OPERATE_INCOME")
        if code != code_of("total_income_only"):
            assert r["TOTAL_OPERATE_INCOME"] == r["OPERATE_INCOME"]
        expenses = sum(v(r, k) for k in ("OPERATE_COST", "OPERATE_TAX_ADD", "SALE_EXPENSE", "MANAGE_EXPENSE",
                                         "RESEARCH_EXPENSE", "FINANCE_EXPENSE"))
        assert v(r, "TOTAL_OPERATE_COST") == pytest.approx(expenses, abs=CENT)
        other = sum(v(r, k) for k in (
            "OTHER_INCOME", "INVEST_INCOME", "FAIRVALUE_CHANGE_INCOME", "ASSET_DISPOSAL_INCOME",
            "ASSET_IMPAIRMENT_INCOME", "CREDIT_IMPAIRMENT_INCOME",
        ))
        assert v(r, "OPERATE_PROFIT") == pytest.approx(revenue - expenses + other, abs=CENT)
        assert v(r, "TOTAL_PROFIT") == pytest.approx(
            v(r, "OPERATE_PROFIT") + v(r, "NONBUSINESS_INCOME") - v(r, "NONBUSINESS_EXPENSE"), abs=CENT)
        assert v(r, "NETPROFIT") == pytest.approx(v(r, "TOTAL_PROFIT") - v(r, "INCOME_TAX"), abs=CENT)
        assert v(r, "PARENT_NETPROFIT") + v(r, "MINORITY_INTEREST") == pytest.approx(v(r, "NETPROFIT"), abs=CENT)
        fees = abs(v(r, "FINANCE_EXPENSE") - (v(r, "FE_INTEREST_EXPENSE") - v(r, "FE_INTEREST_INCOME")))
        assert fees <= 0.001 * revenue + CENT  # finance expense = interest paid - interest earned + bank charges
        assert pd.isna(r["INTEREST_EXPENSE"])  # the financial-subsidiary line, not finance expense
    balance = statement(src, BALANCE, code)
    for _, r in balance.iterrows():
        assert r["TOTAL_ASSETS"] == pytest.approx(r["TOTAL_LIABILITIES"] + r["TOTAL_EQUITY"], abs=CENT)
        assert r["TOTAL_LIAB_EQUITY"] == pytest.approx(r["TOTAL_ASSETS"], abs=CENT)
        assert r["TOTAL_ASSETS"] == pytest.approx(r["TOTAL_CURRENT_ASSETS"] + r["TOTAL_NONCURRENT_ASSETS"], abs=CENT)
        assert r["TOTAL_LIABILITIES"] == pytest.approx(r["TOTAL_CURRENT_LIAB"] + r["TOTAL_NONCURRENT_LIAB"], abs=CENT)
        assert r["TOTAL_EQUITY"] == pytest.approx(r["TOTAL_PARENT_EQUITY"] + v(r, "MINORITY_EQUITY"), abs=CENT)
        assert r["MONETARYFUNDS"] > 0 and r["FIXED_ASSET"] > 0
        assert v(r, "NONCURRENT_LIAB_1YEAR") >= 0
    cash = statement(src, CASHFLOW, code)
    year_end = {r["REPORT_DATE"][:4]: r["END_CCE"] for _, r in cash.iterrows() if r["REPORT_TYPE"] == "年报"}
    funds = dict(zip(balance["REPORT_DATE"], balance["MONETARYFUNDS"]))
    profit = dict(zip(income["REPORT_DATE"], income["NETPROFIT"]))
    for _, r in cash.iterrows():
        net = v(r, "NETCASH_OPERATE") + v(r, "NETCASH_INVEST") + v(r, "NETCASH_FINANCE")
        assert net == pytest.approx(r["CCE_ADD"], abs=CENT)
        assert r["END_CCE"] - r["BEGIN_CCE"] == pytest.approx(r["CCE_ADD"], abs=CENT)
        assert r["END_CCE"] <= funds[r["REPORT_DATE"]] + CENT
        previous = str(int(r["REPORT_DATE"][:4]) - 1)
        if previous in year_end:
            assert r["BEGIN_CCE"] == year_end[previous]  # YTD statements start from the last year-end cash
        operating = v(r, "TOTAL_OPERATE_INFLOW") - v(r, "TOTAL_OPERATE_OUTFLOW")
        assert operating == pytest.approx(r["NETCASH_OPERATE"], abs=CENT)
        if not pd.isna(r["NETPROFIT"]):
            assert r["NETPROFIT"] == profit[r["REPORT_DATE"]]
            assert r["NETCASH_OPERATENOTE"] == r["NETCASH_OPERATE"]


def test_ytd_reports_are_sums_of_the_firms_quarters(src):
    firm = sample._simulate(src.seed, 3)
    income = rows_by_date(statement(src, INCOME, "990003"))
    cash = rows_by_date(statement(src, CASHFLOW, "990003"))
    for year in range(2021, 2026):
        quarters = slice(sample._qidx(year, 1), sample._qidx(year, 4) + 1)
        fy = f"{year}-12-31"
        for frame, field in ((income, "OPERATE_INCOME"), (income, "NETPROFIT"), (income, "FE_INTEREST_EXPENSE"),
                             (cash, "CONSTRUCT_LONG_ASSET"), (cash, "FA_IR_DEPR")):
            single = firm.flows[field][quarters]
            assert frame[fy][field] == int(single.sum()) / 100
            # derived quarters (Q2 = H1 - Q1, ...) are the firm's own single quarters, to the cent
            if field != "FA_IR_DEPR":  # the supplement is blank at Q1 and Q3
                ytd = [frame[f"{year}-{md}"][field] for md in ("03-31", "06-30", "09-30", "12-31")]
                derived = np.diff([0.0, *ytd])
                assert derived == pytest.approx(single / 100, abs=CENT)


def test_segments_sum_to_revenue_and_the_compute_segment_is_the_compute_business(src, src_v1):
    for source in (src, src_v1):
        for code in ("990001", "990003", code_of("restated"), code_of("unusual_segment"), code_of("total_income_only")):
            income = rows_by_date(statement(source, INCOME, code))
            zygc = source.fetch("stock_zygc_em", symbol=f"SZ{code}")
            firm = sample._simulate(source.seed, int(code) - sample.CODE_BASE)
            compute_name = firm.segments["compute_name"]
            assert set(d.month for d in zygc["报告日期"]) <= {6, 12}
            for (day, kind), part in zygc.groupby(["报告日期", "分类类型"]):
                report = income[str(day)]
                assert part["主营收入"].sum() == pytest.approx(report["TOTAL_OPERATE_INCOME"], abs=CENT)
                assert part["收入比例"].sum() == pytest.approx(1.0, abs=1e-5)
                if kind != "按地区分类":
                    assert part["主营成本"].sum() == pytest.approx(report["OPERATE_COST"], abs=CENT)
                if kind == "按产品分类" and (part["主营构成"] == compute_name).any():
                    t = sample._qidx(day.year, day.month // 3)
                    compute = part.loc[part["主营构成"] == compute_name, "主营收入"].iloc[0]
                    restated = sample._restated(firm, source.as_of) and str(day) == "2024-12-31"
                    restated_cut = sample._restatement_cents(firm) if restated else 0
                    assert compute == (int(firm.ytd("COMP_REV")[t]) - restated_cut) / 100
            ratios = zygc[["收入比例", "成本比例", "利润比例", "毛利率"]].stack()
            assert ratios.abs().max() < 5  # fractions, not percent


# --- the economics -----------------------------------------------------------------------------------


def _ttm(rows: dict[str, pd.Series], field: str, day: str) -> float:
    year, md = int(day[:4]), day[5:]
    if md == "12-31":
        return v(rows[day], field)
    return v(rows[f"{year - 1}-12-31"], field) + v(rows[day], field) - v(rows[f"{year - 1}-{md}"], field)


def test_designed_margins_losses_and_growth_without_profit(src):
    meets, gross_only, net_only, losses, squeezed = set(), set(), set(), set(), set()
    for code in src.codes():
        rows = rows_by_date(statement(src, INCOME, code))
        if "2025-09-30" not in rows:  # the firm without a 2025 Q3 report has no TTM there
            continue
        revenue, cost = _ttm(rows, "TOTAL_OPERATE_INCOME", "2026-09-30"), _ttm(rows, "OPERATE_COST", "2026-09-30")
        profit = _ttm(rows, "NETPROFIT", "2026-09-30")
        gross_ok = revenue > 0 and (revenue - cost) / revenue >= 0.4
        net_ok = revenue > 0 and profit / revenue >= 0.2
        if profit < 0:
            losses.add(code)
        elif gross_ok and net_ok:
            meets.add(code)
        elif gross_ok:
            gross_only.add(code)
        elif net_ok:
            net_only.add(code)
        before = _ttm(rows, "TOTAL_OPERATE_INCOME", "2025-09-30"), _ttm(rows, "NETPROFIT", "2025-09-30")
        if revenue > before[0] and profit < before[1]:
            squeezed.add(code)
    assert meets == set(EDGE_CASES["meets_benchmark"])
    assert gross_only == set(EDGE_CASES["gross_only"])
    assert net_only == set(EDGE_CASES["net_only"])
    assert set(EDGE_CASES["loss_making"]) <= losses and 15 <= len(losses) <= 25
    designed = set(EDGE_CASES["revenue_up_profit_down"])
    assert len(squeezed) >= 25 and len(designed & squeezed) >= 0.8 * len(designed)


def test_leveraged_firms_clear_the_gross_benchmark_but_interest_keeps_net_below_it(src):
    leveraged = EDGE_CASES["leveraged"]
    losing = set(leveraged) & set(EDGE_CASES["loss_making"])
    assert 8 <= len(leveraged) <= 10 and 2 <= len(losing) <= 3
    assert set(EDGE_CASES["gross_only"]) == set(leveraged) - losing
    debt_fields = ("SHORT_LOAN", "NONCURRENT_LIAB_1YEAR", "LONG_LOAN", "BOND_PAYABLE", "LEASE_LIAB", "LONG_PAYABLE")
    day = "2026-09-30"
    for code in leveraged:
        income = rows_by_date(statement(src, INCOME, code))
        balance = rows_by_date(statement(src, BALANCE, code))[day]
        cash = statement(src, CASHFLOW, code)
        revenue = _ttm(income, "TOTAL_OPERATE_INCOME", day)
        gross = (revenue - _ttm(income, "OPERATE_COST", day)) / revenue
        net = _ttm(income, "NETPROFIT", day) / revenue
        interest = _ttm(income, "FE_INTEREST_EXPENSE", day) / revenue
        assert gross >= 0.40 and net < 0.20, code
        assert 0.10 <= interest <= 0.30, code  # interest, charged below gross profit, is what the net margin lacks
        assert (net < 0) == (code in losing), code
        # financed by debt: the sale-and-leaseback payable is the largest borrowing, and no new shares are sold
        debt = {f: v(balance, f) for f in debt_fields}
        assert debt["LONG_PAYABLE"] == max(debt.values()) and sum(debt.values()) > revenue, code
        assert cash["ACCEPT_INVEST_CASH"].fillna(0).eq(0).all(), code


def test_net_only_firms_owe_their_net_margin_to_a_one_off_fair_value_gain(src):
    day = "2026-09-30"
    for code in EDGE_CASES["net_only"]:
        income = rows_by_date(statement(src, INCOME, code))
        revenue = _ttm(income, "TOTAL_OPERATE_INCOME", day)
        gross = (revenue - _ttm(income, "OPERATE_COST", day)) / revenue
        net = _ttm(income, "NETPROFIT", day) / revenue
        gain = _ttm(income, "FAIRVALUE_CHANGE_INCOME", day) / revenue
        assert gross < 0.40 and net >= 0.20, code
        assert gain >= 0.10, code
        assert net - 0.75 * gain < 0.20, code  # without the gain (taxed at 25 % at most) it would miss the benchmark
        deducted = _ttm(income, "DEDUCT_PARENT_NETPROFIT", day) / revenue
        assert deducted < 0.20, code  # 扣非: the gain is non-recurring


def test_gpu_capex_becomes_fixed_assets_depreciation_and_interest(src):
    code = "990003"  # a firm that starts compute leasing in 2023
    cash = rows_by_date(statement(src, CASHFLOW, code))
    balance = rows_by_date(statement(src, BALANCE, code))
    income = rows_by_date(statement(src, INCOME, code))
    capex = {y: cash[f"{y}-12-31"]["CONSTRUCT_LONG_ASSET"] for y in range(2021, 2026)}
    assert max(capex[2023], capex[2024]) > 5 * capex[2021]
    assert balance["2024-12-31"]["FIXED_ASSET"] > 3 * balance["2022-12-31"]["FIXED_ASSET"]
    depreciation = {y: cash[f"{y}-12-31"]["FA_IR_DEPR"] for y in range(2021, 2026)}
    assert depreciation[2025] > 3 * depreciation[2022]
    cip = sample._simulate(src.seed, 3).points["CIP"]
    assert cip[sample._qidx(2022, 3):sample._qidx(2024, 1)].max() > 10 * cip[sample._qidx(2021, 4)]  # GPUs wait in CIP
    debt_fields = ("SHORT_LOAN", "NONCURRENT_LIAB_1YEAR", "LONG_LOAN", "BOND_PAYABLE", "LEASE_LIAB", "LONG_PAYABLE")
    for code in ("990001", "990005", "990021", "990031"):
        balance = rows_by_date(statement(src, BALANCE, code))
        income = rows_by_date(statement(src, INCOME, code))
        days = ["2024-12-31", "2025-03-31", "2025-06-30", "2025-09-30", "2025-12-31"]
        debt = np.mean([sum(v(balance[d], f) for f in debt_fields) for d in days])
        assert 0.035 <= income["2025-12-31"]["FE_INTEREST_EXPENSE"] / debt <= 0.075, code


# --- edge cases ----------------------------------------------------------------------------------------


def test_missing_q3_is_absent_from_all_three_statements(src):
    for function in STATEMENTS:
        assert "2025-09-30 00:00:00" not in set(statement(src, function, code_of("missing_q3"))["REPORT_DATE"])
        assert "2025-09-30 00:00:00" in set(statement(src, function, "990001")["REPORT_DATE"])
    income = rows_by_date(statement(src, INCOME, code_of("missing_q3")))
    assert pd.isna(income["2026-09-30"]["OPERATE_INCOME_YOY"])  # no base for the next year's growth either


def test_zero_revenue_shell(src):
    code = code_of("zero_revenue_shell")
    income = statement(src, INCOME, code)
    recent = income[income["REPORT_DATE"] >= "2025"]
    assert len(recent) == 7 and (recent["OPERATE_INCOME"] == 0).all() and (recent["TOTAL_OPERATE_INCOME"] == 0).all()
    assert (recent["MANAGE_EXPENSE"] > 0).all() and (recent["NETPROFIT"] < 0).all()
    assert not any(d.year >= 2024 for d in src.fetch("stock_zygc_em", symbol=f"SZ{code}")["报告日期"])


def test_depreciation_supplement_is_half_yearly_except_for_one_firm(src):
    supplement = ["FA_IR_DEPR", "IA_AMORTIZE", "USERIGHT_ASSET_AMORTIZE", "NETCASH_OPERATENOTE"]
    for code in ("990001", "990003", code_of("da_quarterly")):
        cash = statement(src, CASHFLOW, code)
        quarterly = cash["REPORT_TYPE"].isin(["一季报", "三季报"])
        assert cash.loc[~quarterly, supplement].notna().all().all()
        if code == code_of("da_quarterly"):
            assert cash.loc[quarterly, supplement].notna().all().all()
        else:
            assert cash.loc[quarterly, supplement].isna().all().all()


def test_oilgas_duplicates_fixed_asset_depreciation_for_one_firm_only(src):
    cash = statement(src, CASHFLOW, code_of("oilgas_duplicate"))
    shown = cash["FA_IR_DEPR"].notna()
    assert shown.any() and (cash.loc[shown, "OILGAS_BIOLOGY_DEPR"] == cash.loc[shown, "FA_IR_DEPR"]).all()
    assert statement(src, CASHFLOW, "990001")["OILGAS_BIOLOGY_DEPR"].isna().all()


def test_unusually_named_compute_segment(src):
    names = set(src.fetch("stock_zygc_em", symbol=f"SZ{code_of('unusual_segment')}")["主营构成"])
    assert {"ＧＰＵ 算力 租赁服务", "智算中心运营(AIDC)"} <= names


def test_total_operating_income_only(src):
    income = statement(src, INCOME, code_of("total_income_only"))
    assert income["OPERATE_INCOME"].isna().all() and (income["TOTAL_OPERATE_INCOME"] > 0).all()


def test_impairments_are_signed_as_income(src):
    # the loss archetype's compute acquisitions; the shell and the leveraged loss makers bought no goodwill
    designed = [
        c for c in EDGE_CASES["loss_making"] if c != code_of("zero_revenue_shell") and c not in EDGE_CASES["leveraged"]
    ]
    written_down = [rows_by_date(statement(src, INCOME, c))["2025-12-31"]["ASSET_IMPAIRMENT_INCOME"] for c in designed]
    assert all(x < 0 for x in written_down)  # their compute acquisitions' goodwill written down: a negative "income"


# --- prices ----------------------------------------------------------------------------------------------


def test_prices_trading_days_adjustment_and_snapshot_agree(src):
    payer = next(
        f"{sample.CODE_BASE + i}" for i in range(1, 109)
        if any(date(2021, 1, 1) <= day <= V2 for day, _ in sample._simulate(src.seed, i).dividends)
    )
    raw = src.fetch("stock_zh_a_hist", symbol=payer, adjust="", **HIST_ARGS)
    hfq = src.fetch("stock_zh_a_hist", symbol=payer, adjust="hfq", **HIST_ARGS)
    days = list(raw["日期"])
    assert days[0] == date(2020, 1, 2) and days[-1] == date(2026, 11, 20)
    assert all(d.weekday() < 5 for d in days)
    assert not {date(2026, 10, 1), date(2026, 2, 17), date(2025, 1, 1), date(2024, 5, 1)} & set(days)
    window = src.fetch("stock_zh_a_hist", symbol=payer, period="daily", start_date="20240301", end_date="20240331")
    assert window["日期"].min() >= date(2024, 3, 1) and window["日期"].max() <= date(2024, 3, 29)
    assert (raw["涨跌幅"].abs() <= 10.01).all()
    assert (raw["最高"] >= raw[["开盘", "收盘"]].max(axis=1)).all() and (raw["最低"] <= raw[["开盘", "收盘"]].min(axis=1)).all()
    ratio = (hfq["收盘"] / raw["收盘"]).to_numpy()
    assert ratio[-1] > ratio[0] > 0.999  # cash dividends push the hfq factor up over time ...
    assert (np.diff(ratio) > -0.01).all()  # ... and it never steps down
    assert (hfq["成交量"] == raw["成交量"]).all()
    last = raw.iloc[-1]
    board = src.fetch("stock_board_concept_cons_em", symbol=SAMPLE_BOARD).set_index("代码").loc[payer]
    for ours, theirs in (("收盘", "最新价"), ("涨跌幅", "涨跌幅"), ("涨跌额", "涨跌额"), ("开盘", "今开"), ("最高", "最高"),
                         ("换手率", "换手率")):
        assert board[theirs] == last[ours]
    assert board["成交量"] == float(last["成交量"])
    info = dict(zip(*src.fetch("stock_individual_info_em", symbol=payer).to_dict("list").values()))
    assert info["最新"] == last["收盘"]
    assert info["总市值"] == pytest.approx(info["最新"] * info["总股本"])
    assert info["流通股"] <= info["总股本"]


def test_the_sample_is_replayed_once_per_setting(tmp_path):
    from pipeline.extract.ingest import ingest_sample
    from pipeline.raw.store import RawStore

    store = RawStore(tmp_path)
    first = ingest_sample(store, firms=3, years=2)
    manifest = store.manifest_path.read_text(encoding="utf-8")
    again = ingest_sample(RawStore(tmp_path), firms=3, years=2)
    assert first.calls > 0 and first.already_stored == 0
    assert again.calls == 0 and again.already_stored == len(manifest.splitlines())
    assert store.manifest_path.read_text(encoding="utf-8") == manifest  # no fetch logged anew
    wider = ingest_sample(RawStore(tmp_path), firms=4, years=2)  # other settings: replayed, only the new firm is new
    assert wider.calls > 0 and wider.already_stored == 0


# --- firms whose inputs are missing ------------------------------------------------------------------


def test_a_firm_without_a_segment_table_answers_nothing_disclosed(src):
    from pipeline.errors import NothingDisclosed

    with pytest.raises(NothingDisclosed, match="no 主营构成 table"):
        src.fetch("stock_zygc_em", symbol=f"SZ{code_of('no_segment_table')}")
    assert len(statement(src, "stock_profit_sheet_by_report_em", code_of("no_segment_table"))) > 0


def test_a_firm_without_a_cash_flow_statement_answers_a_frame_without_columns(src):
    code = code_of("no_cash_flow")
    empty = statement(src, "stock_cash_flow_sheet_by_report_em", code)
    assert empty.shape == (0, 0)
    assert len(statement(src, "stock_profit_sheet_by_report_em", code)) > 0
    assert len(statement(src, "stock_balance_sheet_by_report_em", code)) > 0
