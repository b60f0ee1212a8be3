"""Everything the reports show, read from the marts once through one read-only connection.

No number is calculated here or in the writers: margins, gaps, statuses and flags are the marts' columns. With
`--gross/--net` the status and gaps are re-evaluated in SQL with the warehouse's own macros
(`benchmark_status`, `benchmark_gap_pp` in sql/macros.sql, the ones marts.benchmark uses), so a report at other
thresholds follows the same rule. The writers only change units (元 → 亿元) and layout.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pipeline import periods
from pipeline.build.models import data_test_names
from pipeline.config import Paths
from pipeline.errors import LeasewatchError, UsageError
from pipeline.build.warehouse import build_info, connect, latest_period, no_reports

SEGMENT_YEARS = 2  # the Segments sheet covers this many years up to the report period


@dataclass
class Table:
    columns: list[str]
    rows: list[tuple]

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row)) for row in self.rows]

    def __len__(self) -> int:
        return len(self.rows)


@dataclass(frozen=True)
class Cut:
    """A long table the workbook shows only part of (the warehouse and `leasewatch export` have all of it)."""

    table: str  # the sheet's table: quarterly, segments, quality
    shown: int  # rows shown
    total: int  # rows in the warehouse for the period
    firms_shown: int
    firms_total: int
    rule: str  # what was kept, in words

    def describe(self) -> str:
        return (f"showing {self.shown:,} of {self.total:,} rows ({self.firms_shown:,} of {self.firms_total:,} firms): "
                f"{self.rule}")


# Rows a workbook sheet holds at most: beyond them openpyxl's ~11 µs a cell makes a full-market workbook take
# minutes, and no reader scrolls 200,000 rows. Longer tables are cut by firm (current members first, then the
# largest by TTM revenue), and the sheet says so.
ROW_BUDGET = {"quarterly": 20_000, "segments": 10_000, "quality": 10_000}
QUARTERS_WHEN_CUT = 8  # a cut quarterly panel keeps each firm's latest quarters, at least two years of them

FIRM_RANK_SQL = """
    select code
    from marts.fundamentals f
    left join marts.universe u using (code)
    where f.period_end <= $period
    group by code
    order by bool_or(coalesce(u.is_current, false)) desc, arg_max(f.revenue_ttm, f.period_end) desc nulls last, code
