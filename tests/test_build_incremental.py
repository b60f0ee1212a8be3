"""Incremental builds produce the tables a full build does, row for row, through days of filings, snapshots,
ex-rights days, restatements and board changes; and they fall back to a full build when they cannot be trusted."""

from __future__ import annotations

import os
import re
import shutil
from datetime import date, datetime

import duckdb
import pytest

from pipeline import sources
from pipeline.build import incremental
from pipeline.build.models import load_models
from pipeline.build.run import build
from pipeline.config import SQL_DIR, Paths
from pipeline.extract.ingest import ingest_live
from pipeline.extract.plan import RefreshPolicy
from pipeline.extract.universe import sync
from pipeline.raw.store import RawStore
from tests import period_fixture
from tests.fake_akshare import World
from tests.ops_worker import flip_keeping_time
from tests.test_ingest_daily import h1_2025

COMPARED_SCHEMAS = ("raw", "seeds", "staging", "intermediate", "marts")


def tables_of(con) -> list[str]:
    return [f"{s}.{t}" for s, t in con.execute(
        "select table_schema, table_name from information_schema.tables where table_catalog = current_database() "
        f"and table_schema in {COMPARED_SCHEMAS} order by all").fetchall()]


def differences(left, right) -> dict[str, tuple[int, int]]:
    """Per table: rows only in `left`, rows only in `right` (EXCEPT ALL both ways); and differing table lists."""
    con = duckdb.connect()
    con.execute(f"attach '{left}' as l (read_only)")
    con.execute(f"attach '{right}' as r (read_only)")
    con.execute("use l")
    names = tables_of(con)
    con.execute("use r")
    assert tables_of(con) == names
    out = {}
    for name in names:
        columns_l = con.execute(f"select * from l.{name} limit 0").description
        columns_r = con.execute(f"select * from r.{name} limit 0").description
        assert [c[0] for c in columns_l] == [c[0] for c in columns_r], name
        only_l, only_r = con.execute(
            f"select (select count(*) from (from l.{name} except all from r.{name})), "
            f"(select count(*) from (from r.{name} except all from l.{name}))").fetchone()
        if only_l or only_r:
            out[name] = (only_l, only_r)
    con.close()
    return out


class Days:
    """A data directory refreshed day by day against the fake upstream, each build compared with a full build of
    the same raw layer in a twin directory."""

    def __init__(self, tmp_path, world: World):
        self.tmp = tmp_path
        self.world = world
        self.paths = Paths.resolve(tmp_path / "data", tmp_path / "reports")
        self.store = RawStore(self.paths.raw_dir)

    def ingest(self, now: datetime, **policy) -> None:
        self.world.now = now
        ingest_live(self.world.source(), self.store, policy=RefreshPolicy(**policy))

    def build_and_compare(self):
        result = build(self.paths)
        twin = Paths.resolve(self.tmp / "twin", self.tmp / "twin-reports")
        shutil.rmtree(twin.data_dir, ignore_errors=True)
        shutil.copytree(self.paths.raw_dir, twin.raw_dir)
        full = build(twin, full=True)
        assert differences(result.generation, full.generation) == {}
        return result


@pytest.fixture
def days(tmp_path, monkeypatch) -> Days:
    world = World(datetime(2025, 7, 28, 18, 0))
    world.install(monkeypatch)
    days = Days(tmp_path, world)
    sync(world.source(), days.store, days.paths)
    ingest_live(world.source(), days.store)
    first = build(days.paths)
    assert not first.incremental and first.full_reason == "no live warehouse yet"
    return days


def test_a_day_with_nothing_new_recomputes_nothing(days):
    result = days.build_and_compare()
    assert result.incremental and "0 firms gained trading days, 0 firms' price history changed, 0 firms' statements" in result.changes
    assert all(v["changed"] == 0 and v["removed"] == 0 for v in result.rows_changed.values())


