-- universe_changes: who joined or left the board between consecutive snapshots of the same source and board.
-- Grain: (membership_source, board, snapshot_at, code). change_share is the day's changes / previous size;
-- above 10 % it is flagged for review. Input: staging.stg_universe_snapshots.
with snapshots as (
    select distinct membership_source, board, snapshot_at from staging.stg_universe_snapshots
),
ordered as (
    select *, lag(snapshot_at) over (partition by membership_source, board order by snapshot_at) as previous_at
    from snapshots
),
members as (
    select * from staging.stg_universe_snapshots
),
joined as (
    select o.membership_source, o.board, o.snapshot_at, m.code, m.name, 'joined' as change
    from ordered o
    join members m using (membership_source, board, snapshot_at)
    where o.previous_at is not null
      and not exists (select 1 from members p where p.membership_source = o.membership_source
                      and p.board = o.board and p.snapshot_at = o.previous_at and p.code = m.code)
),
left_ as (
    select o.membership_source, o.board, o.snapshot_at, p.code, p.name, 'left' as change
    from ordered o
    join members p on p.membership_source = o.membership_source and p.board = o.board
                  and p.snapshot_at = o.previous_at
    where not exists (select 1 from members m where m.membership_source = o.membership_source
                      and m.board = o.board and m.snapshot_at = o.snapshot_at and m.code = p.code)
),
changes as (
    select * from joined union all select * from left_
),
sizes as (
    select o.membership_source, o.board, o.snapshot_at, count(p.code) as previous_size
    from ordered o
    left join members p on p.membership_source = o.membership_source and p.board = o.board
                       and p.snapshot_at = o.previous_at
    group by all
),
final as (
    select c.*,
           s.previous_size,
           count(*) over (partition by c.membership_source, c.board, c.snapshot_at) / nullif(s.previous_size, 0)
               as change_share,
           count(*) over (partition by c.membership_source, c.board, c.snapshot_at) / nullif(s.previous_size, 0) > 0.10
               as needs_review
    from changes c
    join sizes s using (membership_source, board, snapshot_at)
)
select * from final
