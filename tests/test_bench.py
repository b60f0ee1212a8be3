"""`make bench` runs end to end at tiny sizes and prints all five sections. Timings are never asserted here: a
benchmark is read by people, not passed or failed by CI."""

from __future__ import annotations

import json

from tools.bench import harness as bench


def test_bench_prints_every_section_and_writes_json(tmp_path, capsys):
    bench.main([
        "--runs", "1", "--firms", "3", "--years", "2", "--scales", "3", "--demo-firms", "3", "--demo-years", "2",
        "--budget-firms", "3", "--budget-years", "2", "--data-dir", str(tmp_path / "data"),
        "--reports-dir", str(tmp_path / "reports"), "--quiet",
    ])
    out = capsys.readouterr().out
    for section in ("1 start-up", "2 demo", "3 market 3 firms", "4 reports", "5 request budget"):
        assert section in out
    summary = json.loads(next((tmp_path / "reports" / "bench").glob("bench-*.json")).read_text(encoding="utf-8"))
    rows = {(r["section"], r["measure"]): r for r in summary["rows"]}
    assert rows[("1 start-up", "imports akshare, plotly, polars, pandas")]["value"] == "none"
    market = summary["scales"]["3"]
    assert market["payloads"] > 0 and market["cold_s"] > 0 and market["floor_s"] > 0
    assert (tmp_path / "data" / "bench" / "sample-3x2" / "generated.json").exists()  # kept for the next run
    sheets = {s["sheet"]: s for s in summary["reports"]["excel"]}
    assert sheets["Summary"]["rows"] > 4 and sheets["Quarterly"]["columns"] > 10  # read from the streamed sheets' XML
    assert set(summary["demo"]["phases"][0]) == {"ingest (sample → raw)", "build + summary", "reports"}
    assert summary["demo"]["phases"][0]["reports"] > 0
    assert "sample → raw" in out and "LEASEWATCH_SAMPLE_CACHE=off" in out  # the demo after install and without a cache
    # the daily builds: the first days copy the live warehouse, the steady state takes a kept one over
    daily = market["daily"]
    assert daily["first"]["reused"] == "" and daily["steady"]["reused"].startswith("leasewatch-")
    assert "did not start as intended" not in out and "fell back to a full build" not in out