"""


def cut(name: str, table: "Table", rank: list[str], *, per_firm: int | None = None) -> tuple["Table", "Cut | None"]:
    """The table within ROW_BUDGET[name]: first each firm's last `per_firm` rows (rows are in period order within a
    firm), then whole firms in `rank` order while they fit. Unchanged, with no Cut, when it fits already."""
    budget = ROW_BUDGET[name]
    code = table.columns.index("code")
    total_firms = len({row[code] for row in table.rows})
    if len(table.rows) <= budget:
        return table, None
    rows, rule = table.rows, "whole firms"
    if per_firm:
        per_firm = max(per_firm, budget // total_firms)  # as many latest quarters as the budget allows each firm
        by_firm: dict[str, list[tuple]] = {}
        for row in rows:
            by_firm.setdefault(row[code], []).append(row)
        rows = [r for firm in by_firm.values() for r in firm[-per_firm:]]
        rule = f"the latest {per_firm} quarters of each firm"
    counts: dict[str, int] = {}
    for row in rows:
        counts[row[code]] = counts.get(row[code], 0) + 1
    kept, used = set(), 0
    for firm in [*rank, *sorted(set(counts) - set(rank))]:
        if firm in counts and used + counts[firm] <= budget:
            kept.add(firm)
            used += counts[firm]
    if len(kept) < len(counts):
        rule += ", current members first, then the largest firms by TTM revenue"
    shown = [r for r in rows if r[code] in kept]
    if not kept:  # not even the first firm fits: its first rows, so that the sheet shows the layout
        first = next(f for f in [*rank, *sorted(counts)] if f in counts)
        shown, kept = [r for r in rows if r[code] == first][:budget], {first}
        rule += f"; only the first {budget:,} rows of the first firm fit"
    return Table(table.columns, shown), Cut(name, len(shown), len(table.rows), len(kept), total_firms, rule)


@dataclass
class Benchmarks:
    gross: float
    net: float
    source: str  # where the values come from, as the reports print it
    overridden: bool


@dataclass
class ReportData:
    period: date
    info: dict  # ops.build_info
    benchmarks: Benchmarks
    summary: Table  # current members at the period, ranked by net-margin gap
    kpis: dict
    status_counts: dict[str, int]
    bridge: Table
    quarterly: Table  # every firm and quarter up to the period
    segments: Table
    universe: Table
    changes: Table
    quality: Table
    quality_counts: Table
    restatements: Table
    status_changes: Table  # marts.status_changes at the period
    status_history: Table  # every change up to the period
    carry: Table  # cash flow, debt, fleet and the carry screen per current member at the period
    screen: Table  # seeds.carry_screen: the screen's thresholds the warehouse was built with
    panel_counts: dict  # derived quarters, missing reports … in the quarterly panel
    data_tests: list[str]
    run_problems: Table  # failures and warnings of the newest logged run, if any
    economics: "EconomicsView | None" = None
    first_period: date | None = None
    cuts: dict[str, Cut] = field(default_factory=dict)  # long tables the workbook shows in part, by table
    sheet_tables: dict[str, Table] = field(default_factory=dict)  # those tables as the workbook shows them

    def for_sheet(self, name: str) -> Table:
        """A long table as a workbook sheet shows it: whole, or cut to ROW_BUDGET (see `cuts`). The HTML report
        and the figures use the whole tables."""
        return self.sheet_tables[name] if name in self.sheet_tables else getattr(self, name)
    written_at: datetime = field(default_factory=lambda: datetime.now().replace(microsecond=0))

    @property
    def label(self) -> str:
        return periods.label(self.period)

    @property
    def screen_limits(self) -> dict[str, float]:
        """The carry screen's thresholds by name, as the warehouse was built with them."""
        return {r["name"]: r["threshold"] for r in self.screen.records()}

    @property
    def is_sample(self) -> bool:
        return bool(self.info.get("is_sample"))


@dataclass
class EconomicsView:
    """The per-server model (pipeline/economics/) and the firms set beside it (marts.economics)."""

    source: str  # where the assumptions come from
    described: str  # the assumptions in one line
    result: Any  # economics.pnl.Result: the P&L by year, methods, requirements, payback, IRR, NPV, sensitivity grid
    firms: Table  # current members with a compute gross margin at the period
    net_needed: Any = None  # economics.pnl.Solved: the flat utilisation for the report's net benchmark over the term


# The thresholds enter as parameters $gross and $net; marts.benchmark used the warehouse's seeds with the same macros.
SUMMARY_SQL = """
    select
        b.code, b.name, u.exchange,
        benchmark_status(b.gross_margin_ttm, b.net_margin_ttm, b.net_profit_ttm, $gross, $net) as status,
        b.revenue_ttm, b.revenue_yoy_ttm, b.net_profit_ttm, b.net_profit_yoy_ttm, b.net_profit_change_ttm,
        b.gross_margin_ttm, b.net_margin_ttm,
        benchmark_gap_pp(b.gross_margin_ttm, $gross) as gross_gap_pp,
        benchmark_gap_pp(b.net_margin_ttm, $net) as net_gap_pp,
        b.da_to_revenue_ttm, b.da_is_carried, b.interest_to_revenue_ttm,
        b.compute_share_ttm, b.compute_gross_margin_ttm, b.compute_ttm_is_carried,
        b.revenue_up_profit_down, b.report_missing,
        -- the gross side (D&A sits in 营业成本) and EBITDA → net, from marts.margin_bridge
        m.da_in_cost_at_most, m.da_exceeds_cost, m.gross_margin_ex_da, m.ebitda_margin, m.tax_to_revenue, m.ebitda_other_to_revenue, m.one_offs_to_revenue,
        -- the benchmark on the compute segment and on recurring (扣非) profit, at the report's thresholds
        b.compute_revenue_ttm,
        benchmark_gap_pp(b.compute_gross_margin_ttm, $gross) as compute_gross_gap_pp,
        compute_gross_status(b.compute_revenue_ttm, b.compute_gross_margin_ttm, $gross) as compute_gross_status,
        b.net_margin_deducted_ttm,
        benchmark_gap_pp(b.net_margin_deducted_ttm, $net) as net_deducted_gap_pp,
        threshold_status(b.net_margin_deducted_ttm, b.net_profit_deducted_ttm, $net) as net_deducted_status,
        meets_only_with_one_offs(b.net_margin_ttm, f.net_margin_parent_ttm, b.net_margin_deducted_ttm, $net)
            as net_meets_only_with_one_offs
    from marts.benchmark b
    left join marts.universe u using (code)
    left join marts.fundamentals f using (code, period_end)
    left join marts.margin_bridge m on m.code = b.code and m.period_end = b.period_end and m.basis = 'ttm'
    where b.period_end = $period and b.is_current_member
"""

