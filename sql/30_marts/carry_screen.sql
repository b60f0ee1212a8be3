-- carry_screen: can they carry the fleet? A documented flag set per firm and reported quarter end, thresholds from
-- seeds.carry_screen (sql/seeds/carry_screen.csv; `leasewatch build --screen NAME=VALUE` overrides one for a
-- build and says so in seeds.carry_screen.source). Grain: (code, period_end). Each flag is TRUE (raised), FALSE
-- (checked, not raised) or NULL (its inputs are missing: not checked, never taken as clear):
--   fcf_negative    single-quarter free cash flow < 0 for the last fcf_negative_quarters quarters running
--                   (a quarter without FCF ends the run; fewer quarters known than the threshold → NULL unless one
--                   of them is ≥ 0)
--   net_debt_high   net debt / EBITDA TTM > net_debt_to_ebitda_max, or net debt > 0 with EBITDA TTM ≤ 0; FALSE
--                   when net debt ≤ 0 (cash exceeds debt)
--   cash_short      cash < cash_to_short_debt_min × short-term debt; FALSE without short-term debt
--   coverage_low    EBIT TTM / interest expense TTM < interest_coverage_min; FALSE without interest expense
--   dso_rising      days sales outstanding rose at each of the last dso_rising_periods reported quarter ends
-- flags_raised counts the TRUE flags, flags_checked the non-NULL ones, flags lists the raised ones.
-- Inputs: marts.cash_flow, marts.balance_health, seeds.carry_screen.
with t as (
    select
        max(threshold) filter (where name = 'fcf_negative_quarters')::int as fcf_quarters,
        max(threshold) filter (where name = 'net_debt_to_ebitda_max') as net_debt_max,
        max(threshold) filter (where name = 'cash_to_short_debt_min') as cash_min,
        max(threshold) filter (where name = 'interest_coverage_min') as coverage_min,
        max(threshold) filter (where name = 'dso_rising_periods')::int as dso_periods
    from seeds.carry_screen
),
quarters as (
    -- every quarter end of the firm's span, so that a missing quarter breaks a run instead of being skipped
    select code, period_end, free_cash_flow,
           -- run counters: consecutive negative quarters and consecutive known quarters, ending here
           free_cash_flow < 0 as negative
    from marts.cash_flow
    where basis = 'q'
),
runs as (
    select
        code, period_end, free_cash_flow, negative,
        -- the length of the current run of TRUE/known values ending at this quarter
        period_end_rank - coalesce(max(case when not coalesce(negative, false) then period_end_rank end)
                                       over (partition by code order by period_end rows unbounded preceding), 0)
            as negative_run,
        period_end_rank - coalesce(max(case when negative is null then period_end_rank end)
                                       over (partition by code order by period_end rows unbounded preceding), 0)
            as known_run
    from (select *, row_number() over (partition by code order by period_end) as period_end_rank from quarters)
),
dso as (
    select
        code, period_end, days_sales_outstanding,
        days_sales_outstanding > lag(days_sales_outstanding) over w as dso_up
    from marts.balance_health
    window w as (partition by code order by period_end)
),
dso_runs as (
    select
        code, period_end, dso_up,
        rank_ - coalesce(max(case when not coalesce(dso_up, false) then rank_ end)
                             over (partition by code order by period_end rows unbounded preceding), 0) as up_run,
        rank_ - coalesce(max(case when dso_up is null then rank_ end)
                             over (partition by code order by period_end rows unbounded preceding), 0) as known_run
    from (select *, row_number() over (partition by code order by period_end) as rank_ from dso)
),
flagged as (
    select
        h.code, h.name, h.period_end, h.fiscal_year, h.fiscal_quarter,
        r.free_cash_flow as free_cash_flow_q, r.negative_run as fcf_negative_quarters,
        case when r.negative_run >= t.fcf_quarters then true
             when r.known_run >= t.fcf_quarters or r.negative_run < r.known_run then false end as fcf_negative,
        h.net_debt, h.ebitda_ttm, h.net_debt_to_ebitda,
        case when h.net_debt is null then null
             when h.net_debt <= 0 then false
             when h.ebitda_ttm is null then null
             when h.ebitda_ttm <= 0 then true
             else h.net_debt_to_ebitda > t.net_debt_max end as net_debt_high,
        h.cash, h.short_term_debt, h.cash_to_short_debt,
        case when h.short_term_debt is null or h.cash is null then null
             when h.short_term_debt <= 0 then false
             else h.cash < t.cash_min * h.short_term_debt end as cash_short,
        h.interest_coverage,
        case when h.interest_expense_ttm is null or h.ebit_ttm is null then null
             when h.interest_expense_ttm <= 0 then false
             else h.interest_coverage < t.coverage_min end as coverage_low,
        h.days_sales_outstanding, d.up_run as dso_rising_quarters,
        case when d.up_run >= t.dso_periods then true
             when d.known_run >= t.dso_periods or d.up_run < d.known_run then false end as dso_rising,
        t.fcf_quarters as threshold_fcf_negative_quarters, t.net_debt_max as threshold_net_debt_to_ebitda,
        t.cash_min as threshold_cash_to_short_debt, t.coverage_min as threshold_interest_coverage,
        t.dso_periods as threshold_dso_rising_periods,
        h.is_sample
    from marts.balance_health h
    cross join t
    left join runs r using (code, period_end)
    left join dso_runs d using (code, period_end)
),
final as (
    select
        *,
        coalesce(fcf_negative::int, 0) + coalesce(net_debt_high::int, 0) + coalesce(cash_short::int, 0)
            + coalesce(coverage_low::int, 0) + coalesce(dso_rising::int, 0) as flags_raised,
        (fcf_negative is not null)::int + (net_debt_high is not null)::int + (cash_short is not null)::int
            + (coverage_low is not null)::int + (dso_rising is not null)::int as flags_checked,
        nullif(concat_ws(', ',
            case when fcf_negative then 'fcf_negative' end,
            case when net_debt_high then 'net_debt_high' end,
            case when cash_short then 'cash_short' end,
            case when coverage_low then 'coverage_low' end,
            case when dso_rising then 'dso_rising' end), '') as flags
    from flagged
)
select * from final
