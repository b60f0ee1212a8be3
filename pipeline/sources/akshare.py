"""The live source: akshare 1.19.5 behind the same door as the sample, `fetch(function, **kwargs)` → frame as returned.

akshare is imported on the first fetch, never at start-up (it costs ~0.7 s), and called through the module
(`akshare.<function>`), so a test or a user can substitute one function. Every call runs under the politeness
policy of pipeline.sources.polite. While a call runs, `requests` gets a default timeout for each HTTP request that has
none (akshare sets none on most), which also ends a call the watchdog gave up on, and requests are counted
so the run can report what it cost upstream.

The column facts below come from the installed akshare source (see ../shared/reference/akshare.md). One function
is leasewatch's own, modelled on akshare's call (pipeline.sources.eastmoney: quotes of a list of codes); it is
fetched the same way, and a simulated `module` stands in for it too.
"""

from __future__ import annotations

import os
import re
import threading
import warnings
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline import clock
from pipeline.sources import SEGMENTS, SHARE_INFO, args_text
from pipeline.errors import LeasewatchError, NothingDisclosed, SchemaDriftError
from pipeline.sources import eastmoney
from pipeline.sources.polite import Politeness, PoliteCaller
from pipeline.sources.shapes import DISCLOSURE_DATES, FILING_CALENDAR, NOTHING_DISCLOSED, QUOTES, ZYGC_COST_COLUMNS

if TYPE_CHECKING:
    import pandas as pd

# Functions that accept their own `timeout=` argument; it is passed but never stored with the request's arguments.
_TAKES_TIMEOUT = {"stock_zh_a_hist", "stock_individual_info_em"}

_F10_REMEDY = "EastMoney F10 may not cover this firm (new listing, bank or insurer layout); check the code"
_REMEDY = {
    "stock_profit_sheet_by_report_em": _F10_REMEDY,
    "stock_balance_sheet_by_report_em": _F10_REMEDY,
    "stock_cash_flow_sheet_by_report_em": _F10_REMEDY,
    "stock_zygc_em": "EastMoney has no segment table for this firm, or its payload changed (akshare issue #4297)",
    "stock_individual_info_em": "EastMoney has no quote record for this code: check it is listed and not delisted",
    "stock_zh_a_gbjg_em": "EastMoney's share-structure page (股本结构) failed; market values fall back to the quote's share count",
    DISCLOSURE_DATES: "EastMoney has no disclosure calendar for this period yet; the run continues without it",
    FILING_CALENDAR: "cninfo lists the latest four report periods only; EastMoney's calendar is asked instead",
    QUOTES: "the day's prices come from the exchanges' spot lists instead",
}


SOURCE_STATE_FILE = "source_state.json"  # in the data directory: the circuit breaker's state across runs


def live_source(data_dir: Path, politeness: Politeness) -> "AkshareSource":
    """akshare under the given politeness, its breaker state kept in the data directory."""
    return AkshareSource(PoliteCaller(politeness, state_file=data_dir / SOURCE_STATE_FILE))


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
        self._simulated = module is not None  # a stand-in module answers for the adapter too
        self._clock = clock

    @property
    def http_requests(self) -> int:
        """HTTP requests akshare made through `requests` in this process so far."""
        return _meter.count

    def now(self) -> datetime:
        """Fetch time as China wall-clock time (naive), the clock EastMoney's trading days and filings follow."""
        return (self._clock or clock.china_now)().replace(microsecond=0)

    def fetch(self, function: str, **kwargs) -> "pd.DataFrame":
        import pandas as pd

        fn = self._function(function)
        label = f"{function}({args_text(kwargs)})"
        if fn is None:
            raise SchemaDriftError(
                f"akshare {self.version} has no function {function}", "install the pinned version: make install"
            )
        call_args = dict(kwargs)
        if function in _TAKES_TIMEOUT:
            call_args["timeout"] = self.request_timeout
        _meter.install(self.request_timeout)
        requests_before = _meter.count
        try:
            frame = self.caller.call(label, lambda: fn(**call_args))
        except LeasewatchError:
            raise
        except Exception as exc:
            if nothing_disclosed(function, exc, _meter.count - requests_before):
                raise NothingDisclosed(
                    f"{label}: EastMoney discloses nothing here ({type(exc).__name__}: {str(exc)[:120]})",
                    _REMEDY.get(function),
                ) from exc
            if isinstance(exc, ValueError) and "Length mismatch" in str(exc):
                # akshare names columns by position (`temp_df.columns = [...]`): EastMoney added or dropped a field
                raise SchemaDriftError(
                    f"{label}: EastMoney's payload changed shape ({str(exc)[:160]})",
                    "akshare assigns these columns by position; wait for an akshare release that follows the new "
                    "field list (then make lock), the data stored so far is kept",
                ) from exc
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

    def _function(self, function: str):
        if not self._simulated and function in eastmoney.FUNCTIONS:
            return getattr(eastmoney, function)
        return getattr(self._akshare(), function, None)

    def _akshare(self):
        if self._module is None:
            # akshare's own tqdm bars would clutter the terminal and cron logs; set before tqdm is first imported.
            os.environ.setdefault("TQDM_DISABLE", "1")
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message="pkg_resources is deprecated")  # py_mini_racer 0.6, on import
                import akshare

            self._module = akshare
        return self._module


def nothing_disclosed(function: str, exc: Exception, requests: int) -> bool:
    """Whether akshare's exception is EastMoney's empty answer (see shapes.NOTHING_DISCLOSED), not a failure: a
    payload that changed or a paginated list cut off raises the same types and stays a failure."""
    if not isinstance(exc, NOTHING_DISCLOSED.get(function, ())):
        return False
    text = str(exc)
    if function == SEGMENTS:
        names = set(re.findall(r"'([^']+)'", text))
        return "zygcfx" in names or "None of [" in text or (bool(names) and names <= ZYGC_COST_COLUMNS)
    if function == SHARE_INFO:
        return "scalar values" in text
    if function == FILING_CALENDAR:
        return "Expected axis has 0 elements" in text  # no rows to name; any other count is a changed payload
    return requests <= 1  # stock_yysj_em: the first page had no result (a later page without one is a cut-off list)


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


def _installed_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("akshare")
    except PackageNotFoundError:
        return "unknown"

