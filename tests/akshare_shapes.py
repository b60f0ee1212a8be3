"""Builders for small frames in the exact shapes akshare 1.19.5 returns, for hand-computed test fixtures.

Column names and order follow akshare's source (stock_three_report_em.py, stock_zygc.py, stock_hist_em.py,
stock_board_concept_em.py, stock_info_em.py) and ../shared/reference/akshare.md.
"""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd

from pipeline import codes

F10_LEADING = [
    "SECUCODE",
    "SECURITY_CODE",
    "SECURITY_NAME_ABBR",
    "ORG_CODE",
    "ORG_TYPE",
    "REPORT_DATE",
    "REPORT_TYPE",
    "REPORT_DATE_NAME",
    "SECURITY_TYPE_CODE",
    "NOTICE_DATE",
    "UPDATE_DATE",
    "CURRENCY",
]
F10_TRAILING = ["OPINION_TYPE", "OSOPINION_TYPE"]
_REPORT_TYPE = {3: "一季报", 6: "中报", 9: "三季报", 12: "年报"}

ZYGC_COLUMNS = ["股票代码", "报告日期", "分类类型", "主营构成", "主营收入", "收入比例", "主营成本", "成本比例", "主营利润", "利润比例", "毛利率"]
HIST_COLUMNS = ["日期", "股票代码", "开盘", "收盘", "最高", "最低", "成交量", "成交额", "振幅", "涨跌幅", "涨跌额", "换手率"]
BOARD_COLUMNS = [
    "序号", "代码", "名称", "最新价", "涨跌幅", "涨跌额", "成交量", "成交额", "振幅",
    "最高", "最低", "今开", "昨收", "换手率", "市盈率-动态", "市净率",
]


def f10(code: str, name: str, reports: dict[str, dict], *, balance: bool = False) -> pd.DataFrame:
    """An EastMoney F10 wide table: one row per REPORT_DATE (newest first), meta columns, field codes.

    `reports` maps 'YYYY-MM-DD' to {FIELD_CODE: value, 'NOTICE_DATE': 'YYYY-MM-DD', 'UPDATE_DATE': ...}.
    Fields absent from a report are NaN, as EastMoney returns them.
    """
    value_fields: list[str] = []
    for fields in reports.values():
        for key in fields:
            if key not in ("NOTICE_DATE", "UPDATE_DATE") and key not in value_fields:
                value_fields.append(key)
    if balance:
        value_fields.sort()
    rows = []
    for period in sorted(reports, reverse=True):
        fields = reports[period]
        month = int(period[5:7])
        notice = fields.get("NOTICE_DATE", _default_notice(period))
        row = {
            "SECUCODE": codes.secucode(code),
            "SECURITY_CODE": code,
            "SECURITY_NAME_ABBR": name,
            "ORG_CODE": f"10{code}",
            "ORG_TYPE": "通用",
            "REPORT_DATE": f"{period} 00:00:00",
            "REPORT_TYPE": _REPORT_TYPE[month],
            "REPORT_DATE_NAME": f"{period[:4]}{_REPORT_TYPE[month]}",
            "SECURITY_TYPE_CODE": "058001001",
            "NOTICE_DATE": f"{notice} 00:00:00",
            "UPDATE_DATE": f"{fields.get('UPDATE_DATE', notice)} 00:00:00",
            "CURRENCY": "CNY",
        }
        for key in value_fields:
            row[key] = float(fields[key]) if fields.get(key) is not None else float("nan")
            row[f"{key}_YOY"] = float("nan")
        row["OPINION_TYPE"] = "标准无保留意见" if month == 12 else None
        row["OSOPINION_TYPE"] = None
        if balance:
            row["LISTING_STATE"] = "0"
        rows.append(row)
    columns = F10_LEADING + value_fields + [f"{k}_YOY" for k in value_fields] + F10_TRAILING
    if balance:
        columns.append("LISTING_STATE")
    frame = pd.DataFrame(rows, columns=columns)
    for column in frame.columns:
        if frame[column].isna().all():
            frame[column] = frame[column].astype(float)  # akshare's only processing: all-null columns become float
    return frame


