"""The page's text sections: KPI cards, the takeaway, membership changes, definitions and provenance."""

from __future__ import annotations

from pipeline.display import pct
from pipeline.reports.definitions import DEFINITIONS, STATUS_COLOURS, STATUS_LABELS, STATUS_MEANING, STATUS_ORDER
from pipeline.reports.html.bridges import takeaway_facts
from pipeline.reports.html.figures import Figures
from pipeline.reports.html.page import esc


def pp(value: float | None) -> str:
    return "–" if value is None else f"{value:+.1f} pp".replace("-", "−")


def when(moment) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if hasattr(moment, "strftime") else str(moment)


def kpis(figs: Figures) -> str:
    k, b = figs.d.kpis, figs.b
    firms = k["firms"] or 0
    share = (k["meets_both"] / firms) if firms else None
    cards = [
        ("覆盖公司 Firms", f"{firms}", f"current members with a report at {figs.d.label}"),
        ("双达标 Meet both", f"{k['meets_both']}", f"{pct(share)} of firms at {b.gross:.0%} / {b.net:.0%}"),
        ("毛利率中位数 Median gross", pct(k["median_gross_margin"]), f"{pp(k['median_gross_gap_pp'])} vs {b.gross:.0%}"),
        ("净利率中位数 Median net", pct(k["median_net_margin"]), f"{pp(k['median_net_gap_pp'])} vs {b.net:.0%}"),
        ("折旧前毛利率 Median gross before D&A",
         pct(k["median_gross_margin_ex_da"]) if k["median_gross_margin_ex_da"] is None
         else "≤ " + pct(k["median_gross_margin_ex_da"]),
         f"D&A sits in 营业成本: median D&A {pct(k['median_da_to_revenue'])} of revenue"),
        ("扣非达标 Recurring net ≥ " + f"{b.net:.0%}", f"{k['recurring_meets']}",
         f"{k['net_only_with_one_offs']} meet net only with one-off gains"),
        ("算力占比 Median compute share", pct(k["median_compute_share"]), "of revenue, TTM"),
        ("亏损 Loss-making", f"{k['loss_making']}", "net profit TTM < 0"),
        ("增收不增利", f"{k['revenue_up_profit_down']}", "revenue up, profit not (TTM)"),
    ]
    return "\n".join(
        f'<div class="kpi"><div class="kpi-label">{esc(a)}</div><div class="kpi-value">{esc(v)}</div>'
        f'<div class="kpi-note">{esc(n)}</div></div>' for a, v, n in cards
    )


def takeaway(figs: Figures) -> str:
    k, b = figs.d.kpis, figs.b
    firms = k["firms"] or 0
    if not firms:
        return ""
    if k["median_gross_margin"] is None and k["median_net_margin"] is None:
        return (f"None of the {firms} current members has trailing-twelve-month margins at {figs.d.label}: TTM needs "
                "the four quarters to it, and the first periods of a history have fewer. Choose a later period.")
    return (
        f"{k['meets_both']} of {firms} compute-leasing firms meet both the {b.gross:.0%} gross and the {b.net:.0%} net "
        f"benchmark at {figs.d.label}. The median firm earns {pct(k['median_gross_margin'])} gross and "
        f"{pct(k['median_net_margin'])} net ({pp(k['median_gross_gap_pp'])} and {pp(k['median_net_gap_pp'])} "
        f"against the benchmarks). {takeaway_facts(figs)} {k['loss_making']} firms are loss-making and "
        f"{k['revenue_up_profit_down']} grew revenue without growing profit (增收不增利)."
    )


