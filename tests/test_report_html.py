"""The HTML report as a file: self-contained, every view present, numbers from the marts, upstream text escaped.
(tests/test_report_browser.py opens it in a real browser.)"""

from __future__ import annotations

import html
import json
import re

import pytest

from pipeline.reports import write_reports
from pipeline.reports.html import BAR_ENDS, MAX_BARS, ranked_ends
from tests.report_fixtures import HOSTILE_NAMES, SCRIPT_NAME, hostile_copy

CHARTS = {"chart-margins", "chart-gap", "chart-growth", "chart-gross-side", "chart-waterfall", "chart-compute-margin", "chart-recurring", "chart-compute", "chart-fcf", "chart-leverage", "chart-fleet", "chart-econ-grid", "chart-econ-firms"}


@pytest.fixture(scope="module")
def page(fixture_paths, tmp_path_factory) -> str:
    (path,) = write_reports(fixture_paths, "html", None, None, None, tmp_path_factory.mktemp("html"))
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def hostile_page(fixture_paths, tmp_path_factory) -> str:
    root = tmp_path_factory.mktemp("hostile-html")
    (path,) = write_reports(hostile_copy(fixture_paths, root), "html", None, None, None, root / "out")
    return path.read_text(encoding="utf-8")


def block(page: str, block_id: str):
    """A JSON block of the page, parsed as the page's script parses it."""
    text = re.search(rf'<script type="application/json" id="{block_id}">(.*?)</script>', page, re.S).group(1)
    return json.loads(text)


def test_one_file_that_needs_no_network(page):
    assert page.count("* plotly.js v") == 1  # the library embedded once
    assert re.findall(r"<(?:script|img|iframe)[^>]*\bsrc\s*=", page, re.I) == []
    assert re.findall(r"<link[^>]*\bhref\s*=", page, re.I) == []
    assert "cdn.plot.ly" not in page.split("* plotly.js v", 1)[0]  # nothing before the bundle points at a CDN
    assert "default-src 'none'" in page  # the page's policy forbids fetching anything


def test_every_view_is_there(page):
    figures = block(page, "lw-figures")
    assert set(figures) == CHARTS
    for div_id in CHARTS | {"chart-firm"}:
        assert f'id="{div_id}"' in page
    for heading in ("成分股变动", "数据与口径", "定义", "单家公司"):
        assert heading in page
    margins = figures["chart-margins"]
    assert [s["x0"] for s in margins["layout"]["shapes"] if s["type"] == "line"] == [0.4, pytest.approx(margins["layout"]["xaxis"]["range"][0])]
    quadrants = {a["text"] for a in margins["layout"]["annotations"]}
    assert {"<b>双达标 Meets both</b>", "仅净利率达标 Net only", "仅毛利率达标 Gross only", "均未达标 Below both"} <= quadrants


def test_chinese_labels_and_hover_units(page):
    assert '<meta charset="utf-8">' in page
    scatter = block(page, "lw-figures")["chart-margins"]["data"][0]
    assert "毛利率 Gross margin TTM: %{x:.1%}" in scatter["hovertemplate"]
    assert "亿元" in scatter["hovertemplate"]
    assert scatter["customdata"][0][0].startswith("<b>300001 测试算力</b>")


def test_numbers_come_from_the_marts(page):
    figures = block(page, "lw-figures")
    gap = figures["chart-gap"]["data"][0]
    assert dict(zip(gap["x"], gap["y"])) == {"300001": -10.0, "600001": -22.5}
    margins = {t["name"].split(" (")[0]: t for t in figures["chart-margins"]["data"]}
    below = margins["均未达标 Below both"]
    assert (below["x"], below["y"]) == ([0.35], [0.1])
    growth = [t for t in figures["chart-growth"]["data"] if t["name"].startswith("增收不增利")][0]
    assert growth["y"] == [-1.6]  # 600001: −30 M after +50 M
    firms = block(page, "lw-firms")
    q2 = firms["periods"].index("2024Q2")
    assert firms["firms"]["300001"]["rev"][q2] == 1.8  # 亿元: H1 330 − Q1 150 (M)
    assert firms["firms"]["300001"]["rev"][firms["periods"].index("2024Q4")] is None  # 9M report missing


def test_the_sample_banner_only_on_sample_data(page, hostile_page):
    assert 'class="sample-banner"' not in page and "SAMPLE 示例" not in page
    assert 'class="sample-banner"' in hostile_page and "SAMPLE 示例" in hostile_page


def test_upstream_text_is_escaped_everywhere(hostile_page):
    assert "<script>window.__pwned" not in hostile_page
    assert "<b>粗</b>" not in hostile_page
    assert len(re.findall(r"<script\b", hostile_page)) == 5  # the page's own: three JSON blocks, plotly.js, renderer
    assert html.escape(SCRIPT_NAME) in hostile_page  # the selector option, as text
    figures = block(hostile_page, "lw-figures")
    plotly_safe = html.escape(SCRIPT_NAME, quote=False)  # Plotly decodes &lt; &gt; &amp; back into text
    assert plotly_safe in figures["chart-gap"]["layout"]["xaxis"]["ticktext"]
    assert any(plotly_safe in row[0] for row in figures["chart-gap"]["data"][0]["customdata"])
    firms = block(hostile_page, "lw-firms")
    assert plotly_safe in firms["firms"]["600001"]["title"]
    formula = HOSTILE_NAMES["300001"]
    assert html.escape(formula) in hostile_page


def test_rankings_keep_both_ends_of_a_full_market():
    rows = [{"code": f"{i:06d}"} for i in range(5400)]
    shown, what = ranked_ends(rows)
    assert len(shown) == 2 * BAR_ENDS and shown[0]["code"] == "000000" and shown[-1]["code"] == "005399"
    assert what == f"top and bottom {BAR_ENDS} of 5400 firms"
    assert ranked_ends(rows[:MAX_BARS])[0] == rows[:MAX_BARS]


def test_firm_selector_carries_current_members_only(page):
    firms = block(page, "lw-firms")
    assert sorted(firms["firms"]) == ["000003", "300001", "600001"]
    options = re.findall(r'<option value="(\d{6})"', page)
    assert options == ["000003", "300001", "600001"]
    assert set(firms["firms"]["300001"]) == {"title", "rev", "gm", "nm"}  # compact: three series per firm
