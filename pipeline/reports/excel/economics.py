"""The Economics sheet: one leased GPU server by year, by depreciation method, the sensitivity grid, the firms."""

from __future__ import annotations

from pipeline.reports.excel.book import Book, cells, columns
from pipeline.reports.excel.rules import against, burden, diverging


ECONOMICS_FIRM_COLS = columns("economics_firm")


def economics(book: Book, ws) -> None:
    """The model by year, what utilisation each margin needs, the sensitivity grid, then the firms beside it."""
    from openpyxl.utils import get_column_letter

    view = book.data.economics
    cols = ECONOMICS_FIRM_COLS
    r = view.result
    a = r.assumptions
    book.heading(
        ws, "单台GPU服务器经济性 Unit economics of one leased GPU server, and the firms beside it",
        f"Model: {view.described} · assumptions: {view.source} · amounts 元 per server, margins %",
        [c.width for c in cols], freeze="A4",
    )

    book.section(ws, f"逐年损益 P&L by year ({a.depreciation_method}), 元 per server")
    book.label_row(ws, ["Year", "Utilisation", "Revenue", "Depreciation", "Opex", "Interest", "Tax", "Net profit",
            "Gross margin", "Net margin", "D&A / revenue", "Cash flow"])
    first = None
    for y in (*r.years, r.total):
        row = book.append(ws, [
            book.cell(ws, y.year if y.year else "term", "int" if y.year else "text", font=None if y.year else book.font_bold),
            book.cell(ws, y.utilization, "pct"), book.cell(ws, y.revenue, "int"), book.cell(ws, y.depreciation, "int"),
            book.cell(ws, y.opex, "int"), book.cell(ws, y.interest, "int"), book.cell(ws, y.tax, "int"),
            book.cell(ws, y.net_profit, "int"), book.cell(ws, y.gross_margin, "pct"), book.cell(ws, y.net_margin, "pct"),
            book.cell(ws, y.depreciation / y.revenue if y.revenue else None, "pct"), book.cell(ws, y.cash_flow, "int"),
        ])
        first = first or row
    against(ws, f"I{first}:I{row}", book.b.gross)
    against(ws, f"J{first}:J{row}", book.b.net)

    shown = min(a.term_years, 9)
    book.section(ws, "折旧方法 Net margin by depreciation method (everything else unchanged)"
            + (f", first {shown} of {a.term_years} years" if shown < a.term_years else ""))
    book.label_row(ws, ["Method", *[f"Year {i + 1}" for i in range(shown)], "Payback (years)"])
    first = None
    for m in r.methods:
        row = book.append(ws, [book.cell(ws, m.method), *[book.cell(ws, v, "pct") for v in m.net_margin[:shown]],
                               book.cell(ws, m.payback_years.value or m.payback_years.reason,
                                         "text" if m.payback_years.value is None else "dec2")])
        first = first or row
    last_col = get_column_letter(1 + shown)
    diverging(ws, f"B{first}:{last_col}{row}")

    book.section(ws, "所需利用率 Utilisation each target needs (held flat); payback, IRR and NPV")
    book.label_row(ws, ["Target", "Basis", "Utilisation", None, "Measure", "Value"])
    extras = [
        ("payback (years)", r.payback_years.value, r.payback_years.reason, "dec2"),
        ("IRR, project", r.irr.value, r.irr.reason, "pct"),
        (f"NPV at {a.discount_rate:.0%} (元)", r.npv, None, "int"),
    ]
    for i, q in enumerate(r.requirements):
        extra = extras[i] if i < len(extras) else None
        value = q.utilization.value
        book.append(ws, [
            book.cell(ws, q.name), book.cell(ws, "over the term" if q.basis == "term" else "year 1"),
            book.cell(ws, value if value is not None else q.utilization.reason, "pct" if value is not None else "text"),
            None,
            book.cell(ws, extra[0]) if extra else None,
            book.cell(ws, extra[1] if extra[1] is not None else extra[2], extra[3] if extra[1] is not None else "text")
            if extra else None,
        ])

    book.section(ws, "敏感性 Net margin over the term: utilisation (rows) × monthly rent in 元 (columns)")
    book.label_row(ws, ["Utilisation", *[f"{rent:,.0f}" for rent in r.grid.rent_per_month]])
    first = None
    for u, margins in zip(r.grid.utilization, r.grid.net_margin):
        row = book.append(ws, [book.cell(ws, u, "pct", font=book.font_bold), *[book.cell(ws, m, "pct") for m in margins]])
        first = first or row
    diverging(ws, f"B{first}:{get_column_letter(1 + len(r.grid.rent_per_month))}{row}")

    book.section(ws, f"各公司 Firms with a disclosed compute segment at {book.data.label}: their compute gross margin and "
            "the utilisation at which the model earns it")
    book.append(ws, [book.cell(ws, "D&A, interest and net margin are firm-wide (statements do not split them by "
                                   "segment); implied utilisation holds utilisation flat in the model.",
                               font=book.font_subtitle)])
    header_row, last = book.table(
        ws, cols, view.firms.records(),
        empty=f"no current member disclosed a compute segment with revenue and cost at {book.data.label}")
    diverging(ws, cells(cols, "compute_gross_gap_to_model_pp", header_row + 1, last))
    burden(ws, cells(cols, "implied_utilization_term", header_row + 1, last, "implied_utilization_year1"))
