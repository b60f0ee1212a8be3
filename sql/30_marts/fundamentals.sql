-- fundamentals: one row per (code, period_end) for every quarter from a firm's first to its last report.
-- Flows as `<line>_q` (single quarter), `<line>_ytd` (cumulative, = FY at 12-31) and `<line>_ttm`; balances
-- point-in-time; ratios as fractions; amounts in 元. A quarter without a report is a row with report_missing.
-- Inputs: intermediate.int_period_spine, int_statements_ytd, int_flows_periodized.
with spine as (
    select * from intermediate.int_period_spine
),
reports as (
    select * from intermediate.int_statements_ytd
),
flows as (
    -- the flow lines side by side: one aggregate per column the model uses (a PIVOT of every line would build
    -- a list per line and measure, most of them unused)
    select
        code, period_end,
        bool_or(prior_report_missing) filter (where line = 'revenue') as revenue_gap,
        first(value_q) filter (where line = 'revenue') as revenue_q,
        first(value_ytd) filter (where line = 'revenue') as revenue_ytd,
        first(value_ttm) filter (where line = 'revenue') as revenue_ttm,
        first(value_q) filter (where line = 'operating_cost') as operating_cost_q,
        first(value_ytd) filter (where line = 'operating_cost') as operating_cost_ytd,
        first(value_ttm) filter (where line = 'operating_cost') as operating_cost_ttm,
        first(value_q) filter (where line = 'gross_profit') as gross_profit_q,
        first(value_ytd) filter (where line = 'gross_profit') as gross_profit_ytd,
        first(value_ttm) filter (where line = 'gross_profit') as gross_profit_ttm,
        first(value_q) filter (where line = 'taxes_surcharges') as taxes_surcharges_q,
        first(value_ytd) filter (where line = 'taxes_surcharges') as taxes_surcharges_ytd,
        first(value_ttm) filter (where line = 'taxes_surcharges') as taxes_surcharges_ttm,
        first(value_q) filter (where line = 'selling_expense') as selling_expense_q,
        first(value_ytd) filter (where line = 'selling_expense') as selling_expense_ytd,
        first(value_ttm) filter (where line = 'selling_expense') as selling_expense_ttm,
        first(value_q) filter (where line = 'admin_expense') as admin_expense_q,
        first(value_ytd) filter (where line = 'admin_expense') as admin_expense_ytd,
        first(value_ttm) filter (where line = 'admin_expense') as admin_expense_ttm,
        first(value_q) filter (where line = 'rd_expense') as rd_expense_q,
        first(value_ytd) filter (where line = 'rd_expense') as rd_expense_ytd,
        first(value_ttm) filter (where line = 'rd_expense') as rd_expense_ttm,
        first(value_q) filter (where line = 'finance_expense') as finance_expense_q,
        first(value_ytd) filter (where line = 'finance_expense') as finance_expense_ytd,
        first(value_ttm) filter (where line = 'finance_expense') as finance_expense_ttm,
        first(value_q) filter (where line = 'interest_expense') as interest_expense_q,
        first(value_ytd) filter (where line = 'interest_expense') as interest_expense_ytd,
        first(value_ttm) filter (where line = 'interest_expense') as interest_expense_ttm,
        first(value_q) filter (where line = 'interest_income') as interest_income_q,
        first(value_ytd) filter (where line = 'interest_income') as interest_income_ytd,
        first(value_ttm) filter (where line = 'interest_income') as interest_income_ttm,
        first(value_q) filter (where line = 'impairment_loss') as impairment_loss_q,
        first(value_ytd) filter (where line = 'impairment_loss') as impairment_loss_ytd,
        first(value_ttm) filter (where line = 'impairment_loss') as impairment_loss_ttm,
        first(value_q) filter (where line = 'credit_impairment') as credit_impairment_q,
        first(value_ytd) filter (where line = 'credit_impairment') as credit_impairment_ytd,
        first(value_ttm) filter (where line = 'credit_impairment') as credit_impairment_ttm,
        first(value_q) filter (where line = 'asset_impairment') as asset_impairment_q,
        first(value_ytd) filter (where line = 'asset_impairment') as asset_impairment_ytd,
        first(value_ttm) filter (where line = 'asset_impairment') as asset_impairment_ttm,
        first(value_q) filter (where line = 'other_income') as other_income_q,
        first(value_ytd) filter (where line = 'other_income') as other_income_ytd,
        first(value_ttm) filter (where line = 'other_income') as other_income_ttm,
        first(value_q) filter (where line = 'investment_income') as investment_income_q,
        first(value_ytd) filter (where line = 'investment_income') as investment_income_ytd,
        first(value_ttm) filter (where line = 'investment_income') as investment_income_ttm,
        first(value_q) filter (where line = 'fair_value_change') as fair_value_change_q,
        first(value_ytd) filter (where line = 'fair_value_change') as fair_value_change_ytd,
        first(value_ttm) filter (where line = 'fair_value_change') as fair_value_change_ttm,
        first(value_q) filter (where line = 'asset_disposal_income') as asset_disposal_income_q,
        first(value_ytd) filter (where line = 'asset_disposal_income') as asset_disposal_income_ytd,
        first(value_ttm) filter (where line = 'asset_disposal_income') as asset_disposal_income_ttm,
        first(value_q) filter (where line = 'non_operating_net') as non_operating_net_q,
        first(value_ytd) filter (where line = 'non_operating_net') as non_operating_net_ytd,
        first(value_ttm) filter (where line = 'non_operating_net') as non_operating_net_ttm,
        first(value_q) filter (where line = 'minority_interest') as minority_interest_q,
        first(value_ytd) filter (where line = 'minority_interest') as minority_interest_ytd,
        first(value_ttm) filter (where line = 'minority_interest') as minority_interest_ttm,
        first(value_q) filter (where line = 'total_profit') as total_profit_q,
        first(value_ytd) filter (where line = 'total_profit') as total_profit_ytd,
        first(value_ttm) filter (where line = 'total_profit') as total_profit_ttm,
        first(value_q) filter (where line = 'income_tax') as income_tax_q,
        first(value_ytd) filter (where line = 'income_tax') as income_tax_ytd,
        first(value_ttm) filter (where line = 'income_tax') as income_tax_ttm,
        first(value_q) filter (where line = 'net_profit') as net_profit_q,
        first(value_ytd) filter (where line = 'net_profit') as net_profit_ytd,
        first(value_ttm) filter (where line = 'net_profit') as net_profit_ttm,
        first(value_q) filter (where line = 'net_profit_parent') as net_profit_parent_q,
        first(value_ytd) filter (where line = 'net_profit_parent') as net_profit_parent_ytd,
        first(value_ttm) filter (where line = 'net_profit_parent') as net_profit_parent_ttm,
        first(value_q) filter (where line = 'net_profit_deducted') as net_profit_deducted_q,
        first(value_ytd) filter (where line = 'net_profit_deducted') as net_profit_deducted_ytd,
        first(value_ttm) filter (where line = 'net_profit_deducted') as net_profit_deducted_ttm,
        first(value_q) filter (where line = 'ebit') as ebit_q,
        first(value_ytd) filter (where line = 'ebit') as ebit_ytd,
        first(value_ttm) filter (where line = 'ebit') as ebit_ttm,
        first(value_q) filter (where line = 'capex') as capex_q,
        first(value_ytd) filter (where line = 'capex') as capex_ytd,
        first(value_ttm) filter (where line = 'capex') as capex_ttm,
        first(value_q) filter (where line = 'operating_cash_flow') as operating_cash_flow_q,
        first(value_ytd) filter (where line = 'operating_cash_flow') as operating_cash_flow_ytd,
        first(value_ttm) filter (where line = 'operating_cash_flow') as operating_cash_flow_ttm,
        first(value_q) filter (where line = 'other_financing_paid') as other_financing_paid_q,
        first(value_ytd) filter (where line = 'other_financing_paid') as other_financing_paid_ytd,
        first(value_ttm) filter (where line = 'other_financing_paid') as other_financing_paid_ttm,
        first(value_ytd) filter (where line = 'finlease_obtained_fa') as finlease_obtained_fa_ytd,
        first(value_ttm) filter (where line = 'finlease_obtained_fa') as finlease_obtained_fa_ttm,
        bool_or(ttm_is_carried) filter (where line = 'finlease_obtained_fa') as finlease_obtained_fa_carried,
        first(value_q) filter (where line = 'depreciation_amortization') as depreciation_amortization_q,
        first(value_h) filter (where line = 'depreciation_amortization') as depreciation_amortization_h,
        first(value_ytd) filter (where line = 'depreciation_amortization') as depreciation_amortization_ytd,
        first(value_ttm) filter (where line = 'depreciation_amortization') as depreciation_amortization_ttm,
        bool_or(ttm_is_carried) filter (where line = 'depreciation_amortization') as depreciation_amortization_carried,
        first(value_ytd) filter (where line = 'fa_depreciation') as fa_depreciation_ytd,
        first(value_ytd) filter (where line = 'rou_depreciation') as rou_depreciation_ytd,
        first(value_ytd) filter (where line = 'intangible_amortization') as intangible_amortization_ytd,
        first(value_ytd) filter (where line = 'prepaid_amortization') as prepaid_amortization_ytd,
        first(value_h) filter (where line = 'compute_revenue') as compute_revenue_h,
        first(value_ytd) filter (where line = 'compute_revenue') as compute_revenue_ytd,
        first(value_ttm) filter (where line = 'compute_revenue') as compute_revenue_ttm,
        first(value_ytd) filter (where line = 'compute_cost') as compute_cost_ytd,
        first(value_ttm) filter (where line = 'compute_cost') as compute_cost_ttm,
        first(value_ytd) filter (where line = 'compute_revenue_broad') as compute_revenue_broad_ytd,
        first(value_ttm) filter (where line = 'compute_revenue_broad') as compute_revenue_broad_ttm,
        bool_or(ttm_is_carried) filter (where line = 'compute_revenue') as compute_revenue_carried
    from intermediate.int_flows_periodized
    group by code, period_end
),
names as (
    select code, arg_max(name, period_end) as name, bool_or(is_sample) as is_sample from reports group by code
),
joined as (
    select
        s.code, n.name, s.period_end, s.fiscal_year, s.fiscal_quarter,
        r.report_type, r.notice_date, r.update_date,
        s.report_missing,
        not s.report_missing and s.fiscal_quarter > 1 as quarter_is_derived,
        coalesce(f.revenue_gap, false) as prior_report_missing,
        coalesce(r.is_restated, false) as is_restated,
        coalesce(r.revenue_is_fallback, false) as revenue_is_fallback,
        f.revenue_q, f.revenue_ytd, f.revenue_ttm,
        f.operating_cost_q, f.operating_cost_ytd, f.operating_cost_ttm,
        f.gross_profit_q, f.gross_profit_ytd, f.gross_profit_ttm,
        f.taxes_surcharges_q, f.taxes_surcharges_ytd, f.taxes_surcharges_ttm,
        f.selling_expense_q, f.selling_expense_ytd, f.selling_expense_ttm,
        f.admin_expense_q, f.admin_expense_ytd, f.admin_expense_ttm,
        f.rd_expense_q, f.rd_expense_ytd, f.rd_expense_ttm,
        f.finance_expense_q, f.finance_expense_ytd, f.finance_expense_ttm,
        f.interest_expense_q, f.interest_expense_ytd, f.interest_expense_ttm,
        f.interest_income_q, f.interest_income_ytd, f.interest_income_ttm,
        f.impairment_loss_q, f.impairment_loss_ytd, f.impairment_loss_ttm,
        f.credit_impairment_q, f.credit_impairment_ytd, f.credit_impairment_ttm,
        f.asset_impairment_q, f.asset_impairment_ytd, f.asset_impairment_ttm,
        f.other_income_q, f.other_income_ytd, f.other_income_ttm,
        f.investment_income_q, f.investment_income_ytd, f.investment_income_ttm,
        f.fair_value_change_q, f.fair_value_change_ytd, f.fair_value_change_ttm,
        f.asset_disposal_income_q, f.asset_disposal_income_ytd, f.asset_disposal_income_ttm,
        f.non_operating_net_q, f.non_operating_net_ytd, f.non_operating_net_ttm,
        f.minority_interest_q, f.minority_interest_ytd, f.minority_interest_ttm,
        f.total_profit_q, f.total_profit_ytd, f.total_profit_ttm,
        f.income_tax_q, f.income_tax_ytd, f.income_tax_ttm,
        f.net_profit_q, f.net_profit_ytd, f.net_profit_ttm,
        f.net_profit_parent_q, f.net_profit_parent_ytd, f.net_profit_parent_ttm,
        f.net_profit_deducted_q, f.net_profit_deducted_ytd, f.net_profit_deducted_ttm,
        f.ebit_q, f.ebit_ytd, f.ebit_ttm,
        f.capex_q, f.capex_ytd, f.capex_ttm,
        f.operating_cash_flow_q, f.operating_cash_flow_ytd, f.operating_cash_flow_ttm,
        f.other_financing_paid_q, f.other_financing_paid_ytd, f.other_financing_paid_ttm,
        f.finlease_obtained_fa_ytd, f.finlease_obtained_fa_ttm,
        coalesce(f.finlease_obtained_fa_carried, false) as finlease_obtained_fa_ttm_is_carried,
        f.depreciation_amortization_q, f.depreciation_amortization_h,
        f.depreciation_amortization_ytd, f.depreciation_amortization_ttm,
        coalesce(f.depreciation_amortization_carried, false) as depreciation_amortization_ttm_is_carried,
        r.depreciation_amortization_parts,
        f.fa_depreciation_ytd, f.rou_depreciation_ytd, f.intangible_amortization_ytd, f.prepaid_amortization_ytd,
        f.compute_revenue_h, f.compute_revenue_ytd, f.compute_revenue_ttm,
        f.compute_cost_ytd, f.compute_cost_ttm,
        f.compute_revenue_broad_ytd, f.compute_revenue_broad_ttm,
        coalesce(f.compute_revenue_carried, false) as compute_ttm_is_carried,
        r.fixed_assets, r.construction_in_progress, r.right_of_use_assets, r.total_assets, r.total_liabilities,
        r.total_equity, r.total_parent_equity, r.cash, r.goodwill,
        r.short_loan, r.noncurrent_liab_1year, r.long_loan, r.bond_payable, r.lease_liab, r.long_payable,
        r.interest_bearing_debt, r.interest_bearing_debt_parts,
        r.accounts_receivable, r.contract_assets, r.total_current_assets, r.total_current_liabilities,
        r.revenue_yoy_reported, r.net_profit_parent_yoy_reported,
        n.is_sample
    from spine s
    join names n using (code)
    left join reports r using (code, period_end)
    left join flows f using (code, period_end)
),
with_ebitda as (
    select
        *,
        ebit_q + depreciation_amortization_q as ebitda_q,
        ebit_ytd + depreciation_amortization_ytd as ebitda_ytd,
        -- with a carried D&A TTM, EBITDA TTM mixes windows and is flagged as carried too
        ebit_ttm + depreciation_amortization_ttm as ebitda_ttm
    from joined
),
ratios as (
    select
        *,
        safe_ratio(gross_profit_q, revenue_q) as gross_margin_q,
        safe_ratio(gross_profit_ytd, revenue_ytd) as gross_margin_ytd,
        safe_ratio(gross_profit_ttm, revenue_ttm) as gross_margin_ttm,
        safe_ratio(net_profit_q, revenue_q) as net_margin_q,
        safe_ratio(net_profit_ytd, revenue_ytd) as net_margin_ytd,
        safe_ratio(net_profit_ttm, revenue_ttm) as net_margin_ttm,
        safe_ratio(net_profit_parent_q, revenue_q) as net_margin_parent_q,
        safe_ratio(net_profit_parent_ytd, revenue_ytd) as net_margin_parent_ytd,
        safe_ratio(net_profit_parent_ttm, revenue_ttm) as net_margin_parent_ttm,
        safe_ratio(ebitda_q, revenue_q) as ebitda_margin_q,
        safe_ratio(ebitda_ytd, revenue_ytd) as ebitda_margin_ytd,
        safe_ratio(depreciation_amortization_q, revenue_q) as da_to_revenue_q,
        safe_ratio(depreciation_amortization_ytd, revenue_ytd) as da_to_revenue_ytd,
        safe_ratio(interest_expense_q, revenue_q) as interest_to_revenue_q,
        safe_ratio(interest_expense_ytd, revenue_ytd) as interest_to_revenue_ytd,
        safe_ratio(interest_expense_ttm, revenue_ttm) as interest_to_revenue_ttm,
        safe_ratio(capex_q, revenue_q) as capex_to_revenue_q,
        safe_ratio(capex_ytd, revenue_ytd) as capex_to_revenue_ytd,
        safe_ratio(capex_ttm, revenue_ttm) as capex_to_revenue_ttm,
        safe_ratio(ebit_q, interest_expense_q) as interest_coverage_q,
        safe_ratio(ebit_ytd, interest_expense_ytd) as interest_coverage_ytd,
        safe_ratio(ebit_ttm, interest_expense_ttm) as interest_coverage_ttm,
        safe_ratio(interest_bearing_debt, ebitda_ttm) as debt_to_ebitda,
        -- Ratios of a half-yearly TTM are formed where the TTM was computed (06-30, 12-31) and carried from
        -- there, so numerator and denominator always cover the same twelve months.
        safe_ratio(ebitda_ttm, revenue_ttm) as ebitda_margin_ttm_here,
        safe_ratio(depreciation_amortization_ttm, revenue_ttm) as da_to_revenue_ttm_here,
        -- a negative compute TTM (segment reports of the window disagree) has no share (data_quality says so)
        case when compute_revenue_ttm >= 0 then safe_ratio(compute_revenue_ttm, revenue_ttm) end
            as compute_share_ttm_here,
        safe_ratio(gross_profit_ttm - (compute_revenue_ttm - compute_cost_ttm), revenue_ttm - compute_revenue_ttm)
            as non_compute_gross_margin_ttm_here
    from with_ebitda
),
carried as (
    select
        * exclude (ebitda_margin_ttm_here, da_to_revenue_ttm_here, compute_share_ttm_here,
                   non_compute_gross_margin_ttm_here),
        case when depreciation_amortization_ttm_is_carried
             then lag(ebitda_margin_ttm_here) over w else ebitda_margin_ttm_here end as ebitda_margin_ttm,
        case when depreciation_amortization_ttm_is_carried
             then lag(da_to_revenue_ttm_here) over w else da_to_revenue_ttm_here end as da_to_revenue_ttm,
        case when compute_ttm_is_carried
             then lag(compute_share_ttm_here) over w else compute_share_ttm_here end as compute_share_ttm,
        safe_ratio(compute_revenue_ttm - compute_cost_ttm, compute_revenue_ttm) as compute_gross_margin_ttm,
        -- the firm's gross profit and revenue TTM of the same H1/FY window as the carried compute values
        case when compute_ttm_is_carried
             then lag(non_compute_gross_margin_ttm_here) over w else non_compute_gross_margin_ttm_here end
            as non_compute_gross_margin_ttm
    from ratios
    window w as (partition by code order by period_end)
),
prior_year as (
    select c.*,
           p.revenue_ttm as revenue_ttm_prior_year, p.net_profit_ttm as net_profit_ttm_prior_year,
           p.revenue_ytd as revenue_ytd_prior_year, p.net_profit_ytd as net_profit_ytd_prior_year
    from carried c
    left join carried p
        on p.code = c.code and p.fiscal_year = c.fiscal_year - 1 and p.fiscal_quarter = c.fiscal_quarter
),
final as (
    select
        * exclude (revenue_ytd_prior_year, net_profit_ytd_prior_year),
        yoy(revenue_ttm, revenue_ttm_prior_year) as revenue_yoy_ttm,
        yoy(revenue_ytd, revenue_ytd_prior_year) as revenue_yoy_ytd,
        yoy(net_profit_ttm, net_profit_ttm_prior_year) as net_profit_yoy_ttm,
        yoy(net_profit_ytd, net_profit_ytd_prior_year) as net_profit_yoy_ytd,
        sign_change(net_profit_ttm, net_profit_ttm_prior_year) as net_profit_change_ttm
    from prior_year
)
select * from final
