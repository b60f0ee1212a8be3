-- int_segment_choice: per firm and report, where its compute revenue is taken from (metrics.md, Compute segment).
-- Grain: (code, period_end) for every report with segment rows.
-- 1. Tier first: the best compute tier any 按产品/按行业 row of the report has (1 = compute proper, 2 = IDC/cloud).
-- 2. Among the classifications with a row of that tier: the one the firm's latest FY report used (a stable
--    classification across periods), else 按产品 before 按行业. classification_switched flags a report that
--    had to use another classification than that FY's. A classification is never chosen for a tier it lacks.
-- 3. Within it, a tier's 其中 sub-rows count only when the tier has no main row (never a part and its whole).
-- A report with only 按地区 rows (region_only) says nothing about compute: its compute values are NULL.
-- Inputs: intermediate.int_segments_classified.
with segments as (
    select * from intermediate.int_segments_classified
),
reports as (
    select code, period_end, bool_or(classification in ('按产品分类', '按行业分类')) as segments_disclosed
    from segments
    group by all
),
by_class as (
    select code, period_end, classification,
           count(*) filter (where compute_tier = 1) as tier1_rows,
           count(*) filter (where compute_tier = 2) as tier2_rows,
           count(*) filter (where compute_tier = 1 and not is_sub_row) as tier1_main_rows,
           count(*) filter (where compute_tier = 2 and not is_sub_row) as tier2_main_rows
    from segments
    where classification in ('按产品分类', '按行业分类')
    group by all
),
best_tier as (
    select code, period_end, case when max(tier1_rows) > 0 then 1 when max(tier2_rows) > 0 then 2 end as tier
    from by_class
    group by all
),
candidates as (
    select c.*, t.tier
    from by_class c
    join best_tier t using (code, period_end)
    where (t.tier = 1 and c.tier1_rows > 0) or (t.tier = 2 and c.tier2_rows > 0)
),
natural_choice as (
    select code, period_end,
           arg_min(classification, case classification when '按产品分类' then 1 else 2 end) as classification
    from candidates
    group by all
),
anchor as (
    select code, arg_max(classification, period_end) as anchor_classification
    from natural_choice
    where month(period_end) = 12
    group by code
),
chosen as (
    select c.code, c.period_end, c.tier,
           coalesce(max(c.classification) filter (where c.classification = a.anchor_classification),
                    any_value(n.classification)) as classification_used,
           any_value(a.anchor_classification) as anchor_classification
    from candidates c
    join natural_choice n using (code, period_end)
    left join anchor a using (code)
    group by c.code, c.period_end, c.tier
),
final as (
    select
        r.code, r.period_end, r.segments_disclosed,
        not r.segments_disclosed as region_only,
        ch.classification_used,
        ch.tier as compute_tier_used,
        ch.anchor_classification,
        coalesce(ch.classification_used <> ch.anchor_classification, false) as classification_switched,
        coalesce(b.tier1_main_rows = 0, false) as tier1_from_sub_rows,
        coalesce(b.tier2_main_rows = 0, false) as tier2_from_sub_rows
    from reports r
    left join chosen ch using (code, period_end)
    left join by_class b
        on b.code = r.code and b.period_end = r.period_end and b.classification = ch.classification_used
)
select * from final
