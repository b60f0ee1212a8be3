-- int_flows_long: every flow line of every report as one row, so one set of period formulas serves all lines.
-- Grain: (code, period_end, line). value_ytd is cumulative YTD in 元. kind = 'quarterly' for lines every report
-- carries, 'half_yearly' for the cash-flow supplement (depreciation, finance-leased assets) and the compute segment (normally
-- disclosed only in H1 and FY reports).
with ytd as (
    select code, period_end, fiscal_year, fiscal_quarter,
           revenue, operating_cost, gross_profit, taxes_surcharges, selling_expense, admin_expense, rd_expense,
           finance_expense, interest_expense, interest_income, impairment_loss, total_profit, income_tax,
           net_profit, net_profit_parent, net_profit_deducted, ebit, capex, operating_cash_flow, other_financing_paid, finlease_obtained_fa,
           depreciation_amortization, fa_depreciation, rou_depreciation, intangible_amortization,
           prepaid_amortization, credit_impairment, asset_impairment, other_income, investment_income, fair_value_change, asset_disposal_income, non_operating_net, minority_interest
           , c.compute_revenue, c.compute_cost, c.compute_revenue_broad
    from intermediate.int_statements_ytd
    left join intermediate.int_compute_segment c using (code, period_end)
),
long as (
    from ytd unpivot include nulls (value_ytd for line in (
       revenue, operating_cost, gross_profit, taxes_surcharges, selling_expense, admin_expense, rd_expense,
       finance_expense, interest_expense, interest_income, impairment_loss, total_profit, income_tax,
       net_profit, net_profit_parent, net_profit_deducted, ebit, capex, operating_cash_flow, other_financing_paid, finlease_obtained_fa,
       depreciation_amortization, fa_depreciation, rou_depreciation, intangible_amortization,
       prepaid_amortization, credit_impairment, asset_impairment, other_income, investment_income, fair_value_change, asset_disposal_income, non_operating_net, minority_interest,
       compute_revenue, compute_cost, compute_revenue_broad))
),
-- EastMoney leaves a line empty in a report where it is zero: a firm that shows, say, 资产减值损失 in its FY report
-- leaves it empty in Q1–Q3. For the one-off and impairment lines (which many reports omit), a report without the
-- line counts 0 when the firm shows that line in any other report; a line the firm never shows stays NULL, so the
-- bridge names it as missing rather than inventing a zero, and TTM windows that mix both are not lost.
filled as (
    select * replace (
        case when value_ytd is null
                  and line in ('credit_impairment', 'asset_impairment', 'other_income', 'investment_income',
                               'fair_value_change', 'asset_disposal_income', 'non_operating_net', 'minority_interest')
                  and count(value_ytd) over (partition by code, line) > 0
             then 0 else value_ytd end as value_ytd)
    from long
),
final as (
    select *,
           case when line in ('depreciation_amortization', 'fa_depreciation', 'rou_depreciation', 'finlease_obtained_fa',
                              'intangible_amortization', 'prepaid_amortization',
                              'compute_revenue', 'compute_cost', 'compute_revenue_broad')
                then 'half_yearly' else 'quarterly' end as kind
    from filled
)
select * from final
