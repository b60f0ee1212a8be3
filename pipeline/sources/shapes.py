"""The shapes akshare 1.19.5 returns: function names and exact output columns, declared once.

Read from the installed akshare source (see ../shared/reference/akshare.md). The live source, the sample generator,
the ingest checks and the test fixtures all take their column lists from here.
"""

from __future__ import annotations

from pipeline.sources import BOARD_CONS, PRICES, SEGMENTS, SHARE_CHANGES, SHARE_INFO

# Functions only the live refresh calls (the core ones are in pipeline.sources).
DISCLOSURE_DATES = "stock_yysj_em"  # 预约披露时间 of every A-share for one report period
BOARD_NAMES = "stock_board_concept_name_em"
THS_BOARD_INFO = "stock_board_concept_info_ths"
SPOT_OF_EXCHANGE = {"SH": "stock_sh_a_spot_em", "SZ": "stock_sz_a_spot_em", "BJ": "stock_bj_a_spot_em"}
# stock_yysj_em's market filter: 沪深A股 excludes Beijing, which has its own.
DISCLOSURE_MARKET_OF_EXCHANGE = {"SH": "沪深A股", "SZ": "沪深A股", "BJ": "京市A股"}
# cninfo 预约披露 (akshare stock_feature/stock_yjyg_cninfo.py): the whole market's schedule and 实际披露 for one
# report period in one POST (pagesize 10000), for the latest four periods only. Asked first for the whole market
# (沪深京, akshare's name for cninfo's `szsh`); a member missing from that answer is asked for in its exchange's
# own market once (cninfo serves 北交所 separately).
FILING_CALENDAR = "stock_report_disclosure"
FILING_MARKET_ALL = "沪深京"
FILING_MARKET_OF_EXCHANGE = {"SH": "沪市", "SZ": "深市", "BJ": "北交所"}
# akshare's `period` labels, by the period's month ("2025一季", "2025半年报", "2025三季", "2024年报")
FILING_PERIOD_SUFFIX = {3: "一季", 6: "半年报", 9: "三季", 12: "年报"}
FILING_PAGE = 10_000  # akshare asks for one page of this many rows: an answer this long may be cut off
# Not an akshare function: leasewatch's adapter for EastMoney's quotes of a list of codes (pipeline.sources.eastmoney),
# the day's prices of an imported universe in ceil(members / 100) requests instead of the exchanges' spot lists.
QUOTES = "ulist_quotes_em"

# How akshare 1.19.5 says "nothing disclosed" (read in its source): the exception each function raises when
# EastMoney answers with an empty or null payload. The same exception types also come from a changed payload or
# a list cut off half way, so pipeline.sources.akshare.nothing_disclosed reads the message (and the request count):
#   stock_zygc_em: `zygcfx` absent (KeyError 'zygcfx'), an empty list (KeyError "None of [Index([...])] are in the
#     [columns]"), or no row with the cost fields (KeyError "['主营成本', ...] not in index", cost columns only)
#   stock_yysj_em: `result` is null on the first page, for a period EastMoney has no schedule for yet -> TypeError
#     ('NoneType' object is not subscriptable); null on a later page is a list cut off, not an answer
#   stock_individual_info_em: `data` is null (unknown or delisted code) -> ValueError ("If using all scalar values,
#     you must pass an index")
#   stock_report_disclosure: `prbookinfos` empty or null, for a period cninfo has no schedule for (yet, or no longer:
#     it keeps four) -> ValueError ("Length mismatch: Expected axis has 0 elements, new values have 10 elements");
#     any other length is a changed payload
NOTHING_DISCLOSED = {SEGMENTS: KeyError, DISCLOSURE_DATES: TypeError, SHARE_INFO: ValueError, FILING_CALENDAR: ValueError}
ZYGC_COST_COLUMNS = frozenset({"主营成本", "成本比例", "主营利润", "利润比例", "毛利率"})
# ORG_TYPE of EastMoney's general-company layout (companyType 4), the only one whose lines the models define.
GENERAL_LAYOUT = "通用"

