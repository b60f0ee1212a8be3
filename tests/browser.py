"""Open a page in headless Chromium over the DevTools protocol (a pipe, no port, no extra package).

`inspect(html_file)` loads the page, waits until every Plotly chart has drawn, and returns what a reader would
have met: console errors and uncaught exceptions, every network request, per-chart render facts, and a PNG
screenshot. Used by tests/test_report_browser.py and to make docs/report.png:

    .venv/bin/python -m tests.browser reports/…/leasewatch_2026Q3.html docs/report.png
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path

CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = (
    "--headless",
    "--no-sandbox",  # CI containers run as root, where the sandbox cannot start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    # a desktop with a mouse: headless reports no hover, and Plotly then pins its chart toolbar on every chart
    "--blink-settings=primaryHoverType=2,availableHoverTypes=2,primaryPointerType=4,availablePointerTypes=4",
    "--remote-debugging-pipe",
)
# What the page may load: itself and inline data. Anything else is a network request.
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")

CHART_FACTS = """
(() => {
  const charts = Array.from(document.querySelectorAll('.js-plotly-plot'));
  return JSON.stringify({
    containers: document.querySelectorAll('.chart').length,
    charts: charts.map(c => ({
      id: c.id,
      svgs: c.querySelectorAll('.main-svg').length,
      marks: c.querySelectorAll('.point, .scatterlayer .trace path, .barlayer .bars path, .heatmaplayer image').length,
      width: c.getBoundingClientRect().width,
      height: c.getBoundingClientRect().height,
    })),
    scripts: Array.from(document.scripts).map(s => s.src).filter(Boolean),
    links: Array.from(document.querySelectorAll('link[href], img[src], iframe[src]')).map(e => e.href || e.src),
    title: document.title,
  });
})()
"""


def find_chromium() -> str | None:
    for candidate in CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    return None


@dataclass
class PageReport:
    console_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    facts: dict = field(default_factory=dict)
    evaluations: dict = field(default_factory=dict)
    screenshot: bytes = b""


class _Pipe:
    """DevTools messages over --remote-debugging-pipe: JSON, NUL-terminated, in on fd 3, out on fd 4."""

    def __init__(self, binary: str, profile: str, width: int, height: int):
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()
        # Move the child's ends above 9 so that placing them on 3 and 4 cannot clobber one another.
        to_child_r, from_child_w = (_above_nine(fd) for fd in (to_child_r, from_child_w))
        args = [binary, *FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}", "about:blank"]

        def place_pipe_ends() -> None:  # in the child, before exec: the browser reads fd 3 and writes fd 4
            os.dup2(to_child_r, 3)
            os.dup2(from_child_w, 4)

        self.process = subprocess.Popen(
            args,
            preexec_fn=place_pipe_ends,
            close_fds=False,  # our other descriptors are non-inheritable anyway; 3 and 4 must survive
            start_new_session=True,  # its own process group, so closing it ends its helpers too
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_child_r)
        os.close(from_child_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict] = []

    def send(self, method: str, params: dict | None = None, session: str | None = None, timeout: float = 30) -> dict:
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_child, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def pump(self, seconds: float) -> None:
        """Collect events for a while."""
        deadline = time.monotonic() + seconds
        try:
            while True:
                self.events.append(self._read(deadline))
        except TimeoutError:
            pass

    def _read(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no reply from the browser")
            ready, _, _ = select.select([self._from_child], [], [], left)
            if ready:
                chunk = os.read(self._from_child, 1 << 20)
                if not chunk:
                    raise RuntimeError("the browser closed the DevTools pipe")
                self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def close(self) -> None:
        """Ask the browser to quit; end its process group if it does not within a few seconds."""
        try:
            try:
                self.send("Browser.close", timeout=5)
            except (OSError, RuntimeError, TimeoutError):
                pass
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        finally:
            os.close(self._to_child)
            os.close(self._from_child)


def _above_nine(fd: int) -> int:
    import fcntl

    moved = fcntl.fcntl(fd, fcntl.F_DUPFD, 10)
    os.close(fd)
    return moved


def inspect(
    page: Path,
    *,
    binary: str | None = None,
    width: int = 1400,
    height: int = 1000,
    full_page: bool = False,
    timeout: float = 60,
    evaluate: dict[str, str] | None = None,
    clip: tuple[int, int, int, int] | None = None,
) -> PageReport:
    """Load `page`, wait for its charts, run `evaluate` expressions (name → JS returning JSON-able), and take a
    screenshot: of the window, the whole page (`full_page`), or a region (`clip` = x, y, width, height)."""
    binary = binary or find_chromium()
    if binary is None:
        raise FileNotFoundError("no Chromium found")
    report = PageReport()
    with tempfile.TemporaryDirectory(prefix="lw-chromium-", ignore_cleanup_errors=True) as profile:
        pipe = _Pipe(binary, profile, width, height)
        try:
            target = pipe.send("Target.createTarget", {"url": "about:blank"}, timeout=timeout)["targetId"]
            session = pipe.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            for domain in ("Runtime", "Log", "Network", "Page"):
                pipe.send(f"{domain}.enable", session=session)
            pipe.send("Emulation.setDeviceMetricsOverride",
                      {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}, session=session)
            pipe.send("Page.navigate", {"url": page.resolve().as_uri()}, session=session)
            deadline = time.monotonic() + timeout
            while not any(e.get("method") == "Page.loadEventFired" for e in pipe.events):
                pipe.pump(0.2)
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{page} did not finish loading in {timeout:.0f} s")
            report.facts = _wait_for_charts(pipe, session, deadline)
            for name, expression in (evaluate or {}).items():
                report.evaluations[name] = _evaluate(pipe, session, expression)
            pipe.pump(0.5)  # late console messages and requests
            region = None
            if full_page:
                size = _evaluate(pipe, session, "JSON.stringify({w: document.documentElement.scrollWidth, "
                                                "h: document.documentElement.scrollHeight})")
                region = {"x": 0, "y": 0, "width": size["w"], "height": size["h"], "scale": 1}
            if clip:
                region = dict(zip(("x", "y", "width", "height"), clip), scale=1)
            params = {"format": "png", "captureBeyondViewport": bool(region)}
            if region:
                params["clip"] = region
            shot = pipe.send("Page.captureScreenshot", params, session=session, timeout=timeout)
            report.screenshot = base64.b64decode(shot["data"])
        finally:
            pipe.close()
    report.console_errors, report.requests = _problems(pipe.events)
    return report


def _evaluate(pipe: _Pipe, session: str, expression: str):
    result = pipe.send("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True},
                       session=session)
    if "exceptionDetails" in result:
        raise RuntimeError(f"page script failed: {result['exceptionDetails'].get('text')}")
    value = result["result"].get("value")
    return json.loads(value) if isinstance(value, str) else value


def _wait_for_charts(pipe: _Pipe, session: str, deadline: float) -> dict:
    """Poll until every chart container holds a drawn Plotly chart (or the deadline passes)."""
    while True:
        facts = _evaluate(pipe, session, CHART_FACTS)
        drawn = [c for c in facts["charts"] if c["svgs"] > 0]
        if facts["containers"] and len(drawn) >= facts["containers"]:
            return facts
        if time.monotonic() > deadline:
            return facts
        pipe.pump(0.25)


def _problems(events: list[dict]) -> tuple[list[str], list[str]]:
    errors, requests = [], []
    for event in events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            errors.append(f"uncaught: {details.get('exception', {}).get('description') or details.get('text')}")
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            errors.append("console.error: " + " ".join(str(a.get("value", a.get("description"))) for a in params.get("args", [])))
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            errors.append(f"log: {params['entry'].get('text')} ({params['entry'].get('url', '')})")
        elif method == "Network.requestWillBeSent":
            url = params.get("request", {}).get("url", "")
            if not url.startswith(LOCAL_SCHEMES):
                requests.append(url)
    return errors, requests


def distinct_byte_values(png: bytes) -> int:
    """How many distinct byte values the decompressed image data holds: a blank page has a handful, a drawn one
    hundreds (anti-aliased text and coloured marks), whatever PNG filter each row used."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    data, position = b"", 8
    while position < len(png):
        length = int.from_bytes(png[position:position + 4], "big")
        kind = png[position + 4:position + 8]
        if kind == b"IDAT":
            data += png[position + 8:position + 8 + length]
        position += 12 + length
    return len(set(zlib.decompress(data)))


if __name__ == "__main__":
    source, destination = Path(sys.argv[1]), Path(sys.argv[2])
    result = inspect(source, width=1400, height=900, full_page="--full" in sys.argv)
    destination.write_bytes(result.screenshot)
    print(f"{destination}: {len(result.screenshot):,} bytes; console errors {result.console_errors}; "
          f"requests {result.requests}; charts {[(c['id'], c['svgs']) for c in result.facts['charts']]}")
