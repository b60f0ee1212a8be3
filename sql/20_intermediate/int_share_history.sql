-- int_share_history: total shares per firm as each fetch of stock_individual_info_em showed them; a row starts
-- where the count changed. Grain: (code, valid_from). Shares are counts (not 万股).
-- valid_from is the fetch date: the count is known from then on, not from the (unknown) day it changed.
-- Input: raw.share_info.
with fetches as (
    select code, fetched_at::date as fetched_on, total_shares
    from raw.share_info
    where total_shares is not null
),
per_day as (
    select code, fetched_on, arg_max(total_shares, fetched_on) as total_shares
    from fetches
    group by code, fetched_on
),
changes as (
    select *, lag(total_shares) over (partition by code order by fetched_on) as previous_shares
    from per_day
),
final as (
    select code, fetched_on as valid_from, total_shares
    from changes
    where previous_shares is distinct from total_shares
)
select * from final
