"""Politeness towards upstream. One module owns pacing, timeouts, retries with backoff, and the circuit breaker.

Every akshare call goes through `PoliteCaller.call`:
- one call at a time, at least `min_interval` seconds after the previous one ended;
- a watchdog timeout around the whole call (akshare sets no timeout on most functions, and a paginated list
  makes many requests inside one call), so no call hangs forever;
- connection errors and timeouts are retried with exponential backoff and jitter (honouring `Retry-After`
  when the error carries an HTTP response);
- after `max_failures` consecutive failed attempts the breaker opens: the run stops with SourceBlockedError
  ("the source is refusing us; retry after …"). With a state file the breaker stays open across runs until
  that time, so a cron loop cannot keep hammering a host that has banned us.

Clock, sleep and random source are injectable: tests never sleep for politeness.
"""

from __future__ import annotations

import json
import random
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Callable, TypeVar

from pipeline.errors import LeasewatchError, SourceBlockedError

T = TypeVar("T")

# Local file errors are OSErrors too, but retrying them cannot help.
_PERMANENT_OS_ERRORS = (FileNotFoundError, PermissionError, IsADirectoryError, NotADirectoryError)


@dataclass(frozen=True)
class Politeness:
    """How gently to ask. Seconds throughout."""

    min_interval: float = 1.5  # between the end of one upstream call and the start of the next
    timeout: float = 120.0  # one whole call; a 57-page list with akshare's own 0.5–1.5 s page sleeps needs ~90 s
    retries: int = 3  # extra attempts after a connection error or timeout
    backoff: float = 2.0  # the first retry waits about this long, each further one twice as long
    backoff_max: float = 120.0
    jitter: float = 0.5  # up to this fraction of the wait is added at random
    max_failures: int = 5  # consecutive failed attempts that open the circuit breaker
    cooldown: float = 3600.0  # how long the breaker stays open (EastMoney bans last hours)


class CallTimedOut(TimeoutError):
    """The watchdog gave up on a call (internal: retried, then reported as a LeasewatchError)."""


