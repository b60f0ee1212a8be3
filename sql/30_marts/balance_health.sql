-- balance_health: can the debt be carried? Per firm and reported quarter end: balances at the period end, TTM flows
-- beside them. Grain: (code, period_end), one row per report with a balance sheet. Amounts in 元, ratios as
-- fractions or multiples (×), days as days (metrics.md, "Cash, debt and valuation").
--   interest_bearing_debt = SHORT_LOAN + NONCURRENT_LIAB_1YEAR + LONG_LOAN + BOND_PAYABLE + LEASE_LIAB + LONG_PAYABLE
--     (parts shown; an empty part counts 0, as EastMoney leaves zero lines empty; interest_bearing_debt_parts says
--     how many were present; 0 for a balance sheet without any debt line, NULL without a balance sheet).
--   net_debt = interest_bearing_debt − cash (货币资金); net_debt_to_ebitda = net_debt / EBITDA TTM, NULL when EBITDA
--     TTM ≤ 0 (ebitda_not_positive says so: no multiple describes that).
--   short_term_debt = SHORT_LOAN + NONCURRENT_LIAB_1YEAR (0 when the balance sheet shows neither);
--     cash_to_short_debt = cash / short_term_debt (NULL when there is none); current_ratio = TOTAL_CURRENT_ASSETS / TOTAL_CURRENT_LIAB.
--   interest_coverage = EBIT TTM / interest expense TTM (利息费用), NULL when there is no interest expense.
--   days_sales_outstanding = the average of receivables (ACCOUNTS_RECE + CONTRACT_ASSET) at this period end and a
--     year earlier / revenue TTM × 365. Without the balance a year earlier (a new listing), the closing balance
--     alone is used and dso_is_closing_only says so. NULL when revenue TTM ≤ 0.
--   gpu_fleet = fixed assets + construction in progress + right-of-use assets (where GPU servers sit, owned,
--     being installed, leased); fleet_growth_yoy against the same quarter end a year earlier; asset impairment TTM
--     (资产减值损失, a loss positive) against the fleet.
-- Inputs: marts.fundamentals.
with f as (
    select * from marts.fundamentals where not report_missing
),
balances as (
    select
        code, name, period_end, fiscal_year, fiscal_quarter, notice_date, is_sample,
        cash, short_loan, noncurrent_liab_1year, long_loan, bond_payable, lease_liab, long_payable,
        -- EastMoney leaves a zero line empty: a balance sheet (it has 负债合计) without any debt line has no debt
        case when total_liabilities is not null then coalesce(interest_bearing_debt, 0) end as interest_bearing_debt,
        interest_bearing_debt_parts,
        case when total_liabilities is not null
             then coalesce(short_loan, 0) + coalesce(noncurrent_liab_1year, 0) end as short_term_debt,
        case when total_liabilities is not null then coalesce(interest_bearing_debt, 0) end - cash as net_debt,
        total_current_assets, total_current_liabilities,
        case when coalesce(accounts_receivable, contract_assets) is not null
             then coalesce(accounts_receivable, 0) + coalesce(contract_assets, 0) end as receivables,
        case when coalesce(fixed_assets, construction_in_progress, right_of_use_assets) is not null
             then coalesce(fixed_assets, 0) + coalesce(construction_in_progress, 0) + coalesce(right_of_use_assets, 0)
        end as gpu_fleet,
        fixed_assets, construction_in_progress, right_of_use_assets,
        revenue_ttm, revenue_yoy_ttm, ebit_ttm, ebitda_ttm,
        depreciation_amortization_ttm_is_carried as ebitda_is_carried,
        interest_expense_ttm, asset_impairment_ttm
    from f
),
with_prior as (
    select b.*, p.receivables as receivables_prior_year, p.gpu_fleet as gpu_fleet_prior_year
    from balances b
    left join balances p on p.code = b.code and p.fiscal_year = b.fiscal_year - 1 and p.fiscal_quarter = b.fiscal_quarter
),
final as (
    select
        code, name, period_end, fiscal_year, fiscal_quarter, notice_date,
        cash, short_loan, noncurrent_liab_1year, long_loan, bond_payable, lease_liab, long_payable,
        interest_bearing_debt, interest_bearing_debt_parts, short_term_debt, net_debt,
        ebitda_ttm, ebitda_is_carried,
        coalesce(ebitda_ttm <= 0, false) as ebitda_not_positive,
        safe_ratio(net_debt, ebitda_ttm) as net_debt_to_ebitda,
        safe_ratio(cash, short_term_debt) as cash_to_short_debt,
        total_current_assets, total_current_liabilities,
        safe_ratio(total_current_assets, total_current_liabilities) as current_ratio,
        ebit_ttm, interest_expense_ttm,
        safe_ratio(ebit_ttm, interest_expense_ttm) as interest_coverage,
        receivables, receivables_prior_year,
        case when revenue_ttm > 0 and receivables is not null
             then (case when receivables_prior_year is not null then (receivables + receivables_prior_year) / 2
                        else receivables end) / revenue_ttm * 365 end as days_sales_outstanding,
        receivables is not null and receivables_prior_year is null as dso_is_closing_only,
        fixed_assets, construction_in_progress, right_of_use_assets, gpu_fleet, gpu_fleet_prior_year,
        yoy(gpu_fleet, gpu_fleet_prior_year) as fleet_growth_yoy,
        revenue_ttm, revenue_yoy_ttm,
        asset_impairment_ttm,
        safe_ratio(asset_impairment_ttm, gpu_fleet) as asset_impairment_to_fleet,
        is_sample
    from with_prior
)
select * from final
