-- int_statement_history: each stored payload of each F10 statement, with the signs of a history EastMoney cut
-- short. akshare asks for five report dates per request and silently stops at the first batch that comes back
-- without data (PR #5459), so a payload can lack a run of periods or end early; the rows already stored from
-- earlier fetches still serve the models, and this model says where a fetch fell short.
-- Grain: (statement, code, raw_sha). Quarter ends only (an odd date is not a report period).
-- history_gap: a run of 4 or more missing quarter ends between two reports (pipeline.extract.ingest.GAP_QUARTERS):
-- a listed firm reports at least yearly, so that is a lost batch, not a late report.
-- history_shrank: the payload starts later than one fetched before it.
-- Inputs: raw.income, raw.balance, raw.cashflow.
with rows_ as (
    select 'income' as statement, code, raw_sha, period_end, fetched_at, last_seen_at from raw.income
    union all
    select 'balance', code, raw_sha, period_end, fetched_at, last_seen_at from raw.balance
    union all
    select 'cashflow', code, raw_sha, period_end, fetched_at, last_seen_at from raw.cashflow
),
quarter_ends as (
    select distinct statement, code, raw_sha, period_end
    from rows_
    where period_end = last_day(period_end) and month(period_end) in (3, 6, 9, 12)
),
steps as (
    select
        *,
        lag(period_end) over (partition by statement, code, raw_sha order by period_end) as previous_period,
        -- quarters between two report dates, minus one: the quarter ends missing in between
        (year(period_end) * 4 + quarter(period_end))
            - (year(lag(period_end) over (partition by statement, code, raw_sha order by period_end)) * 4
               + quarter(lag(period_end) over (partition by statement, code, raw_sha order by period_end))) - 1
            as missing_quarters
    from quarter_ends
),
payloads as (
    select
        s.statement, s.code, s.raw_sha,
        min(s.period_end) as first_period,
        max(s.period_end) as last_period,
        count(*) as periods,
        coalesce(max(s.missing_quarters), 0) as longest_gap_quarters,
        arg_max(s.previous_period, s.missing_quarters) filter (where s.missing_quarters is not null) as gap_after
    from steps s
    group by all
),
fetch_times as (
    select statement, code, raw_sha, min(fetched_at) as first_fetched_at, max(last_seen_at) as last_seen_at
    from rows_
    group by all
),
ordered as (
    select
        p.*, t.first_fetched_at, t.last_seen_at,
        min(p.first_period) over (
            partition by p.statement, p.code order by t.first_fetched_at
            rows between unbounded preceding and 1 preceding
        ) as earliest_before,
        row_number() over (partition by p.statement, p.code order by t.last_seen_at desc, t.first_fetched_at desc) = 1
            as is_latest
    from payloads p
    join fetch_times t using (statement, code, raw_sha)
),
final as (
    select
        *,
        longest_gap_quarters >= 4 as history_gap,
        coalesce(earliest_before < first_period, false) as history_shrank
    from ordered
)
select * from final