def _default_notice(period: str) -> str:
    year, month = int(period[:4]), int(period[5:7])
    return {3: f"{year}-04-25", 6: f"{year}-08-25", 9: f"{year}-10-25", 12: f"{year + 1}-04-20"}[month]


def zygc(code: str, rows: list[tuple]) -> pd.DataFrame:
    """stock_zygc_em: rows of (period 'YYYY-MM-DD', 分类类型, 主营构成, 主营收入, 主营成本 or None)."""
    records = []
    for period, classification, segment, revenue, cost in rows:
        profit = None if cost is None else revenue - cost
        records.append(
            {
                "股票代码": code,
                "报告日期": date.fromisoformat(period),
                "分类类型": classification,
                "主营构成": segment,
                "主营收入": float(revenue),
                "收入比例": None,
                "主营成本": None if cost is None else float(cost),
                "成本比例": None,
                "主营利润": profit,
                "利润比例": None,
                "毛利率": None if cost is None or not revenue else profit / revenue,
            }
        )
    frame = pd.DataFrame(records, columns=ZYGC_COLUMNS)
    for period in frame["报告日期"].unique():
        mask = frame["报告日期"] == period
        for classification in frame.loc[mask, "分类类型"].unique():
            part = mask & (frame["分类类型"] == classification)
            frame.loc[part, "收入比例"] = frame.loc[part, "主营收入"] / frame.loc[part, "主营收入"].sum()
    for column in ZYGC_COLUMNS[4:]:
        frame[column] = pd.to_numeric(frame[column], errors="coerce")
    return frame


def hist(code: str, closes: dict[str, float]) -> pd.DataFrame:
    """stock_zh_a_hist: daily rows for {'YYYY-MM-DD': close}."""
    records = []
    previous = None
    for day in sorted(closes):
        close = closes[day]
        change = 0.0 if previous is None else close - previous
        records.append(
            {
                "日期": date.fromisoformat(day),
                "股票代码": code,
                "开盘": close,
                "收盘": close,
                "最高": close,
                "最低": close,
                "成交量": 1000,
                "成交额": close * 100_000,
                "振幅": 0.0,
                "涨跌幅": 0.0 if previous is None else round(change / previous * 100, 2),
                "涨跌额": round(change, 2),
                "换手率": 0.5,
            }
        )
        previous = close
    frame = pd.DataFrame(records, columns=HIST_COLUMNS)
    frame["成交量"] = frame["成交量"].astype("int64")
    return frame


def board(members: dict[str, str], quotes: dict[str, tuple[float, float]] | None = None) -> pd.DataFrame:
    """stock_board_concept_cons_em: {code: name}; `quotes` gives {code: (最新价, 昨收)} for a day's prices."""
    records = []
    for rank, (code, name) in enumerate(sorted(members.items()), start=1):
        record = {column: 0.0 for column in BOARD_COLUMNS}
        record.update({"序号": rank, "代码": code, "名称": name})
        if quotes and code in quotes:
            record.update(_quote(*quotes[code]))
        records.append(record)
    frame = pd.DataFrame(records, columns=BOARD_COLUMNS)
    frame["序号"] = frame["序号"].astype("int64")
    return frame


def _quote(close: float, previous: float) -> dict:
    """The price columns EastMoney's list functions return for one stock (成交量 in 手, 成交额 in 元, % columns)."""
    change = round(close - previous, 2)
    return {
        "最新价": close, "今开": previous, "最高": max(close, previous), "最低": min(close, previous), "昨收": previous,
        "成交量": 1000.0, "成交额": close * 100_000, "振幅": round(abs(change) / previous * 100, 2),
        "涨跌幅": round(change / previous * 100, 2), "涨跌额": change, "换手率": 0.5,
    }


