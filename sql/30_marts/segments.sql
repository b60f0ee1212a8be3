-- segments: every disclosed segment row (主营构成) with its compute classification, for audit.
-- Grain: (code, period_end, classification, segment). Amounts cumulative for the period (H1 or FY), 元;
-- gross_margin and share_of_revenue are fractions. Inputs: intermediate.int_segments_classified,
-- intermediate.int_statements_ytd (the statement revenue of the same period is the share's denominator).
with segments as (
    select * from intermediate.int_segments_classified
),
statement as (
    select code, period_end, revenue from intermediate.int_statements_ytd
),
final as (
    select
        s.code, s.period_end, s.classification, s.segment,
        s.revenue, s.cost,
        coalesce(safe_ratio(s.revenue - s.cost, s.revenue), s.gross_margin_reported) as gross_margin,
        -- prefer the statement revenue as denominator; fall back to the ratio EM discloses (already a fraction)
        coalesce(safe_ratio(s.revenue, st.revenue), s.revenue_ratio) as share_of_revenue,
        s.is_compute, s.compute_tier, s.matched_keyword, s.match_reason,
        s.is_sample
    from segments s
    left join statement st using (code, period_end)
)
select * from final
