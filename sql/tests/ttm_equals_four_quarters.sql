-- TTM equals the sum of the last four single quarters whenever all four exist (tolerance 1 元).
with q as (
    select code, line, period_end, value_q, value_ttm, ttm_is_carried,
           sum(value_q) over w as sum_4q,
           count(value_q) over w as n_q,
           min(period_end) over w as first_of_window
    from intermediate.int_flows_periodized
    window w as (partition by code, line order by period_end rows between 3 preceding and current row)
)
select code, line, period_end, value_ttm, sum_4q
from q
where n_q = 4 and not ttm_is_carried
  and first_of_window = last_day(period_end - interval 9 month)
  and (value_ttm is null or abs(value_ttm - sum_4q) > 1)
