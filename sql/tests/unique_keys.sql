-- Every mart's key is unique.
select 'marts.fundamentals' as model, code || ' ' || period_end as key, count(*) as n
from marts.fundamentals group by code, period_end having count(*) > 1
union all
select 'marts.benchmark', code || ' ' || period_end, count(*) from marts.benchmark group by code, period_end having count(*) > 1
union all
select 'marts.segments', code || ' ' || period_end || ' ' || classification || ' ' || segment, count(*)
from marts.segments group by code, period_end, classification, segment having count(*) > 1
union all
select 'marts.universe', code, count(*) from marts.universe group by code having count(*) > 1
union all
select 'marts.economics', code || ' ' || period_end, count(*) from marts.economics group by code, period_end having count(*) > 1
