-- status_changes: who crossed a benchmark line, either way. One row per (code, period_end, dimension) where the
-- firm's status differs from its previous reported period's, and at its first reported period (direction
-- 'first'). Dimensions: firm_wide (marts.benchmark.status), compute (compute_gross_status, the compute segment
-- against the gross benchmark), recurring (net_deducted_status, 扣非 profit against the net benchmark).
-- direction: up / down by the order below, 'changed' between statuses of one rank (gross_only ↔ net_only) or to
-- or from one that has no rank (no_data, not_disclosed …). Quarters without a report are skipped, not a change.
--   firm_wide: meets_both 4 > gross_only, net_only 3 > below_both 2 > loss_making 1
--   compute:   meets 2 > below 1          recurring: meets 3 > below 2 > loss_making 1
-- Inputs: marts.benchmark.
with scored as (
    select code, name, period_end, is_current_member, is_sample,
           status, compute_gross_status, net_deducted_status
    from marts.benchmark
    where not report_missing
),
long as (
    select code, name, period_end, is_current_member, is_sample, 'firm_wide' as dimension, status,
           case status when 'meets_both' then 4 when 'gross_only' then 3 when 'net_only' then 3
                       when 'below_both' then 2 when 'loss_making' then 1 end as rank_
    from scored
    union all
    select code, name, period_end, is_current_member, is_sample, 'compute', compute_gross_status,
           case compute_gross_status when 'meets' then 2 when 'below' then 1 end
    from scored
    union all
    select code, name, period_end, is_current_member, is_sample, 'recurring', net_deducted_status,
           case net_deducted_status when 'meets' then 3 when 'below' then 2 when 'loss_making' then 1 end
    from scored
),
ordered as (
    select *,
           lag(period_end) over w as previous_period_end,
           lag(status) over w as previous_status,
           lag(rank_) over w as previous_rank
    from long
    window w as (partition by code, dimension order by period_end)
),
final as (
    select
        code, name, period_end, dimension, previous_period_end, previous_status, status,
        case
            when previous_period_end is null then 'first'
            when rank_ is null or previous_rank is null or rank_ = previous_rank then 'changed'
            when rank_ > previous_rank then 'up'
            else 'down'
        end as direction,
        is_current_member, is_sample
    from ordered
    where previous_period_end is null or status is distinct from previous_status
)
select * from final
