-- stg_share_changes: each firm's share-change history (stock_zh_a_gbjg_em, 东方财富 股本结构), every change once.
-- Grain: (code, change_date). Shares are counts. Each fetch returns the whole history; a change date is taken from
-- the latest fetch that lists it, so a later fetch that lists fewer changes (a truncated answer) loses nothing.
-- Input: raw.share_changes.
with ranked as (
    select *, row_number() over (partition by code, change_date order by last_seen_at desc, fetched_at desc) as recency
    from raw.share_changes
    where change_date is not null and total_shares > 0
),
final as (
    select code, change_date, total_shares, free_shares, change_reason, last_seen_at as as_of, is_sample
    from ranked
    where recency = 1
)
select * from final
