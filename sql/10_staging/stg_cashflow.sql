-- stg_cashflow: latest version of each cash-flow statement. Grain: (code, period_end). Cumulative YTD, 元.
-- Input: raw.cashflow. The depreciation supplement is usually present only in H1 and FY reports.
with final as (
    select * from latest_statement('raw.cashflow')
)
select * from final