SPOT_COLUMNS = [
    "序号", "代码", "名称", "最新价", "涨跌幅", "涨跌额", "成交量", "成交额", "振幅", "最高", "最低", "今开", "昨收",
    "量比", "换手率", "市盈率-动态", "市净率", "总市值", "流通市值", "涨速", "5分钟涨跌", "60日涨跌幅", "年初至今涨跌幅",
]
YYSJ_COLUMNS = ["序号", "股票代码", "股票简称", "首次预约时间", "一次变更日期", "二次变更日期", "三次变更日期", "实际披露时间"]
BOARD_NAME_COLUMNS = [
    "排名", "板块名称", "板块代码", "最新价", "涨跌额", "涨跌幅", "总市值", "换手率", "上涨家数", "下跌家数", "领涨股票", "领涨股票-涨跌幅",
]


def spot(quotes: dict[str, tuple[str, float, float]]) -> pd.DataFrame:
    """stock_sh_a_spot_em / stock_sz_a_spot_em / stock_bj_a_spot_em: {code: (name, 最新价, 昨收)}; a suspended
    stock has 最新价 NaN, as EastMoney's "-" becomes after akshare's to_numeric."""
    records = []
    for rank, (code, (name, close, previous)) in enumerate(sorted(quotes.items()), start=1):
        record = {column: float("nan") for column in SPOT_COLUMNS}
        record.update({"序号": rank, "代码": code, "名称": name})
        if close == close:
            record.update(_quote(close, previous))
        else:
            record.update({"昨收": previous, "成交量": float("nan")})
        records.append(record)
    frame = pd.DataFrame(records, columns=SPOT_COLUMNS)
    frame["序号"] = frame["序号"].astype("int64")
    return frame


def yysj(rows: dict[str, tuple[str, str, str | None]]) -> pd.DataFrame:
    """stock_yysj_em: {code: (name, 首次预约时间 'YYYY-MM-DD', 实际披露时间 or None)}; dates are datetime.date
    in object columns, missing ones NaT, as akshare's `pd.to_datetime(...).dt.date` leaves them."""
    records = []
    for rank, (code, (name, appointed, actual)) in enumerate(sorted(rows.items(), key=lambda kv: kv[1][1]), start=1):
        records.append(
            {
                "序号": rank, "股票代码": code, "股票简称": name, "首次预约时间": date.fromisoformat(appointed),
                "一次变更日期": pd.NaT, "二次变更日期": pd.NaT, "三次变更日期": pd.NaT,
                "实际披露时间": date.fromisoformat(actual) if actual else pd.NaT,
            }
        )
    frame = pd.DataFrame(records, columns=YYSJ_COLUMNS)
    frame["序号"] = frame["序号"].astype("int64")
    return frame


def board_names(boards: dict[str, str]) -> pd.DataFrame:
    """stock_board_concept_name_em: {BK code: 板块名称}."""
    records = []
    for rank, (code, title) in enumerate(boards.items(), start=1):
        record = {column: 0.0 for column in BOARD_NAME_COLUMNS}
        record.update({"排名": rank, "板块名称": title, "板块代码": code, "领涨股票": "测试"})
        records.append(record)
    frame = pd.DataFrame(records, columns=BOARD_NAME_COLUMNS)
    frame["排名"] = frame["排名"].astype("int64")
    return frame


def ths_info(rising: int, falling: int) -> pd.DataFrame:
    """stock_board_concept_info_ths: 项目/值 as text, 涨跌家数 written "rising/falling"."""
    items = [
        ("今开", "1001.55"), ("昨收", "998.12"), ("最低", "990.01"), ("最高", "1010.20"), ("成交量(万手)", "1234.5"),
        ("板块涨幅", "0.35%"), ("涨幅排名", "120/390"), ("涨跌家数", f"{rising}/{falling}"), ("资金净流入(亿)", "1.2"),
        ("成交额(亿)", "321.0"),
    ]
    return pd.DataFrame(items, columns=["项目", "值"])


