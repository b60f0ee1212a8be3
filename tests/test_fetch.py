"""Politeness: pacing, timeouts, retries with backoff and jitter, the circuit breaker; and the live source's
wrapper around akshare. Clock and sleep are fakes: nothing here waits for politeness."""

from __future__ import annotations

import random
import threading
from datetime import datetime, timedelta

import pandas as pd
import pytest

from pipeline.errors import LeasewatchError, SchemaDriftError, SourceBlockedError
from pipeline.sources.polite import Politeness, PoliteCaller
from pipeline.sources.akshare import AkshareSource

NOW = datetime(2025, 6, 3, 18, 0)


class Clock:
    """A monotonic clock that only moves when the caller sleeps or a test advances it."""

    def __init__(self):
        self.t = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        self.t += seconds


def caller(clock: Clock, *, now=lambda: NOW, state_file=None, **policy) -> PoliteCaller:
    return PoliteCaller(Politeness(**policy), clock=clock, sleep=clock.sleep, now=now, state_file=state_file, rng=random.Random(7))


def failing(*errors, then="ok"):
    pending = list(errors)

    def fn():
        if pending:
            raise pending.pop(0)
        return then

    return fn


def test_calls_are_spaced_by_the_minimum_interval():
    clock = Clock()
    polite = caller(clock, min_interval=1.5)
    polite.call("first", lambda: 1)
    clock.t += 0.4  # the caller spent 0.4 s between calls
    polite.call("second", lambda: 2)
    assert clock.slept == [1.1]


def test_connection_resets_are_retried_with_exponential_backoff_and_jitter():
    clock = Clock()
    polite = caller(clock, min_interval=0, retries=3, backoff=2.0, jitter=0.5)
    result = polite.call("f()", failing(ConnectionResetError("Connection reset by peer"), ConnectionResetError("reset")))
    assert result == "ok"
    first, second = clock.slept
    assert 2.0 <= first <= 3.0 and 4.0 <= second <= 6.0  # 2 s then 4 s, each plus up to 50 % jitter
    assert polite.consecutive_failures == 0  # a success resets the count


def test_retry_after_is_honoured():
    class Response:
        headers = {"Retry-After": "7"}

    error = ConnectionError("429 Too Many Requests")
    error.response = Response()
    clock = Clock()
    caller(clock, min_interval=0).call("f()", failing(error))
    assert clock.slept == [7.0]


def test_an_answer_akshare_cannot_parse_is_not_retried():
    clock = Clock()
    with pytest.raises(KeyError):
        caller(clock, min_interval=0).call("f()", failing(KeyError("data")))
    assert clock.slept == []


def test_a_call_that_hangs_is_given_up_after_the_timeout():
    release = threading.Event()
    clock = Clock()
    polite = caller(clock, min_interval=0, timeout=0.05, retries=1)
    try:
        with pytest.raises(LeasewatchError) as raised:
            polite.call("stock_zygc_em(symbol='SZ300001')", lambda: release.wait(5))
    finally:
        release.set()  # let the abandoned worker threads end
    assert "stock_zygc_em(symbol='SZ300001') failed after 2 attempts" in raised.value.message
    assert "no answer within 0.05 s" in raised.value.message


def test_the_breaker_opens_after_consecutive_failures_and_says_when_to_retry(tmp_path):
    clock = Clock()
    state = tmp_path / "source_state.json"
    polite = caller(clock, min_interval=0, retries=10, max_failures=3, cooldown=3600, state_file=state)
    with pytest.raises(SourceBlockedError) as raised:
        polite.call("stock_zh_a_hist(symbol='300001')", failing(*[ConnectionError("RemoteDisconnected")] * 10))
    error = raised.value
    assert error.exit_code == 3
    assert "the source is refusing us" in error.message and "retry after 2025-06-03 19:00" in error.message
    assert "3 consecutive failures" in error.message and "stock_zh_a_hist(symbol='300001')" in error.message
    assert polite.attempts == 3
    calls = []
    with pytest.raises(SourceBlockedError):  # the same run: no further upstream call
        polite.call("g()", lambda: calls.append(1))
    assert calls == []


def test_the_breaker_holds_across_runs_until_its_time(tmp_path):
    state = tmp_path / "source_state.json"
    with pytest.raises(SourceBlockedError):
        caller(Clock(), min_interval=0, retries=0, max_failures=1, state_file=state).call("f()", failing(ConnectionError("x")))
    calls = []
    next_run = caller(Clock(), state_file=state, now=lambda: NOW + timedelta(minutes=30))
    with pytest.raises(SourceBlockedError) as raised:
        next_run.call("f()", lambda: calls.append(1))
    assert calls == [] and str(state) in raised.value.remedy
    later = caller(Clock(), state_file=state, now=lambda: NOW + timedelta(hours=2))
    assert later.call("f()", lambda: "answered") == "answered" and not state.exists()


def test_failures_that_do_not_reach_the_threshold_fail_only_the_call():
    polite = caller(Clock(), min_interval=0, retries=1, max_failures=5)
    with pytest.raises(LeasewatchError) as raised:
        polite.call("f()", failing(OSError("reset"), OSError("reset")))
    assert not isinstance(raised.value, SourceBlockedError) and polite.consecutive_failures == 2


