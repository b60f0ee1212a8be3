"""The Data quality sheet: panel counts, checks, restatements, data tests and every flagged row."""

from __future__ import annotations

from pipeline.reports.excel.book import Book, columns


QUALITY_COLS = columns("quality")


def quality(book: Book, ws) -> None:
    """Counts first (what kind of issues, how many), then restatements and data tests, then every flagged row."""
    d = book.data
    widths = (22, 12, 16, 12, 70, 12, 14, 14, 14, 14, 14)
    book.heading(ws, "数据质量 Data quality — what is derived, carried, restated or missing",
                 book.subtitle("from marts.data_quality, marts.restatements and marts.fundamentals"), widths,
                 freeze="A4")

    counts = d.panel_counts
    book.section(ws, f"季度面板 Quarterly panel up to {d.label}")
    book.label_row(ws, ["Item", "Quarters", "Meaning"])
    for label, key, meaning in (
        ("quarters", "quarters", "firm-quarters in the panel"),
        ("derived quarters", "derived_quarters", "single quarters computed from YTD reports (Q2–Q4)"),
        ("missing reports", "missing_reports", "quarters without a report (values NULL)"),
        ("D&A carried", "da_carried", "D&A TTM carried from the previous H1/FY report (Q1, Q3)"),
        ("compute carried", "compute_carried", "compute-segment TTM carried from the previous H1/FY report"),
        ("restated", "restated", "reports fetched in more than one version; the latest is used"),
    ):
        book.append(ws, [book.cell(ws, label), book.cell(ws, counts.get(key), "int"), book.cell(ws, meaning)])

    book.section(ws, "检查 Checks (marts.data_quality)")
    book.label_row(ws, ["Check", "Rows", "Firms", None, "Meaning"])
    for r in d.quality_counts.records():
        book.append(ws, [book.cell(ws, r["check_name"]), book.cell(ws, r["rows"], "int"), book.cell(ws, r["firms"], "int"),
                   None, book.cell(ws, r["meaning"], "upstream")])
    if not len(d.quality_counts):
        book.nothing(ws, "no flagged condition")

    book.section(ws, "追溯调整 Restatements (marts.restatements), amounts 亿元")
    book.label_row(ws, ["Statement", "Code", "Name", "Period end", "Line", "Version", "Update date", "Previous", "Value", "Change"])
    for r in d.restatements.records():
        book.append(ws, [book.cell(ws, r["statement"]), book.cell(ws, r["code"], "code"), book.cell(ws, r["name"], "upstream"),
                   book.cell(ws, r["period_end"], "date"), book.cell(ws, r["line"], "upstream"),
                   book.cell(ws, r["version_no"], "int"), book.cell(ws, r["update_date"], "date"),
                   book.cell(ws, r["previous_value"], "yi4"), book.cell(ws, r["value"], "yi4"),
                   book.cell(ws, r["change"], "yi4")])
    if not len(d.restatements):
        book.nothing(ws, "no restated report")

    book.section(ws, "数据测试 Data tests (sql/tests) and the last run")
    book.label_row(ws, ["Test", "Result", None, None, "Meaning"])
    for name in d.data_tests:
        book.append(ws, [book.cell(ws, name), book.cell(ws, "passed"), None, None,
                   book.cell(ws, "0 offending rows: a failing data test stops the build, so a warehouse exists only "
                                 "when all pass")])
    for r in d.run_problems.records():
        book.append(ws, [book.cell(ws, r["kind"]), book.cell(ws, r["item"], "upstream"), None, None,
                   book.cell(ws, f"{r['command']} at {r['started_at']}: {r['detail']}", "upstream")])

    shown = d.cuts.get("quality")
    book.section(ws, f"明细 Flagged rows — {shown.describe()}; all of them: marts.data_quality" if shown
                 else "明细 Every flagged row")
    book.table(ws, QUALITY_COLS, d.for_sheet("quality").records(), tall_header=False, empty="no flagged row")
