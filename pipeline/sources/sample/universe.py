"""The sample's fixed design: vintages, board, edge-case firms, legacy trades and firm names."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

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


TRADES = (
    Trade("彩印", "包装印刷", "印刷业", ("彩票印制", "商业票据印刷", "包装印刷品"), (0.25, 0.35), (0.95, 1.0, 1.0, 1.05), 60, 50, 0.8),
    Trade("味精", "调味发酵品Ⅱ", "食品制造业", ("味精", "复合调味料", "饲料添加剂"), (0.10, 0.18), (1.0, 0.95, 1.0, 1.05), 20, 60, 1.0),
    Trade("纺织", "纺织制造", "纺织业", ("棉纱", "坯布", "针织面料"), (0.08, 0.15), (0.9, 1.05, 1.05, 1.0), 45, 90, 0.9),
    Trade("置业", "房地产开发", "房地产业", ("商品房销售", "物业管理", "房屋租赁"), (0.18, 0.32), (0.6, 0.9, 0.9, 1.6), 10, 700, 0.1),
    Trade("算力科技", "IT服务Ⅱ", "软件和信息技术服务业", ("软件开发", "系统集成", "技术服务"), (0.28, 0.35), (0.7, 0.95, 0.95, 1.4), 150, 40, 0.3),
    Trade("数据", "互联网服务", "互联网和相关服务", ("IDC服务", "CDN服务", "带宽销售"), (0.20, 0.32), (0.95, 1.0, 1.0, 1.05), 90, 5, 1.5),
    Trade("通信", "通信设备", "计算机、通信和其他电子设备制造业", ("通信网络设备", "光模块", "技术服务"), (0.18, 0.30),
           (0.8, 1.0, 1.0, 1.2), 120, 90, 0.5),
    Trade("电子", "消费电子", "计算机、通信和其他电子设备制造业", ("精密结构件", "电子元器件", "模具"), (0.12, 0.22),
           (0.85, 0.95, 1.05, 1.15), 90, 70, 0.8),
    Trade("光电", "光学光电子", "计算机、通信和其他电子设备制造业", ("LED封装", "显示模组", "照明产品"), (0.12, 0.25),
           (0.9, 1.0, 1.05, 1.05), 100, 80, 0.9),
    Trade("传媒", "文化传媒", "文化艺术业", ("影视发行", "广告营销", "游戏运营"), (0.20, 0.35), (0.8, 0.9, 1.0, 1.3), 120, 30, 0.2),
    Trade("矿业", "工业金属", "有色金属矿采选业", ("铜精矿", "锌精矿", "金属贸易"), (0.15, 0.30), (0.95, 1.0, 1.0, 1.05), 15, 60, 1.5),
    Trade("化工", "化学制品", "化学原料和化学制品制造业", ("精细化学品", "涂料", "助剂"), (0.12, 0.25), (0.95, 1.05, 1.0, 1.0), 45, 60, 1.0),
    Trade("电力", "电力行业", "电力、热力生产和供应业", ("售电", "光伏发电", "热力"), (0.15, 0.30), (1.05, 0.9, 1.05, 1.0), 60, 10, 2.5),
    Trade("机械", "通用设备", "通用设备制造业", ("工业泵阀", "压缩机", "配件"), (0.18, 0.28), (0.8, 1.0, 1.0, 1.2), 120, 120, 0.7),
    Trade("家居", "家居用品", "家具制造业", ("板式家具", "定制橱柜", "软体家具"), (0.20, 0.32), (0.8, 1.0, 1.05, 1.15), 40, 60, 0.6),
    Trade("农牧", "养殖业", "畜牧业", ("生猪", "饲料", "种猪"), (0.08, 0.15), (1.0, 0.95, 1.0, 1.05), 5, 100, 1.2),
    Trade("线缆", "电网设备", "电气机械和器材制造业", ("电力电缆", "通信线缆", "铜杆"), (0.08, 0.12), (0.85, 1.0, 1.05, 1.1), 90, 45, 0.4),
    Trade("环保", "环保行业", "生态保护和环境治理业", ("污水处理运营", "固废处置", "环保工程"), (0.25, 0.35), (0.8, 0.95, 1.0, 1.25), 180, 20, 2.0),
)
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
