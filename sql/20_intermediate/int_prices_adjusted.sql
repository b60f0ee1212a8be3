-- int_prices_adjusted: daily closes per firm, unadjusted and forward-adjusted (qfq) derived locally from the
-- backward-adjusted (hfq) history. Grain: (code, trade_date). Prices in 元; volume in 手 (lots of 100 shares).
-- hfq_factor = hfq close / unadjusted close on days both were fetched. On days only the unadjusted bar is known
-- (a bar cut from a board or market snapshot) the last factor is carried: it moves only on ex-rights days, and
-- the ingest fetches the daily history again on such days. qfq close = unadjusted close × factor / the latest
-- factor, so the latest qfq close equals the latest unadjusted close and never needs a re-download.
-- Input: staging.stg_prices.
with unadjusted as (
    select code, trade_date, close, volume_lots, amount, is_sample
    from staging.stg_prices
    where adjust = ''
),
backward as (
    select code, trade_date, close as hfq_close
    from staging.stg_prices
    where adjust = 'hfq'
),
joined as (
    select u.*, safe_ratio(b.hfq_close, u.close) as factor_here
    from unadjusted u
    left join backward b using (code, trade_date)
),
filled as (
    select
        *,
        last_value(factor_here ignore nulls) over (
            partition by code order by trade_date rows between unbounded preceding and current row
        ) as factor_so_far,
        -- bars before the first hfq fetch take the earliest known factor
        first_value(factor_here ignore nulls) over (
            partition by code order by trade_date rows between unbounded preceding and unbounded following
        ) as factor_first
    from joined
),
factored as (
    select *, coalesce(factor_so_far, factor_first) as hfq_factor
    from filled
),
final as (
    select
        code, trade_date, close,
        close * hfq_factor as close_hfq,
        close * hfq_factor / last_value(hfq_factor) over (
            partition by code order by trade_date rows between unbounded preceding and unbounded following
        ) as close_qfq,
        hfq_factor,
        factor_here is null and hfq_factor is not null as factor_is_carried,
        volume_lots, amount, is_sample
    from factored
)
select * from final
