"""The About sheet: what the report is, where its numbers come from, the sheets, statuses and definitions."""

from __future__ import annotations

from pipeline.reports.definitions import DEFINITIONS, SHEET_GUIDE, STATUS_MEANING, STATUS_ORDER
from pipeline.reports.excel.book import Book


def about(book: Book, ws) -> None:
    d, b, info = book.data, book.b, book.data.info
    book.heading(ws, "leasewatch · 算力租赁 Compute leasing vs the margin benchmark",
                 f"Report period {d.label} · written {d.written_at:%Y-%m-%d %H:%M}", (30, 80, 70))
    kpi = d.kpis

    def row(key, value, kind="text", note=None):
        if kind == "datetime" and value is not None:
            value, kind = f"{value:%Y-%m-%d %H:%M}", "text"  # left-aligned like the other values
        book.append(ws, [book.cell(ws, key, font=book.font_bold), book.cell(ws, value, kind, align=book.wrap),
                         book.cell(ws, note, align=book.wrap) if note else None],
                    wrapped=[(value, 80), (note, 70)])

    book.section(ws, "Report 报告")
    row("报告期 Report period", f"{d.label} (quarter ending {d.period.isoformat()}); margins on trailing twelve months")
    row("覆盖公司 Firms", f"{kpi['firms']} current members of the universe with data at {d.label} "
        f"({len(d.universe)} firms ever listed)")
    row("数据截止 Data cut-off", info.get("data_cut_off"), "datetime", "latest fetch of the income statements (China time)")
    row("数据来源 Source", source_text(info.get("sources")))
    row("akshare 版本 akshare version", info.get("akshare_version"))
    row("仓库构建 Warehouse built", info.get("built_at"), "datetime", f"leasewatch {info.get('leasewatch_version')}")
    row("毛利率基准 Gross-margin benchmark", b.gross, "pct", b.source)
    row("净利率基准 Net-margin benchmark", b.net, "pct", b.source)
    row("单位 Units", "amounts in 亿元 (10⁸ 元); ratios in % with one decimal; gaps to the benchmark in percentage points (pp)")
    if d.is_sample:
        book.append(ws, [book.cell(ws, "SAMPLE 示例", font=book.font_banner, fill=book.fill_banner),
                   book.cell(ws, "Built from the embedded sample of fictional firms (names marked 示例): the numbers "
                             "illustrate the method and describe no real company.", font=book.font_banner,
                             fill=book.fill_banner, align=book.wrap)], wrapped=[("x" * 120, 80)])

    book.section(ws, "工作表 Sheets")
    for name, english, chinese in SHEET_GUIDE:
        row(name, english, note=chinese)

    book.section(ws, "状态 Status")
    for status in STATUS_ORDER:
        book.append(ws, [book.status_cell(ws, status), book.cell(ws, STATUS_MEANING[status], align=book.wrap),
                         book.cell(ws, f"{d.status_counts.get(status, 0)} firms at {d.label}")])

    book.section(ws, "定义 Definitions (metrics.md)")
    book.append(ws, [book.cell(ws, h, font=book.font_header, fill=book.fill_header) for h in ("Term 术语", "Definition", "定义")])
    for term, english, chinese in DEFINITIONS:
        book.append(ws, [book.cell(ws, term, font=book.font_bold, align=book.wrap), book.cell(ws, english, align=book.wrap),
                         book.cell(ws, chinese, align=book.wrap)], wrapped=[(term, 30), (english, 80), (chinese, 70)])


def source_text(sources: str | None) -> str:
    if not sources:
        return "unknown"
    names = {"sample": "embedded sample (fictional firms, akshare shapes)", "akshare": "akshare (EastMoney F10, 主营构成, prices)"}
    return "; ".join(names.get(s.strip(), s.strip()) for s in sources.split(","))
