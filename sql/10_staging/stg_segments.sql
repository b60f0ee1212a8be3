-- stg_segments: segment rows (主营构成) of the latest payload that carries each (code, period_end).
-- Grain: (code, period_end, classification, segment). Values cumulative for the period (H1 = Jan–Jun), 元.
-- Input: raw.segments. A row EastMoney lists twice (same name, same amounts) counts once (duplicates_dropped);
-- rows of the same name with different amounts are parts of one line and are summed (rows_merged).
with payload_rank as (
    select code, period_end, raw_sha,
           row_number() over (partition by code, period_end order by max(last_seen_at) desc) as recency
    from raw.segments
    group by code, period_end, raw_sha
),
latest as (
    select s.*
    from raw.segments s
    join payload_rank p using (code, period_end, raw_sha)
    where p.recency = 1
),
distinct_rows as (
    select code, period_end, classification, segment, segment_key, revenue, revenue_ratio, cost, gross_profit,
           gross_margin_reported, is_sample, count(*) as copies
    from latest
    where classification is not null and segment is not null
    group by all
),
final as (
    select code, period_end, classification, segment,
           any_value(segment_key) as segment_key,
           sum(revenue) as revenue,
           sum(revenue_ratio) as revenue_ratio,
           sum(cost) as cost,
           sum(gross_profit) as gross_profit,
           any_value(gross_margin_reported) as gross_margin_reported,
           count(*) as rows_merged,
           sum(copies)::bigint - count(*) as duplicates_dropped,
           any_value(is_sample) as is_sample
    from distinct_rows
    group by code, period_end, classification, segment
)
select * from final
