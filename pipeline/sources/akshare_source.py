"""The live source: akshare 1.19.5 behind the same door as the sample, `fetch(function, **kwargs)` → frame as returned.

akshare is imported on the first fetch, never at start-up (it costs ~0.7 s), and called through the module
(`akshare.<function>`), so a test or a user can substitute one function. Every call runs under the politeness
policy of pipeline.fetch. While a call runs, `requests` gets a default timeout for each HTTP request that has
none (akshare sets none on most), which also ends a call the watchdog gave up on, and requests are counted
so the run can report what it cost upstream.

The column facts below come from the installed akshare source (see ../shared/reference/akshare.md).
"""

from __future__ import annotations

import os
import threading
import warnings
from datetime import datetime
from typing import TYPE_CHECKING

from pipeline.errors import LeasewatchError, SchemaDriftError
from pipeline.fetch import PoliteCaller

if TYPE_CHECKING:
    import pandas as pd

# Functions only the live refresh calls (the core ones are in pipeline.sources).
DISCLOSURE_DATES = "stock_yysj_em"  # 预约披露时间 of every A-share for one report period
BOARD_NAMES = "stock_board_concept_name_em"
THS_BOARD_INFO = "stock_board_concept_info_ths"
SPOT_OF_EXCHANGE = {"SH": "stock_sh_a_spot_em", "SZ": "stock_sz_a_spot_em", "BJ": "stock_bj_a_spot_em"}
# stock_yysj_em's market filter: 沪深A股 excludes Beijing, which has its own.
DISCLOSURE_MARKET_OF_EXCHANGE = {"SH": "沪深A股", "SZ": "沪深A股", "BJ": "京市A股"}

# Exact output columns of akshare 1.19.5, in order, for the functions whose columns akshare names itself.
# F10 statements pass EastMoney's field codes through and are checked against the field dictionary instead.
_SPOT_COLUMNS = (
    "序号", "代码", "名称", "最新价", "涨跌幅", "涨跌额", "成交量", "成交额", "振幅", "最高", "最低", "今开", "昨收",
    "量比", "换手率", "市盈率-动态", "市净率", "总市值", "流通市值", "涨速", "5分钟涨跌", "60日涨跌幅", "年初至今涨跌幅",
)
COLUMNS = {
    "stock_zygc_em": (
        "股票代码", "报告日期", "分类类型", "主营构成", "主营收入", "收入比例", "主营成本", "成本比例", "主营利润", "利润比例", "毛利率",
    ),
    "stock_zh_a_hist": ("日期", "股票代码", "开盘", "收盘", "最高", "最低", "成交量", "成交额", "振幅", "涨跌幅", "涨跌额", "换手率"),
    "stock_board_concept_cons_em": (
        "序号", "代码", "名称", "最新价", "涨跌幅", "涨跌额", "成交量", "成交额", "振幅", "最高", "最低", "今开", "昨收",
        "换手率", "市盈率-动态", "市净率",
    ),
    "stock_individual_info_em": ("item", "value"),
    DISCLOSURE_DATES: ("序号", "股票代码", "股票简称", "首次预约时间", "一次变更日期", "二次变更日期", "三次变更日期", "实际披露时间"),
    BOARD_NAMES: (
        "排名", "板块名称", "板块代码", "最新价", "涨跌额", "涨跌幅", "总市值", "换手率", "上涨家数", "下跌家数", "领涨股票",
        "领涨股票-涨跌幅",
    ),
    THS_BOARD_INFO: ("项目", "值"),
    **{function: _SPOT_COLUMNS for function in SPOT_OF_EXCHANGE.values()},
}
# A market snapshot (board constituents or exchange spot list) as the day's bar needs these columns.
SNAPSHOT_COLUMNS = ("代码", "名称", "最新价", "今开", "最高", "最低", "昨收", "成交量", "成交额", "振幅", "涨跌幅", "涨跌额", "换手率")
# Columns the pipeline reads from functions outside the field dictionary.
REQUIRED = {
    DISCLOSURE_DATES: ("股票代码", "实际披露时间"),
    BOARD_NAMES: ("板块名称", "板块代码"),
    THS_BOARD_INFO: ("项目", "值"),
    **{function: SNAPSHOT_COLUMNS for function in SPOT_OF_EXCHANGE.values()},
}
# Functions that accept their own `timeout=` argument; it is passed but never stored with the request's arguments.
_TAKES_TIMEOUT = {"stock_zh_a_hist", "stock_individual_info_em"}

