"""Terminal views over the marts: the benchmark summary (`demo`, `build`) and one firm's panel (`firm`)."""

from __future__ import annotations

from datetime import date

from pipeline import display, periods
from pipeline.config import Paths
from pipeline.errors import UsageError
from pipeline.reports.definitions import STATUS_ORDER
from pipeline.build.warehouse import build_info, connect, latest_period, no_reports


def benchmark_summary(paths: Paths, period: date | None = None, *, top: int = 5) -> str:
    """Status counts, medians and the firms nearest to and furthest from the benchmark at one period."""
    with connect(paths) as con:
        info = build_info(con)
        period = period or latest_period(con)
        if period is None:
            raise no_reports(con)
        members = "where b.period_end = ? and b.is_current_member"
        counts = dict(con.execute(f"select status, count(*) from marts.benchmark b {members} group by 1", [period]).fetchall())
        total = sum(counts.values())
        if total == 0:
            raise UsageError(f"no firm has data for {periods.label(period)}", "choose another period with --as-of")
        gross_b, net_b = con.execute("select gross_benchmark, net_benchmark from marts.benchmark limit 1").fetchone()
        medians = con.execute(
            f"""select median(gross_margin_ttm), median(net_margin_ttm), median(da_to_revenue_ttm),
                       median(interest_to_revenue_ttm), median(compute_share_ttm),
                       count(*) filter (where revenue_up_profit_down),
                       count(*) filter (where compute_gross_status = 'meets'),
                       count(*) filter (where compute_gross_status in ('meets', 'below')),
                       count(*) filter (where net_deducted_status = 'meets'),
                       count(*) filter (where net_meets_only_with_one_offs)
                from marts.benchmark b {members}""",
            [period],
        ).fetchone()
        ranked_sql = f"""
            select code, name, status, gross_margin_ttm, net_margin_ttm, net_gap_pp, revenue_ttm,
                   da_to_revenue_ttm, interest_to_revenue_ttm, revenue_up_profit_down
            from marts.benchmark b {members} and net_margin_ttm is not null
            order by net_gap_pp {{order}}, code limit {int(top)}"""
        best = con.execute(ranked_sql.format(order="desc"), [period]).fetchall()
        worst = con.execute(ranked_sql.format(order="asc"), [period]).fetchall()

    lines = []
    if info["is_sample"]:
        lines += [display.SAMPLE_BANNER, ""]
    lines.append(
        f"Benchmark at {periods.label(period)} (TTM): gross ≥ {display.pct(gross_b, 0)}, net ≥ {display.pct(net_b, 0)}"
        f" — {total} current members"
    )
    status_rows = [(s, counts.get(s, 0), display.pct(counts.get(s, 0) / total)) for s in STATUS_ORDER]
    lines += ["", display.table(["status", "firms", "share"], status_rows), ""]
    g, n, da, interest, compute, up_down, compute_meets, compute_scored, recurring_meets, one_offs = medians
    lines.append(
        f"Medians: gross margin {display.pct(g)}, net margin {display.pct(n)}, D&A/revenue {display.pct(da)} (inside "
        f"营业成本: it lowers the gross margin), interest/revenue {display.pct(interest)} (财务费用: it lowers the net "
        f"margin), compute share {display.pct(compute)}"
    )
    lines.append(
        f"Compute segments at ≥ {display.pct(gross_b, 0)} gross: {compute_meets} of {compute_scored} with segment cost; "
        f"recurring (扣非) net ≥ {display.pct(net_b, 0)}: {recurring_meets}; net only with one-off gains: {one_offs}"
    )
    if period.month in (3, 9):
        previous = periods.label(date(period.year - 1, 12, 31) if period.month == 3 else date(period.year, 6, 30))
        lines.append(
            f"  (D&A/revenue and compute share are carried from {previous} for firms that, like most, disclose them "
            "in H1/FY reports only)"
        )
    lines.append(f"增收不增利 (revenue up, profit not): {up_down} of {total} firms")
    headers = ["code", "name", "status", "gross", "net", "net gap", "revenue 亿元", "D&A/rev", "int/rev", "增收不增利"]
    for title, rows in (("Closest to the net benchmark", best), ("Furthest from the net benchmark", worst)):
        lines += ["", f"{title}:", display.table(headers, [_firm_row(r) for r in rows], right_align_numbers=False)]
    lines += ["", f"Data cut-off {info['data_cut_off']}; source {info['sources']} (akshare {info['akshare_version']})."]
    return "\n".join(lines)