KPI_SQL = f"""
    select
        count(*) as firms,
        count(*) filter (where status = 'meets_both') as meets_both,
        count(*) filter (where status = 'loss_making') as loss_making,
        count(*) filter (where revenue_up_profit_down) as revenue_up_profit_down,
        median(gross_margin_ttm) as median_gross_margin,
        median(net_margin_ttm) as median_net_margin,
        median(gross_gap_pp) as median_gross_gap_pp,
        median(net_gap_pp) as median_net_gap_pp,
        median(da_to_revenue_ttm) as median_da_to_revenue,
        median(interest_to_revenue_ttm) as median_interest_to_revenue,
        median(gross_margin_ex_da) as median_gross_margin_ex_da,
        count(*) filter (where gross_margin_ttm < $gross and gross_margin_ex_da >= $gross) as gross_short_only_by_da,
        count(*) filter (where compute_gross_status = 'meets') as compute_meets,
        count(*) filter (where compute_gross_status in ('meets', 'below')) as compute_scored,
        count(*) filter (where net_deducted_status = 'meets') as recurring_meets,
        count(*) filter (where net_meets_only_with_one_offs) as net_only_with_one_offs,
        median(compute_share_ttm) as median_compute_share,
        sum(revenue_ttm) as revenue_ttm_total
    from ({SUMMARY_SQL})
"""

BRIDGE_SQL = """
    select
        b.code, b.name,
        benchmark_status(b.gross_margin_ttm, b.net_margin_ttm, b.net_profit_ttm, $gross, $net) as status,
        b.gross_margin_ttm, m.da_in_cost_at_most, m.gross_margin_ex_da, m.da_exceeds_cost,
        case when b.gross_margin_ttm < $gross and m.da_in_cost_at_most is not null
             then least(m.da_in_cost_at_most, $gross - b.gross_margin_ttm) * 100 end as gross_gap_da_pp,
        m.selling_to_revenue, m.admin_to_revenue, m.rd_to_revenue, m.net_finance_to_revenue,
        m.credit_impairment_to_revenue, m.asset_impairment_to_revenue, m.other_income_to_revenue,
        m.investment_income_to_revenue, m.fair_value_change_to_revenue, m.asset_disposal_to_revenue,
        m.non_operating_net_to_revenue, m.taxes_and_surcharges_to_revenue, m.tax_to_revenue,
        m.operating_other_to_revenue, b.net_margin_ttm, m.minority_interest_to_revenue, m.net_margin_parent,
        m.ebitda_margin, b.interest_to_revenue_ttm, b.net_margin_deducted_ttm,
        meets_only_with_one_offs(b.net_margin_ttm, m.net_margin_parent, b.net_margin_deducted_ttm, $net)
            as net_meets_only_with_one_offs,
        m.missing_steps
    from marts.benchmark b
    join marts.margin_bridge m on m.code = b.code and m.period_end = b.period_end and m.basis = 'ttm'
    where b.period_end = $period and b.is_current_member and b.gross_margin_ttm is not null
    order by b.net_margin_ttm desc nulls last, b.code
"""

