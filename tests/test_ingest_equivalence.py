"""Done when: with akshare substituted, `universe import` + `ingest` (backfill, then a later day) + `build`
produce the same marts as the same data through a FrameSource (the path the sample and the period fixture take).

Both runs see the period fixture at the same two moments: 2025-03-01 (first fetch) and 2025-05-01 (FY2023 of
300001 restated). The live run gets the restatement from its re-pull cadence (60 days here)."""

from __future__ import annotations

from datetime import datetime

import duckdb

from pipeline.build.run import build
from pipeline.config import Paths
from pipeline.extract.ingest import RefreshPolicy, ingest_live
from pipeline.raw.store import RawStore
from pipeline.extract.universe import import_file
from tests import period_fixture
from tests.conftest import build_fixture_warehouse
from tests.fake_akshare import World

FIRST, SECOND = datetime(2025, 3, 1, 18, 0), datetime(2025, 5, 1, 18, 0)
MEMBERSHIP = ("membership_source", "board")  # where membership came from differs by design: a board vs an import


def marts(paths: Paths) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(paths.warehouse), read_only=True)
    try:
        tables = [t for (t,) in con.execute("select table_name from duckdb_tables() where schema_name = 'marts'").fetchall()]
        out = {}
        for table in sorted(tables):
            columns = [c for (c,) in con.execute(
                "select column_name from duckdb_columns() where schema_name = 'marts' and table_name = ? order by column_index",
                [table],
            ).fetchall() if c not in MEMBERSHIP]
            out[table] = con.execute(f"select {', '.join(columns)} from marts.{table} order by all").fetchall()
        return out
    finally:
        con.close()


def test_live_ingest_builds_the_same_marts_as_the_frame_source(tmp_path, monkeypatch):
    reference = build_fixture_warehouse(Paths.resolve(tmp_path / "reference", tmp_path / "r1"))

    live = Paths.resolve(tmp_path / "live", tmp_path / "r2")
    world = World(FIRST)
    world.fixture_prices = True
    world.install(monkeypatch)
    store = RawStore(live.raw_dir)
    members = tmp_path / "members.csv"
    members.write_text("代码,名称\n" + "".join(f"{c},{n}\n" for c, n in period_fixture.FIRMS.items()), encoding="utf-8")
    import_file(store, members, now=FIRST)
    backfill = ingest_live(world.source(), store)

    world.now = SECOND
    world.frames = World(SECOND, restated=True).frames
    import_file(store, members, now=SECOND)
    daily = ingest_live(world.source(), store, policy=RefreshPolicy(repull_every_days=60))
    build(live)

    assert backfill.failures == daily.failures == {}
    assert daily.plan["repull"] == 18  # 3 firms × (3 statements, segments, quote, share changes)
    expected, got = marts(reference), marts(live)
    assert set(got) == set(expected) and all(got[t] for t in ("fundamentals", "benchmark", "segments", "valuation", "restatements", "universe"))
    for table in expected:
        assert got[table] == expected[table], table
