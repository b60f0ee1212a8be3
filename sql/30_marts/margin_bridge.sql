-- margin_bridge: where each firm's margin goes, per firm, quarter end and basis ('ttm', and 'fy' at 12-31), as
-- fractions of revenue (metrics.md, "Where depreciation and interest sit"). Under Chinese Accounting Standards
-- the GPU servers' depreciation is inside 营业成本: it lowers the GROSS margin, not the gap from gross to net.
-- Three bridges, each closing exactly (data test bridges_close):
--   1. gross side: gross_margin + da_in_cost_at_most = gross_margin_ex_da, an upper bound ("at most": part of D&A
--      sits in 管理费用/销售费用). da_in_cost_at_most = least(da_to_revenue, 1 − gross_margin): D&A inside 营业成本
--      cannot exceed 营业成本, so where D&A is larger (da_exceeds_cost) gross before D&A is 100 % at most. The gross gap to the benchmark splits into gross_gap_da_pp (what D&A accounts for, at
--      most) and gross_gap_rest_pp.
--   2. EBITDA to net: ebitda_margin − da_to_revenue − interest_to_revenue − tax_to_revenue − ebitda_other_to_revenue
--      = net_margin (ebitda = EBIT + D&A, EBIT = 利润总额 + 利息费用; other is the exact residual).
--   3. operating view: gross_margin − selling − admin − R&D − net finance − credit and asset impairment
--      + other income + investment income + fair-value change + asset disposal + non-operating net
--      − taxes and surcharges − income tax − operating_other_to_revenue = net_margin; then − minority interest
--      = net_margin_parent. A line the statement does not show is NULL here and counts as 0 in the sums;
--      missing_steps names those lines.
-- At 03-31/09-30 D&A TTM is carried from the last H1/FY report (da_is_carried); EBITDA is then the current EBIT
-- TTM plus that carried D&A, as in marts.fundamentals. Revenue ≤ 0 leaves every ratio NULL.
-- Inputs: marts.fundamentals, seeds.benchmarks.
with f as (
    select * from marts.fundamentals
),
thresholds as (
    select max(threshold) filter (where metric = 'gross_margin') as gross from seeds.benchmarks
),
bases as (
    select code, name, period_end, fiscal_year, fiscal_quarter, 'ttm' as basis, is_sample,
           revenue_ttm as revenue, gross_profit_ttm as gross_profit, ebit_ttm as ebit,
           depreciation_amortization_ttm as da, depreciation_amortization_ttm_is_carried as da_is_carried,
           da_to_revenue_ttm as da_ratio,
           interest_expense_ttm as interest_expense, income_tax_ttm as income_tax, net_profit_ttm as net_profit,
           net_profit_parent_ttm as net_profit_parent,
           selling_expense_ttm as selling_expense, admin_expense_ttm as admin_expense, rd_expense_ttm as rd_expense,
           finance_expense_ttm as finance_expense, credit_impairment_ttm as credit_impairment,
           asset_impairment_ttm as asset_impairment, other_income_ttm as other_income,
           investment_income_ttm as investment_income, fair_value_change_ttm as fair_value_change,
           asset_disposal_income_ttm as asset_disposal_income, non_operating_net_ttm as non_operating_net,
           taxes_surcharges_ttm as taxes_surcharges, minority_interest_ttm as minority_interest
    from f
    union all
    select code, name, period_end, fiscal_year, fiscal_quarter, 'fy', is_sample,
           revenue_ytd, gross_profit_ytd, ebit_ytd,
           depreciation_amortization_ytd, false, safe_ratio(depreciation_amortization_ytd, revenue_ytd),
           interest_expense_ytd, income_tax_ytd, net_profit_ytd, net_profit_parent_ytd,
           selling_expense_ytd, admin_expense_ytd, rd_expense_ytd, finance_expense_ytd, credit_impairment_ytd,
           asset_impairment_ytd, other_income_ytd, investment_income_ytd, fair_value_change_ytd,
           asset_disposal_income_ytd, non_operating_net_ytd, taxes_surcharges_ytd, minority_interest_ytd
    from f
    where fiscal_quarter = 4 and not report_missing
),
ratios as (
    select
        b.*,
        safe_ratio(gross_profit, revenue) as gross_margin,
        case when revenue > 0 then da_ratio end as da_to_revenue,
        safe_ratio(ebit, revenue) as ebit_margin,
        safe_ratio(interest_expense, revenue) as interest_to_revenue,
        safe_ratio(income_tax, revenue) as tax_to_revenue,
        safe_ratio(net_profit, revenue) as net_margin,
        safe_ratio(net_profit_parent, revenue) as net_margin_parent,
        safe_ratio(selling_expense, revenue) as selling_to_revenue,
        safe_ratio(admin_expense, revenue) as admin_to_revenue,
        safe_ratio(rd_expense, revenue) as rd_to_revenue,
        safe_ratio(finance_expense, revenue) as net_finance_to_revenue,
        safe_ratio(credit_impairment, revenue) as credit_impairment_to_revenue,
        safe_ratio(asset_impairment, revenue) as asset_impairment_to_revenue,
        safe_ratio(other_income, revenue) as other_income_to_revenue,
        safe_ratio(investment_income, revenue) as investment_income_to_revenue,
        safe_ratio(fair_value_change, revenue) as fair_value_change_to_revenue,
        safe_ratio(asset_disposal_income, revenue) as asset_disposal_to_revenue,
        safe_ratio(non_operating_net, revenue) as non_operating_net_to_revenue,
        safe_ratio(taxes_surcharges, revenue) as taxes_and_surcharges_to_revenue,
        safe_ratio(minority_interest, revenue) as minority_interest_to_revenue,
        t.gross as gross_benchmark
    from bases b
    cross join thresholds t
),
bridged as (
    select
        *,
        -- D&A inside 营业成本 cannot exceed 营业成本 itself (1 − gross margin of revenue): the tighter "at most"
        -- (least() skips NULLs: without D&A both stay NULL)
        case when da_to_revenue is not null then least(da_to_revenue, 1 - gross_margin) end as da_in_cost_at_most,
        gross_margin + case when da_to_revenue is not null then least(da_to_revenue, 1 - gross_margin) end
            as gross_margin_ex_da,
        da_to_revenue > 1 - gross_margin as da_exceeds_cost,
        ebit_margin + da_to_revenue as ebitda_margin,
        -- one-off and non-operating gains as a share of revenue (what 扣非 profit leaves out, roughly)
        case when coalesce(other_income_to_revenue, investment_income_to_revenue, fair_value_change_to_revenue,
                           asset_disposal_to_revenue, non_operating_net_to_revenue) is not null
             then coalesce(other_income_to_revenue, 0) + coalesce(investment_income_to_revenue, 0)
                  + coalesce(fair_value_change_to_revenue, 0) + coalesce(asset_disposal_to_revenue, 0)
                  + coalesce(non_operating_net_to_revenue, 0) end as one_offs_to_revenue,
        gross_margin - coalesce(selling_to_revenue, 0) - coalesce(admin_to_revenue, 0) - coalesce(rd_to_revenue, 0)
            - coalesce(net_finance_to_revenue, 0) - coalesce(credit_impairment_to_revenue, 0)
            - coalesce(asset_impairment_to_revenue, 0) + coalesce(other_income_to_revenue, 0)
            + coalesce(investment_income_to_revenue, 0) + coalesce(fair_value_change_to_revenue, 0)
            + coalesce(asset_disposal_to_revenue, 0) + coalesce(non_operating_net_to_revenue, 0)
            - coalesce(taxes_and_surcharges_to_revenue, 0) - coalesce(tax_to_revenue, 0) - net_margin
            as operating_other_to_revenue,
        concat_ws(', ',
            case when selling_expense is null then 'selling' end,
            case when admin_expense is null then 'admin' end,
            case when rd_expense is null then 'rd' end,
            case when finance_expense is null then 'net_finance' end,
            case when credit_impairment is null then 'credit_impairment' end,
            case when asset_impairment is null then 'asset_impairment' end,
            case when other_income is null then 'other_income' end,
            case when investment_income is null then 'investment_income' end,
            case when fair_value_change is null then 'fair_value_change' end,
            case when asset_disposal_income is null then 'asset_disposal_income' end,
            case when non_operating_net is null then 'non_operating_net' end,
            case when taxes_surcharges is null then 'taxes_and_surcharges' end,
            case when income_tax is null then 'income_tax' end,
            case when interest_expense is null then 'interest' end,
            case when da is null then 'depreciation_amortization' end,
            case when minority_interest is null then 'minority_interest' end
        ) as missing_steps
    from ratios
),
final as (
    select
        code, name, period_end, fiscal_year, fiscal_quarter, basis, revenue,
        gross_margin, da_to_revenue, da_in_cost_at_most, gross_margin_ex_da, da_exceeds_cost, da_is_carried,
        gross_benchmark,
        benchmark_gap_pp(gross_margin, gross_benchmark) as gross_gap_pp,
        case when gross_margin < gross_benchmark and da_in_cost_at_most is not null
             then least(da_in_cost_at_most, gross_benchmark - gross_margin) * 100 end as gross_gap_da_pp,
        case when gross_margin < gross_benchmark and da_in_cost_at_most is not null
             then benchmark_gap_pp(gross_margin, gross_benchmark)
                  + least(da_in_cost_at_most, gross_benchmark - gross_margin) * 100
        end as gross_gap_rest_pp,
        ebitda_margin, interest_to_revenue, tax_to_revenue,
        ebitda_margin - da_to_revenue - coalesce(interest_to_revenue, 0) - coalesce(tax_to_revenue, 0) - net_margin
            as ebitda_other_to_revenue,
        net_margin,
        selling_to_revenue, admin_to_revenue, rd_to_revenue, net_finance_to_revenue,
        credit_impairment_to_revenue, asset_impairment_to_revenue,
        other_income_to_revenue, investment_income_to_revenue, fair_value_change_to_revenue,
        asset_disposal_to_revenue, non_operating_net_to_revenue, taxes_and_surcharges_to_revenue,
        operating_other_to_revenue, one_offs_to_revenue,
        minority_interest_to_revenue, net_margin_parent,
        nullif(missing_steps, '') as missing_steps,
        is_sample
    from bridged
)
select * from final