# The statuses at the report's thresholds (the warehouse's, or --gross/--net), with the rules marts.benchmark uses,
# as a temporary table that status_transitions (sql/macros.sql, the macro marts.status_changes is built with) reads:
# a rescored report lists the crossings of its own thresholds.
RESCORED_SQL = """
    create or replace temp table report_scores_ as
    select code, name, period_end, is_current_member, is_sample, report_missing,
           benchmark_status(gross_margin_ttm, net_margin_ttm, net_profit_ttm, $gross, $net) as status,
           compute_gross_status(compute_revenue_ttm, compute_gross_margin_ttm, $gross) as compute_gross_status,
           threshold_status(net_margin_deducted_ttm, net_profit_deducted_ttm, $net) as net_deducted_status
    from marts.benchmark
"""

# Every status change of current members up to the period (the workbook's Status changes sheet).
STATUS_HISTORY_SQL = """
    select code, name, period_end, dimension, previous_period_end, previous_status, status, direction
    from status_transitions('report_scores_')
    where period_end <= $period and is_current_member and direction <> 'first'
    order by period_end desc, direction desc, dimension, code
"""

# Can they carry the fleet: cash flow (TTM), debt and liquidity, the GPU fleet and the carry screen's flags for each
# current member at the period (marts.cash_flow, marts.balance_health, marts.carry_screen).
CARRY_SQL = """
    select
        b.code, b.name, b.net_margin_ttm, b.revenue_ttm, b.net_profit_ttm,
        c.operating_cash_flow as operating_cash_flow_ttm, c.capex as capex_ttm, c.free_cash_flow as free_cash_flow_ttm,
        c.lease_cash_paid_upper_bound as lease_cash_paid_ttm, c.capex_to_da, c.cash_conversion, c.da_is_carried,
        h.cash, h.interest_bearing_debt, h.net_debt, h.ebitda_ttm, h.ebitda_not_positive, h.net_debt_to_ebitda,
        h.short_term_debt, h.cash_to_short_debt, h.current_ratio, h.interest_coverage, h.days_sales_outstanding,
        h.gpu_fleet, h.fleet_growth_yoy, h.revenue_yoy_ttm, h.asset_impairment_to_fleet,
        s.fcf_negative_quarters, s.fcf_negative, s.net_debt_high, s.cash_short, s.coverage_low, s.dso_rising,
        s.flags_raised, s.flags_checked, s.flags,
        s.threshold_fcf_negative_quarters, s.threshold_net_debt_to_ebitda, s.threshold_cash_to_short_debt,
        s.threshold_interest_coverage, s.threshold_dso_rising_periods
    from marts.benchmark b
    left join marts.cash_flow c on c.code = b.code and c.period_end = b.period_end and c.basis = 'ttm'
    left join marts.balance_health h on h.code = b.code and h.period_end = b.period_end
    left join marts.carry_screen s on s.code = b.code and s.period_end = b.period_end
    where b.period_end = $period and b.is_current_member and not b.report_missing
    order by s.flags_raised desc nulls last, h.net_debt_to_ebitda desc nulls last, b.code
"""

# The carry screen's thresholds as the warehouse was built with them (seeds.carry_screen).
SCREEN_SQL = """
    select name, flag, threshold, unit, note, source, source = 'command-line override' as overridden
    from seeds.carry_screen
    order by priority
"""

QUARTERLY_SQL = """
    select
        f.code, f.name, coalesce(u.is_current, false) as is_current_member, f.period_end, f.fiscal_year,
        f.fiscal_quarter, f.report_missing, f.quarter_is_derived, f.is_restated, f.revenue_is_fallback,
        f.revenue_q, f.revenue_ttm, f.gross_profit_q, f.gross_profit_ttm, f.net_profit_q, f.net_profit_ttm,
        f.gross_margin_q, f.gross_margin_ttm, f.net_margin_q, f.net_margin_ttm,
        f.depreciation_amortization_ttm, f.da_to_revenue_ttm, f.depreciation_amortization_ttm_is_carried,
        f.interest_expense_q, f.interest_expense_ttm, f.interest_to_revenue_ttm,
        f.compute_revenue_ttm, f.compute_share_ttm, f.compute_ttm_is_carried,
        f.revenue_yoy_ttm, f.net_profit_yoy_ttm,
        benchmark_status(b.gross_margin_ttm, b.net_margin_ttm, b.net_profit_ttm, $gross, $net) as status
    from marts.fundamentals f
    left join marts.benchmark b using (code, period_end)
    left join marts.universe u using (code)
    where f.period_end <= $period
    order by f.code, f.period_end
"""