# Exact output columns of akshare 1.19.5, in order, for the functions whose columns akshare names itself.
# F10 statements pass EastMoney's field codes through and are checked against the field dictionary instead.
_SPOT_COLUMNS = (
    "序号", "代码", "名称", "最新价", "涨跌幅", "涨跌额", "成交量", "成交额", "振幅", "最高", "最低", "今开", "昨收",
    "量比", "换手率", "市盈率-动态", "市净率", "总市值", "流通市值", "涨速", "5分钟涨跌", "60日涨跌幅", "年初至今涨跌幅",
)
COLUMNS = {
    SEGMENTS: (
        "股票代码", "报告日期", "分类类型", "主营构成", "主营收入", "收入比例", "主营成本", "成本比例", "主营利润", "利润比例", "毛利率",
    ),
    PRICES: ("日期", "股票代码", "开盘", "收盘", "最高", "最低", "成交量", "成交额", "振幅", "涨跌幅", "涨跌额", "换手率"),
    BOARD_CONS: (
        "序号", "代码", "名称", "最新价", "涨跌幅", "涨跌额", "成交量", "成交额", "振幅", "最高", "最低", "今开", "昨收",
        "换手率", "市盈率-动态", "市净率",
    ),
    SHARE_INFO: ("item", "value"),
    # stock_zh_a_gbjg_em: EastMoney RPT_F10_EH_EQUITY renamed and cut to these nine, 变更日期 as datetime.date,
    # the counts in shares; an unknown code gives these columns with no rows (never an error)
    SHARE_CHANGES: (
        "变更日期", "总股本", "流通受限股份", "其他内资持股(受限)", "境内法人持股(受限)", "境内自然人持股(受限)", "已流通股份",
        "已上市流通A股", "变动原因",
    ),
    DISCLOSURE_DATES: ("序号", "股票代码", "股票简称", "首次预约时间", "一次变更日期", "二次变更日期", "三次变更日期", "实际披露时间"),
    BOARD_NAMES: (
        "排名", "板块名称", "板块代码", "最新价", "涨跌额", "涨跌幅", "总市值", "换手率", "上涨家数", "下跌家数", "领涨股票",
        "领涨股票-涨跌幅",
    ),
    THS_BOARD_INFO: ("项目", "值"),
    **{function: _SPOT_COLUMNS for function in SPOT_OF_EXCHANGE.values()},
    # dates as datetime.date (pd.to_datetime(errors="coerce").dt.date), NaT where cninfo has none
    FILING_CALENDAR: ("股票代码", "股票简称", "首次预约", "初次变更", "二次变更", "三次变更", "实际披露"),
    QUOTES: ("代码", "名称", "最新价", "今开", "最高", "最低", "昨收", "成交量", "成交额", "振幅", "涨跌幅", "涨跌额", "换手率"),
}
# A market snapshot (board constituents or exchange spot list) as the day's bar needs these columns.
SNAPSHOT_COLUMNS = ("代码", "名称", "最新价", "今开", "最高", "最低", "昨收", "成交量", "成交额", "振幅", "涨跌幅", "涨跌额", "换手率")
# Columns the pipeline reads from functions outside the field dictionary.
REQUIRED = {
    DISCLOSURE_DATES: ("股票代码", "实际披露时间"),
    BOARD_NAMES: ("板块名称", "板块代码"),
    THS_BOARD_INFO: ("项目", "值"),
    **{function: SNAPSHOT_COLUMNS for function in SPOT_OF_EXCHANGE.values()},
    FILING_CALENDAR: ("股票代码", "实际披露"),
    QUOTES: SNAPSHOT_COLUMNS,
}


def filing_period(period) -> str:
    """stock_report_disclosure's label of a quarter end: date(2025, 3, 31) -> "2025一季"."""
    return f"{period.year}{FILING_PERIOD_SUFFIX[period.month]}"