def _firm_row(row: tuple) -> tuple:
    code, name, status, gross, net, gap, revenue, da, interest, up_down = row
    return (
        code,
        name,
        status,
        display.pct(gross),
        display.pct(net),
        display.pp(gap),
        display.yi(revenue),
        display.pct(da),
        display.pct(interest),
        "yes" if up_down else "",
    )


def firm_panel(paths: Paths, code: str, *, quarters: int = 12) -> str:
    """One firm's quarterly panel: revenue, margins, burdens and flags, newest last."""
    with connect(paths) as con:
        info = build_info(con)
        found = con.execute(
            "select name, exchange, is_current, first_seen, last_seen from marts.universe where code = ?", [code]
        ).fetchone()
        rows = con.execute(
            """
            select f.period_end, f.revenue_q, f.revenue_ttm, f.gross_margin_ttm, f.net_margin_ttm,
                   f.da_to_revenue_ttm, f.interest_to_revenue_ttm, f.compute_share_ttm, b.status,
                   f.report_missing, f.depreciation_amortization_ttm_is_carried, f.compute_ttm_is_carried,
                   f.quarter_is_derived, f.is_restated, f.name
            from marts.fundamentals f join marts.benchmark b using (code, period_end)
            where f.code = ?
            order by f.period_end desc limit ?
            """,
            [code, quarters],
        ).fetchall()
    if not rows and found:
        raise UsageError(
            f"{code} {found[0]} is in the universe but has no income statement in the warehouse",
            "fetch it: leasewatch ingest, then leasewatch build; a firm EastMoney has no statement for stays empty",
        )
    if not rows:
        raise UsageError(f"no firm {code} in the warehouse", "list firms with: leasewatch query \"select code, name from marts.universe\"")
    name = rows[0][-1]
    lines = [display.SAMPLE_BANNER, ""] if info["is_sample"] else []
    membership = (
        f"{found[1]}, {'current member' if found[2] else 'former member'} ({found[3]} – {found[4]})" if found else "not in the universe"
    )
    lines.append(f"{code} {name} — {membership}")
    table_rows = []
    for (period_end, rev_q, rev_ttm, gross, net, da, interest, compute, status, missing, da_carried, compute_carried,
         derived, restated, _) in reversed(rows):
        flags = ",".join(
            f
            for f, on in (
                ("missing", missing),
                ("Q derived", derived),
                ("D&A carried", da_carried),
                ("compute carried", compute_carried),
                ("restated", restated),
            )
            if on
        )
        table_rows.append(
            (
                periods.label(period_end),
                display.yi(rev_q),
                display.yi(rev_ttm),
                display.pct(gross),
                display.pct(net),
                display.pct(da),
                display.pct(interest),
                display.pct(compute),
                status,
                flags,
            )
        )
    headers = ["quarter", "rev Q 亿元", "rev TTM 亿元", "gross TTM", "net TTM", "D&A/rev", "int/rev", "compute", "status", "flags"]
    lines += ["", display.table(headers, table_rows, right_align_numbers=False)]
    lines.append(
        "\nQ derived: the single quarter is the YTD report less the previous one. carried: D&A and compute segments are "
        "disclosed in H1/FY reports only, so their TTM ratios at Q1/Q3 repeat the last H1/FY value."
    )
    return "\n".join(lines)
