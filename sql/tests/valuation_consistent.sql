-- marts.valuation: one row per firm and day; the forward-adjusted close meets the unadjusted one on the latest
-- day; market value and multiples are never negative (the ratios are NULL for a loss or no revenue).
select code, trade_date, 'duplicate key' as problem
from marts.valuation group by code, trade_date having count(*) > 1
union all
select code, trade_date, 'qfq close differs from close on the latest day'
from marts.valuation where is_latest and abs(close_qfq - close) > 0.005
union all
select code, trade_date, 'negative market value or multiple'
from marts.valuation where market_cap < 0 or ps_ttm < 0 or pe_ttm < 0
