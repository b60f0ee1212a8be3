-- int_share_history: the total share count in force per firm from each date on. Grain: (code, valid_from).
-- Shares are counts (not 万股). Two sources, never mixed for one firm:
--   share_changes  the firm's share-change history (staging.stg_share_changes): valid_from is the change date, so
--                  a day's market value uses the count in force that day, never a later one;
--   quote          for a firm without that history, the counts its stock_individual_info_em fetches showed:
--                  valid_from is the fetch date (the count is known from then on, not from the unknown day it
--                  changed), so days before the first fetch have no count at all.
-- Inputs: staging.stg_share_changes, raw.share_info.
with changes as (
    select code, change_date as valid_from, total_shares, 'share_changes' as shares_source
    from staging.stg_share_changes
),
fetches as (
    select code, fetched_at::date as fetched_on, total_shares
    from raw.share_info
    where total_shares is not null and code not in (select code from changes)
),
per_day as (
    select code, fetched_on, arg_max(total_shares, fetched_on) as total_shares
    from fetches
    group by code, fetched_on
),
quote_changes as (
    select *, lag(total_shares) over (partition by code order by fetched_on) as previous_shares
    from per_day
),
final as (
    select code, valid_from, total_shares, shares_source from changes
    union all
    select code, fetched_on, total_shares, 'quote'
    from quote_changes
    where previous_shares is distinct from total_shares
)
select * from final
