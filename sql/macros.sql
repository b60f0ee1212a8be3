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

-- Meets the net benchmark as reported (consolidated and attributable) but not on recurring (扣非) profit: one-off
-- gains carry it. The attributable margin must meet too (扣非 is attributable), so a minority share is not taken
-- for a one-off. FALSE when a margin is unknown. One definition for marts.benchmark and rescored reports.
create or replace macro meets_only_with_one_offs(net_margin, parent_margin, deducted_margin, threshold) as
    coalesce(net_margin >= threshold and parent_margin >= threshold and deducted_margin < threshold, false);

-- The compute segment's gross margin against the gross benchmark (metrics.md, Benchmark): not_disclosed (no
-- product or industry segments), no_compute_segment (disclosed, none is compute), no_segment_cost (compute revenue
-- without its cost), meets, below; segments_inconsistent where the TTM compute revenue is negative (the H1/FY
-- segment reports of the window disagree: marts.data_quality compute_ttm_negative).
create or replace macro compute_gross_status(compute_revenue, compute_gross_margin, threshold) as
    case
        when compute_revenue is null then 'not_disclosed'
        when compute_revenue < 0 then 'segments_inconsistent'
        when compute_revenue = 0 then 'no_compute_segment'
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

-- Status transitions (metrics.md, Benchmark): one definition for marts.status_changes and for a report rescored at
-- other thresholds (`leasewatch report --gross/--net`). `tbl` has code, name, period_end, is_current_member,
-- is_sample, report_missing, status, compute_gross_status and net_deducted_status (marts.benchmark, or the report's
-- rescored copy of it). Only scored statuses take part: a period without one (no_data, not_disclosed,
-- no_compute_segment, no_segment_cost, segments_inconsistent) or without a report is skipped, so a change is
-- between a firm's consecutive scored periods and 'first' is its first scored one. direction: up / down by rank,
-- 'changed' between statuses of one rank (gross_only ↔ net_only).
--   firm_wide: meets_both 4 > gross_only, net_only 3 > below_both 2 > loss_making 1
--   compute:   meets 2 > below 1          recurring: meets 3 > below 2 > loss_making 1
create or replace macro status_transitions(tbl) as table
    with scored as (
        select code, name, period_end, is_current_member, is_sample, status, compute_gross_status,
               net_deducted_status
        from query_table(tbl)
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
        where rank_ is not null
        window w as (partition by code, dimension order by period_end)
    )
    select
        code, name, period_end, dimension, previous_period_end, previous_status, status,
        case
            when previous_period_end is null then 'first'
            when rank_ = previous_rank then 'changed'
            when rank_ > previous_rank then 'up'
            else 'down'
        end as direction,
        is_current_member, is_sample
    from ordered
    where previous_period_end is null or status <> previous_status;