def changes_table(figs: Figures) -> str:
    changes = figs.d.changes.records()
    members = figs.d.universe.records()
    current = sum(1 for m in members if m["is_current"])
    summary = (f"{current} current members, {len(members) - current} former; "
               f"{sum(1 for c in changes if c['change'] == 'joined')} joined and "
               f"{sum(1 for c in changes if c['change'] == 'left')} left across snapshots.")
    if not changes:
        return f"<p>{esc(summary)} No membership change between snapshots.</p>"
    rows = "\n".join(
        f'<tr><td>{esc(c["snapshot_at"])}</td><td><span class="badge {esc(c["change"])}">'
        f'{"纳入 joined" if c["change"] == "joined" else "剔除 left"}</span></td><td>{esc(c["code"])}</td>'
        f'<td>{esc(c["name"])}</td><td>{esc(c["board"])}</td><td>{pct(c["change_share"])}'
        f'{" ⚠ review" if c["needs_review"] else ""}</td></tr>'
        for c in changes[:500]
    )
    more = f"<p class='note'>{len(changes) - 500} earlier changes are in the workbook (Universe sheet).</p>" \
        if len(changes) > 500 else ""
    return (f"<p>{esc(summary)}</p><table><thead><tr><th>快照 Snapshot</th><th>变动 Change</th><th>代码 Code</th>"
            f"<th>名称 Name</th><th>板块 Board</th><th>变动比例 Share of board</th></tr></thead><tbody>{rows}</tbody></table>{more}")


def definitions(figs: Figures) -> str:
    status_rows = "\n".join(
        f'<tr><td><span class="dot" style="background:#{STATUS_COLOURS[s]}"></span>{esc(STATUS_LABELS[s])}</td>'
        f"<td>{esc(STATUS_MEANING[s])}</td><td>{figs.d.status_counts.get(s, 0)}</td></tr>" for s in STATUS_ORDER
    )
    rows = "\n".join(f"<tr><td>{esc(t)}</td><td>{esc(e)}</td><td>{esc(c)}</td></tr>" for t, e, c in DEFINITIONS)
    return (f'<table class="legend"><thead><tr><th>状态 Status</th><th>Meaning</th><th>Firms</th></tr></thead>'
            f"<tbody>{status_rows}</tbody></table>"
            f"<table><thead><tr><th>术语 Term</th><th>Definition</th><th>定义</th></tr></thead><tbody>{rows}</tbody></table>")


def yoy_check(figs: Figures) -> str:
    """The data note on computed YoY against EastMoney's own *_YOY (metrics.md, Restatements and reconciliation)."""
    rows = [r for r in figs.d.quality.records()
            if r["check_name"] == "yoy_mismatch" and r["period_end"] == figs.d.period]
    if not rows:
        return (f"at {figs.d.label} every computed YoY that EastMoney also reports agrees with its *_YOY within 0.5 pp "
                "(YoY compares against the prior year as restated in the latest version)")
    firms = sorted({f"{r['code']} {r['name'] or ''}".strip() for r in rows})
    shown = ", ".join(firms[:8]) + (f" and {len(firms) - 8} more" if len(firms) > 8 else "")
    return (f"at {figs.d.label} {len(firms)} firms' computed YoY differs from EastMoney's *_YOY by more than 0.5 pp "
            f"(usually a restatement or a merger; YoY here uses the restated prior year): {shown}")


def provenance(figs: Figures) -> str:
    info, b, pc = figs.d.info, figs.b, figs.d.panel_counts
    items = [
        ("报告期 Period", f"{figs.d.label} (quarter ending {figs.d.period.isoformat()}), trailing twelve months"),
        ("数据截止 Data cut-off", f"{info.get('data_cut_off')} (latest fetch of the income statements, China time)"),
        ("来源 Source", f"{info.get('sources')} · akshare {info.get('akshare_version')} · EastMoney F10 statements, 主营构成"),
        ("基准 Benchmark", f"gross {b.gross:.0%}, net {b.net:.0%} — {b.source}"),
        ("构建 Built", f"{when(info.get('built_at'))} by leasewatch {info.get('leasewatch_version')}; report written "
                      f"{figs.d.written_at:%Y-%m-%d %H:%M}"),
        ("口径 Flags", f"{pc.get('derived_quarters')} derived quarters, {pc.get('da_carried')} carried D&A values, "
                      f"{pc.get('missing_reports')} missing reports, {pc.get('restated')} restated reports in the panel; "
                      "details in the workbook's Data quality sheet"),
        ("同比核对 YoY check", yoy_check(figs)),
    ]
    return "\n".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in items)
