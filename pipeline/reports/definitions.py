"""Words both reports print: status labels and colours, and the definitions of metrics.md in English and Chinese."""

from __future__ import annotations

STATUS_ORDER = ("meets_both", "gross_only", "net_only", "below_both", "loss_making", "no_data")

STATUS_LABELS = {
    "meets_both": "双达标 Meets both",
    "gross_only": "仅毛利率达标 Gross only",
    "net_only": "仅净利率达标 Net only",
    "below_both": "均未达标 Below both",
    "loss_making": "亏损 Loss-making",
    "no_data": "无数据 No data",
}

STATUS_MEANING = {
    "meets_both": "gross margin TTM ≥ the gross benchmark and net margin TTM ≥ the net benchmark",
    "gross_only": "gross margin meets its benchmark, net margin does not",
    "net_only": "net margin meets its benchmark, gross margin does not",
    "below_both": "profitable, but both margins below their benchmarks",
    "loss_making": "net profit TTM < 0, whatever the margins",
    "no_data": "no TTM margins (a missing report, too short a history, or revenue ≤ 0)",
}

# Hex colours without '#': openpyxl takes them as is, the HTML report prefixes '#'.
STATUS_COLOURS = {
    "meets_both": "1A9850",
    "gross_only": "91BFDB",
    "net_only": "4575B4",
    "below_both": "F4A442",
    "loss_making": "D73027",
    "no_data": "9E9E9E",
}

SHEET_GUIDE = (
    ("About", "this page: data cut-off, source, benchmarks, definitions", "说明：数据截止、来源、基准与定义"),
    ("Summary", "one row per current member at the report period: revenue, margins, gaps to the benchmark, burdens, "
     "compute share, 增收不增利; charts of gross vs net margin and of the net-margin gap", "汇总：每家公司一行，含图表"),
    ("Quarterly", "the long panel: one row per firm and quarter, single-quarter (Q) and TTM values with their flags",
     "季度面板：单季与TTM"),
    ("Segments", "every disclosed 主营构成 row of the last two years with its compute classification and the keyword "
     "that matched", "主营构成及算力分类"),
    ("Bridge", "where the margin goes per firm: gross margin after D&A (D&A sits in 营业成本), gross before D&A (at "
     "most), then every line from gross to net incl. each one-off gain, closing exactly; EBITDA and 扣非 net beside",
     "利润率桥：折旧在营业成本中；毛利率到净利率逐项"),
    ("Status changes", "who crossed a benchmark line, either way: firm-wide, compute segment, recurring profit",
     "状态变化"),
    ("Cash and debt", "can they carry the fleet? per firm: operating cash flow, capex and free cash flow TTM beside net "
     "profit, lease cash (at most), debt, net debt / EBITDA, cash / short-term debt, coverage, DSO, the GPU fleet and "
     "its growth, and the carry screen's five flags (yes / no / not checked)", "现金流、负债与机队：能否承载"),
    ("Economics", "one leased GPU server's P&L by year under stated assumptions, the utilisation each margin needs, a "
     "utilisation × rent grid of net margin, and each firm's compute gross margin with the utilisation that reproduces "
     "it", "单台GPU服务器经济性与各公司隐含利用率"),
    ("Universe", "membership of the compute-leasing universe and who joined or left", "成分股及变动"),
    ("Data quality", "derived quarters, carried-forward values, restatements, truncated histories and data tests",
     "数据质量"),
    ("Chart data", "the numbers behind the charts on Summary", "图表数据"),
)

