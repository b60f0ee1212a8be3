-- Every quarter between a firm's first and last report is a row, and a quarter without data says so.
with ordered as (
    select code, period_end, report_missing, revenue_ytd, notice_date,
           lag(period_end) over (partition by code order by period_end) as previous_period
    from marts.fundamentals
)
select code, period_end, previous_period, 'gap in the period sequence' as problem
from ordered
where previous_period is not null and previous_period <> last_day(period_end - interval 3 month)
union all
select code, period_end, previous_period, 'no report but not flagged as missing'
from ordered
where not report_missing and notice_date is null
