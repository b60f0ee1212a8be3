-- int_flows_periodized: single quarter, half year and TTM for every flow line (metrics.md, "Periods").
-- Grain: (code, period_end, line). Input: intermediate.int_flows_long. All amounts 元.
--   Q1 = YTD(03-31); Qn = YTD(n) − YTD(n−1) of the same fiscal year, NULL when that earlier report is missing.
--   TTM(p) = FY(year−1) + YTD(p) − YTD(p one year earlier); at 12-31 TTM = FY. NULL when a term is missing.
--   Half-yearly lines: H1 = YTD(06-30), H2 = FY − H1; at 03-31 and 09-30, when the regular TTM cannot be
--   formed, the previous period-end's TTM is carried forward and flagged (never shown as current).
with f as (
    select * from intermediate.int_flows_long
),
terms as (
    select
        f.*,
        prev.value_ytd as prev_ytd,
        prev.code is not null as prev_report_exists,
        prior_year.value_ytd as ytd_prior_year,
        prior_fy.value_ytd as fy_prior_year,
        h1.value_ytd as h1_ytd
    from f
    left join f prev
        on prev.code = f.code and prev.line = f.line
       and prev.fiscal_year = f.fiscal_year and prev.fiscal_quarter = f.fiscal_quarter - 1
    left join f prior_year
        on prior_year.code = f.code and prior_year.line = f.line
       and prior_year.fiscal_year = f.fiscal_year - 1 and prior_year.fiscal_quarter = f.fiscal_quarter
    left join f prior_fy
        on prior_fy.code = f.code and prior_fy.line = f.line
       and prior_fy.fiscal_year = f.fiscal_year - 1 and prior_fy.fiscal_quarter = 4
    left join f h1
        on h1.code = f.code and h1.line = f.line
       and h1.fiscal_year = f.fiscal_year and h1.fiscal_quarter = 2
),
computed as (
    select
        code, period_end, fiscal_year, fiscal_quarter, line, kind, value_ytd,
        case when fiscal_quarter = 1 then value_ytd
             when prev_ytd is not null then value_ytd - prev_ytd end as value_q,
        case when fiscal_quarter = 2 then value_ytd
             when fiscal_quarter = 4 and h1_ytd is not null then value_ytd - h1_ytd end as value_h,
        case when fiscal_quarter = 4 then value_ytd
             else fy_prior_year + value_ytd - ytd_prior_year end as ttm_regular,
        fiscal_quarter > 1 and not prev_report_exists as prior_report_missing
    from terms
),
with_previous as (
    select c.*, p.ttm_regular as ttm_previous_period
    from computed c
    left join computed p
        on p.code = c.code and p.line = c.line
       and p.period_end = last_day(c.period_end - interval 3 month)
),
final as (
    select
        code, period_end, fiscal_year, fiscal_quarter, line, kind, value_ytd, value_q, value_h,
        case when ttm_regular is not null then ttm_regular
             when kind = 'half_yearly' and fiscal_quarter in (1, 3) then ttm_previous_period end as value_ttm,
        ttm_regular is null and kind = 'half_yearly' and fiscal_quarter in (1, 3)
            and ttm_previous_period is not null as ttm_is_carried,
        prior_report_missing
    from with_previous
)
select * from final
