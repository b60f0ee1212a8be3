-- D&A is the four supplement parts and never includes OILGAS_BIOLOGY_DEPR (EastMoney repeats FA_IR_DEPR there).
select code, period_end, depreciation_amortization, fa_depreciation, oilgas_biology_depreciation
from intermediate.int_statements_ytd
where depreciation_amortization is not null
  and abs(depreciation_amortization - (coalesce(fa_depreciation, 0) + coalesce(rou_depreciation, 0)
          + coalesce(intangible_amortization, 0) + coalesce(prepaid_amortization, 0))) > 0.5
