"""The sample's fixed design: vintages, board, edge-case firms, legacy trades and firm names."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pipeline.errors import UsageError

AKSHARE_VERSION = "1.19.5"
SAMPLE_VINTAGES = (date(2025, 11, 20), date(2026, 11, 20))
SAMPLE_BOARD = "BK9901"
SAMPLE_BOARD_NAME = "算力租赁(示例)"
CODE_BASE = 990000
FIRST_SIM_YEAR = 2010
LAST_SIM_YEAR = 2030
N_QUARTERS = (LAST_SIM_YEAR - FIRST_SIM_YEAR + 1) * 4
DESIGNED_FIRMS = 108  # firms whose archetype is fixed by index; the edge cases live here

EDGE_CASES: dict[str, object] = {
    "missing_q3": "990007",
    "restated": "990011",
    "zero_revenue_shell": "990013",
    "da_quarterly": "990017",
    "oilgas_duplicate": "990019",
    "joins_late": "990023",
    "leaves": "990027",
    "unusual_segment": "990031",
    "total_income_only": "990037",
    "no_segment_table": "990077",  # 主营构成 answers nothing: akshare's KeyError, classified as no disclosure
    "no_cash_flow": "990099",  # the cash-flow statement comes back 0×0, as for some firms EastMoney lacks it
    "server_sales": "990043",  # its largest legacy product is AI服务器销售: hardware sales, not leasing
    "industry_tier1_only": "990053",  # 按产品 names compute 云计算服务 (tier 2), 按行业 算力服务 (tier 1)
    "region_only_h1": "990063",  # its H1 2025 report discloses 主营构成 by region only
    "meets_benchmark": ["990003", "990016", "990029", "990044", "990058", "990071", "990090"],
    "loss_making": [
        "990005", "990009", "990013", "990021", "990026", "990034", "990040", "990047", "990052",
        "990061", "990066", "990074", "990079", "990083", "990088", "990095", "990101", "990106",
        "990065", "990085",  # leveraged: 40 %+ gross margin, and still a loss after interest
    ],
    "leveraged": [
        "990012", "990025", "990033", "990041", "990049", "990057", "990065", "990075", "990085", "990097",
    ],
    "net_only": ["990060", "990091"],
}
EDGE_CASES["gross_only"] = [c for c in EDGE_CASES["leveraged"] if c not in EDGE_CASES["loss_making"]]
STARS = frozenset(int(c) - CODE_BASE for c in EDGE_CASES["meets_benchmark"])
LOSS = frozenset(int(c) - CODE_BASE for c in EDGE_CASES["loss_making"])
LEVERAGED = frozenset(int(c) - CODE_BASE for c in EDGE_CASES["leveraged"])
STAKE_GAIN = frozenset(int(c) - CODE_BASE for c in EDGE_CASES["net_only"])
LEGACY_ONLY = frozenset({36, 50, 77, 99})
SQUEEZE = frozenset(
    i for i in range(1, DESIGNED_FIRMS + 1)
    if (i % 4 == 2 or i % 12 == 8) and i not in STARS | LOSS | LEVERAGED | LEGACY_ONLY
)
EDGE_CASES["revenue_up_profit_down"] = [f"{CODE_BASE + i}" for i in sorted(SQUEEZE)]


def edge(name: str) -> int:
    return int(EDGE_CASES[name]) - CODE_BASE


MISSING_Q3 = (edge("missing_q3"), date(2025, 9, 30))
RESTATED = (edge("restated"), date(2024, 12, 31), date(2026, 4, 25))  # firm, period, restated on
SHELL = (edge("zero_revenue_shell"), 2024)  # revenue is zero from this year on
JOINS = (edge("joins_late"), date(2026, 3, 16))
LEAVES = (edge("leaves"), date(2026, 6, 30))
NO_SEGMENT_TABLE = edge("no_segment_table")
NO_CASH_FLOW = edge("no_cash_flow")
SERVER_SALES = (edge("server_sales"), "AI服务器销售")
INDUSTRY_TIER1_ONLY = (edge("industry_tier1_only"), "云计算服务", "算力服务")
REGION_ONLY_H1 = (edge("region_only_h1"), date(2025, 6, 30))


@dataclass(frozen=True)
class Trade:
    word: str  # the trade part of the short name
    industry: str  # EastMoney industry (stock_individual_info_em 行业)
    legacy_industry: str  # the 按行业分类 segment of the legacy business
    products: tuple[str, str, str]
    gross_margin: tuple[float, float]
    season: tuple[float, float, float, float]
    dso: float  # days of revenue in receivables
    dio: float  # days of cost in inventory
    asset_intensity: float  # gross fixed assets per yuan of annual revenue


def _number(text: str) -> int | float:
    return int(text) if text.lstrip("-").isdigit() else float(text)


def _trades() -> tuple[Trade, ...]:
    """The legacy trades firms pivot from, one row each in trades.csv (data, kept beside this module)."""
    with open(Path(__file__).with_name("trades.csv"), newline="", encoding="utf-8") as handle:
        return tuple(
            Trade(r["word"], r["industry"], r["legacy_industry"], (r["product_1"], r["product_2"], r["product_3"]),
                  (_number(r["gross_margin_low"]), _number(r["gross_margin_high"])),
                  tuple(_number(r[f"season_q{q}"]) for q in range(1, 5)),
                  _number(r["dso"]), _number(r["dio"]), _number(r["asset_intensity"]))
            for r in csv.DictReader(handle)
        )


TRADES = _trades()
_QUALIFIERS = "华鑫天恒泰瑞中东新海盛宏金隆远达通安兴信德嘉永昌荣弘博汇润丰"
COMPUTE_SEGMENTS = (
    "算力租赁", "算力服务", "智算服务", "算力租赁服务", "AI算力服务", "智算中心服务", "GPU算力租赁", "云计算及算力服务",
    "算力业务", "智能算力服务",
)
COMPUTE_INDUSTRIES = ("信息技术服务业", "软件和信息技术服务业", "互联网和相关服务")
UNUSUAL_SEGMENTS = ("ＧＰＵ 算力 租赁服务", "智算中心运营(AIDC)")  # by product, by industry
REGIONS = ("华东地区", "华南地区", "华北地区", "华中地区", "西南地区", "境外")
OTHER_SUPPLEMENT = "其他(补充)"
OTHER_BUSINESS = "其他业务"
CLASS_INDUSTRY, CLASS_PRODUCT, CLASS_REGION = "按行业分类", "按产品分类", "按地区分类"


def _qualifier(n: int) -> str:
    """0 → '', 1..30 → one character, then ordered pairs of distinct characters: an injection, so names stay unique."""
    if n == 0:
        return ""
    k = len(_QUALIFIERS)
    if n <= k:
        return _QUALIFIERS[n - 1]
    a, b = divmod(n - k - 1, k - 1)
    if a >= k:
        raise UsageError(f"the sample has names for at most {k * k * len(TRADES)} firms", "ask for fewer firms")
    return _QUALIFIERS[a] + _QUALIFIERS[b if b < a else b + 1]


def firm_name(i: int) -> str:
    """The short name of firm i (1-based): 示例 + qualifier + legacy trade, unique for every i."""
    q, t = divmod(i - 1, len(TRADES))
    return f"示例{_qualifier(q)}{TRADES[t].word}"