SEGMENTS_SQL = """
    select s.code, coalesce(u.name, f.name) as name, s.period_end, s.classification, s.segment, s.revenue, s.cost,
           s.gross_margin, s.share_of_revenue, s.is_compute, s.compute_tier, s.matched_keyword, s.match_reason
    from marts.segments s
    left join marts.universe u using (code)
    left join (select code, any_value(name) as name from marts.fundamentals group by code) f using (code)
    where s.period_end <= $period and s.period_end > $period - to_years($years)
    order by s.code, s.period_end desc, s.classification, s.revenue desc nulls last, s.segment
"""

UNIVERSE_SQL = """
    select code, name, exchange, board, membership_source, industry, list_date, first_seen, last_seen, is_current
    from marts.universe
    order by is_current desc, code
"""

CHANGES_SQL = """
    select snapshot_at, change, code, name, board, membership_source, previous_size, change_share, needs_review
    from marts.universe_changes
    order by snapshot_at desc, change, code
"""

QUALITY_SQL = """
    select check_name, code, name, period_end, detail
    from marts.data_quality
    where period_end <= $period
    order by check_name, code, period_end
"""

QUALITY_COUNTS_SQL = """
    select check_name, any_value(detail) as meaning, count(*) as rows, count(distinct code) as firms
    from marts.data_quality
    where period_end <= $period
    group by check_name
    order by rows desc, check_name
"""

RESTATEMENTS_SQL = """
    select r.statement, r.code, u.name, r.period_end, r.version_no, r.update_date, r.first_fetched_at, r.line,
           r.previous_value, r.value, r.change
    from marts.restatements r
    left join marts.universe u using (code)
    where r.period_end <= $period
    order by r.code, r.period_end, r.statement, r.line, r.version_no
"""

PANEL_COUNTS_SQL = """
    select count(*) as quarters,
           count(*) filter (where quarter_is_derived) as derived_quarters,
           count(*) filter (where report_missing) as missing_reports,
           count(*) filter (where depreciation_amortization_ttm_is_carried) as da_carried,
           count(*) filter (where compute_ttm_is_carried) as compute_carried,
           count(*) filter (where is_restated) as restated
    from marts.fundamentals
    where period_end <= $period
"""


# With the warehouse's model the firms' columns are read as marts.economics has them. With another assumptions file
# (`--economics FILE`) the model columns are that file's (pipeline/economics/) and the implied utilisation is
# solved by the same `implied_utilization` macro marts.economics uses, with that file's sums ($d_*, $f_*, $r_*, $v_*).
ECONOMICS_SQL = """
    select *, implied_utilization_note(implied_utilization_term, implied_utilization_year1) as implied_utilization_note
    from (
        select e.code, e.name, e.compute_revenue_ttm, e.compute_share_ttm, e.compute_gross_margin_ttm,
               e.compute_ttm_is_carried, e.gross_margin_ttm, e.net_margin_ttm, e.da_to_revenue_ttm,
               e.interest_to_revenue_ttm, {columns}
        from marts.economics e
        where e.period_end = $period and e.is_current_member
    )
    order by compute_gross_margin_ttm desc, code
"""
ECONOMICS_WAREHOUSE_COLUMNS = """
    e.model_gross_margin_term, e.compute_gross_gap_to_model_pp, e.implied_utilization_term,
    e.implied_utilization_year1
"""
ECONOMICS_FILE_COLUMNS = """
    $model_gross_margin_term as model_gross_margin_term,
    benchmark_gap_pp(e.compute_gross_margin_ttm, $model_gross_margin_term) as compute_gross_gap_to_model_pp,
    implied_utilization(e.compute_gross_margin_ttm, $d_term, $f_term, $r_term, $v_term) as implied_utilization_term,
    implied_utilization(e.compute_gross_margin_ttm, $d_year1, $f_year1, $r_year1, $v_year1) as implied_utilization_year1
"""