def test_the_waits_follow_the_backoff_formula_with_jitter_from_the_injected_rng():
    clock = Clock()
    polite = caller(clock, min_interval=0, retries=4, backoff=2.0, backoff_max=10.0, jitter=0.5, max_failures=10)
    with pytest.raises(LeasewatchError, match="failed after 5 attempts"):
        polite.call("f()", failing(*[ConnectionResetError("reset")] * 5))
    polite.call("g()", failing(ConnectionResetError("reset")))  # the next call's jitter continues the same sequence
    rng, expected = random.Random(7), []
    for n in [0, 1, 2, 3, 0]:  # no wait (and no random draw) after a call's last attempt
        base = min(2.0 * 2**n, 10.0)
        expected.append(round(base + rng.uniform(0, 0.5 * base), 6))
    assert clock.slept == expected
    assert polite.attempts == 7 and polite.waited == pytest.approx(sum(expected)) and polite.consecutive_failures == 0


def test_retry_after_replaces_the_backoff_capped_at_the_maximum_and_draws_no_jitter():
    class Response:
        def __init__(self, value):
            self.headers = {"Retry-After": value}

    def throttled(value):
        error = ConnectionError("429 Too Many Requests")
        error.response = Response(value)
        return error

    clock = Clock()
    polite = caller(clock, min_interval=0, retries=3, backoff=2.0, backoff_max=60.0, jitter=0.5)
    polite.call("f()", failing(throttled("7"), throttled("600"), ConnectionResetError("reset")))
    first_jitter = random.Random(7).uniform(0, 0.5 * 8.0)  # Retry-After took no random draw before it
    assert clock.slept == [7.0, 60.0, round(8.0 + first_jitter, 6)]


def test_pacing_applies_between_retries_too():
    clock = Clock()
    polite = caller(clock, min_interval=1.5, retries=1, backoff=1.0, jitter=0.0)
    polite.call("f()", failing(ConnectionResetError("reset")))
    assert clock.slept == [1.0, 0.5]  # the backoff, then the rest of the minimum interval


def test_the_breaker_opening_mid_retry_stops_retrying():
    clock = Clock()
    polite = caller(clock, min_interval=0, retries=10, max_failures=2, backoff=1.0, jitter=0.0)
    polite.consecutive_failures = 1  # one failure carried over from an earlier call
    with pytest.raises(SourceBlockedError, match="2 consecutive failures"):
        polite.call("f()", failing(*[ConnectionError("RemoteDisconnected")] * 10))
    assert polite.attempts == 1 and clock.slept == []


def test_the_retry_library_is_not_imported_by_the_cli():
    import subprocess
    import sys

    code = "import sys, pipeline.cli; assert 'tenacity' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


# -- the live source -------------------------------------------------------------------------------------


@pytest.fixture
def akshare(monkeypatch):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import akshare
    return akshare


def quick_source() -> AkshareSource:
    return AkshareSource(PoliteCaller(Politeness(min_interval=0, retries=0), sleep=lambda _s: None), clock=lambda: NOW)


def test_the_source_calls_akshare_through_the_module(akshare, monkeypatch):
    seen = {}
    monkeypatch.setattr(akshare, "stock_zygc_em", lambda **kw: seen.update(kw) or pd.DataFrame({"a": [1]}))
    frame = quick_source().fetch("stock_zygc_em", symbol="SZ300001")
    assert seen == {"symbol": "SZ300001"} and frame["a"].tolist() == [1]


def test_a_parse_failure_names_the_function_and_the_arguments(akshare, monkeypatch):
    def broken(**_kw):
        raise TypeError("'NoneType' object is not subscriptable")

    monkeypatch.setattr(akshare, "stock_profit_sheet_by_report_em", broken)
    with pytest.raises(LeasewatchError) as raised:
        quick_source().fetch("stock_profit_sheet_by_report_em", symbol="SZ300001")
    assert raised.value.message.startswith("stock_profit_sheet_by_report_em(symbol='SZ300001') failed: TypeError")
    assert "F10" in raised.value.remedy


def test_something_other_than_a_frame_or_a_missing_function_is_drift(akshare, monkeypatch):
    monkeypatch.setattr(akshare, "stock_zygc_em", lambda **_kw: None)
    with pytest.raises(SchemaDriftError, match="returned NoneType"):
        quick_source().fetch("stock_zygc_em", symbol="SZ300001")
    with pytest.raises(SchemaDriftError, match="has no function stock_board_cons_ths"):
        quick_source().fetch("stock_board_cons_ths", symbol="算力租赁")


def test_http_requests_are_counted_and_get_a_timeout(akshare, monkeypatch):
    import requests
    import requests.sessions

    sent = []

    def send(session, request, **kwargs):
        sent.append(kwargs.get("timeout"))
        response = requests.models.Response()
        response.status_code, response._content = 200, b"{}"
        return response

    monkeypatch.setattr(requests.sessions.Session, "send", send)

    def two_requests(**_kw):
        requests.get("https://push2his.eastmoney.com/api/qt/stock/kline/get")  # akshare's usual: no timeout
        requests.get("https://emweb.securities.eastmoney.com/x", timeout=5)
        return pd.DataFrame({"a": [1]})

    monkeypatch.setattr(akshare, "stock_zygc_em", two_requests)
    source = quick_source()
    before = source.http_requests
    source.fetch("stock_zygc_em", symbol="SZ300001")
    assert source.http_requests - before == 2
    assert sent == [30.0, 5]  # the default fills in only where akshare set none
