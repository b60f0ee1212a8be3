-- carry_screen: can they carry the fleet? A documented flag set per firm and reported quarter end, thresholds from
-- seeds.carry_screen (sql/seeds/carry_screen.csv; `leasewatch build --screen NAME=VALUE` overrides one for a
-- build and says so in seeds.carry_screen.source). Grain: (code, period_end). Each flag is TRUE (raised), FALSE
-- (checked, not raised) or NULL (its inputs are missing: not checked, never taken as clear):
--   fcf_negative    single-quarter free cash flow < 0 for the last fcf_negative_quarters quarters running
--                   (a quarter without FCF ends the run); FALSE when one of the last N quarters is known ≥ 0;
--                   NULL when unknown quarters leave it open
--   net_debt_high   net debt / EBITDA TTM > net_debt_to_ebitda_max, or net debt > 0 with EBITDA TTM ≤ 0; FALSE
--                   when net debt ≤ 0 (cash exceeds debt)
--   cash_short      cash < cash_to_short_debt_min × short-term debt; FALSE without short-term debt
--   coverage_low    EBIT TTM / interest expense TTM < interest_coverage_min; FALSE without interest expense
--   dso_rising      days sales outstanding rose at each of the last dso_rising_periods quarter ends (a quarter
--                   without a report, or without DSO, ends the run), FALSE and NULL as for fcf_negative
-- flags_raised counts the TRUE flags, flags_checked the non-NULL ones, flags lists the raised ones.
-- Inputs: marts.fundamentals, marts.cash_flow, marts.balance_health, seeds.carry_screen.
with t as (
    select
        max(threshold) filter (where name = 'fcf_negative_quarters')::int as fcf_quarters,
        max(threshold) filter (where name = 'net_debt_to_ebitda_max') as net_debt_max,
        max(threshold) filter (where name = 'cash_to_short_debt_min') as cash_min,
        max(threshold) filter (where name = 'interest_coverage_min') as coverage_min,
        max(threshold) filter (where name = 'dso_rising_periods')::int as dso_periods
    from seeds.carry_screen
),
spine as (
    -- every quarter end of the firm's span (marts.fundamentals keeps the quarters without a report), so a missing
    -- quarter breaks a run instead of being skipped: was free cash flow negative, did DSO rise from the quarter
    -- before (NULL where unknown)
    select f.code, f.period_end, c.free_cash_flow,
           c.free_cash_flow < 0 as fcf_hit,
           h.days_sales_outstanding > lag(h.days_sales_outstanding) over w as dso_hit,
           row_number() over w as rank_
    from marts.fundamentals f
    left join marts.cash_flow c on c.code = f.code and c.period_end = f.period_end and c.basis = 'q'
    left join marts.balance_health h on h.code = f.code and h.period_end = f.period_end
    window w as (partition by f.code order by f.period_end)
),
runs as (
    -- per quarter and screen: the run of hits ending here (a miss or an unknown quarter ends it) and how many
    -- quarters ago the last known miss was
    select
        code, period_end, free_cash_flow,
        rank_ - coalesce(max(case when not coalesce(fcf_hit, false) then rank_ end) over w, 0) as fcf_run,
        rank_ - max(case when not fcf_hit then rank_ end) over w as fcf_since_miss,
        rank_ - coalesce(max(case when not coalesce(dso_hit, false) then rank_ end) over w, 0) as dso_run,
        rank_ - max(case when not dso_hit then rank_ end) over w as dso_since_miss
    from spine
    window w as (partition by code order by period_end rows unbounded preceding)
),
flagged as (
    select
        h.code, h.name, h.period_end, h.fiscal_year, h.fiscal_quarter,
        r.free_cash_flow as free_cash_flow_q, r.fcf_run as fcf_negative_quarters,
        -- raised after N negative quarters running; clear when one of the last N quarters is known not negative;
        -- otherwise (unknown quarters within the last N) not checked
        case when r.fcf_run >= t.fcf_quarters then true when r.fcf_since_miss < t.fcf_quarters then false end
            as fcf_negative,
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
        h.days_sales_outstanding, r.dso_run as dso_rising_quarters,
        case when r.dso_run >= t.dso_periods then true when r.dso_since_miss < t.dso_periods then false end
            as dso_rising,
        t.fcf_quarters as threshold_fcf_negative_quarters, t.net_debt_max as threshold_net_debt_to_ebitda,
        t.cash_min as threshold_cash_to_short_debt, t.coverage_min as threshold_interest_coverage,
        t.dso_periods as threshold_dso_rising_periods,
        h.is_sample
    from marts.balance_health h
    cross join t
    left join runs r using (code, period_end)
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
