-- marts.valuation: one row per firm and day; the forward-adjusted close meets the unadjusted one on the latest
-- day; market value and P/S, P/E, P/B are never negative (NULL for a loss, no revenue or no equity; EV and EV/EBITDA
-- may be: net cash above the market value); and nothing
-- a row uses comes from after its day (point in time: the share count in force, the report published).
select code, trade_date, 'duplicate key' as problem
from marts.valuation group by code, trade_date having count(*) > 1
union all
select code, trade_date, 'qfq close differs from close on the latest day'
from marts.valuation where is_latest and abs(close_qfq - close) > 0.005
union all
select code, trade_date, 'negative market value or multiple'
from marts.valuation where market_cap < 0 or ps_ttm < 0 or pe_ttm < 0 or pb < 0
union all
select code, trade_date, 'uses a share count or a report from after the day'
from marts.valuation
where shares_effective_date > trade_date or report_notice_date > trade_date or figures_known_on > trade_date
   or report_period_end > trade_date
union all
select code, trade_date, 'market value without a share count in force'
from marts.valuation where market_cap is not null and shares_effective_date is null