def test_days_of_snapshots_filings_ex_rights_restatements_and_board_changes_match_a_full_build(days):
    world = days.world
    # a snapshot day: every firm gains a day, nothing else
    days.ingest(datetime(2025, 7, 29, 18, 0))
    result = days.build_and_compare()
    assert result.incremental and "3 firms gained trading days, 0 firms' price history changed, 0 firms' statements" in result.changes
    assert result.rows_changed["marts.valuation"]["changed"] >= 3  # each firm's new day (and yesterday's is_latest)
    assert result.rows_changed["marts.fundamentals"]["changed"] == 0

    # a filing: 300001's H1 report
    world.filed[("300001", "20250630")] = "2025-07-30"
    world.frames[(sources.INCOME, "SZ300001")] = h1_2025("300001", "测试算力", "2025-07-30")
    days.ingest(datetime(2025, 7, 30, 18, 0))
    result = days.build_and_compare()
    assert result.incremental and result.rows_changed["marts.fundamentals"]["changed"] > 0

    # an ex-rights day: 600001's history is fetched again (hfq and unadjusted), its qfq history rescales
    world.ex_rights["600001"] = (date(2025, 7, 31), 2.0)
    days.ingest(datetime(2025, 7, 31, 18, 0))
    assert days.build_and_compare().incremental

    # the board changes: 000003 leaves, a new firm joins (its first build: every model for it from nothing)
    del world.members["000003"]
    world.add_firm("300009", "测试新贵", 12.0)
    days.ingest(datetime(2025, 8, 1, 18, 0), accept_changes=True)
    result = days.build_and_compare()
    assert result.incremental

    # every firm re-pulled, one with a restated FY2024
    world.frames[(sources.INCOME, "SH600001")] = period_fixture.frames(restated=True)[(sources.INCOME, "SH600001")]
    days.ingest(datetime(2025, 8, 4, 18, 0), repull_all=True)
    assert days.build_and_compare().incremental

    # a missed day, then two snapshot days in a row
    for day in (6, 7):
        days.ingest(datetime(2025, 8, day, 18, 0))
        assert days.build_and_compare().incremental


def test_a_build_with_other_overrides_or_asked_for_is_full(days):
    assert build(days.paths, gross_benchmark=0.3).full_reason.startswith("code, models, seeds or overrides differ")
    assert build(days.paths, gross_benchmark=0.3).incremental  # the same overrides again: incremental
    assert build(days.paths, full=True).full_reason == "asked for (--full)"


def test_after_full_every_builds_in_a_row_the_next_is_full(days, monkeypatch):
    monkeypatch.setattr(incremental, "FULL_EVERY", 3)
    assert [build(days.paths).incremental for _ in range(4)] == [True, True, False, True]


def test_a_live_warehouse_without_build_state_gets_a_full_build(days):
    con = duckdb.connect(str(days.paths.warehouse))  # as one built before incremental builds
    con.execute("drop table ops.build_state")
    con.close()
    # and no publish log, as such a version kept none (with one, a live file written since it was published is
    # never built on: tests/test_publish_log.py)
    (days.paths.warehouses_dir / "publish.jsonl").unlink()
    assert build(days.paths).full_reason == "the live warehouse records no build state (built by an earlier version)"


def test_an_empty_raw_table_stays_empty_and_a_firm_losing_its_prices_loses_its_valuation(days):
    # every price payload of one firm gone from the manifest (as a quarantine leaves it): its rows go too
    store = days.store
    victims = [r for r in store.records(sources.PRICES) if r.args.get("symbol") == "000003"]
    assert victims
    store._quarantine(victims, "test: gone", None)
    result = days.build_and_compare()
    assert result.incremental and result.rows_changed["marts.valuation"]["removed"] > 0
    con = duckdb.connect(str(days.paths.warehouse), read_only=True)
    assert con.execute("select count(*) from marts.valuation where code = '000003'").fetchone()[0] == 0
    con.close()


def test_whole_models_columns_left_out_of_the_comparison_are_read_by_no_other_model():
    """incremental.WHOLE leaves columns out of the comparison that finds the firms to rebuild downstream: a model
    reading one would keep stale rows. (The column names are unusual enough to grep.)"""
    for model in load_models():
        for whole, ignored in incremental.WHOLE.items():
            if model.qualified == whole or whole not in model.depends_on():
                continue
            body = re.sub(r"--[^\n]*", "", model.sql)
            for column in ignored:
                assert not re.search(rf"\b{column}\b", body), f"{model.qualified} reads {whole}.{column}"


def test_every_model_not_rebuilt_whole_is_keyed_by_firm(days):
    con = duckdb.connect(str(days.paths.warehouse), read_only=True)
    for model in load_models():
        if model.qualified not in incremental.WHOLE:
            columns = [c[0] for c in con.execute(f"select * from {model.qualified} limit 0").description]
            assert "code" in columns, model.qualified
            if model.qualified in incremental.DATED:
                assert "trade_date" in columns, model.qualified
    con.close()
    assert set(incremental.DATED) <= {m.qualified for m in load_models()}
    assert (SQL_DIR / "30_marts" / "valuation.sql").exists()


def test_a_warehouse_file_grown_past_the_limit_gets_a_full_build(days, monkeypatch):
    assert build(days.paths).incremental
    monkeypatch.setattr(incremental, "GROWTH_LIMIT", 0.5)
    assert "the warehouse file grew" in build(days.paths).full_reason