class PoliteCaller:
    """Runs upstream calls one at a time under a Politeness policy."""

    def __init__(
        self,
        policy: Politeness = Politeness(),
        *,
        state_file: Path | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], datetime] = datetime.now,
        rng: random.Random | None = None,
    ):
        self.policy = policy
        self.state_file = Path(state_file) if state_file else None
        self.clock = clock
        self.sleep = sleep
        self.now = now
        self.rng = rng or random.Random()
        self.consecutive_failures = 0
        self.attempts = 0
        self.waited = 0.0  # seconds spent pacing and backing off, for the run summary
        self._last_end: float | None = None
        self._blocked_until: datetime | None = None

    def call(self, label: str, fn: Callable[[], T], *, retries: int | None = None) -> T:
        """Run `fn` politely. `label` names the call in errors, e.g. "stock_zygc_em(symbol='SZ300442')"."""
        # Imported here, not at the top: the CLI imports this module, and `leasewatch --help` must stay quick.
        from tenacity import Retrying, retry_if_exception, stop_after_attempt

        self._refuse_while_blocked()
        retries = self.policy.retries if retries is None else retries

        def attempt() -> T:
            self._pace()
            self.attempts += 1
            try:
                result = self._with_timeout(label, fn)
            except Exception as exc:
                self._last_end = self.clock()
                if not is_transient(exc):
                    self.consecutive_failures = 0  # the host answered; what it said is the caller's problem
                    raise
                self.consecutive_failures += 1
                if self.consecutive_failures >= self.policy.max_failures:
                    self._open(label, exc)  # raises SourceBlockedError: not transient, so no further retry
                raise
            self._last_end = self.clock()
            self.consecutive_failures = 0
            return result

        def wait(state) -> float:
            # tenacity asks for the wait before it checks the stop condition; after the last attempt there is no
            # wait, and drawing jitter for it would shift the random sequence of every later call.
            if state.attempt_number >= retries + 1:
                return 0.0
            return self._backoff(state.attempt_number - 1, state.outcome.exception())

        def give_up(state) -> T:
            exc = state.outcome.exception()
            error = LeasewatchError(
                f"{label} failed after {state.attempt_number} attempts: {describe(exc)}",
                "the source is slow or dropping connections; everything stored so far is kept, rerun later",
            )
            error.__context__ = exc  # as if raised while handling it, like the breaker's error
            raise error from exc

        retrying = Retrying(
            stop=stop_after_attempt(retries + 1),
            wait=wait,
            retry=retry_if_exception(is_transient),
            sleep=lambda seconds: self._wait(float(seconds)),
            retry_error_callback=give_up,
        )
        return retrying(attempt)

    def _pace(self) -> None:
        if self._last_end is None:
            return
        self._wait(self.policy.min_interval - (self.clock() - self._last_end))

    def _wait(self, seconds: float) -> None:
        if seconds > 0:
            self.waited += seconds
            self.sleep(seconds)

    def _backoff(self, attempt: int, exc: BaseException) -> float:
        retry_after = _retry_after(exc)
        if retry_after is not None:
            return min(retry_after, self.policy.backoff_max)
        base = min(self.policy.backoff * 2**attempt, self.policy.backoff_max)
        return base + self.rng.uniform(0, self.policy.jitter * base)

    def _with_timeout(self, label: str, fn: Callable[[], T]) -> T:
        """Run fn in a daemon thread and stop waiting after the timeout. A hung call's thread cannot be killed;
        being a daemon it never blocks the process from exiting, and the HTTP layer's own timeout ends it."""
        box: dict = {}
        done = threading.Event()

        def target() -> None:
            try:
                box["value"] = fn()
            except BaseException as exc:  # handed to the caller's thread, which decides
                box["error"] = exc
            finally:
                done.set()

        threading.Thread(target=target, name=f"upstream {label}"[:60], daemon=True).start()
        if not done.wait(self.policy.timeout):
            raise CallTimedOut(f"no answer within {self.policy.timeout:g} s")
        if "error" in box:
            raise box["error"]
        return box["value"]

    def _open(self, label: str, exc: BaseException) -> None:
        until = (self.now() + timedelta(seconds=self.policy.cooldown)).replace(microsecond=0)
        reason = f"{self.consecutive_failures} consecutive failures, the last on {label}: {describe(exc)}"
        self._blocked_until = until
        if self.state_file:
            self.state_file.parent.mkdir(parents=True, exist_ok=True)
            self.state_file.write_text(
                json.dumps({"blocked_until": until.isoformat(), "reason": reason}, ensure_ascii=False), encoding="utf-8"
            )
        raise SourceBlockedError(f"the source is refusing us ({reason}); retry after {until:%Y-%m-%d %H:%M} (this machine's time)", self._remedy())

    def _refuse_while_blocked(self) -> None:
        until, reason = self._blocked_until, "the circuit breaker opened earlier in this run"
        if until is None and self.state_file and self.state_file.exists():
            try:
                state = json.loads(self.state_file.read_text(encoding="utf-8"))
                until, reason = datetime.fromisoformat(state["blocked_until"]), state.get("reason", reason)
            except (ValueError, KeyError, TypeError):
                until = None  # a damaged state file must not block forever
        if until is None:
            return
        if self.now() < until:
            raise SourceBlockedError(
                f"the source is refusing us ({reason}); retry after {until:%Y-%m-%d %H:%M} (this machine's time)",
                self._remedy(),
            )
        self._blocked_until = None
        if self.state_file and self.state_file.exists():
            self.state_file.unlink()

    def _remedy(self) -> str:
        remedy = "everything fetched so far is kept; run the same command again after that time: it continues"
        if self.state_file:
            remedy += f" (or delete {self.state_file} to try now)"
        return remedy


def is_transient(exc: BaseException) -> bool:
    """Connection trouble worth retrying: resets, refused connections, timeouts, and any `requests` error
    (requests' exceptions are OSErrors; a ban page instead of JSON arrives as one, too)."""
    return isinstance(exc, OSError) and not isinstance(exc, _PERMANENT_OS_ERRORS)


def describe(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _retry_after(exc: BaseException) -> float | None:
    response = getattr(exc, "response", None)
    value = getattr(response, "headers", {}).get("Retry-After") if response is not None else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
