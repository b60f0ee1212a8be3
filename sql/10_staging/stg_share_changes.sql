-- stg_share_changes: each firm's share-change history (stock_zh_a_gbjg_em, 东方财富 股本结构), every change once.
-- Grain: (code, change_date). Shares are counts. Each fetch returns the whole history, so the latest fetch with
-- rows is the truth (a change it moved or dropped is gone); an earlier fetch adds only changes dated before the
-- latest fetch's first one (a history cut short at its old end loses nothing). An empty answer adds nothing.
-- Input: raw.share_changes.
with payloads as (
    select code, raw_sha, max(last_seen_at) as seen_at, max(fetched_at) as fetched_at
    from raw.share_changes
    group by code, raw_sha
),
latest as (
    select code, arg_max(raw_sha, (seen_at, fetched_at)) as raw_sha from payloads group by code
),
latest_rows as (
    select r.* from raw.share_changes r join latest l using (code, raw_sha)
),
starts as (
    select code, min(change_date) as first_change from latest_rows group by code
),
older_rows as (
    select r.* from raw.share_changes r join starts s using (code) where r.change_date < s.first_change
),
ranked as (
    select *, row_number() over (partition by code, change_date order by last_seen_at desc, fetched_at desc) as recency
    from (select * from latest_rows union all by name select * from older_rows)
    where change_date is not null and total_shares > 0
),
final as (
    select code, change_date, total_shares, free_shares, change_reason, last_seen_at as as_of, is_sample
    from ranked
    where recency = 1
)
select * from final
