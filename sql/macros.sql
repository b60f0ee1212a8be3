-- Macros every model may use. Run by the build before the models.

-- A ratio that is NULL when the denominator is not positive (metrics.md: "NULL when revenue ≤ 0 or NULL").
create or replace macro safe_ratio(num, den) as case when den > 0 then num / den end;

-- Year-on-year change x / x_prior − 1; NULL when the prior value is not positive (the sign change is said in words).
create or replace macro yoy(x, x_prior) as case when x_prior > 0 then x / x_prior - 1 end;

-- 扭亏 / 转亏 for a change of sign that yoy() cannot express.
create or replace macro sign_change(x, x_prior) as
    case when x_prior <= 0 and x > 0 then '扭亏' when x_prior > 0 and x < 0 then '转亏' end;

-- Sum of parts where a missing part counts as 0 only when at least one part is present.
create or replace macro sum_present(a, b, c, d) as
    case when coalesce(a, b, c, d) is not null then coalesce(a, 0) + coalesce(b, 0) + coalesce(c, 0) + coalesce(d, 0) end;

-- The latest version of every (code, period_end) of a raw statement table, with its version count.
-- Versions are distinct row contents; the latest is by UPDATE_DATE, then NOTICE_DATE, then fetch time.
create or replace macro latest_statement(tbl) as table
    with rows_ as (
        select *,
               min(fetched_at) over (partition by code, period_end, row_hash) as first_fetched_at,
               max(last_seen_at) over (partition by code, period_end, row_hash) as row_last_seen_at,
               row_number() over (partition by code, period_end, row_hash order by fetched_at) as copy_no
        from query_table(tbl)
        -- EastMoney occasionally lists odd dates such as 1991-06-29 23:00; only quarter ends are report periods
        -- (marts.data_quality lists the rows left out)
        where period_end = last_day(period_end) and month(period_end) in (3, 6, 9, 12)
    ),
    versions as (
        select * exclude (copy_no, fetched_at, last_seen_at) from rows_ where copy_no = 1
    ),
    ranked as (
        select *,
               count(*) over (partition by code, period_end) as version_count,
               row_number() over (
                   partition by code, period_end
                   order by update_date desc nulls last, notice_date desc nulls last, row_last_seen_at desc
               ) as recency
        from versions
    )
    select * exclude (recency) from ranked where recency = 1;

-- Gap to a benchmark in percentage points: margin and threshold are fractions, so × 100.
create or replace macro benchmark_gap_pp(margin, threshold) as (margin - threshold) * 100;

-- The benchmark status of metrics.md. One definition for marts.benchmark and for reports run with other thresholds
-- (`leasewatch report --gross/--net`), so the two can never disagree on the rule.
create or replace macro benchmark_status(gross_margin, net_margin, net_profit, gross_threshold, net_threshold) as
    case
        when net_profit is null then 'no_data'
        when net_profit < 0 then 'loss_making'
        when gross_margin is null or net_margin is null then 'no_data'
        when gross_margin >= gross_threshold and net_margin >= net_threshold then 'meets_both'
        when gross_margin >= gross_threshold then 'gross_only'
        when net_margin >= net_threshold then 'net_only'
        else 'below_both'
    end;

-- The status of one margin against one threshold (the recurring net margin against 20 %): the same precedence as
-- benchmark_status, so a loss is a loss before it is "below".
create or replace macro threshold_status(margin, profit, threshold) as
    case
        when profit is null then 'no_data'
        when profit < 0 then 'loss_making'
        when margin is null then 'no_data'
        when margin >= threshold then 'meets'
        else 'below'
    end;

-- The compute segment's gross margin against the gross benchmark (metrics.md, Benchmark): not_disclosed (no
-- product or industry segments), no_compute_segment (disclosed, none is compute), no_segment_cost (compute revenue
-- without its cost), meets, below.
create or replace macro compute_gross_status(compute_revenue, compute_gross_margin, threshold) as
    case
        when compute_revenue is null then 'not_disclosed'
        when compute_revenue <= 0 then 'no_compute_segment'
        when compute_gross_margin is null then 'no_segment_cost'
        when compute_gross_margin >= threshold then 'meets'
        else 'below'
    end;

-- The flat utilisation at which the per-server model's gross margin equals `gross_margin` (pipeline/economics/,
-- solve_rows): (D + F) / (R·(1 − g) − V) with D depreciation, F fixed opex, R revenue and V variable opex at full
-- use, summed over the basis years. NULL when even 100 % utilisation gives a lower margin (the model's
-- `required_utilization` says "unreachable" then). Checked against the Python solver in tests/test_economics_mart.py.
create or replace macro implied_utilization(gross_margin, depreciation, opex_fixed, revenue_at_full, opex_variable_at_full) as
    case
        when gross_margin is null or revenue_at_full <= 0 then null
        when (revenue_at_full - depreciation - opex_fixed - opex_variable_at_full) / revenue_at_full
             < gross_margin - 1e-6 then null
        when depreciation + opex_fixed = 0 then 0.0
        else least((depreciation + opex_fixed) / (revenue_at_full * (1 - gross_margin) - opex_variable_at_full), 1.0)
    end;

-- Why an implied utilisation is missing (NULL when both bases were solved): one wording for marts.economics and for
-- reports run with other assumptions (`leasewatch report --economics FILE`).
create or replace macro implied_utilization_note(utilization_term, utilization_year1) as
    case
        when utilization_term is null
            then 'the compute gross margin is above the model''s at 100 % utilisation: the firm''s rent or costs differ from the model''s'
        when utilization_year1 is null
            then 'reachable over the term, not in year 1 (a young fleet could not earn it)'
    end;
