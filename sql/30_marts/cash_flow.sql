-- cash_flow: does the cash come in? Per firm, quarter end and basis: 'q' (single quarter), 'ttm' (trailing twelve
-- months) and 'fy' (the full year, at 12-31), following the period rules of metrics.md. Amounts in 元, ratios as
-- fractions (metrics.md, "Cash, debt and valuation").
--   free_cash_flow = operating_cash_flow (NETCASH_OPERATE) − capex (CONSTRUCT_LONG_ASSET); NULL when either is.
--   lease_cash_paid_upper_bound = 支付其他与筹资活动有关的现金 (PAY_OTHER_FINANCE): lease payments usually land
--     there, with other items, so it is at most the lease cash.
--   capex_to_da = capex / D&A (> 1: still building the fleet); cash_conversion = operating_cash_flow / EBITDA;
--     both NULL when the denominator is ≤ 0 or unknown.
--   finlease_obtained_fa = fixed assets obtained under finance leases (融资租入固定资产), non-cash fleet additions
--     where the cash-flow supplement discloses them (usually not: NULL then, never 0).
-- D&A (and with it EBITDA) comes from the cash-flow supplement, which most firms publish in H1 and FY reports only:
-- at 03-31/09-30 the TTM D&A is carried from the last H1/FY report (da_is_carried). The TTM ratios over D&A and
-- EBITDA are then formed where that twelve-month window was computed and carried with it, so that numerator and
-- denominator always cover the same twelve months (as marts.fundamentals does for its margins); single-quarter D&A
-- exists only where two consecutive reports disclose it. Rows for missing reports are kept with NULL flows.
-- Inputs: marts.fundamentals.
with f as (
    select * from marts.fundamentals
),
bases as (
    select code, name, period_end, fiscal_year, fiscal_quarter, 'q' as basis, report_missing, is_sample,
           revenue_q as revenue, net_profit_q as net_profit, operating_cash_flow_q as operating_cash_flow,
           capex_q as capex, other_financing_paid_q as other_financing_paid,
           depreciation_amortization_q as da, false as da_is_carried, ebitda_q as ebitda,
           cast(null as double) as finlease_obtained_fa
    from f
    union all
    select code, name, period_end, fiscal_year, fiscal_quarter, 'ttm', report_missing, is_sample,
           revenue_ttm, net_profit_ttm, operating_cash_flow_ttm, capex_ttm, other_financing_paid_ttm,
           depreciation_amortization_ttm, depreciation_amortization_ttm_is_carried, ebitda_ttm,
           finlease_obtained_fa_ttm
    from f
    union all
    select code, name, period_end, fiscal_year, fiscal_quarter, 'fy', report_missing, is_sample,
           revenue_ytd, net_profit_ytd, operating_cash_flow_ytd, capex_ytd, other_financing_paid_ytd,
           depreciation_amortization_ytd, false, ebitda_ytd, finlease_obtained_fa_ytd
    from f
    where fiscal_quarter = 4 and not report_missing
),
flows as (
    select
        *,
        operating_cash_flow - capex as free_cash_flow,
        -- formed where the D&A window was computed; carried below at 03-31/09-30 (TTM)
        safe_ratio(capex, da) as capex_to_da_here,
        safe_ratio(operating_cash_flow, ebitda) as cash_conversion_here
    from bases
),
final as (
    select
        code, name, period_end, fiscal_year, fiscal_quarter, basis, report_missing,
        revenue, net_profit, operating_cash_flow, capex, free_cash_flow,
        other_financing_paid as lease_cash_paid_upper_bound,
        da as depreciation_amortization, da_is_carried, ebitda,
        case when da_is_carried then lag(capex_to_da_here) over w else capex_to_da_here end as capex_to_da,
        case when da_is_carried then lag(cash_conversion_here) over w else cash_conversion_here end
            as cash_conversion,
        finlease_obtained_fa,
        safe_ratio(free_cash_flow, revenue) as free_cash_flow_to_revenue,
        is_sample
    from flows
    window w as (partition by code, basis order by period_end)
)
select * from final
