-- int_compute_segment: compute revenue and cost per firm and report, cumulative like the segments (H1, FY).
-- Grain: (code, period_end) for every report with an income statement; NULL where no segments were disclosed.
-- Classification used: 按产品分类 when it has a compute row, else 按行业分类 (metrics.md). 元.
-- Inputs: intermediate.int_segments_classified, intermediate.int_statements_ytd.
with segments as (
    select * from intermediate.int_segments_classified
),
preferred as (
    select code, period_end, classification,
           row_number() over (partition by code, period_end
                              order by case classification when '按产品分类' then 1 when '按行业分类' then 2 end) as rank_
    from segments
    where is_compute and classification in ('按产品分类', '按行业分类')
    group by code, period_end, classification
),
disclosed as (
    select distinct code, period_end from segments
),
compute_rows as (
    select s.*
    from segments s
    join preferred p using (code, period_end, classification)
    where p.rank_ = 1 and s.is_compute
),
sums as (
    select
        code, period_end,
        any_value(classification) as classification_used,
        sum(revenue) filter (where compute_tier = 1) as tier1_revenue,
        -- a cost is known only if every matched row disclosed one
        case when count(*) filter (where compute_tier = 1 and cost is null) = 0
             then sum(cost) filter (where compute_tier = 1) end as tier1_cost,
        sum(revenue) as broad_revenue,
        string_agg(segment, ' | ' order by segment) as compute_segments
    from compute_rows
    group by code, period_end
),
final as (
    select
        r.code, r.period_end,
        d.code is not null as segments_disclosed,
        s.classification_used,
        s.compute_segments,
        -- disclosed segments with no compute row mean zero compute revenue, not unknown
        case when d.code is not null then coalesce(s.tier1_revenue, 0) end as compute_revenue,
        case when d.code is not null then
             case when s.tier1_revenue is null then 0 else s.tier1_cost end end as compute_cost,
        case when d.code is not null then coalesce(s.broad_revenue, 0) end as compute_revenue_broad
    from intermediate.int_statements_ytd r
    left join disclosed d using (code, period_end)
    left join sums s using (code, period_end)
)
select * from final
