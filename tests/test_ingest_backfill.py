"""Backfill through the live source with akshare substituted: what is fetched, with which symbols, and what
lands in the raw layer."""

from __future__ import annotations

from datetime import datetime

import pytest

from pipeline import sources
from pipeline.extract.ingest import PRICE_HISTORY_START, ingest_live
from pipeline.raw.store import RawStore
from pipeline.extract.universe import import_file
from tests.fake_akshare import World

JUNE_3 = datetime(2025, 6, 3, 18, 0)  # a Tuesday after the close, outside every disclosure window


@pytest.fixture
def world(monkeypatch) -> World:
    world = World(JUNE_3)
    world.install(monkeypatch)
    return world


def import_members(tmp_path, store, world, text="代码,名称\n300001,测试算力\n600001,测试彩印\n3,测试空壳\n"):
    path = tmp_path / "members.csv"
    path.write_text(text, encoding="utf-8")
    return import_file(store, path, now=world.now)


def test_backfill_fetches_every_function_once_per_firm(tmp_path, world):
    store = RawStore(tmp_path / "raw")
    import_members(tmp_path, store, world)
    report = ingest_live(world.source(), store)

    assert report.failures == {} and report.warnings == []
    # 3 firms × (3 statements, segments, info, share changes, 2 price series)
    assert report.plan["new"] == 24 and report.calls == 24
    assert sorted(a["symbol"] for a in world.calls_to(sources.INCOME)) == ["SH600001", "SZ000003", "SZ300001"]
    assert sorted(a["symbol"] for a in world.calls_to(sources.SEGMENTS)) == ["SH600001", "SZ000003", "SZ300001"]
    assert sorted(a["symbol"] for a in world.calls_to(sources.SHARE_INFO)) == ["000003", "300001", "600001"]
    assert sorted(a["symbol"] for a in world.calls_to(sources.SHARE_CHANGES)) == ["SH600001", "SZ000003", "SZ300001"]
    hist = world.calls_to(sources.PRICES)
    assert {(a["symbol"], a["adjust"]) for a in hist} == {(c, adj) for c in ("000003", "300001", "600001") for adj in ("", "hfq")}
    assert {(a["start_date"], a["end_date"]) for a in hist} == {(PRICE_HISTORY_START, "20250603")}
    assert all(a["timeout"] == 30.0 for a in hist)  # our timeout is passed to the functions that take one …
    stored = [r for r in store.records(sources.PRICES)]
    assert all("timeout" not in r.args for r in stored)  # … but is not part of the request's identity
    assert "stock_yysj_em" not in world.fetched()  # June: no disclosure window open


def test_rerun_after_a_complete_backfill_fetches_nothing(tmp_path, world):
    store = RawStore(tmp_path / "raw")
    import_members(tmp_path, store, world)
    ingest_live(world.source(), store)
    world.calls.clear()
    report = ingest_live(world.source(), store)
    assert world.calls == [] and report.calls == 0


@pytest.mark.parametrize(
    "code, symbol",
    [
        ("600519", "SH600519"), ("601318", "SH601318"), ("603000", "SH603000"), ("605001", "SH605001"),
        ("688041", "SH688041"), ("689009", "SH689009"),  # STAR market, including 689 (CDRs)
        ("000001", "SZ000001"), ("001979", "SZ001979"), ("002230", "SZ002230"), ("003816", "SZ003816"),
        ("300442", "SZ300442"), ("301389", "SZ301389"),  # ChiNext
        ("920001", "BJ920001"), ("430047", "BJ430047"), ("830799", "BJ830799"), ("873001", "BJ873001"),  # Beijing
    ],
)
def test_f10_symbols_carry_the_exchange_prefix(tmp_path, world, code, symbol):
    store = RawStore(tmp_path / "raw")
    import_members(tmp_path, store, world, f"代码,名称\n{code},测试\n")
    report = ingest_live(world.source(), store)
    for function in (*sources.STATEMENTS, sources.SEGMENTS, sources.SHARE_CHANGES):
        assert [a["symbol"] for a in world.calls_to(function)] == [symbol]
    assert [a["symbol"] for a in world.calls_to(sources.SHARE_INFO)] == [code]  # quote functions take bare codes
    assert "returned no rows" in report.failures[code]  # the world has no statements for it: an error, not "no data"
