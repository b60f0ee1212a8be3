"""A simulated firm's quarters in integer cents: income lines, balances and debt, every subtotal summed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipeline.sources.sample.firms import cents

if TYPE_CHECKING:
    import numpy as np


def ledger(
    *,
    Q, accounts_payable, ar_net, asset_impair, bond_total, cip, comp_cost, comp_rev, contract_asset,
    contract_liab, credit_impair, defer_income, defer_tax_liab, disposal_gain, dps_paid, dta_base, dta_loss,
    equity0, fees, finance_rece, fixed_asset, fv_change, goodwill, ie, ii, intangible, inventory, invest_income,
    invest_property, lease_current, lease_total, leg_cost, leg_rev, lei, long_current, long_total, lp_current,
    lp_total, lpe, manage, minority_share, nbe, nbi, new_shares, note_payable, note_rece, oci,
    other_current_asset, other_current_liab, other_income, other_noncurrent, other_payable, other_rece,
    placement_amount, prepayment, research, rou, sale, shares, shares0, short, staff_payable, tax, tax_add,
    tax_payable, tax_rate, tfa,
) -> tuple[dict, dict, dict, "np.ndarray", "np.ndarray"]:
    """Flows, points and debt of `simulate`'s float amounts; cash is the balancing item."""
    # subtotals are sums of the rounded parts, so every identity holds to the cent
    import numpy as np

    c = cents
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
    return f, p, debt, dividend_c, placement_c
