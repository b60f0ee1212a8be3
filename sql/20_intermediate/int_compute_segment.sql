-- int_compute_segment: compute revenue and cost per firm and report, cumulative like the segments (H1, FY).
-- Grain: (code, period_end) for every report with an income statement. The rows counted are those
-- intermediate.int_segment_choice picks (tier first, a stable classification, sub-rows never beside their whole).
-- compute_revenue: the rows of the tier used; compute_revenue_broad adds tier 2 where tier 1 was used.
-- NULL where no product or industry segments were disclosed (none at all, or 按地区 only); 0 where they were
-- and none is compute. compute_cost is NULL when a counted row lacks its cost. 元.
-- Inputs: intermediate.int_segments_classified, intermediate.int_segment_choice, intermediate.int_statements_ytd.
with segments as (
    select * from intermediate.int_segments_classified
),
choice as (
    select * from intermediate.int_segment_choice
),
counted as (
    select s.*, ch.compute_tier_used
    from segments s
    join choice ch using (code, period_end)
    where s.classification = ch.classification_used
      and ((s.compute_tier = 1 and s.is_sub_row = ch.tier1_from_sub_rows)
           or (s.compute_tier = 2 and s.is_sub_row = ch.tier2_from_sub_rows))
),
sums as (
    select
        code, period_end,
        sum(revenue) filter (where compute_tier = compute_tier_used) as revenue_used,
        case when count(*) filter (where compute_tier = compute_tier_used and cost is null) = 0
             then sum(cost) filter (where compute_tier = compute_tier_used) end as cost_used,
        sum(revenue) as broad_revenue,
        string_agg(segment, ' | ' order by segment) filter (where compute_tier = compute_tier_used) as compute_segments
    from counted
    group by all
),
final as (
    select
        r.code, r.period_end,
        coalesce(ch.segments_disclosed, false) as segments_disclosed,
        coalesce(ch.region_only, false) as region_only,
        ch.classification_used,
        ch.compute_tier_used,
        coalesce(ch.classification_switched, false) as classification_switched,
        s.compute_segments,
        case when ch.segments_disclosed then coalesce(s.revenue_used, 0) end as compute_revenue,
        case when ch.segments_disclosed then case when s.revenue_used is null then 0 else s.cost_used end end
            as compute_cost,
        case when ch.segments_disclosed then coalesce(s.broad_revenue, 0) end as compute_revenue_broad
    from intermediate.int_statements_ytd r
    left join choice ch using (code, period_end)
    left join sums s using (code, period_end)
)
select * from final
