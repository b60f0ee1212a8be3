-- stg_income: latest version of each income-statement report. Grain: (code, period_end). Values cumulative YTD, 元.
-- Input: raw.income (every fetched version). Only picks and keeps names; no arithmetic.
with final as (
    select * from latest_statement('raw.income')
)
select * from final
