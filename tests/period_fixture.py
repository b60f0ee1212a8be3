"""Three small firms in the exact akshare shapes, with hand-computed expectations in tests/test_periods.py.

Amounts are written in millions of 元 (M) for reading and multiplied by 1e6 in the frames.

300001 测试算力 — YTD revenue 2023: Q1 100, H1 250, 9M 420, FY 600; 2024: Q1 150, H1 330, (no 9M report), FY 800.
    D&A (FA_IR_DEPR, only in H1/FY; OILGAS_BIOLOGY_DEPR repeats it): 2023 H1 20, FY 50; 2024 H1 30, FY 70.
    Compute segment (按产品分类): 2023 H1 50, FY 150 ("ＧＰＵ 算力服务", full width); 2024 H1 130, FY 350.
    Restated in a second fetch: FY2023 revenue 600 → 610 (UPDATE_DATE 2025-04-20).
600001 测试彩印 — FY2023 revenue 1000, net profit 50; 2024 YTD revenue 300/600/900/1200, FY net profit −30.
000003 测试空壳 — a shell: 营业收入 absent, 营业总收入 0; FY2023 net profit 1, FY2024 −5.
"""

from __future__ import annotations

from datetime import datetime

from tests import akshare_shapes as shapes

M = 1_000_000.0
BOARD = "BK0001"


def _income(revenue, cost, net_profit, *, interest=0.0, selling=0.0, admin=0.0, tax=0.0, restated=None, total_only=False):
    total_profit = net_profit + tax
    fields = {
        "TOTAL_OPERATE_INCOME": revenue * M,
        "OPERATE_COST": cost * M,
        "SALE_EXPENSE": selling * M,
        "MANAGE_EXPENSE": admin * M,
        "FINANCE_EXPENSE": interest * M,
        "FE_INTEREST_EXPENSE": interest * M,
        "TOTAL_PROFIT": total_profit * M,
        "INCOME_TAX": tax * M,
        "NETPROFIT": net_profit * M,
        "PARENT_NETPROFIT": net_profit * M,
    }
    if not total_only:  # 000003 (total_only) has no 扣非 line either
        fields = {"OPERATE_INCOME": revenue * M, **fields, "DEDUCT_PARENT_NETPROFIT": net_profit * M}
    if restated:
        fields["UPDATE_DATE"] = restated
    return fields


def income_300001(*, restated: bool = False) -> dict:
    fy2023 = 610 if restated else 600
    return {
        "2023-03-31": _income(100, 70, 10, interest=2, selling=3, admin=4, tax=2),
        "2023-06-30": _income(250, 170, 25, interest=5, selling=8, admin=9, tax=5),
        "2023-09-30": _income(420, 290, 40, interest=8, selling=12, admin=14, tax=8),
        "2023-12-31": _income(
            fy2023, 400, 60, interest=11, selling=16, admin=20, tax=12, restated="2025-04-20" if restated else None
        ),
        "2024-03-31": _income(150, 100, 12, interest=3, selling=4, admin=5, tax=3),
        "2024-06-30": _income(330, 220, 30, interest=6, selling=9, admin=10, tax=6),
        "2024-12-31": _income(800, 520, 80, interest=14, selling=20, admin=24, tax=16),
    }


def cashflow_300001() -> dict:
    depreciation = {"2023-06-30": 20, "2023-12-31": 50, "2024-06-30": 30, "2024-12-31": 70}
    out = {}
    for period in income_300001():
        fields = {"NETCASH_OPERATE": 10 * M, "CONSTRUCT_LONG_ASSET": 40 * M}
        if period in depreciation:
            fields["FA_IR_DEPR"] = depreciation[period] * M
            fields["OILGAS_BIOLOGY_DEPR"] = depreciation[period] * M  # EastMoney's duplicate: must not be added
        else:
            fields["FA_IR_DEPR"] = None
            fields["OILGAS_BIOLOGY_DEPR"] = None
        out[period] = fields
    return out


