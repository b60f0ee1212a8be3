-- The benchmark status agrees with the margins, the profit sign and the thresholds.
select code, period_end, status, gross_margin_ttm, net_margin_ttm, net_profit_ttm
from marts.benchmark
where (status = 'meets_both' and not (gross_margin_ttm >= gross_benchmark and net_margin_ttm >= net_benchmark))
   or (status = 'loss_making' and not net_profit_ttm < 0)
   or (status in ('gross_only', 'net_only', 'below_both', 'meets_both') and net_profit_ttm < 0)
   or (status = 'no_data' and gross_margin_ttm is not null and net_profit_ttm >= 0)
   or status is null
