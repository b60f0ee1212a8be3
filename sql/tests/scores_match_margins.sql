-- The compute and recurring scores of marts.benchmark agree with their margins and thresholds.
select code, period_end, compute_gross_status, compute_gross_margin_ttm, net_deducted_status, net_margin_deducted_ttm
from marts.benchmark
where (compute_gross_status = 'meets' and not compute_gross_margin_ttm >= gross_benchmark)
   or (compute_gross_status = 'below' and not compute_gross_margin_ttm < gross_benchmark)
   or (net_deducted_status = 'meets' and not net_margin_deducted_ttm >= net_benchmark)
   or (net_deducted_status = 'loss_making' and not net_profit_deducted_ttm < 0)
   or (net_meets_only_with_one_offs and not (net_margin_ttm >= net_benchmark and net_margin_deducted_ttm < net_benchmark))
