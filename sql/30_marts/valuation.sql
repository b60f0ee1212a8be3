-- valuation: price, market value, multiples and returns per firm and trading day, point in time (metrics.md, "Cash,
-- debt and valuation"): no figure on day d uses anything published or in force after d.
-- Grain: (code, trade_date). Prices, market_cap and ev in 元; multiples plain ratios; returns fractions.
-- market_cap = unadjusted close × the total share count in force on the day (intermediate.int_share_history:
-- the share-change history's count from its change date, or for a firm without that history the count of the
-- latest stock_individual_info_em fetch on or before the day); NULL on a day no count was known yet.
-- shares_effective_date says which count (its change or fetch date, on or before trade_date).
-- Multiples use the latest report usable by the day: its notice date (report_notice_date) and, for a TTM below
-- 12-31, those of the prior FY and of the same period a year earlier on or before the day (figures_known_on, the
-- latest of them; report_period_end is its period): P/S on revenue TTM, P/E on attributable net profit TTM, P/B on attributable equity at that period end,
-- EV = market_cap + interest-bearing debt − cash at that period end, EV/EBITDA on EBITDA TTM; each NULL when its
-- denominator is ≤ 0 or unknown.
-- The report figures are each report's latest version; figures_restated_after marks the days before a restatement
-- of a report they draw on was published (the figures shown differ from what was known that day).
-- Returns compare forward-adjusted closes (dividends and bonus shares reinvested, as 前复权 does) with the last
-- close on or before the same date one month, three months and one year earlier, and (YTD) with the last close of
-- the previous year; NULL where the stored history does not reach back that far.
-- Inputs: intermediate.int_prices_adjusted, intermediate.int_share_history, marts.fundamentals, marts.universe,
-- staging.stg_statement_versions.
with prices as (
    select * from intermediate.int_prices_adjusted
),
shares as (
    select * from intermediate.int_share_history
),
known as (
    -- the day each report's TTM figures were all public: its own notice date and, below 12-31, the notice dates of
    -- the prior FY and of the same period a year earlier, which the TTM adds and subtracts (a Q1 report out before
    -- the FY report of the year before is not usable until that FY is out)
    select f.code, f.period_end, f.notice_date,
           case when f.fiscal_quarter = 4 then f.notice_date
                else greatest(f.notice_date, fy.notice_date, py.notice_date) end as known_on
    from marts.fundamentals f
    left join marts.fundamentals fy
        on fy.code = f.code and fy.period_end = make_date(f.fiscal_year - 1, 12, 31) and not fy.report_missing
    left join marts.fundamentals py
        on py.code = f.code and py.period_end = (f.period_end - interval 1 year)::date and not py.report_missing
    where not f.report_missing and f.notice_date is not null
),
published as (
    -- by each day a report became usable, the newest period usable by then (a restated or late old period must
    -- not win over a newer one)
    select code, known_on,
           max(period_end) over (partition by code order by known_on rows between unbounded preceding and current row)
               as period_end
    from known
),
restated as (
    -- when each report period was last restated: its versions after the first, dated by EastMoney's UPDATE_DATE
    -- (or, without one, the day the new version was first fetched)
    select code, period_end, max(coalesce(update_date, first_fetched_at::date)) as restated_on
    from staging.stg_statement_versions
    where version_no > 1
    group by code, period_end
),
reports as (
    select p.code, p.known_on, k.notice_date, p.period_end, f.revenue_ttm, f.net_profit_parent_ttm,
           f.total_parent_equity,
           -- a balance sheet without any debt line has no debt (EastMoney leaves zero lines empty)
           case when f.total_liabilities is not null then coalesce(f.interest_bearing_debt, 0) end
               as interest_bearing_debt,
           f.cash, f.ebitda_ttm,
           -- the latest restatement of any report the TTM figures draw on (this period, the prior FY, the same
           -- period a year earlier)
           (select max(x.restated_on) from restated x
            where x.code = p.code
              and x.period_end in (p.period_end, make_date(year(p.period_end) - 1, 12, 31),
                                   (p.period_end - interval 1 year)::date)) as report_restated_on
    from (select distinct on (code, known_on) * from published order by code, known_on, period_end desc) p
    join known k using (code, period_end)
    join marts.fundamentals f using (code, period_end)
),
year_ends as (
    -- the last close of each year with prices, and of the latest earlier year with prices: the last close on or
    -- before the previous year's end (arg_max_null keeps a NULL close, as the row it belongs to is the last)
    select code, year, lag(close_qfq_year_end) over (partition by code order by year) as close_qfq_prior_year_end
    from (
        select code, year(trade_date) as year, arg_max_null(close_qfq, trade_date) as close_qfq_year_end
        from prices
        group by code, year(trade_date)
    )
),
with_shares as (
    select p.*, s.total_shares, s.valid_from as shares_effective_date, s.shares_source
    from prices p
    asof left join shares s on p.code = s.code and p.trade_date >= s.valid_from
),
with_reports as (
    select w.*, r.period_end as report_period, r.notice_date as report_notice_date,
           r.known_on as figures_known_on, r.revenue_ttm,
           r.net_profit_parent_ttm, r.total_parent_equity, r.interest_bearing_debt, r.cash, r.ebitda_ttm,
           r.report_restated_on
    from with_shares w
    asof left join reports r on w.code = r.code and w.trade_date >= r.known_on
),
with_history as (
    -- The close of the last trading day on or before the same date a month, three months and a year earlier:
    -- RANGE frames ending that far before each day, all over one sort of the firm's days (no self-joins).
    -- trade_date is unique per firm, so the next day's quarter tells whether this day closes its quarter.
    -- The window orders by the day as a timestamp, the type the interval frames compare in, so that every window
    -- here shares one sort.
    select
        w.*,
        last_value(w.close_qfq) over (by_day range between unbounded preceding and interval 1 month preceding)
            as close_qfq_1m,
        last_value(w.close_qfq) over (by_day range between unbounded preceding and interval 3 month preceding)
            as close_qfq_3m,
        last_value(w.close_qfq) over (by_day range between unbounded preceding and interval 1 year preceding)
            as close_qfq_1y,
        y.close_qfq_prior_year_end,
        lead(w.trade_date) over by_day is null as is_latest,
        coalesce(date_trunc('quarter', lead(w.trade_date) over by_day) <> date_trunc('quarter', w.trade_date), true)
            as is_quarter_close
    from with_reports w
    left join year_ends y on y.code = w.code and y.year = year(w.trade_date)
    window by_day as (partition by w.code order by w.trade_date::timestamp)
),
final as (
    select
        h.code,
        u.name,
        h.trade_date,
        h.close,
        h.close_qfq,
        h.hfq_factor,
        h.factor_is_carried,
        h.volume_lots,
        h.amount,
        h.total_shares,
        h.shares_effective_date,
        h.shares_source,
        h.close * h.total_shares as market_cap,
        h.report_period,
        h.report_period as report_period_end,
        h.report_notice_date,
        h.figures_known_on,
        -- the figures are the reports' latest versions: a restatement published after the day changed them
        coalesce(h.report_restated_on > h.trade_date, false) as figures_restated_after,
        h.revenue_ttm,
        h.net_profit_parent_ttm,
        h.total_parent_equity,
        h.interest_bearing_debt,
        h.cash,
        h.ebitda_ttm,
        h.close * h.total_shares + h.interest_bearing_debt - h.cash as ev,
        safe_ratio(h.close * h.total_shares, h.revenue_ttm) as ps_ttm,
        safe_ratio(h.close * h.total_shares, h.net_profit_parent_ttm) as pe_ttm,
        safe_ratio(h.close * h.total_shares, h.total_parent_equity) as pb,
        safe_ratio(h.close * h.total_shares + h.interest_bearing_debt - h.cash, h.ebitda_ttm) as ev_to_ebitda_ttm,
        h.close_qfq / h.close_qfq_1m - 1 as return_1m,
        h.close_qfq / h.close_qfq_3m - 1 as return_3m,
        h.close_qfq / h.close_qfq_prior_year_end - 1 as return_ytd,
        h.close_qfq / h.close_qfq_1y - 1 as return_1y,
        h.is_latest,
        h.is_quarter_close,
        h.is_sample
    from with_history h
    left join marts.universe u using (code)
)
select * from final