def _three_days(days) -> list:
    """Three refreshes after the fixture's first build (A): a snapshot (B), 300001's H1 filing (C), a snapshot (D).
    Builds B and C copy the live warehouse (nothing kept is due for pruning yet); D may take A over. Returns the
    generations A, B and C, and D's result."""
    world = days.world
    kept = [days.paths.warehouses_dir / e for e in _stack(days)]
    days.ingest(datetime(2025, 7, 29, 18, 0))
    b = days.build_and_compare()
    world.filed[("300001", "20250630")] = "2025-07-30"
    world.frames[(sources.INCOME, "SZ300001")] = h1_2025("300001", "测试算力", "2025-07-30")
    days.ingest(datetime(2025, 7, 30, 18, 0))
    c = days.build_and_compare()
    assert not b.reused and not c.reused and c.rows_changed["marts.fundamentals"]["changed"] > 0
    return [kept[-1], b.generation, c.generation]


def _stack(days) -> list[str]:
    from pipeline.build import publish_log

    return [e.generation for e in publish_log.stack(publish_log.entries(days.paths.warehouses_dir))]


def test_a_daily_build_takes_over_the_kept_warehouse_it_would_prune_instead_of_copying_the_live_one(days):
    from pipeline.build.publish import rollback

    a, b, c = _three_days(days)
    inode = a.stat().st_ino
    days.ingest(datetime(2025, 7, 31, 18, 0))
    d = days.build_and_compare()  # and equal to a full build, table by table, EXCEPT ALL both ways
    assert d.incremental and d.reused == a.name
    assert not a.exists() and d.generation.stat().st_ino == inode  # A's file, brought up to date: no copy
    # the filing came between A and the live C: D recomputed the filer's rows, but against C nothing changed
    assert "1 firms' statements, segments or shares changed" in d.changes
    assert d.rows_changed["marts.fundamentals"] == {"rows": d.row_counts["marts.fundamentals"], "changed": 0,
                                                    "removed": 0}
    assert d.rows_changed["marts.valuation"]["changed"] >= 3
    # rollback goes back through C and B; A is gone, as pruning would have made it
    assert rollback(days.paths).restored == c
    assert rollback(days.paths).restored == b
    assert [p.name for p in sorted(days.paths.warehouses_dir.glob("leasewatch-*.duckdb"))] == sorted(
        [b.name, c.name, d.generation.name])


