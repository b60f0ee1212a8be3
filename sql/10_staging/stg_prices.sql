-- stg_prices: one row per (code, trade_date, adjust) from the latest fetch that carries it.
-- adjust: '' = unadjusted, 'hfq' = backward-adjusted. Prices in 元; volume in 手 (lots of 100 shares).
-- Input: raw.prices (appended windows overlap; the newest fetch wins).
with ranked as (
    select *, row_number() over (partition by code, trade_date, adjust order by fetched_at desc) as recency
    from raw.prices
),
final as (
    select code, trade_date, adjust, open, close, high, low, volume_lots, amount, turnover_pct, is_sample
    from ranked
    where recency = 1
)
select * from final