def gbjg(changes: list[tuple[str, float, str]]) -> pd.DataFrame:
    """stock_zh_a_gbjg_em: rows of (变更日期 'YYYY-MM-DD', 总股本, 变动原因), newest first as EastMoney sorts them;
    akshare's nine columns, 变更日期 as datetime.date and the counts as float64 (pd.to_numeric). [] gives akshare's
    empty table (the nine columns, no rows)."""
    from pipeline.sources import SHARE_CHANGES
    from pipeline.sources.shapes import COLUMNS

    rows = sorted(changes, reverse=True)
    frame = pd.DataFrame({
        "变更日期": pd.Series([date.fromisoformat(d) for d, _, _ in rows], dtype=object),
        "总股本": pd.Series([float(t) for _, t, _ in rows], dtype="float64"),
        "流通受限股份": pd.Series([0.0] * len(rows), dtype="float64"),
        "其他内资持股(受限)": pd.Series([float("nan")] * len(rows), dtype="float64"),
        "境内法人持股(受限)": pd.Series([float("nan")] * len(rows), dtype="float64"),
        "境内自然人持股(受限)": pd.Series([float("nan")] * len(rows), dtype="float64"),
        "已流通股份": pd.Series([float(t) for _, t, _ in rows], dtype="float64"),
        "已上市流通A股": pd.Series([float(t) for _, t, _ in rows], dtype="float64"),
        "变动原因": pd.Series([r for _, _, r in rows], dtype=object),
    })
    return frame[list(COLUMNS[SHARE_CHANGES])]


def info(code: str, name: str, total_shares: float) -> pd.DataFrame:
    """stock_individual_info_em: long item/value frame."""
    items = [
        ("最新", 10.0),
        ("股票代码", code),
        ("股票简称", name),
        ("总股本", total_shares),
        ("流通股", total_shares * 0.8),
        ("总市值", total_shares * 10.0),
        ("流通市值", total_shares * 8.0),
        ("行业", "互联网服务"),
        ("上市时间", 20100101),
    ]
    return pd.DataFrame(items, columns=["item", "value"])


class FrameSource:
    """A source that answers from prepared frames: the offline stand-in for akshare in tests."""

    def __init__(self, frames: dict[tuple, pd.DataFrame], *, at: datetime, name: str = "fixture"):
        self.frames = frames
        self.at = at
        self.name = name
        self.version = "1.19.5"
        self.is_sample = False
        self.calls: list[tuple[str, dict]] = []

    def now(self) -> datetime:
        return self.at

    def fetch(self, function: str, **kwargs) -> pd.DataFrame:
        self.calls.append((function, kwargs))
        key = (function, kwargs.get("symbol"), kwargs.get("adjust"))
        for candidate in (key, key[:2], (function,)):
            if candidate in self.frames:
                return self.frames[candidate].copy()
        return pd.DataFrame()


REPORT_DISCLOSURE_COLUMNS = ["股票代码", "股票简称", "首次预约", "初次变更", "二次变更", "三次变更", "实际披露"]
QUOTE_COLUMNS = ["代码", "名称", "最新价", "今开", "最高", "最低", "昨收", "成交量", "成交额", "振幅", "涨跌幅", "涨跌额", "换手率"]


def report_disclosure(rows: dict[str, tuple[str, str, str | None]]) -> pd.DataFrame:
    """stock_report_disclosure (cninfo): {code: (name, 首次预约 'YYYY-MM-DD', 实际披露 or None)}; akshare keeps seven
    of cninfo's ten fields, the dates as datetime.date (NaT where cninfo has none)."""
    records = []
    for code, (name, appointed, actual) in sorted(rows.items()):
        records.append({
            "股票代码": code, "股票简称": name, "首次预约": date.fromisoformat(appointed), "初次变更": pd.NaT,
            "二次变更": pd.NaT, "三次变更": pd.NaT, "实际披露": date.fromisoformat(actual) if actual else pd.NaT,
        })
    return pd.DataFrame(records, columns=REPORT_DISCLOSURE_COLUMNS)


def quotes(rows: dict[str, tuple[str, float, float]]) -> pd.DataFrame:
    """ulist_quotes_em (leasewatch's EastMoney adapter): {code: (name, 最新价, 昨收)}, the spot lists' price columns,
    every number float64, NaN for a suspended stock's prices."""
    frame = spot(rows)[QUOTE_COLUMNS].reset_index(drop=True)
    for column in QUOTE_COLUMNS[2:]:
        frame[column] = frame[column].astype("float64")
    return frame