@pytest.mark.parametrize("hold", ["open in another process", "linked under another name", "changed since published"])
def test_a_kept_warehouse_in_use_linked_or_changed_is_never_taken_over(days, tmp_path, hold):
    import subprocess
    import sys

    from pipeline.raw.files import file_sha256

    a, _b, _c = _three_days(days)
    sha, mtime = file_sha256(a), a.stat().st_mtime_ns
    reader = None
    if hold == "open in another process":  # a reader that opened the live file while A was live
        # it reports the SHA-256 of the file it has open once told to close (pruning has unlinked the name by then)
        reader = subprocess.Popen([sys.executable, "-c", "import duckdb, hashlib, sys; c = duckdb.connect(sys.argv[1], "
                                   "read_only=True); f = open(sys.argv[1], 'rb'); print('open', flush=True); "
                                   "sys.stdin.read(); print(hashlib.file_digest(f, 'sha256').hexdigest())", str(a)],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert reader.stdout.readline().strip() == "open"
    elif hold == "linked under another name":
        os.link(a, tmp_path / "analyst-copy.duckdb")
    else:
        os.utime(a, ns=(mtime + 10**9, mtime + 10**9))
    try:
        steps = []
        days.ingest(datetime(2025, 7, 31, 18, 0))
        d = build(days.paths, on_step=steps.append)
        assert d.incremental and d.reused == ""
        assert any(s.startswith("incremental build from leasewatch.duckdb") for s in steps)
        assert ("open in another process: not taken over" in " ".join(steps)) == (hold == "open in another process")
        if hold == "linked under another name":
            assert file_sha256(tmp_path / "analyst-copy.duckdb") == sha
        if reader is not None:
            assert reader.communicate("")[0].strip() == sha  # the reader's file: untouched
    finally:
        if reader is not None and reader.poll() is None:
            reader.kill()


def test_a_change_undone_since_the_live_build_is_still_counted_against_the_live_warehouse(days):
    manifest = days.store.manifest_path
    as_at_a = manifest.read_bytes()
    a, _b, _c = _three_days(days)
    # the manifest goes back to what it was at A's build (restored from a backup): D's inputs are A's, and the
    # filing and the snapshot the live C holds are gone
    manifest.write_bytes(as_at_a)
    d = build(days.paths)
    assert d.reused == a.name and d.changes.startswith("0 raw payloads new, 0 gone")
    # nothing changed between A and D, yet against the live C rows went: the comparison read the whole marts
    assert d.rows_changed["marts.fundamentals"]["removed"] > 0
    assert d.rows_changed["marts.valuation"]["removed"] >= 3
    assert any("named by no line" in w for w in d.warnings)


def test_a_build_failing_after_taking_a_kept_warehouse_over_leaves_the_live_one_and_the_newer_kept_one(days, monkeypatch):
    from pipeline.build import models as sql_models
    from pipeline.build.publish import rollback
    from pipeline.raw.files import file_sha256

    a, b, c = _three_days(days)
    live = file_sha256(days.paths.warehouse)

    def killed(*args, **kwargs):
        raise RuntimeError("killed mid-build")

    models = sql_models.run_models
    monkeypatch.setattr(sql_models, "run_models", killed)
    days.ingest(datetime(2025, 7, 31, 18, 0))
    with pytest.raises(RuntimeError, match="killed mid-build"):
        build(days.paths)
    # A was taken over and is gone with the failed build (its pruning would have deleted it); nothing else moved
    assert not a.exists() and not list(days.paths.warehouses_dir.glob(".building-*"))
    assert file_sha256(days.paths.warehouse) == live and b.exists() and c.exists()
    assert rollback(days.paths).restored == b
    monkeypatch.setattr(sql_models, "run_models", models)
    assert build(days.paths).incremental  # and the next build goes on (from a copy: nothing kept is due)


def test_a_kept_warehouse_with_bit_rot_that_kept_its_time_is_never_built_on(days):
    a, _b, _c = _three_days(days)
    flip_keeping_time(a, a.stat().st_size // 3)
    days.ingest(datetime(2025, 7, 31, 18, 0))
    d = days.build_and_compare()  # from a copy of the live warehouse, equal to a full build
    assert d.incremental and d.reused == ""
    assert any(a.name in w and "changed after it was published" in w for w in d.warnings)


def test_full_every_counts_builds_in_a_row_when_kept_warehouses_are_taken_over(days, monkeypatch):
    monkeypatch.setattr(incremental, "FULL_EVERY", 5)
    results = [build(days.paths) for _ in range(10)]
    assert [r.incremental for r in results] == [True, True, True, True, False, True, True, True, True, False]
    assert any(r.reused for r in results)


def test_a_kept_warehouse_that_cannot_be_made_writable_is_left_as_it_was(days, monkeypatch):
    from pipeline.build import run

    a, _b, _c = _three_days(days)
    chmod, inode = os.chmod, a.stat().st_ino

    def not_owner(path, mode, *args, **kwargs):  # as for a file another user owns in a shared data directory
        if os.stat(path).st_ino == inode:
            raise PermissionError(1, "Operation not permitted", str(path))
        return chmod(path, mode, *args, **kwargs)

    monkeypatch.setattr(run.os, "chmod", not_owner)
    steps, seen = [], []

    def step(message):
        steps.append(message)
        if message.startswith("incremental build from leasewatch.duckdb"):  # falling back to a copy: A as it was
            seen.append(a.exists() and a.stat().st_mode & 0o777 == 0o444)

    days.ingest(datetime(2025, 7, 31, 18, 0))
    d = build(days.paths, on_step=step)
    assert d.incremental and d.reused == "" and any("cannot be taken over" in s for s in steps)
    assert seen == [True]  # under its name and read-only when the build went on (its pruning then deleted it)


def test_a_kept_warehouse_this_process_has_open_is_never_taken_over(days):
    a, _b, _c = _three_days(days)
    reader = duckdb.connect(str(a), read_only=True)  # DuckDB's lock does not bar the process that holds it
    try:
        days.ingest(datetime(2025, 7, 31, 18, 0))
        assert build(days.paths).reused == ""
        assert reader.execute("select count(*) from marts.fundamentals").fetchone()[0] > 0
    finally:
        reader.close()


def test_with_two_kept_warehouses_none_is_taken_over(days):
    results = [build(days.paths, keep=2) for _ in range(4)]
    assert all(r.incremental and r.reused == "" for r in results)


def test_the_kept_warehouse_hashed_ahead_is_taken_over_even_when_its_hash_ends_late(days, monkeypatch):
    import time

    from pipeline.build import publish_log

    a, _b, _c = _three_days(days)
    digest = publish_log.digest

    def slow(path):  # the full market's 3.6 GB take 2.9 s: the file is still open when the build gets there
        if path == a:
            with open(path, "rb"):
                time.sleep(3)
        return digest(path)

    monkeypatch.setattr(publish_log, "digest", slow)
    days.ingest(datetime(2025, 7, 31, 18, 0))
    assert build(days.paths).reused == a.name
