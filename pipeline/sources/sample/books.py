"""Simulating one firm from (seed, index): every quarter from 2010 to 2030."""

from __future__ import annotations

import math
from datetime import date, timedelta
from functools import lru_cache

from pipeline.sources.sample.dates import qidx, quarter_end, weekday_on_or_before
from pipeline.sources.sample.firms import (
    amortised_debt,
    archetype_of,
    cash_flows,
    cents,
    dirichlet,
    ex_dividend_date,
    ffill,
    Firm,
    lag,
    notice_dates,
    segment_plan,
    straight_assets,
)
from pipeline.sources.sample.ledger import ledger
from pipeline.sources.sample.universe import (
    CODE_BASE,
    DESIGNED_FIRMS,
    firm_name,
    FIRST_SIM_YEAR,
    LOSS,
    N_QUARTERS,
    SHELL,
    STAKE_GAIN,
    TRADES,
)


@lru_cache(maxsize=256)
def simulate(seed: int, i: int) -> Firm:
    """Simulate firm i's quarters from 2010 to 2030. Depends only on (seed, i)."""
    import numpy as np

    rng = np.random.default_rng([seed, i])
    uni = rng.uniform
    # The leveraged and stake-gain designs draw from a stream of their own, so adding them changed no other firm.
    own = np.random.default_rng([seed, i, 3])
    Q = N_QUARTERS
    t = np.arange(Q)
    qtr = t % 4
    yidx = t // 4
    year = FIRST_SIM_YEAR + yidx
    n_years = Q // 4
    trade = TRADES[(i - 1) % len(TRADES)]
    arch = archetype_of(i, rng)
    compute = arch in ("star", "generic", "squeeze", "loss", "leveraged")
    # a leveraged firm built to lose money: a 2026 expansion on dearer money, more overhead, tenants who pay late
    strained = arch == "leveraged" and (i in LOSS if i <= DESIGNED_FIRMS else own.random() < 0.25)
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
        leg_rev[year >= SHELL[1]] = 0.0
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
    gpu_dep, finlease = np.zeros((2, Q))
    loan_tranches: list[tuple[int, float, int]] = []
    lease_tranches: list[tuple[int, float, int]] = []
    lp_tranches: list[tuple[int, float, int]] = []
    lpe_tranches: list[tuple[int, float, int]] = []
    slb_cash, placement_amount, bond_issue, goodwill_buy, goodwill_impair = np.zeros((5, Q))
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
        s0 = qidx(start_year, first) + int(rng.integers(0, spread))
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
            "squeeze": ((s0, 0.5), (s0 + 2, 0.5), (qidx(2025, 4), 0.3), (qidx(2026, 2), 0.25)),
            "loss": ((s0, 0.7), (s0 + 1, 0.6)),
            "leveraged": (
                (s0, 0.4), (s0 + 2, 0.3), (s0 + 4, 0.3), (qidx(2026, 1), 1.5) if strained else (qidx(2025, 4), 0.4),
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
        price_factor = (1 - decline) ** np.clip(t - qidx(2025, 1), 0, None)
        usage = revenue_full / 4 / unit * used * np.clip(1 + rng.normal(0, 0.015, Q), 0, None)
        comp_rev = usage * price_factor * np.exp(rng.normal(0, 0.02, Q))
        rou_amort_c = straight_assets(Q, lease_tranches)[1]
        power = p_c * usage  # power and operations follow use, not the rent
        comp_cost = gpu_dep + rou_amort_c + power
        if arch == "star" or arch != "leveraged" and rng.random() < 0.3:  # leveraged firms raise no equity
            placement_amount[min(s0 + 2, Q - 1)] = uni(0.4, 0.7) * unit if arch == "star" else uni(0.15, 0.35) * unit
        if arch == "generic" and rng.random() < 0.1:
            bond_issue[min(s0 + 1, Q - 1)] = 0.3 * unit
        has_goodwill = arch == "loss" or arch not in ("star", "leveraged") and rng.random() < 0.2
        if has_goodwill:
            goodwill_buy[s0] = uni(0.05, 0.3) * unit
            impair_at = qidx(2025, 4) if arch == "loss" else qidx(int(rng.choice([2024, 2025])), 4)
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
        upkeep[year >= SHELL[1]] = 0.2
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
    lpe, lpe_amort = straight_assets(Q, lpe_tranches)
    lpe_add = np.zeros(Q)
    for start, amount, _ in lpe_tranches:
        lpe_add[start] += amount
    t2021 = qidx(2021, 1)
    legacy_lease = uni(0.005, 0.02) * level[y2021]
    lease_tranches += [(t2021, legacy_lease, 20), (t2021 + 20, 1.05 * legacy_lease, 20)]
    rou, rou_amort = straight_assets(Q, lease_tranches)
    lease_total, lease_current = amortised_debt(Q, lease_tranches)
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
    if i in STAKE_GAIN:  # an old venture stake in a GPU maker, marked to its STAR Market listing price in 2026 Q2
        listing = qidx(2026, 2)
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
    inv_writedown = ffill(inv_writedown)
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
    sale_share, admin_share, research_share = overhead * dirichlet(rng, 3)[rng.permutation(3)]
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
        # with no revenue there is no 营业成本 to carry the depreciation of its idle plant: under CAS it goes to
        # 管理费用, so EBIT falls by it and EBITDA (EBIT + D&A) turns negative, as it is for a firm that earns nothing
        manage = manage + np.where(year >= SHELL[1], leg_dep + gpu_dep, 0.0)
        other_income = other_income + np.where(year >= SHELL[1], 0.0005 * legacy_2021, 0.0)
        nbe = nbe + np.where(year >= SHELL[1], 0.015 * legacy_2021, 0.0)
    oci = rng.normal(0, 0.001, Q) * legacy_2021 if rng.random() < 0.2 else np.zeros(Q)
    tax_rate = 0.15 if rng.random() < 0.5 else 0.25
    minority_share = 0.0 if rng.random() < 0.4 else uni(0.01, 0.1)
    staff = 0.5 * (sale + manage + research) + 0.08 * leg_cost

    # Operating liabilities.
    accounts_payable = (leg_cost * uni(30, 100) + power * 30) / 91 * 1.13
    note_payable = uni(0.1, 0.4) * accounts_payable if rng.random() < 0.5 else np.zeros(Q)
    contract_liab = (uni(0.8, 1.5) if trade.word == "置业" else uni(0.01, 0.08)) * level[yidx] + 0.3 * comp_rev
    if arch == "shell":
        contract_liab = np.where(year >= SHELL[1], 0.0, contract_liab)
    staff_payable = 0.35 * staff
    tax_payable = 0.025 * rev + 0.002 * legacy_2021
    other_payable = uni(0.005, 0.03) * level[yidx]
    other_current_liab = 0.08 * contract_liab
    defer_income = np.full(Q, uni(0.002, 0.01) * legacy_2021) if rng.random() < 0.4 else np.zeros(Q)
    defer_tax_liab = 0.25 * np.clip(tfa - tfa0, 0, None)

    # Borrowing: legacy term loans refinanced every three years, GPU loans, bonds, short-term loans.
    legacy_loan = uni(0.0, 0.15)
    loan_tranches += [(q_, legacy_loan * level[q_ // 4], 16) for q_ in range(0, Q, 12)]
    long_total, long_current = amortised_debt(Q, loan_tranches)
    long_new = np.zeros(Q)
    for start, amount, _ in loan_tranches:
        if start < Q:
            long_new[start] += amount
    bond_total = np.cumsum(bond_issue)
    lp_total, lp_current = amortised_debt(Q, lp_tranches)
    short_base = uni(0.0, 0.12) * level[yidx] + 0.3 * comp_rev
    r_short = r_loan - 0.005
    r_dep = 0.003 if arch == "shell" else uni(0.008, 0.015)  # a shell's cash sits frozen as guarantee collateral
    ie_loan = r_loan / 4 * lag(long_total, 0.0)
    ie_bond = 0.045 / 4 * lag(bond_total, 0.0)
    ie_lease = r_lease / 4 * lag(lease_total, 0.0)
    ie_lp = r_lp / 4 * lag(lp_total, 0.0)
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
    ie, ii, tax, parent, dividend, dps_paid, short, dta_loss = np.zeros((8, Q))
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

    f, p, debt, dividend_c, placement_c = ledger(
        Q=Q, accounts_payable=accounts_payable, ar_net=ar_net, asset_impair=asset_impair, bond_total=bond_total,
        cip=cip, comp_cost=comp_cost, comp_rev=comp_rev, contract_asset=contract_asset,
        contract_liab=contract_liab, credit_impair=credit_impair, defer_income=defer_income,
        defer_tax_liab=defer_tax_liab, disposal_gain=disposal_gain, dps_paid=dps_paid, dta_base=dta_base,
        dta_loss=dta_loss, equity0=equity0, fees=fees, finance_rece=finance_rece, fixed_asset=fixed_asset,
        fv_change=fv_change, goodwill=goodwill, ie=ie, ii=ii, intangible=intangible, inventory=inventory,
        invest_income=invest_income, invest_property=invest_property, lease_current=lease_current,
        lease_total=lease_total, leg_cost=leg_cost, leg_rev=leg_rev, lei=lei, long_current=long_current,
        long_total=long_total, lp_current=lp_current, lp_total=lp_total, lpe=lpe, manage=manage,
        minority_share=minority_share, nbe=nbe, nbi=nbi, new_shares=new_shares, note_payable=note_payable,
        note_rece=note_rece, oci=oci, other_current_asset=other_current_asset,
        other_current_liab=other_current_liab, other_income=other_income, other_noncurrent=other_noncurrent,
        other_payable=other_payable, other_rece=other_rece, placement_amount=placement_amount,
        prepayment=prepayment, research=research, rou=rou, sale=sale, shares=shares, shares0=shares0,
        short=short, staff_payable=staff_payable, tax=tax, tax_add=tax_add, tax_payable=tax_payable,
        tax_rate=tax_rate, tfa=tfa,
    )
    c = cents
    cash_flows(f, p, debt, inputs=dict(
        Q=Q, restricted=uni(0.0, 0.08) if rng.random() < 0.5 else 0.0, cash0=cash0,
        construct=c(leg_capex + gpu_cash + lpe_add), disposal=c(disposal_book + disposal_gain) * (disposal_book > 0),
        goodwill_buy=c(goodwill_buy), wmp=c(wmp), invest_cash=c(invest_income), placement=placement_c,
        long_new=c(long_new), bond_issue=c(bond_issue), slb=c(slb_cash), finlease=c(finlease),
        lease_new=c(lease_new), dividend=dividend_c,
        interest_paid=c(ie_loan + ie_bond + r_short / 4 * lag(short, short_base[0])),
        interest_lease=c(ie_lease + ie_lp), staff=c(staff), fees=c(fees),
        fa_ir_depr=c(leg_dep + gpu_dep), ir_depr=c(ir_dep), ia_amort=c(ia_amort), lpe_amort=c(lpe_amort),
        rou_amort=c(rou_amort), ar_gross=c(ar_gross),
    ))

    notice = notice_dates(rng, i)
    listed = date(int(rng.integers(1996, 2010)), int(rng.integers(1, 13)), int(rng.integers(1, 29)))
    listed = weekday_on_or_before(listed)
    dividends = tuple(
        (ex_dividend_date(FIRST_SIM_YEAR + k // 4, ex_month_day), float(dps_paid[k])) for k in range(Q) if dps_paid[k] > 0
    )
    placement = None
    if new_shares.any():
        k = int(np.argmax(new_shares))
        placement = (weekday_on_or_before(quarter_end(k) - timedelta(days=45)), int(new_shares[k]))
    seg_rng = np.random.default_rng([seed, i, 2])
    segments = segment_plan(seg_rng, i, trade)
    price = {
        "pb": (uni(5.0, 8.0) if arch == "star" else uni(1.2, 2.5) if arch in ("loss", "shell") else uni(1.5, 3.5)),
        "announce": quarter_end(s0 - 2) if s0 is not None else None,
    }
    return Firm(
        index=i, code=f"{CODE_BASE + i}", name=firm_name(i), trade=trade, archetype=arch, listed=listed,
        notice=notice, flows=f, points=p, shares=shares, float_ratio=uni(0.75, 1.0), placement=placement,
        dividends=dividends, segments=segments, price=price,
    )