_F10_REMEDY = "EastMoney F10 may not cover this firm (new listing, bank or insurer layout); check the code"
_REMEDY = {
    "stock_profit_sheet_by_report_em": _F10_REMEDY,
    "stock_balance_sheet_by_report_em": _F10_REMEDY,
    "stock_cash_flow_sheet_by_report_em": _F10_REMEDY,
    "stock_zygc_em": "EastMoney has no segment table for this firm, or its payload changed (akshare issue #4297)",
    DISCLOSURE_DATES: "EastMoney has no disclosure calendar for this period yet; the run continues without it",
}


class AkshareSource:
    """Frames from akshare, fetched politely. `module` and `clock` are for simulations and tests."""

    name = "akshare"
    is_sample = False

    def __init__(
        self,
        caller: PoliteCaller | None = None,
        *,
        module: object | None = None,
        clock=None,
        request_timeout: float = 30.0,
    ):
        self.caller = caller or PoliteCaller()
        self.request_timeout = request_timeout
        self.version = _installed_version()
        self._module = module
        self._clock = clock

    @property
    def http_requests(self) -> int:
        """HTTP requests akshare made through `requests` in this process so far."""
        return _meter.count

    def now(self) -> datetime:
        """Fetch time as China wall-clock time (naive), the clock EastMoney's trading days and filings follow."""
        return (self._clock or china_now)().replace(microsecond=0)

    def fetch(self, function: str, **kwargs) -> "pd.DataFrame":
        import pandas as pd

        module = self._akshare()
        fn = getattr(module, function, None)
        label = f"{function}({_args_text(kwargs)})"
        if fn is None:
            raise SchemaDriftError(
                f"akshare {self.version} has no function {function}", "install the pinned version: make install"
            )
        call_args = dict(kwargs)
        if function in _TAKES_TIMEOUT:
            call_args["timeout"] = self.request_timeout
        _meter.install(self.request_timeout)
        try:
            frame = self.caller.call(label, lambda: fn(**call_args))
        except LeasewatchError:
            raise
        except Exception as exc:
            # The host answered but not with what akshare expects (no "data", a missing key, an odd date).
            raise LeasewatchError(
                f"{label} failed: {type(exc).__name__}: {str(exc)[:200]}",
                _REMEDY.get(function, "rerun later; if it persists, the upstream page changed (akshare is pinned)"),
            ) from exc
        if not isinstance(frame, pd.DataFrame):
            raise SchemaDriftError(
                f"{label} returned {type(frame).__name__}, not a DataFrame", "check the akshare version (requirements.lock)"
            )
        return frame

    def _akshare(self):
        if self._module is None:
            # akshare's own tqdm bars would clutter the terminal and cron logs; set before tqdm is first imported.
            os.environ.setdefault("TQDM_DISABLE", "1")
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message="pkg_resources is deprecated")  # py_mini_racer 0.6, on import
                import akshare

            self._module = akshare
        return self._module


class _RequestMeter:
    """Counts HTTP requests and gives each one without a timeout our default. Installed once per process."""

    def __init__(self):
        self.count = 0
        self.timeout = 30.0
        self._lock = threading.Lock()
        self._installed = False

    def install(self, timeout: float) -> None:
        self.timeout = timeout
        if self._installed:
            return
        try:
            import requests.sessions
        except ImportError:  # akshare brings requests; a substituted module may not need it
            return
        original = requests.sessions.Session.request
        meter = self

        def request(session, method, url, *args, **kwargs):
            if kwargs.get("timeout") is None and len(args) < 7:  # the 7th positional after url is timeout
                kwargs["timeout"] = meter.timeout
            with meter._lock:
                meter.count += 1
            return original(session, method, url, *args, **kwargs)

        requests.sessions.Session.request = request
        self._installed = True


_meter = _RequestMeter()


def china_now() -> datetime:
    """Current time in China (Asia/Shanghai), naive."""
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo("Asia/Shanghai")).replace(tzinfo=None)


def _installed_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("akshare")
    except PackageNotFoundError:
        return "unknown"


def _args_text(args: dict) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in sorted(args.items()))
