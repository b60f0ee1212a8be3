-- The implied utilisation reproduces the firm's compute gross margin: the model's gross margin at that utilisation
-- (held flat, over the term and in year 1) equals the reported margin within 1e-6, unless the utilisation is capped
-- at 100 %; and it is missing only when even 100 % utilisation gives a lower margin.
with s as (select * from seeds.economics_solve),
checks as (
    select e.code, e.period_end, s.basis, e.compute_gross_margin_ttm as target,
           case s.basis when 'term' then e.implied_utilization_term else e.implied_utilization_year1 end as u,
           (s.revenue_at_full - s.depreciation - s.opex_fixed - s.opex_variable_at_full) / s.revenue_at_full as at_full,
           s.revenue_at_full, s.depreciation, s.opex_fixed, s.opex_variable_at_full
    from marts.economics e cross join s
)
select code, period_end, basis, target, u, at_full
from checks
where (u is null and at_full >= target - 1e-6)
   or (u is not null and u < 1 and u > 0
       and abs((revenue_at_full * u - depreciation - opex_fixed - opex_variable_at_full * u) / (revenue_at_full * u) - target) > 1e-6)
   or (u is not null and (u < 0 or u > 1))