def balance(periods) -> dict:
    return {
        p: {
            "FIXED_ASSET": 500 * M,
            "TOTAL_ASSETS": 1000 * M,
            "TOTAL_LIABILITIES": 600 * M,
            "TOTAL_EQUITY": 400 * M,
            "SHORT_LOAN": 100 * M,
            "LONG_LOAN": 200 * M,
            "LONG_PAYABLE": 50 * M,
            "BOND_PAYABLE": None,
            "MONETARYFUNDS": 100 * M,
        }
        for p in periods
    }


def income_600001() -> dict:
    return {
        "2023-12-31": _income(1000, 800, 50, tax=10),
        "2024-03-31": _income(300, 250, 5),
        "2024-06-30": _income(600, 500, 5),
        "2024-09-30": _income(900, 760, -10),
        "2024-12-31": _income(1200, 1000, -30),
    }


def income_000003() -> dict:
    return {
        "2023-12-31": _income(0, 0, 1, total_only=True),
        "2024-12-31": _income(0, 0, -5, total_only=True),
    }


def segments_300001() -> list[tuple]:
    return [
        ("2023-06-30", "按产品分类", "算力租赁服务", 50 * M, 30 * M),
        ("2023-06-30", "按产品分类", "传统印刷", 200 * M, 140 * M),
        ("2023-12-31", "按产品分类", "ＧＰＵ 算力服务", 150 * M, 80 * M),
        ("2023-12-31", "按产品分类", "传统印刷", 450 * M, 320 * M),
        ("2023-12-31", "按地区分类", "华东", 600 * M, None),
        ("2024-06-30", "按产品分类", "算力租赁服务", 130 * M, 70 * M),
        ("2024-06-30", "按产品分类", "传统印刷", 200 * M, 150 * M),
        ("2024-12-31", "按产品分类", "算力租赁服务", 350 * M, 180 * M),
        ("2024-12-31", "按产品分类", "传统印刷", 450 * M, 340 * M),
        ("2024-12-31", "按行业分类", "信息技术服务", 350 * M, 180 * M),
        ("2024-12-31", "按行业分类", "制造业", 450 * M, 340 * M),
    ]


FIRMS = {"300001": "测试算力", "600001": "测试彩印", "000003": "测试空壳"}


def frames(*, restated: bool = False) -> dict:
    """The frames a FrameSource answers with, keyed by (function, symbol[, adjust])."""
    income = {"300001": income_300001(restated=restated), "600001": income_600001(), "000003": income_000003()}
    out = {("stock_board_concept_cons_em", BOARD): shapes.board(FIRMS)}
    for code, name in FIRMS.items():
        symbol = f"{'SH' if code.startswith('6') else 'SZ'}{code}"
        periods = list(income[code])
        cash = cashflow_300001() if code == "300001" else {p: {"NETCASH_OPERATE": 1 * M} for p in periods}
        out[("stock_profit_sheet_by_report_em", symbol)] = shapes.f10(code, name, income[code])
        out[("stock_balance_sheet_by_report_em", symbol)] = shapes.f10(code, name, balance(periods), balance=True)
        out[("stock_cash_flow_sheet_by_report_em", symbol)] = shapes.f10(code, name, cash)
        out[("stock_zygc_em", symbol)] = shapes.zygc(code, segments_300001() if code == "300001" else [])
        for adjust in ("", "hfq"):
            out[("stock_zh_a_hist", code, adjust)] = shapes.hist(code, {"2024-12-30": 10.0, "2024-12-31": 10.5})
        out[("stock_individual_info_em", code)] = shapes.info(code, name, 1e9)
        out[("stock_zh_a_gbjg_em", symbol)] = shapes.gbjg([("2010-01-05", 1e9, "首发A股上市")])
    return out


def source(*, restated: bool = False, at: datetime | None = None) -> shapes.FrameSource:
    when = at or (datetime(2025, 5, 1, 18, 0) if restated else datetime(2025, 3, 1, 18, 0))
    return shapes.FrameSource(frames(restated=restated), at=when)
