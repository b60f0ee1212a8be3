-- restatements: for each report fetched in more than one version, the lines whose value changed.
-- Grain: (statement, code, period_end, version_no, line). Amounts 元. version_no 1 is the first seen.
-- Inputs: staging.stg_statement_versions, raw.income, raw.balance, raw.cashflow.
with versions as (
    select * from staging.stg_statement_versions where version_count > 1
),
income_long as (
    unpivot (select distinct on (code, period_end, row_hash) * exclude (
                 name, report_type, notice_date, update_date, currency, source, fetched_at, last_seen_at, raw_sha, source_version, is_sample)
             from raw.income)
    on columns(* exclude (code, period_end, row_hash)) into name line value value
),
balance_long as (
    unpivot (select distinct on (code, period_end, row_hash) * exclude (
                 notice_date, update_date, source, fetched_at, last_seen_at, raw_sha, source_version, is_sample)
             from raw.balance)
    on columns(* exclude (code, period_end, row_hash)) into name line value value
),
cashflow_long as (
    unpivot (select distinct on (code, period_end, row_hash) * exclude (
                 notice_date, update_date, source, fetched_at, last_seen_at, raw_sha, source_version, is_sample)
             from raw.cashflow)
    on columns(* exclude (code, period_end, row_hash)) into name line value value
),
values_long as (
    select 'income' as statement, * from income_long
    union all select 'balance', * from balance_long
    union all select 'cashflow', * from cashflow_long
),
versioned as (
    select v.statement, v.code, v.period_end, v.version_no, v.update_date, v.first_fetched_at, l.line, l.value
    from versions v
    join values_long l using (statement, code, period_end, row_hash)
),
compared as (
    select *, lag(value) over (partition by statement, code, period_end, line order by version_no) as previous_value
    from versioned
),
final as (
    select statement, code, period_end, version_no, update_date, first_fetched_at, line,
           previous_value, value, value - previous_value as change
    from compared
    where version_no > 1 and value is distinct from previous_value
)
select * from final
