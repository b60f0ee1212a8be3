-- The three margin bridges of marts.margin_bridge close to 1e-9 wherever their inputs exist: gross + D&A in cost
-- (at most D&A, at most 营业成本) = gross before D&A, never above 100 % (and the gross gap = −its D&A part + the
-- rest); EBITDA − D&A − interest − tax − other = net; the operating view's steps = net.
select code, period_end, basis, 'gross_side' as bridge
from marts.margin_bridge
where gross_margin_ex_da is not null and (abs(gross_margin + da_in_cost_at_most - gross_margin_ex_da) > 1e-9
       or da_in_cost_at_most > da_to_revenue + 1e-12 or gross_margin_ex_da > 1 + 1e-12)
union all
select code, period_end, basis, 'gross_gap'
from marts.margin_bridge
where gross_gap_da_pp is not null and abs(-gross_gap_da_pp + gross_gap_rest_pp - gross_gap_pp) > 1e-9
union all
select code, period_end, basis, 'ebitda_to_net'
from marts.margin_bridge
where ebitda_other_to_revenue is not null
  and abs(ebitda_margin - da_to_revenue - coalesce(interest_to_revenue, 0) - coalesce(tax_to_revenue, 0)
          - ebitda_other_to_revenue - net_margin) > 1e-9
union all
select code, period_end, basis, 'operating_view'
from marts.margin_bridge
where operating_other_to_revenue is not null
  and abs(gross_margin - coalesce(selling_to_revenue, 0) - coalesce(admin_to_revenue, 0) - coalesce(rd_to_revenue, 0)
          - coalesce(net_finance_to_revenue, 0) - coalesce(credit_impairment_to_revenue, 0)
          - coalesce(asset_impairment_to_revenue, 0) + coalesce(other_income_to_revenue, 0)
          + coalesce(investment_income_to_revenue, 0) + coalesce(fair_value_change_to_revenue, 0)
          + coalesce(asset_disposal_to_revenue, 0) + coalesce(non_operating_net_to_revenue, 0)
          - coalesce(taxes_and_surcharges_to_revenue, 0) - coalesce(tax_to_revenue, 0)
          - operating_other_to_revenue - net_margin) > 1e-9
