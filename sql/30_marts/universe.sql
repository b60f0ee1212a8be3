-- universe: the compute-leasing firms, with membership history. Grain: code.
-- first_seen / last_seen are the first and last snapshots that listed the firm; is_current means it is in the
-- newest snapshot. unsupported_layout: the latest fetch of a statement was in EastMoney's bank, insurer or broker
-- layout, which the models do not read (the firm has no fundamentals; never zeros). not_disclosed: the inputs whose
-- latest fetch answered that nothing is disclosed (an empty statement, no 主营构成 table, no quote record).
-- Inputs: staging.stg_universe_snapshots, staging.stg_share_info, raw.fetches.
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
latest_fetch as (
    select function, code, arg_max(flags, fetched_at) as flags
    from raw.fetches
    group by all
),
coverage as (
    select
        code,
        bool_or(list_contains(flags, 'unsupported_layout')) as unsupported_layout,
        string_agg(
            case function
                when 'stock_profit_sheet_by_report_em' then 'income'
                when 'stock_balance_sheet_by_report_em' then 'balance'
                when 'stock_cash_flow_sheet_by_report_em' then 'cashflow'
                when 'stock_zygc_em' then 'segments'
                when 'stock_individual_info_em' then 'share_info'
                else function
            end, ', ' order by function
        ) filter (where list_contains(flags, 'no_disclosure')) as not_disclosed
    from latest_fetch
    group by code
),
final as (
    select
        m.code, m.name, m.exchange, m.membership_source, m.board,
        m.first_seen::date as first_seen, m.last_seen::date as last_seen,
        m.last_seen = n.snapshot_at as is_current,
        i.industry, i.list_date, i.total_shares,
        coalesce(c.unsupported_layout, false) as unsupported_layout,
        c.not_disclosed,
        m.is_sample
    from members m
    cross join newest n
    left join staging.stg_share_info i using (code)
    left join coverage c using (code)
)
select * from final
