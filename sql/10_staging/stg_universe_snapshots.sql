-- stg_universe_snapshots: board membership as seen at each fetch or import.
-- Grain: (membership_source, board, snapshot_at, code). Input: raw.universe.
with final as (
    select distinct membership_source, board, fetched_at as snapshot_at, code, name, exchange, is_sample
    from raw.universe
    where code is not null
)
select * from final
