-- int_period_spine: every quarter end from a firm's first to its last report, so a missing report is a row.
-- Grain: (code, period_end). Input: intermediate.int_statements_ytd.
with bounds as (
    select code, min(period_end) as first_period, max(period_end) as last_period
    from intermediate.int_statements_ytd
    group by code
),
quarter_starts as (
    select code, q::date as quarter_start
    from bounds,
         range(date_trunc('quarter', first_period), last_period + interval 1 day, interval 3 month) as t(q)
),
spine as (
    select
        code,
        -- a quarter ends on the last day of its third month
        last_day(quarter_start + interval 2 month)::date as period_end,
        year(quarter_start) as fiscal_year,
        quarter(quarter_start) as fiscal_quarter
    from quarter_starts
),
final as (
    select s.*, r.code is null as report_missing
    from spine s
    left join intermediate.int_statements_ytd r using (code, period_end)
)
select * from final
