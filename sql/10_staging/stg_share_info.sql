-- stg_share_info: latest company facts per code (shares outstanding, industry, listing date).
-- Grain: code. Input: raw.share_info (stock_individual_info_em, pivoted). Shares are counts, not 万股.
with ranked as (
    select *, row_number() over (partition by code order by last_seen_at desc) as recency
    from raw.share_info
),
final as (
    select code, name, total_shares, float_shares, industry, list_date, last_seen_at as as_of, is_sample
    from ranked
    where recency = 1
)
select * from final
