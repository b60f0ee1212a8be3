-- data_quality: every flagged condition a reader should know about, one row per (code, period_end, check).
-- Checks: report_missing, quarter_not_derivable (the earlier report of the year is missing), revenue_fallback,
-- restated, da_carried, compute_carried, da_not_disclosed (an H1/FY report without the D&A supplement),
-- zero_revenue, history_truncated (the latest fetch of a statement has a hole or starts later than an earlier
-- fetch: see intermediate.int_statement_history), odd_report_date (a report dated off a quarter end, left out of
-- the models), periods_lost (the latest fetch of a statement lacks a period the pull before it held: the earlier
-- row is used), yoy_mismatch (EastMoney's OPERATE_INCOME_YOY / PARENT_NETPROFIT_YOY differ from the YoY computed
-- from the latest versions by more than 0.5 pp), compute_ttm_negative (segment reports of one TTM window
-- disagree so much that the compute revenue TTM is below 0). Inputs: marts.fundamentals, marts.universe, intermediate.int_statement_history, raw.income,
-- raw.fetches.
with f as (
    select * from marts.fundamentals
),
truncated as (
    select code, last_day(gap_after + interval 3 month)::date as period_end,
           format('{}: the latest fetch lacks {} quarters after {} (a batch of dates EastMoney did not answer); '
                  || 'rows from earlier fetches are used where they exist', statement, longest_gap_quarters, gap_after)
               as detail
    from intermediate.int_statement_history
    where is_latest and history_gap
    union all
    select code, earliest_before,
           format('{}: the latest fetch starts at {}, an earlier one at {}; the older periods come from the earlier fetch',
                  statement, first_period, earliest_before)
    from intermediate.int_statement_history
    where is_latest and history_shrank
),
latest_fetch as (
    select function, code, arg_max(flags, fetched_at) as flags
    from raw.fetches
    where function in ('stock_profit_sheet_by_report_em', 'stock_balance_sheet_by_report_em',
                       'stock_cash_flow_sheet_by_report_em')
    group by all
),
latest_flags as (
    select function, code, unnest(flags) as flag from latest_fetch
),
lost as (
    select code, unnest(regexp_extract_all(flag, '\d{4}-\d{2}-\d{2}'))::date as period_end,
           replace(replace(replace(function, 'stock_', ''), '_sheet_by_report_em', ''), 'profit', 'income') as statement
    from latest_flags
    where flag like 'periods_lost%'
),
yoy_check as (
    -- EastMoney's own *_YOY against the YoY computed from the latest version of both years (metrics.md,
    -- Restatements and reconciliation): a difference over 0.5 pp is usually a restated comparative or a merger
    select c.code, c.period_end,
           c.revenue_yoy_ytd as revenue_computed, c.revenue_yoy_reported as revenue_reported,
           yoy(c.net_profit_parent_ytd, p.net_profit_parent_ytd) as profit_computed,
           c.net_profit_parent_yoy_reported as profit_reported
    from f c
    left join f p on p.code = c.code and p.fiscal_year = c.fiscal_year - 1 and p.fiscal_quarter = c.fiscal_quarter
    where not c.report_missing
),
yoy_mismatches as (
    select code, period_end, concat_ws('; ',
        case when abs(revenue_computed - revenue_reported) > 0.005
             then format('营业收入 YoY {} % computed from the latest versions, {} % by EastMoney',
                         round(revenue_computed * 100, 1), round(revenue_reported * 100, 1)) end,
        case when abs(profit_computed - profit_reported) > 0.005
             then format('归母净利润 YoY {} % computed, {} % by EastMoney',
                         round(profit_computed * 100, 1), round(profit_reported * 100, 1)) end
    ) || ' (usually a restated comparative or a merger)' as detail
    from yoy_check
    where abs(revenue_computed - revenue_reported) > 0.005 or abs(profit_computed - profit_reported) > 0.005
),
checks as (
    select code, period_end, 'report_missing' as check_name, 'no report for this quarter' as detail
    from f where report_missing
    union all
    select code, period_end, 'quarter_not_derivable', 'earlier report of the fiscal year missing: single quarter is NULL'
    from f where prior_report_missing
    union all
    select code, period_end, 'revenue_fallback', '营业收入 absent: revenue taken from 营业总收入'
    from f where revenue_is_fallback
    union all
    select code, period_end, 'restated', 'more than one version of this report was fetched; the latest is used'
    from f where is_restated
    union all
    select code, period_end, 'da_carried', 'D&A TTM carried forward from the previous H1/FY report'
    from f where depreciation_amortization_ttm_is_carried
    union all
    select code, period_end, 'compute_carried', 'compute-segment TTM carried forward from the previous H1/FY report'
    from f where compute_ttm_is_carried
    union all
    select code, period_end, 'da_not_disclosed', 'H1/FY report without the depreciation supplement'
    from f where not report_missing and fiscal_quarter in (2, 4) and depreciation_amortization_ytd is null
    union all
    select code, period_end, 'compute_ttm_negative',
           'compute revenue TTM is negative (the H1/FY segment reports of the window disagree): compute share, '
           || 'margin and status are left out'
    from f
    where compute_revenue_ttm < 0
    union all
    select code, period_end, 'zero_revenue', 'revenue is zero: margins are NULL'
    from f where revenue_ytd = 0
    union all
    select code, period_end, 'history_truncated', string_agg(detail, '; ' order by detail)
    from truncated group by code, period_end
    union all
    select code, period_end, 'yoy_mismatch', detail
    from yoy_mismatches
    union all
    select code, period_end, 'periods_lost',
           'the latest fetch of ' || string_agg(statement, ', ' order by statement)
           || ' lacks this period, which an earlier fetch held; the earlier row is used'
    from lost group by code, period_end
),
odd_dates as (
    select distinct code, period_end, 'odd_report_date' as check_name,
           'a report dated off a quarter end was left out of the models' as detail
    from raw.income
    where not (period_end = last_day(period_end) and month(period_end) in (3, 6, 9, 12))
),
final as (
    select c.*, f.name, f.is_sample
    from checks c
    join f using (code, period_end)
    union all
    select o.*, u.name, coalesce(u.is_sample, false)
    from odd_dates o
    left join marts.universe u using (code)
)
select * from final
