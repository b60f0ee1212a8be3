"""More incremental-build scenarios (from a hostile review): each build is compared with a full build of the same raw layer."""

from __future__ import annotations

import shutil
from datetime import date, datetime

import duckdb
import pandas as pd
import pytest

from pipeline import sources
from pipeline.build.publish import rollback
from pipeline.build.run import build
from pipeline.config import Paths
from pipeline.extract.common import keep
from pipeline.extract.ingest import ingest_live
from pipeline.extract.universe import sync
from pipeline.sources.shapes import COLUMNS
from tests import akshare_shapes as shapes
from tests.fake_akshare import World
from tests.test_build_incremental import Days, differences


class RDays(Days):
    def compare(self, result, **overrides):
        twin = Paths.resolve(self.tmp / "twin", self.tmp / "twin-reports")
        shutil.rmtree(twin.data_dir, ignore_errors=True)
        shutil.copytree(self.paths.raw_dir, twin.raw_dir)
        full = build(twin, full=True, **overrides)
        diff = differences(result.generation, full.generation)
        assert diff == {}, (result.changes, diff)
        return result

    def build_and_compare(self, **overrides):
        return self.compare(build(self.paths, **overrides), **overrides)

    def snapshot_bar(self, code: str, day: date, close: float, at: datetime) -> None:
        """A crafted PRICE_SNAPSHOT payload: one unadjusted bar."""
        self.world.now = at
        frame = pd.DataFrame([{"日期": day, "股票代码": code, "开盘": close, "收盘": close, "最高": close, "最低": close,
                               "成交量": 1000, "成交额": 1e6, "振幅": 0.0, "涨跌幅": 0.0, "涨跌额": 0.0, "换手率": 0.1}],
                             columns=list(COLUMNS[sources.PRICES]))
        frame["成交量"] = frame["成交量"].astype("int64")
        args = {"trade_date": day.strftime("%Y%m%d"), "adjust": "", "from": "review"}
        keep(self.world.source(), self.store, sources.PRICE_SNAPSHOT, args, frame)


def q(path, sql):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture
def world(monkeypatch):
    world = World(datetime(2025, 7, 28, 18, 0))
    world.install(monkeypatch)
    return world


@pytest.fixture
def days(tmp_path, world) -> RDays:
    days = RDays(tmp_path, world)
    sync(world.source(), days.store, days.paths)
    ingest_live(world.source(), days.store)
    assert not build(days.paths).incremental
    return days


def test_universe_only_first_build_then_everything_arrives(tmp_path, world):
    days = RDays(tmp_path, world)
    sync(world.source(), days.store, days.paths)
    first = build(days.paths)
    assert not first.incremental
    ingest_live(world.source(), days.store)
    result = days.build_and_compare()
    assert result.incremental


def test_two_builds_in_a_row_with_nothing_new_then_a_day(days):
    days.build_and_compare()
    days.build_and_compare()
    days.ingest(datetime(2025, 7, 29, 18, 0))
    assert days.build_and_compare().incremental
    assert days.build_and_compare().incremental


def test_rollback_then_build(days):
    days.ingest(datetime(2025, 7, 29, 18, 0))
    assert days.build_and_compare().incremental
    days.ingest(datetime(2025, 7, 30, 18, 0))
    assert days.build_and_compare().incremental
    rollback(days.paths)  # back to the 07-29 warehouse; the raw layer still has 07-30
    result = days.build_and_compare()
    assert result.incremental
    days.ingest(datetime(2025, 7, 31, 18, 0))
    assert days.build_and_compare().incremental


def test_rollback_twice_then_build(days):
    for d in (29, 30, 31):
        days.ingest(datetime(2025, 7, d, 18, 0))
        days.build_and_compare()
    rollback(days.paths)
    rollback(days.paths)
    assert days.build_and_compare().incremental


def test_gross_override_then_without(days):
    days.ingest(datetime(2025, 7, 29, 18, 0))
    r = days.build_and_compare(gross_benchmark=0.3)
    assert not r.incremental
    days.ingest(datetime(2025, 7, 30, 18, 0))
    r = days.build_and_compare(gross_benchmark=0.3)
    assert r.incremental
    r = days.build_and_compare()
    assert not r.incremental
    days.ingest(datetime(2025, 7, 31, 18, 0))
    assert days.build_and_compare().incremental


def test_last_day_resnapshotted_with_another_close(days):
    days.ingest(datetime(2025, 7, 29, 18, 0))
    days.build_and_compare()
    days.snapshot_bar("600001", date(2025, 7, 29), 99.0, datetime(2025, 7, 29, 20, 0))
    result = days.build_and_compare()
    assert result.incremental
    assert q(days.paths.warehouse, "select close from marts.valuation where code='600001' and is_latest") == [(99.0,)]


def test_crafted_new_day_bar_after_a_gap(days):
    # a bar a week after the last stored day (a snapshot after days of suspension)
    days.snapshot_bar("600001", date(2025, 8, 6), 21.0, datetime(2025, 8, 6, 18, 0))
    result = days.build_and_compare()
    assert result.incremental and "1 firms gained trading days" in result.changes


def test_crafted_new_day_bar_for_one_firm_then_others(days):
    days.snapshot_bar("300001", date(2025, 7, 29), 11.0, datetime(2025, 7, 29, 18, 0))
    days.build_and_compare()
    days.ingest(datetime(2025, 7, 30, 18, 0))
    days.build_and_compare()


def test_quarantine_every_payload_of_a_firm(days):
    days.ingest(datetime(2025, 7, 29, 18, 0))
    days.build_and_compare()
    store = days.store
    victims = [r for r in store.records() if "600001" in str(r.args.get("symbol", ""))]
    assert victims
    store._quarantine(victims, "test: gone", None)
    result = days.build_and_compare()
    assert result.incremental


def test_board_leave_and_rejoin(days):
    world = days.world
    del world.members["000003"]
    days.ingest(datetime(2025, 7, 29, 18, 0), accept_changes=True)
    days.build_and_compare()
    days.ingest(datetime(2025, 7, 30, 18, 0))
    days.build_and_compare()
    world.members["000003"] = "测试空壳"
    days.ingest(datetime(2025, 7, 31, 18, 0), accept_changes=True)
    days.build_and_compare()


def test_share_change_on_a_snapshot_day(days):
    world = days.world
    world.frames[(sources.SHARE_CHANGES, "SH600001")] = shapes.gbjg(
        [("2010-01-05", 1e9, "首发A股上市"), ("2025-07-29", 2e9, "送股")])
    world.frames[(sources.SHARE_INFO, "600001")] = shapes.info("600001", "测试彩印", 2e9)
    days.ingest(datetime(2025, 7, 29, 18, 0), repull_all=True)
    days.build_and_compare()
    days.ingest(datetime(2025, 7, 30, 18, 0))
    days.build_and_compare()


def test_share_info_only_firm_quote_count_changes(days):
    # a firm without a share-change history: counts from stock_individual_info_em fetches
    world = days.world
    world.frames[(sources.SHARE_CHANGES, "SZ000003")] = shapes.gbjg([])
    days.ingest(datetime(2025, 7, 29, 18, 0), repull_all=True)
    days.build_and_compare()
    world.frames[(sources.SHARE_INFO, "000003")] = shapes.info("000003", "测试空壳", 3e9)
    days.ingest(datetime(2025, 7, 30, 18, 0), repull_all=True)
    days.build_and_compare()
    days.ingest(datetime(2025, 7, 31, 18, 0))
    days.build_and_compare()
