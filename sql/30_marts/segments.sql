-- segments: every disclosed segment row (主营构成) with its compute classification and the decision taken on it,
-- for audit. Grain: (code, period_end, classification, segment). Amounts cumulative for the period (H1 or FY), 元;
-- gross_margin and share_of_revenue are fractions. decision says in words whether the row is counted in
-- compute_revenue, only in compute_revenue_broad, or why not (excluded by a keyword, not compute, another
-- classification chosen, a sub-row of a counted row, a region row).
-- Inputs: intermediate.int_segments_classified, intermediate.int_segment_choice, intermediate.int_statements_ytd
-- (the statement revenue of the same period is the share's denominator).
with segments as (
    select * from intermediate.int_segments_classified
),
choice as (
    select * from intermediate.int_segment_choice
),
statement as (
    select code, period_end, revenue from intermediate.int_statements_ytd
),
decided as (
    select
        s.*,
        ch.classification_used,
        ch.compute_tier_used,
        s.is_compute and s.classification = ch.classification_used
            and s.is_sub_row = case s.compute_tier when 1 then ch.tier1_from_sub_rows else ch.tier2_from_sub_rows end
            as in_chosen_rows
    from segments s
    left join choice ch using (code, period_end)
),
final as (
    select
        d.code, d.period_end, d.classification, d.segment,
        d.revenue, d.cost,
        coalesce(safe_ratio(d.revenue - d.cost, d.revenue), d.gross_margin_reported) as gross_margin,
        -- prefer the statement revenue as denominator; fall back to the ratio EM discloses (already a fraction)
        coalesce(safe_ratio(d.revenue, st.revenue), d.revenue_ratio) as share_of_revenue,
        d.is_compute, d.compute_tier, d.matched_keyword, d.matched_tier, d.match_reason,
        d.excluded_by, d.exclusion_reason, d.is_sub_row, d.duplicates_dropped,
        d.classification_used,
        coalesce(d.in_chosen_rows and d.compute_tier = d.compute_tier_used, false) as is_counted,
        case
            when d.classification = '按地区分类' then 'not counted: region rows say nothing about compute'
            when d.excluded_by is not null then format('excluded by "{}": {}', d.excluded_by, d.exclusion_reason)
            when not d.is_compute then 'not compute'
            when d.classification <> d.classification_used
                then format('not counted: compute is taken from {} this period', d.classification_used)
            when not d.in_chosen_rows then 'not counted: a 其中 sub-row of a counted row'
            when d.compute_tier = d.compute_tier_used then format('counted (tier {})', d.compute_tier)
            else 'counted in compute_revenue_broad only (tier 2 beside tier-1 rows)'
        end as decision,
        d.is_sample
    from decided d
    left join statement st using (code, period_end)
)
select * from final
