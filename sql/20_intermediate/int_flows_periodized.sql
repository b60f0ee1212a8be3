-- int_flows_periodized: single quarter, half year and TTM for every flow line (metrics.md, "Periods").
-- Grain: (code, period_end, line). Input: intermediate.int_flows_long. All amounts 元.
--   Q1 = YTD(03-31); Qn = YTD(n) − YTD(n−1) of the same fiscal year, NULL when that earlier report is missing.
--   TTM(p) = FY(year−1) + YTD(p) − YTD(p one year earlier); at 12-31 TTM = FY. NULL when a term is missing.
--   Half-yearly lines: H1 = YTD(06-30), H2 = FY − H1; at 03-31 and 09-30, when the regular TTM cannot be
--   formed, the previous period-end's TTM is carried forward and flagged (never shown as current).
with f as (
    select * from intermediate.int_flows_long
),
years as (
    -- one row per (code, line, fiscal_year) with the YTD value of each quarter and which reports exist, so that
    -- the earlier reports each formula needs are two lookups, not five self-joins of the long table
    select
        code, line, fiscal_year,
        first(value_ytd) filter (where fiscal_quarter = 1) as ytd_1,
        first(value_ytd) filter (where fiscal_quarter = 2) as ytd_2,
        first(value_ytd) filter (where fiscal_quarter = 3) as ytd_3,
        first(value_ytd) filter (where fiscal_quarter = 4) as ytd_4,
        bool_or(fiscal_quarter = 1) as has_1,
        bool_or(fiscal_quarter = 2) as has_2,
        bool_or(fiscal_quarter = 3) as has_3
    from f
    group by code, line, fiscal_year
),
terms as (
    select
        f.*,
        case f.fiscal_quarter when 2 then y.ytd_1 when 3 then y.ytd_2 when 4 then y.ytd_3 end as prev_ytd,
        case f.fiscal_quarter when 2 then y.has_1 when 3 then y.has_2 when 4 then y.has_3 else false end
            as prev_report_exists,
        case f.fiscal_quarter when 1 then p.ytd_1 when 2 then p.ytd_2 when 3 then p.ytd_3 when 4 then p.ytd_4 end
            as ytd_prior_year,
        p.ytd_4 as fy_prior_year,
        y.ytd_2 as h1_ytd,
        -- the regular TTM (below) of the previous quarter end: the prior FY itself at Q1, else FY(year−1) +
        -- YTD(q−1) − YTD(q−1 one year earlier); NULL when that report is missing
        case f.fiscal_quarter when 1 then p.ytd_4
             when 2 then p.ytd_4 + y.ytd_1 - p.ytd_1
             when 3 then p.ytd_4 + y.ytd_2 - p.ytd_2
             when 4 then p.ytd_4 + y.ytd_3 - p.ytd_3 end as ttm_previous_period
    from f
    join years y using (code, line, fiscal_year)
    left join years p
        on p.code = f.code and p.line = f.line and p.fiscal_year = f.fiscal_year - 1
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
        ttm_previous_period,
        fiscal_quarter > 1 and not prev_report_exists as prior_report_missing
    from terms
),
final as (
    select
        code, period_end, fiscal_year, fiscal_quarter, line, kind, value_ytd, value_q, value_h,
        case when ttm_regular is not null then ttm_regular
             when kind = 'half_yearly' and fiscal_quarter in (1, 3) then ttm_previous_period end as value_ttm,
        ttm_regular is null and kind = 'half_yearly' and fiscal_quarter in (1, 3)
            and ttm_previous_period is not null as ttm_is_carried,
        prior_report_missing
    from computed
)
select * from final
