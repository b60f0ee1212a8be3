-- status_changes: who crossed a benchmark line, either way. One row per (code, period_end, dimension) where the
-- firm's scored status differs from its previous scored period's, and at its first scored period (direction
-- 'first'). Dimensions: firm_wide (marts.benchmark.status), compute (compute_gross_status, the compute segment
-- against the gross benchmark), recurring (net_deducted_status, 扣非 profit against the net benchmark).
-- The rule is the status_transitions macro (sql/macros.sql), which reports rescored at other thresholds share:
-- periods without a score (no_data, not_disclosed, no_compute_segment …) or without a report are skipped.
-- Inputs: marts.benchmark.
with final as (
    select * from status_transitions('marts.benchmark')
)
select * from final
