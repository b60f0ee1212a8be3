"""Recorded akshare output (scripts/record_fixtures.py) replayed offline through the ingest and the build.

The recording in tests/fixtures/akshare is made on a networked machine; until one is committed, the replay test
is skipped and the round trip below (recording a substituted akshare) keeps the recorder and the replay honest."""

from __future__ import annotations

import importlib.util
from datetime import datetime
from pathlib import Path

import pytest

from pipeline.build.run import build
from pipeline.config import PROJECT_ROOT, Paths
from pipeline.extract.common import check_frame
from pipeline.extract.ingest import ingest_live
from pipeline.sources.polite import Politeness, PoliteCaller
from pipeline.raw.store import RawStore
from pipeline.sources.akshare import AkshareSource
from pipeline.sources.shapes import COLUMNS
from pipeline.extract.universe import import_file, refresh_board
from tests.fake_akshare import World

FIXTURES = PROJECT_ROOT / "tests" / "fixtures" / "akshare"
_spec = importlib.util.spec_from_file_location("record_fixtures", PROJECT_ROOT / "scripts" / "record_fixtures.py")
recorder = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(recorder)


def replay(recorded: Path, paths: Paths):
    """The ingest a recording was made with, run again against the recorded frames at the recording's time."""
    summary = recorder.recording(recorded)
    now = datetime.fromisoformat(summary["recorded_at"])
    module = recorder.RecordedAkshare(recorded)
    source = AkshareSource(PoliteCaller(Politeness(min_interval=0), sleep=lambda _s: None), module=module, clock=lambda: now)
    store = RawStore(paths.raw_dir)
    if summary["board"]:
        refresh_board(source, store, summary["board"], accept_changes=True)
    else:
        import_file(store, recorded / "members.csv", now=now)
    return ingest_live(source, store, now=now), module, store


def stored(store: RawStore) -> list[tuple[str, str]]:
    return sorted((r.key, r.sha256) for r in store.records() if r.source == "akshare")


def test_a_recording_replays_to_the_same_raw_layer(tmp_path, monkeypatch):
    world = World(datetime(2025, 6, 3, 18, 0))
    world.install(monkeypatch)
    summary = recorder.record(tmp_path / "recorded", ["300001", "600001.SH", "3"], world.source(), now=world.now)
    assert summary["codes"] == ["000003", "300001", "600001"] and summary["failures"] == {}
    assert {"stock_sh_a_spot_em", "stock_sz_a_spot_em", "stock_yysj_em"} <= set(world.fetched())

    report, module, store = replay(tmp_path / "recorded", Paths.resolve(tmp_path / "replayed", tmp_path / "reports"))
    assert report.failures == {} and len(module.calls) == 24
    backfill = {r.key for r in store.records() if r.source == "akshare"}
    recorded = RawStore(tmp_path / "recorded" / "raw")
    assert stored(store) == [(k, s) for k, s in stored(recorded) if k in backfill]


@pytest.mark.skipif(not (FIXTURES / recorder.RECORDING).exists(), reason="no recording yet: run scripts/record_fixtures.py")
def test_recorded_akshare_output_passes_the_pipeline(tmp_path):
    recorded = RawStore(FIXTURES / "raw")
    for record in recorded.records():
        if record.source != "akshare":
            continue
        frame = recorded.read(record)
        check_frame(record.function, record.args, frame)  # raises SchemaDriftError naming what changed
        if record.function in COLUMNS and len(frame.columns):
            assert list(frame.columns) == list(COLUMNS[record.function]), record.key
    paths = Paths.resolve(tmp_path / "data", tmp_path / "reports")
    report, _, _ = replay(FIXTURES, paths)
    assert report.failures == {}
    result = build(paths)
    assert result.row_counts["marts.fundamentals"] > 0 and result.row_counts["marts.valuation"] > 0
