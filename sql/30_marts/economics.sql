-- economics: each firm with a disclosed compute segment, set beside the per-server model of `leasewatch economics`.
-- Grain: (code, period_end) where the compute-segment gross margin TTM is known. Fractions; utilisation is the
-- billed share of capacity. The model runs at the defaults of sql/seeds/economics_defaults.toml (seeds.economics_*).
-- implied_utilization_*: the flat utilisation at which the model's gross margin equals the firm's reported compute
-- gross margin — on the whole term (a fleet of evenly spread server vintages) and in year 1 (a young fleet).
-- D&A and interest are firm-wide: statements do not split them by segment.
-- Inputs: marts.benchmark, marts.fundamentals, seeds.economics_model, seeds.economics_solve.
with firms as (
    select
        b.code, b.name, b.period_end, b.is_current_member,
        f.compute_revenue_ttm, b.compute_share_ttm, b.compute_gross_margin_ttm, b.compute_ttm_is_carried,
        b.gross_margin_ttm, b.net_margin_ttm, b.da_to_revenue_ttm, b.interest_to_revenue_ttm,
        b.is_sample
    from marts.benchmark b
    join marts.fundamentals f using (code, period_end)
    where b.compute_gross_margin_ttm is not null
),
model as (
    -- the assumed depreciation method, year 1 and the whole term (Σ over years / Σ revenue)
    select
        any_value(method) as model_method,
        max(gross_margin) filter (where year = 1) as model_gross_margin_year1,
        (sum(revenue) - sum(depreciation) - sum(opex)) / nullif(sum(revenue), 0) as model_gross_margin_term,
        max(net_margin) filter (where year = 1) as model_net_margin_year1,
        sum(net_profit) / nullif(sum(revenue), 0) as model_net_margin_term,
        max(da_to_revenue) filter (where year = 1) as model_da_to_revenue_year1,
        sum(depreciation) / nullif(sum(revenue), 0) as model_da_to_revenue_term,
        max(interest_to_revenue) filter (where year = 1) as model_interest_to_revenue_year1,
        sum(interest) / nullif(sum(revenue), 0) as model_interest_to_revenue_term
    from seeds.economics_model
    where is_assumed_method
),
solve_term as (select * from seeds.economics_solve where basis = 'term'),
solve_year1 as (select * from seeds.economics_solve where basis = 'year1'),
final as (
    select
        f.code, f.name, f.period_end,
        f.compute_revenue_ttm, f.compute_share_ttm, f.compute_gross_margin_ttm, f.compute_ttm_is_carried,
        f.gross_margin_ttm, f.net_margin_ttm, f.da_to_revenue_ttm, f.interest_to_revenue_ttm,
        m.*,
        implied_utilization(f.compute_gross_margin_ttm, t.depreciation, t.opex_fixed, t.revenue_at_full,
                            t.opex_variable_at_full) as implied_utilization_term,
        implied_utilization(f.compute_gross_margin_ttm, y.depreciation, y.opex_fixed, y.revenue_at_full,
                            y.opex_variable_at_full) as implied_utilization_year1,
        benchmark_gap_pp(f.compute_gross_margin_ttm, m.model_gross_margin_term) as compute_gross_gap_to_model_pp,
        (select description from seeds.economics_description) as model_assumptions,
        f.is_current_member,
        f.period_end = max(f.period_end) over (partition by f.code) as is_latest,
        f.is_sample
    from firms f
    cross join model m
    cross join solve_term t
    cross join solve_year1 y
)
select
    * exclude (is_current_member, is_latest, is_sample),
    implied_utilization_note(implied_utilization_term, implied_utilization_year1) as implied_utilization_note,
    is_current_member, is_latest, is_sample
from final
