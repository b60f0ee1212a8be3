-- The four single quarters of a fiscal year add up to the FY figure (tolerance 1 元), for every flow line.
with q as (
    select code, fiscal_year, line, sum(value_q) as sum_q, count(value_q) as n_q
    from intermediate.int_flows_periodized
    group by code, fiscal_year, line
),
fy as (
    select code, fiscal_year, line, value_ytd as fy
    from intermediate.int_flows_periodized
    where fiscal_quarter = 4 and value_ytd is not null
)
select q.code, q.fiscal_year, q.line, q.sum_q, fy.fy
from q join fy using (code, fiscal_year, line)
where q.n_q = 4 and abs(q.sum_q - fy.fy) > 1
