-- stg_balance: latest version of each balance sheet. Grain: (code, period_end). Point-in-time balances, 元.
-- Input: raw.balance.
with final as (
    select * from latest_statement('raw.balance')
)
select * from final
