"""The HTML report in headless Chromium, as a reader opens it: no console error, no network request, every chart
drawn, the firm selector working, and hostile company names shown as text without running anything.

Skipped when no Chromium is installed (`.ci/run` installs Debian's `chromium`)."""

from __future__ import annotations

import pytest

from pipeline.reports import write_reports
from tests import browser
from tests.report_fixtures import SCRIPT_NAME, hostile_copy

pytestmark = pytest.mark.browser

EXPECTED_CHARTS = {"chart-margins", "chart-gap", "chart-growth", "chart-gross-side", "chart-waterfall", "chart-compute-margin", "chart-recurring", "chart-compute", "chart-fcf", "chart-leverage", "chart-fleet", "chart-econ-grid", "chart-econ-firms", "chart-firm"}

PROBES = {
    "pwned": "JSON.stringify(typeof window.__pwned === 'undefined' ? 'no' : 'yes')",
    "tick_texts": "JSON.stringify(Array.from(document.querySelectorAll('#chart-gap .xtick text')).map(t => t.textContent))",
    "options": "JSON.stringify(Array.from(document.querySelectorAll('#firm-select option')).map(o => o.textContent))",
    "firm_titles": """
        (async () => {
          const select = document.getElementById('firm-select');
          const titles = [];
          for (const code of ['300001', '600001']) {
            select.value = code;
            select.dispatchEvent(new Event('change'));
            await new Promise(r => setTimeout(r, 200));
            titles.push(document.querySelector('#chart-firm .gtitle').textContent);
          }
          return JSON.stringify(titles);
        })()
    """,
}


@pytest.fixture(scope="module")
def chromium() -> str:
    found = browser.find_chromium()
    if found is None:
        pytest.skip("no Chromium found (install Debian's chromium package: apt-get install -y chromium)")
    return found


@pytest.fixture(scope="module")
def opened(chromium, fixture_paths, tmp_path_factory) -> browser.PageReport:
    root = tmp_path_factory.mktemp("browser")
    (page,) = write_reports(hostile_copy(fixture_paths, root), "html", None, None, None, root / "out")
    return browser.inspect(page, binary=chromium, evaluate=PROBES, timeout=90)


def test_no_console_errors(opened):
    assert opened.console_errors == []


def test_no_network_requests(opened):
    assert opened.requests == []
    assert opened.facts["scripts"] == [] and opened.facts["links"] == []


def test_every_chart_rendered(opened):
    charts = {c["id"]: c for c in opened.facts["charts"]}
    assert set(charts) == EXPECTED_CHARTS
    for chart_id, chart in charts.items():
        assert chart["svgs"] > 0, f"{chart_id} drew no SVG"
        assert chart["marks"] > 0, f"{chart_id} drew no points or bars"
        assert chart["width"] > 200 and chart["height"] > 200, f"{chart_id} has no size"


def test_screenshot_is_not_blank(opened):
    assert browser.distinct_byte_values(opened.screenshot) > 50


def test_hostile_names_show_as_text_and_run_nothing(opened):
    assert opened.evaluations["pwned"] == "no"
    assert SCRIPT_NAME in opened.evaluations["tick_texts"]
    assert any(SCRIPT_NAME in option for option in opened.evaluations["options"])


def test_firm_selector_redraws_the_firm_view(opened):
    first, second = opened.evaluations["firm_titles"]
    assert first.startswith("300001 ") and second.startswith("600001 ")
    assert SCRIPT_NAME in second