# Status changes at the report period (marts.status_changes, current members), across a line either way.
STATUS_CHANGES_SQL = """
    select c.code, c.name, c.period_end, c.dimension, c.previous_period_end, c.previous_status, c.status, c.direction
    from status_transitions('report_scores_') c
    where c.period_end = $period and c.is_current_member and c.direction in ('up', 'down', 'changed')
    order by c.direction desc, c.dimension, c.code
"""


def gather(
    paths: Paths, as_of: date | None, gross: float | None, net: float | None, economics_file: Path | None = None
) -> ReportData:
    """Read every table the reports need at one period. Raises UsageError when the period has no data."""
    import duckdb

    with connect(paths) as con:
        try:
            data = _gather(con, as_of, gross, net)
            data.economics = _economics(con, data.period, economics_file, data.benchmarks.net)
            return data
        except (duckdb.CatalogException, duckdb.BinderException) as exc:  # a table or a column the reports read
            raise LeasewatchError(
                f"the warehouse at {paths.warehouse} lacks what the reports read ({str(exc).splitlines()[0]})",
                "it was built by an older leasewatch: rebuild it with leasewatch build",
            ) from exc


def _gather(con, as_of: date | None, gross: float | None, net: float | None) -> ReportData:
    info = build_info(con)
    period = as_of or latest_period(con)
    first, last = con.execute(
        "select min(period_end), max(period_end) from marts.benchmark where not report_missing and is_current_member"
    ).fetchone()
    if period is None or first is None:
        raise no_reports(con)
    has_data = con.execute(
        "select count(*) from marts.benchmark where period_end = ? and is_current_member and not report_missing",
        [period],
    ).fetchone()[0]
    if not has_data:
        raise UsageError(
            f"no current member has a report for {periods.label(period)}",
            f"choose a period from {periods.label(first)} to {periods.label(last)}, or --as-of latest",
        )
    benchmarks = _benchmarks(con, gross, net)
    params = {"period": period, "gross": benchmarks.gross, "net": benchmarks.net}

    def run(sql: str, **extra):
        """Execute with the parameters the statement names ($period, $gross, $net and any extra)."""
        return con.execute(sql, {k: v for k, v in {**params, **extra}.items() if f"${k}" in sql})

    def table(sql: str, **extra) -> Table:
        cursor = run(sql, **extra)
        return Table([d[0] for d in cursor.description], cursor.fetchall())

    run(RESCORED_SQL)
    summary = table(SUMMARY_SQL + " order by net_gap_pp desc nulls last, revenue_ttm desc nulls last, code")
    kpis = table(KPI_SQL).records()[0]
    counts = dict(Counter(r["status"] for r in summary.records()))
    quarterly, segments, quality = table(QUARTERLY_SQL), table(SEGMENTS_SQL, years=SEGMENT_YEARS), table(QUALITY_SQL)
    sheets, cuts = {}, {}
    if any(len(t) > ROW_BUDGET[n] for n, t in (("quarterly", quarterly), ("segments", segments), ("quality", quality))):
        rank = [r[0] for r in run(FIRM_RANK_SQL).fetchall()]
        for name, whole, per_firm in (("quarterly", quarterly, QUARTERS_WHEN_CUT), ("segments", segments, None),
                                      ("quality", quality, None)):
            shown, made = cut(name, whole, rank, per_firm=per_firm)
            if made:
                sheets[name], cuts[name] = shown, made
    return ReportData(
        period=period,
        info=info,
        benchmarks=benchmarks,
        summary=summary,
        kpis=kpis,
        status_counts=counts,
        bridge=table(BRIDGE_SQL),
        quarterly=quarterly,
        segments=segments,
        universe=table(UNIVERSE_SQL),
        changes=table(CHANGES_SQL),
        quality=quality,
        cuts=cuts,
        sheet_tables=sheets,
        quality_counts=table(QUALITY_COUNTS_SQL),
        restatements=table(RESTATEMENTS_SQL),
        status_changes=table(STATUS_CHANGES_SQL),
        status_history=table(STATUS_HISTORY_SQL),
        carry=table(CARRY_SQL),
        screen=table(SCREEN_SQL),
        panel_counts=table(PANEL_COUNTS_SQL).records()[0],
        data_tests=data_test_names(),
        run_problems=_run_problems(con),
        first_period=first,
    )


