-- int_statements_ytd: the three statements of one report side by side, with the derived lines of metrics.md.
-- Grain: (code, period_end) for every report with an income statement. Flows cumulative YTD; balances
-- point-in-time; all amounts 元. Inputs: staging.stg_income, stg_cashflow, stg_balance.
with income as (
    select * from staging.stg_income
),
cashflow as (
    select * from staging.stg_cashflow
),
balance as (
    select * from staging.stg_balance
),
joined as (
    select
        i.code,
        i.name,
        i.period_end,
        year(i.period_end) as fiscal_year,
        month(i.period_end) // 3 as fiscal_quarter,
        i.report_type,
        i.notice_date,
        i.update_date,
        i.version_count > 1 or coalesce(c.version_count, 1) > 1 or coalesce(b.version_count, 1) > 1 as is_restated,
        -- metrics.md: 营业收入, falling back to 营业总收入 only where 营业收入 is absent (and flagged).
        coalesce(i.revenue_reported, i.total_revenue) as revenue,
        i.revenue_reported is null and i.total_revenue is not null as revenue_is_fallback,
        i.operating_cost,
        i.taxes_surcharges,
        i.selling_expense,
        i.admin_expense,
        i.rd_expense,
        i.finance_expense,
        i.interest_expense,
        i.interest_income,
        -- Impairments: EastMoney's *_INCOME template is signed as income (negative = loss), the older *_LOSS one
        -- as a loss (positive = loss); the model shows losses as positive, from whichever template the report uses.
        coalesce(-i.credit_impairment_income, i.credit_impairment_loss) as credit_impairment,
        coalesce(-i.asset_impairment_income, i.asset_impairment_loss) as asset_impairment,
        coalesce(-i.credit_impairment_income, i.credit_impairment_loss, 0)
            + coalesce(-i.asset_impairment_income, i.asset_impairment_loss, 0) as impairment_loss,
        i.other_income,
        i.investment_income,
        i.fair_value_change_income as fair_value_change,
        i.asset_disposal_income,
        case when coalesce(i.non_operating_income, i.non_operating_expense) is not null
             then coalesce(i.non_operating_income, 0) - coalesce(i.non_operating_expense, 0) end as non_operating_net,
        i.minority_interest,
        i.revenue_yoy_reported / 100 as revenue_yoy_reported,  -- EastMoney gives percent
        i.net_profit_parent_yoy_reported / 100 as net_profit_parent_yoy_reported,
        i.total_profit,
        i.income_tax,
        i.net_profit,
        i.net_profit_parent,
        i.net_profit_deducted,
        c.capex,
        c.operating_cash_flow,
        c.other_financing_paid,
        c.finlease_obtained_fa,
        c.fa_depreciation,
        c.rou_depreciation,
        c.intangible_amortization,
        c.prepaid_amortization,
        c.oilgas_biology_depreciation,
        b.fixed_assets,
        b.construction_in_progress,
        b.right_of_use_assets,
        b.total_assets,
        b.total_liabilities,
        b.total_equity,
        b.total_parent_equity,
        b.cash,
        b.goodwill,
        b.short_loan,
        b.noncurrent_liab_1year,
        b.long_loan,
        b.bond_payable,
        b.lease_liab,
        b.long_payable,
        b.accounts_receivable,
        b.contract_assets,
        b.total_current_assets,
        b.total_current_liabilities,
        i.is_sample
    from income i
    left join cashflow c using (code, period_end)
    left join balance b using (code, period_end)
),
final as (
    select
        *,
        revenue - operating_cost as gross_profit,
        total_profit + interest_expense as ebit,
        -- D&A = FA_IR_DEPR + USERIGHT_ASSET_AMORTIZE + IA_AMORTIZE + LPE_AMORTIZE; OILGAS_BIOLOGY_DEPR is never added
        -- because EastMoney often repeats FA_IR_DEPR's amount there.
        sum_present(fa_depreciation, rou_depreciation, intangible_amortization, prepaid_amortization)
            as depreciation_amortization,
        (fa_depreciation is not null)::int + (rou_depreciation is not null)::int
            + (intangible_amortization is not null)::int + (prepaid_amortization is not null)::int
            as depreciation_amortization_parts,
        case when coalesce(short_loan, noncurrent_liab_1year, long_loan, bond_payable, lease_liab, long_payable) is not null
             then coalesce(short_loan, 0) + coalesce(noncurrent_liab_1year, 0) + coalesce(long_loan, 0)
                  + coalesce(bond_payable, 0) + coalesce(lease_liab, 0) + coalesce(long_payable, 0)
        end as interest_bearing_debt,
        (short_loan is not null)::int + (noncurrent_liab_1year is not null)::int + (long_loan is not null)::int
            + (bond_payable is not null)::int + (lease_liab is not null)::int + (long_payable is not null)::int
            as interest_bearing_debt_parts
    from joined
)
select * from final
