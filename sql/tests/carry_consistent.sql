-- marts.cash_flow and marts.carry_screen hold together: free cash flow = operating cash flow − capex wherever both
-- exist, net debt = debt − cash, and flags_raised / flags_checked / flags count and name exactly the flags set.
select code, period_end, basis, 'free_cash_flow' as check_name
from marts.cash_flow
where operating_cash_flow is not null and capex is not null
  and abs(free_cash_flow - (operating_cash_flow - capex)) > 1e-6
union all
select code, period_end, null, 'net_debt'
from marts.balance_health
where interest_bearing_debt is not null and cash is not null and abs(net_debt - (interest_bearing_debt - cash)) > 1e-6
union all
select code, period_end, null, 'flag_counts'
from marts.carry_screen
where flags_raised <> coalesce(len(string_split(flags, ', ')), 0)
   or flags_checked < flags_raised
