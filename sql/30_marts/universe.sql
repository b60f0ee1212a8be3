-- universe: the compute-leasing firms, with membership history. Grain: code.
-- first_seen / last_seen are the first and last snapshots that listed the firm; is_current means it is in the
-- newest snapshot. Inputs: staging.stg_universe_snapshots, staging.stg_share_info.
with snapshots as (
    select * from staging.stg_universe_snapshots
),
newest as (
    select max(snapshot_at) as snapshot_at from snapshots
),
members as (
    select
        code,
        arg_max(name, snapshot_at) as name,
        arg_max(exchange, snapshot_at) as exchange,
        arg_max(membership_source, snapshot_at) as membership_source,
        arg_max(board, snapshot_at) as board,
        min(snapshot_at) as first_seen,
        max(snapshot_at) as last_seen,
        bool_or(is_sample) as is_sample
    from snapshots
    group by code
),
final as (
    select
        m.code, m.name, m.exchange, m.membership_source, m.board,
        m.first_seen::date as first_seen, m.last_seen::date as last_seen,
        m.last_seen = n.snapshot_at as is_current,
        i.industry, i.list_date, i.total_shares,
        m.is_sample
    from members m
    cross join newest n
    left join staging.stg_share_info i using (code)
)
select * from final
