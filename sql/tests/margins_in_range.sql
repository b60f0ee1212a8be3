-- Margins are fractions in a sane range: a percent stored as a fraction (40 instead of 0.40) or a sign error shows here.
select code, period_end, gross_margin_ttm, net_margin_ttm
from marts.fundamentals
where gross_margin_ttm > 1.000001 or gross_margin_ttm < -50
   or net_margin_ttm > 50 or net_margin_ttm < -50
   or gross_margin_q > 1.000001
