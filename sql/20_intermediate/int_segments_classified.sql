-- int_segments_classified: each segment row with the compute keyword it matched and the exclusion keyword that
-- overruled it, so every classification can be audited. Grain: (code, period_end, classification, segment).
-- is_compute: a compute keyword matched and no exclusion keyword did (server or GPU *sales* are not leasing).
-- is_sub_row: the name starts with 其中 ("of which"), a part of the row above it, never added to it.
-- Inputs: staging.stg_segments, seeds.compute_keywords (tier 1 = compute proper, tier 2 = IDC/cloud),
-- seeds.compute_exclusions.
with segments as (
    select * from staging.stg_segments
),
keywords as (
    -- segment_key is NFKC-normalised, upper-cased and without spaces; keywords get the same treatment
    select keyword, tier, priority, upper(replace(keyword, ' ', '')) as keyword_key from seeds.compute_keywords
),
exclusions as (
    select keyword, reason, priority, upper(replace(keyword, ' ', '')) as keyword_key from seeds.compute_exclusions
),
matches as (
    select s.code, s.period_end, s.classification, s.segment, k.keyword, k.tier,
           row_number() over (partition by s.code, s.period_end, s.classification, s.segment
                              order by k.tier, k.priority) as rank_
    from segments s
    join keywords k on contains(s.segment_key, k.keyword_key)
),
excluded as (
    select s.code, s.period_end, s.classification, s.segment, e.keyword, e.reason,
           row_number() over (partition by s.code, s.period_end, s.classification, s.segment order by e.priority) as rank_
    from segments s
    join exclusions e on contains(s.segment_key, e.keyword_key)
),
final as (
    select
        s.*,
        m.keyword is not null and x.keyword is null as is_compute,
        case when x.keyword is null then m.tier end as compute_tier,
        m.keyword as matched_keyword,
        m.tier as matched_tier,
        x.keyword as excluded_by,
        x.reason as exclusion_reason,
        starts_with(s.segment_key, '其中') as is_sub_row,
        case
            when m.keyword is not null and x.keyword is not null
                then format('name contains "{}" (tier {}) but also "{}": {}', m.keyword, m.tier, x.keyword, x.reason)
            when m.keyword is not null then format('name contains "{}" (tier {})', m.keyword, m.tier)
        end as match_reason
    from segments s
    left join (select * from matches where rank_ = 1) m using (code, period_end, classification, segment)
    left join (select * from excluded where rank_ = 1) x using (code, period_end, classification, segment)
)
select * from final
