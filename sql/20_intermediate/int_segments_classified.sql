-- int_segments_classified: each segment row with the compute keyword it matched, so every classification
-- can be audited. Grain: (code, period_end, classification, segment).
-- Inputs: staging.stg_segments, seeds.compute_keywords (tier 1 = compute proper, tier 2 = IDC/cloud).
with segments as (
    select * from staging.stg_segments
),
keywords as (
    -- segment_key is NFKC-normalised, upper-cased and without spaces; keywords get the same treatment
    select keyword, tier, priority, upper(replace(keyword, ' ', '')) as keyword_key from seeds.compute_keywords
),
matches as (
    select s.code, s.period_end, s.classification, s.segment, k.keyword, k.tier,
           row_number() over (partition by s.code, s.period_end, s.classification, s.segment
                              order by k.tier, k.priority) as rank_
    from segments s
    join keywords k on contains(s.segment_key, k.keyword_key)
),
final as (
    select
        s.*,
        m.keyword is not null as is_compute,
        m.tier as compute_tier,
        m.keyword as matched_keyword,
        case when m.keyword is not null
             then format('name contains "{}" (tier {})', m.keyword, m.tier) end as match_reason
    from segments s
    left join (select * from matches where rank_ = 1) m using (code, period_end, classification, segment)
)
select * from final
