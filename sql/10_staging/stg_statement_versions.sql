-- stg_statement_versions: every distinct version of every report, for restatement audits.
-- Grain: (statement, code, period_end, version_no); version 1 is the first seen. Input: raw.income/balance/cashflow.
with all_rows as (
    select 'income' as statement, code, period_end, notice_date, update_date, row_hash, fetched_at, raw_sha from raw.income
    union all
    select 'balance', code, period_end, notice_date, update_date, row_hash, fetched_at, raw_sha from raw.balance
    union all
    select 'cashflow', code, period_end, notice_date, update_date, row_hash, fetched_at, raw_sha from raw.cashflow
),
first_seen as (
    select statement, code, period_end, row_hash,
           min(fetched_at) as first_fetched_at,
           arg_min(notice_date, fetched_at) as notice_date,
           arg_min(update_date, fetched_at) as update_date,
           arg_min(raw_sha, fetched_at) as raw_sha
    from all_rows
    group by all
),
final as (
    select *,
           row_number() over (partition by statement, code, period_end
                              order by update_date nulls first, first_fetched_at) as version_no,
           count(*) over (partition by statement, code, period_end) as version_count
    from first_seen
)
select * from final