# (term, English, 中文) — metrics.md, the contract for every number in the reports.
DEFINITIONS = (
    (
        "Revenue 营业收入",
        "营业收入 OPERATE_INCOME; 营业总收入 TOTAL_OPERATE_INCOME only where OPERATE_INCOME is absent (flagged).",
        "营业收入（OPERATE_INCOME）；仅在其缺失时以营业总收入（TOTAL_OPERATE_INCOME）替代，并标记。",
    ),
    (
        "Single quarter (Q) 单季",
        "Reports are cumulative year to date: Q1 = the Q1 report, Q2 = H1 − Q1, Q3 = 9M − H1, Q4 = FY − 9M. "
        "NULL when the earlier report of the year is missing; Q2–Q4 are marked as derived.",
        "A股定期报告为年初至今累计值：Q1 = 一季报，Q2 = 中报 − 一季报，Q3 = 三季报 − 中报，Q4 = 年报 − 三季报。"
        "缺少同年前一期报告时为空；Q2–Q4 标记为推算值。",
    ),
    (
        "TTM 滚动十二个月",
        "FY of the previous year + YTD − YTD of the same period a year earlier; the FY value at 12-31. "
        "NULL when any term is missing.",
        "上年年报 + 本期累计 − 上年同期累计；12月31日即年报值。任一项缺失则为空。",
    ),
    (
        "Gross margin 毛利率",
        "(revenue − operating cost 营业成本) / revenue. NULL when revenue ≤ 0.",
        "（营业收入 − 营业成本）/ 营业收入。营业收入 ≤ 0 时为空。",
    ),
    (
        "Net margin 净利率",
        "net profit 净利润 (incl. minority interests) / revenue. NULL when revenue ≤ 0.",
        "净利润（含少数股东损益）/ 营业收入。营业收入 ≤ 0 时为空。",
    ),
    (
        "Benchmark 基准",
        "gross margin 40 %, net margin 20 % for compute leasing (东吴证券 research), from the seed file unless "
        "overridden. Gap = margin − benchmark, in percentage points (pp).",
        "算力租赁毛利率 40%、净利率 20%（东吴证券研究），取自种子文件，可在命令行覆盖。差距 = 实际 − 基准，单位百分点（pp）。",
    ),
    (
        "Status 状态",
        "meets_both, gross_only, net_only, below_both on TTM margins; loss_making when net profit TTM < 0; "
        "no_data without TTM margins.",
        "按TTM利润率：双达标、仅毛利率达标、仅净利率达标、均未达标；净利润TTM < 0 为亏损；无TTM利润率为无数据。",
    ),
    (
        "D&A / revenue 折旧摊销负担",
        "(FA_IR_DEPR + USERIGHT_ASSET_AMORTIZE + IA_AMORTIZE + LPE_AMORTIZE) / revenue, TTM. Disclosed in H1 and FY "
        "reports only: at Q1 and Q3 the latest TTM is carried forward and flagged as carried.",
        "（固定资产折旧 + 使用权资产折旧 + 无形资产摊销 + 长期待摊费用摊销）/ 营业收入，TTM。仅中报和年报披露："
        "一季度与三季度沿用最近一期TTM并标记为沿用。",
    ),
    (
        "Interest / revenue 利息负担",
        "interest expense 利息费用 (FE_INTEREST_EXPENSE) / revenue, TTM.",
        "财务费用项下利息费用（FE_INTEREST_EXPENSE）/ 营业收入，TTM。",
    ),
    (
        "Compute share 算力收入占比",
        "revenue of 主营构成 segments whose name matches a compute keyword (算力, 智算, GPU, AI服务器 …; IDC, 云计算, "
        "数据中心 as a second tier) / revenue, TTM. Segments are disclosed in H1 and FY: carried at Q1 and Q3.",
        "主营构成中名称匹配算力关键词（算力、智算、GPU、AI服务器等；IDC、云计算、数据中心为第二层级）的收入 / 营业收入，TTM。"
        "分部数据仅中报和年报披露：一、三季度沿用并标记。",
    ),
    (
        "YoY 同比",
        "x / x a year earlier − 1, on TTM values. NULL when the earlier value ≤ 0; 扭亏 / 转亏 then names the sign change.",
        "x / 上年同期 x − 1（TTM）。上年同期 ≤ 0 时为空，以“扭亏/转亏”说明符号变化。",
    ),
    (
        "增收不增利 Revenue up, profit not",
        "revenue TTM up year on year while net profit TTM did not rise (including turning to or deepening a loss).",
        "营业收入TTM同比增长而净利润TTM未增长（含转亏或亏损扩大）。",
    ),
    (
        "Margin bridge 利润率桥",
        "Under CAS the servers' depreciation is inside 营业成本: it lowers the gross margin, and gross before D&A "
        "(gross + D&A in 营业成本, at most D&A and at most 营业成本) is an upper bound. EBITDA margin − D&A − "
        "interest − tax − other = net margin. Operating view: gross − selling − admin − R&D − net finance − credit "
        "and asset impairment + other income (subsidies) + investment income + fair-value change + asset disposal "
        "+ non-operating net − taxes and surcharges − income tax − other (the exact residual) = net margin; "
        "− minority interest = net margin to parent. Each as a share of revenue TTM; each bridge closes exactly.",
        "按企业会计准则，服务器折旧计入营业成本，压低的是毛利率；折旧前毛利率（毛利率 + 营业成本中的折旧，至多为折旧、"
        "至多为营业成本）为上限。EBITDA利润率 − 折旧摊销 − 利息 − 所得税 − 其他 = 净利率。经营视角：毛利率 − 销售 − 管理 − "
        "研发 − 财务费用 − 信用及资产减值 + 其他收益（补贴）+ 投资收益 + 公允价值变动 + 资产处置 + 营业外净额 − 税金及附加 − "
        "所得税 − 其他（余项）= 净利率；− 少数股东损益 = 归母净利率。均占营业收入TTM，逐项闭合。",
    ),
    (
        "Restatement 追溯调整",
        "every fetched version of a report is kept; the models use the latest (by UPDATE_DATE, NOTICE_DATE, fetch time).",
        "同一报告期的每个版本均保留；模型采用最新版本（按更新日期、公告日期、抓取时间）。",
    ),
    (
        "Units 单位",
        "amounts in 亿元 (1 亿 = 100 million 元); ratios in % with one decimal; gaps in percentage points (pp).",
        "金额单位亿元（1亿元 = 10⁸ 元）；比率为百分比，保留一位小数；差距单位为百分点（pp）。",
    ),
)
