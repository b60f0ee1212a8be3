-- benchmark: each firm and quarter against the compute-leasing benchmark, on TTM values.
-- Grain: (code, period_end). Margins and burdens are fractions; gaps are percentage points (pp).
-- Thresholds come from seeds.benchmarks (defaults 40 % gross, 20 % net, 东吴证券), never from literals here.
-- Inputs: marts.fundamentals, marts.universe, seeds.benchmarks.
with f as (
    select * from marts.fundamentals
),
thresholds as (
    select
        max(threshold) filter (where metric = 'gross_margin') as gross_benchmark,
        max(threshold) filter (where metric = 'net_margin') as net_benchmark
    from seeds.benchmarks
),
scored as (
    select
        f.code, f.name, f.period_end, f.fiscal_year, f.fiscal_quarter, f.report_missing,
        f.revenue_ttm, f.gross_profit_ttm, f.net_profit_ttm, f.net_profit_parent_ttm,
        f.gross_margin_ttm, f.net_margin_ttm,
        t.gross_benchmark, t.net_benchmark,
        -- fractions → percentage points (sql/macros.sql)
        benchmark_gap_pp(f.gross_margin_ttm, t.gross_benchmark) as gross_gap_pp,
        benchmark_gap_pp(f.net_margin_ttm, t.net_benchmark) as net_gap_pp,
        benchmark_status(f.gross_margin_ttm, f.net_margin_ttm, f.net_profit_ttm, t.gross_benchmark, t.net_benchmark)
            as status,
        f.revenue_yoy_ttm, f.net_profit_yoy_ttm, f.net_profit_change_ttm,
        -- 增收不增利: revenue TTM up while net profit TTM did not rise (includes turning to or deepening a loss)
        coalesce(f.revenue_yoy_ttm > 0 and f.net_profit_ttm <= f.net_profit_ttm_prior_year, false)
            as revenue_up_profit_down,
        f.da_to_revenue_ttm, f.depreciation_amortization_ttm_is_carried as da_is_carried,
        f.interest_to_revenue_ttm,
        safe_ratio(f.selling_expense_ttm, f.revenue_ttm) as selling_to_revenue_ttm,
        safe_ratio(f.admin_expense_ttm, f.revenue_ttm) as admin_to_revenue_ttm,
        safe_ratio(f.rd_expense_ttm, f.revenue_ttm) as rd_to_revenue_ttm,
        safe_ratio(f.finance_expense_ttm, f.revenue_ttm) as finance_to_revenue_ttm,
        safe_ratio(f.impairment_loss_ttm, f.revenue_ttm) as impairment_to_revenue_ttm,
        safe_ratio(f.income_tax_ttm, f.revenue_ttm) as tax_to_revenue_ttm,
        f.compute_share_ttm, f.compute_gross_margin_ttm, f.compute_ttm_is_carried,
        -- the benchmark describes the compute-leasing business: scored on the compute segment too (gross only:
        -- segments carry no net profit)
        f.compute_revenue_ttm,
        benchmark_gap_pp(f.compute_gross_margin_ttm, t.gross_benchmark) as compute_gross_gap_pp,
        compute_gross_status(f.compute_revenue_ttm, f.compute_gross_margin_ttm, t.gross_benchmark)
            as compute_gross_status,
        -- recurring profit: 扣非归母净利润 over revenue, against the net benchmark
        f.net_profit_deducted_ttm,
        safe_ratio(f.net_profit_deducted_ttm, f.revenue_ttm) as net_margin_deducted_ttm,
        benchmark_gap_pp(safe_ratio(f.net_profit_deducted_ttm, f.revenue_ttm), t.net_benchmark) as net_deducted_gap_pp,
        threshold_status(safe_ratio(f.net_profit_deducted_ttm, f.revenue_ttm), f.net_profit_deducted_ttm, t.net_benchmark)
            as net_deducted_status,
        -- meets 20 % net as reported but not on recurring profit (sql/macros.sql)
        meets_only_with_one_offs(f.net_margin_ttm, f.net_margin_parent_ttm,
                                 safe_ratio(f.net_profit_deducted_ttm, f.revenue_ttm), t.net_benchmark)
            as net_meets_only_with_one_offs,
        f.is_sample
    from f
    cross join thresholds t
),
final as (
    select
        s.*,
        -- The bridge closes exactly: net = gross − selling − admin − R&D − finance − impairment − tax − other,
        -- where `other` (taxes and surcharges, other income, investment and non-operating items) is the residual.
        s.gross_margin_ttm - coalesce(s.selling_to_revenue_ttm, 0) - coalesce(s.admin_to_revenue_ttm, 0)
            - coalesce(s.rd_to_revenue_ttm, 0) - coalesce(s.finance_to_revenue_ttm, 0)
            - coalesce(s.impairment_to_revenue_ttm, 0) - coalesce(s.tax_to_revenue_ttm, 0)
            - s.net_margin_ttm as other_to_revenue_ttm,
        coalesce(u.is_current, false) as is_current_member
    from scored s
    left join marts.universe u using (code)
)
select * from final