def _economics(con, period: date, config: Path | None, net_benchmark: float) -> EconomicsView:
    from pipeline.economics.assumptions import DEFAULTS_FILE, load_assumptions
    from pipeline.economics.model import run
    from pipeline.economics.solver import required_utilization, solve_rows
    from pipeline.economics.tables import describe

    assumptions = load_assumptions(config)  # the defaults, or a user file checked like `leasewatch economics`
    result = run(assumptions)
    if config is None:
        built = con.execute("select description from seeds.economics_description").fetchone()[0]
        source = f"defaults, {DEFAULTS_FILE.relative_to(DEFAULTS_FILE.parents[2])}"
        sql, params = ECONOMICS_SQL.format(columns=ECONOMICS_WAREHOUSE_COLUMNS), {"period": period}
        if built != describe(assumptions):
            source += " (changed since the warehouse was built: firms' columns use the build's, rebuild to align)"
    else:
        built, source = describe(assumptions), f"--economics {config}"
        params = {"period": period, "model_gross_margin_term": result.total.gross_margin}
        for row in solve_rows(assumptions):
            b = row["basis"]
            params.update({f"d_{b}": row["depreciation"], f"f_{b}": row["opex_fixed"],
                           f"r_{b}": row["revenue_at_full"], f"v_{b}": row["opex_variable_at_full"]})
        sql = ECONOMICS_SQL.format(columns=ECONOMICS_FILE_COLUMNS)
    cursor = con.execute(sql, params)
    firms = Table([d[0] for d in cursor.description], cursor.fetchall())
    net_needed = required_utilization(assumptions, "net", net_benchmark, "term")
    return EconomicsView(source=source, described=built, result=result, firms=firms, net_needed=net_needed)


def _benchmarks(con, gross: float | None, net: float | None) -> Benchmarks:
    """The warehouse's thresholds (those marts.benchmark was built with), replaced by any given on the command line."""
    built_gross, built_net = con.execute("select gross_benchmark, net_benchmark from marts.benchmark limit 1").fetchone()
    seed_source = con.execute("select string_agg(distinct source, '; ') from seeds.benchmarks").fetchone()[0]
    overridden = (gross is not None and gross != built_gross) or (net is not None and net != built_net)
    if overridden:
        source = f"command-line override (the warehouse was built with {built_gross:.0%} / {built_net:.0%}, {seed_source})"
    else:
        source = seed_source or "seeds.benchmarks"
    return Benchmarks(
        gross=built_gross if gross is None else gross,
        net=built_net if net is None else net,
        source=source,
        overridden=overridden,
    )


def _run_problems(con) -> Table:
    """Symbols that failed and warnings in the newest run logged before this build (ops.runs), as (kind, item, detail)."""
    rows: list[tuple] = []
    newest = con.execute(
        "select run_id, command, started_at, failures, warnings from ops.runs order by started_at desc, run_id desc limit 1"
    ).fetchone()
    if newest:
        import json

        run_id, command, started_at, failures, warnings = newest
        for symbol, reason in (json.loads(failures) if failures else {}).items():
            rows.append(("failed symbol", str(symbol), str(reason), command, started_at))
        for warning in json.loads(warnings) if warnings else []:
            rows.append(("warning", "", str(warning), command, started_at))
    return Table(["kind", "item", "detail", "command", "started_at"], rows)
