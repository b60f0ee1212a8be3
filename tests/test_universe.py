"""The universe: member lists as users export them, EastMoney's board pinned by code, membership history, and
the 10 % rule that keeps a glitch from replacing the universe."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from typer.testing import CliRunner

from pipeline import sources
from pipeline.build.run import build
from pipeline.cli import app
from pipeline.errors import LeasewatchError, UsageError
from pipeline.raw.store import RawStore
from pipeline.extract.universe import BoardConfig, import_file, latest_snapshot, listing, read_member_file, sync
from tests.fake_akshare import World

JUNE_3 = datetime(2025, 6, 3, 18, 0)
THREE = {"300001": "测试算力", "600001": "测试彩印", "000003": "测试空壳"}


def write(path, text: str, encoding: str = "utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


def xlsx(path, rows):
    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


@pytest.mark.parametrize(
    "name, make",
    [
        ("utf8-bom.csv", lambda p: write(p, "代码,名称\n300001.SZ,测试算力\n600001.SH,测试彩印\nSZ000003,测试空壳\n", "utf-8-sig")),
        (
            "gbk-extra-columns.csv",  # a terminal export: GBK, more columns, a footer line
            lambda p: write(p, "序号,代码,名称,涨幅%,所属行业\n1,300001,测试算力,1.2,IT\n2,600001,测试彩印,-0.5,印刷\n"
                               "3,000003,测试空壳,0,综合\n,数据来源：同花顺 2025-06-03\n", "gbk"),
        ),
        ("excel-quoted.csv", lambda p: write(p, '代码,名称\n="300001",测试算力\n="600001",测试彩印\n="000003",测试空壳\n')),
        ("lost-zeros.csv", lambda p: write(p, "证券代码,证券名称\n300001,测试算力\n600001,测试彩印\n3,测试空壳\n")),
        ("tab-text.xls", lambda p: write(p, "代码\t名称\n300001\t测试算力\n600001\t测试彩印\n000003\t测试空壳\n", "gb18030")),
        ("utf16.txt", lambda p: write(p, "代码\t名称\n300001\t测试算力\n600001\t测试彩印\n000003\t测试空壳\n", "utf-16")),
        (
            "numbers.xlsx",  # a title row, codes as numbers (Excel dropped the zeros), an extra column
            lambda p: xlsx(p, [["算力租赁成分股 2025-06-03"], ["代码", "名称", "现价"], [300001, "测试算力", 10.5],
                               [600001, "测试彩印", 20.1], [3.0, "测试空壳", 5.0]]),
        ),
    ],
)
def test_member_lists_in_their_common_shapes(tmp_path, name, make):
    members, _ = read_member_file(make(tmp_path / name))
    assert members == THREE


def test_rows_without_a_stock_are_skipped_and_bad_codes_are_named(tmp_path):
    members, skipped = read_member_file(write(tmp_path / "a.csv", "代码,名称\n300001,测试算力\n,\n合计,\n数据来源：同花顺 2025-06-03,\n"))
    assert members == {"300001": "测试算力"} and skipped == 3
    with pytest.raises(UsageError) as raised:
        read_member_file(write(tmp_path / "b.csv", "代码,名称\n300001,测试算力\n1234567,坏\n100001,债券\n"))
    assert "2 rows do not hold an A-share code" in raised.value.message
    assert "line 3: '1234567'" in raised.value.message and "line 4: '100001'" in raised.value.message
    with pytest.raises(UsageError, match="no code column"):
        read_member_file(write(tmp_path / "c.csv", "股票,名字\n300001,测试算力\n"))
    with pytest.raises(UsageError, match="no file"):
        read_member_file(tmp_path / "missing.csv")


def test_an_import_is_a_dated_snapshot_and_a_big_change_needs_accepting(tmp_path):
    store = RawStore(tmp_path / "raw")
    first = import_file(store, write(tmp_path / "board.csv", "代码,名称\n300001,测试算力\n600001,测试彩印\n000003,测试空壳\n"), now=JUNE_3)
    assert first.applied and first.record.function == sources.UNIVERSE_IMPORT and first.record.args == {"file": "board.csv"}
    assert latest_snapshot(store).members == THREE

    smaller = write(tmp_path / "board2.csv", "代码,名称\n300001,测试算力\n")
    held = import_file(store, smaller, label="board.csv", now=datetime(2025, 6, 4, 18, 0))
    assert not held.applied and held.change.left == ["000003", "600001"] and held.change.share == pytest.approx(2 / 3)
    assert latest_snapshot(store).members == THREE  # nothing recorded
    taken = import_file(store, smaller, label="board.csv", accept_changes=True, now=datetime(2025, 6, 4, 18, 0))
    assert taken.applied and latest_snapshot(store).members == {"300001": "测试算力"}


@pytest.fixture
def world(monkeypatch) -> World:
    world = World(JUNE_3)
    world.install(monkeypatch)
    return world


def test_sync_finds_the_board_by_name_pins_it_and_compares_with_tonghuashun(paths, world):
    store = RawStore(paths.raw_dir)
    result = sync(world.source(), store, paths)
    assert (result.config.code, result.config.title) == ("BK0001", "算力租赁")  # exact match over "算力概念"
    assert json.loads((paths.data_dir / "universe.json").read_text(encoding="utf-8"))["code"] == "BK0001"
    assert result.refresh.applied and result.refresh.members == THREE
    assert result.ths_count == 100 and any("differ by 97%" in n for n in result.notes)  # 60 + 40 vs 3

    world.calls.clear()
    sync(world.source(), store, paths)  # pinned: no name lookup any more
    assert world.fetched() == [sources.BOARD_CONS, "stock_board_concept_info_ths"]
    assert world.calls_to(sources.BOARD_CONS) == [{"symbol": "BK0001"}]


def test_sync_with_an_ambiguous_or_unknown_name_asks_for_the_code(paths, world):
    store = RawStore(paths.raw_dir)
    with pytest.raises(UsageError) as raised:
        sync(world.source(), store, paths, name="算力")
    assert "BK0001 算力租赁" in raised.value.message and "BK0002 算力概念" in raised.value.message
    with pytest.raises(UsageError) as raised:
        sync(world.source(), store, paths, name="算力出租")
    assert "boards with '算力'" in raised.value.message and "--board" in raised.value.remedy
    with pytest.raises(UsageError, match="not an EastMoney board code"):
        sync(world.source(), store, paths, board="算力租赁")
    assert BoardConfig.load(paths).code is None


def test_sync_without_tonghuashun_still_syncs(paths, world):
    world.failures["stock_board_concept_info_ths"] = [IndexError("index 0 is out of bounds")]
    result = sync(world.source(), RawStore(paths.raw_dir), paths, board="BK0001")
    assert result.refresh.applied and result.ths_count is None
    assert any("member count is unavailable" in n for n in result.notes)


def test_listing_comes_from_the_raw_layer_until_the_warehouse_holds_every_snapshot(paths, world):
    from pipeline.extract.ingest import ingest_live

    store = RawStore(paths.raw_dir)
    sync(world.source(), store, paths)
    world.now = datetime(2025, 6, 4, 18, 0)
    world.add_firm("300002", "测试新星", 7.0)  # 1 of 3 joins: 33 %, accepted
    sync(world.source(), store, paths, accept_changes=True)
    raw = listing(paths)
    assert raw.origin == "raw layer" and [m["code"] for m in raw.members] == ["000003", "300001", "300002", "600001"]
    assert [(c["change"], c["code"]) for c in raw.changes] == [("joined", "300002")]

    assert ingest_live(world.source(), store).failures == {}
    build(paths)
    built = listing(paths)
    assert built.origin == "warehouse"
    assert [(m["code"], m["is_current"]) for m in built.members][:2] == [("000003", True), ("300001", True)]
    assert [(c["change"], c["code"]) for c in built.changes] == [("joined", "300002")]


runner = CliRunner()


def invoke(paths, *args):
    return runner.invoke(app, ["--data-dir", str(paths.data_dir), "--reports-dir", str(paths.reports_dir), *args])


def test_cli_universe_import_and_list(paths, tmp_path):
    board = write(tmp_path / "算力租赁.csv", "代码,名称\n300001.SZ,测试算力\n600001.SH,测试彩印\n000003.SZ,测试空壳\n")
    result = invoke(paths, "universe", "import", str(board))
    assert result.exit_code == 0, result.output
    assert "Imported 3 members from 算力租赁.csv as '算力租赁.csv' (first snapshot)" in result.output
    shown = invoke(paths, "universe")
    assert shown.exit_code == 0 and "Universe: 3 members (universe_import 算力租赁.csv" in shown.output
    assert "600001  测试彩印" in shown.output and "No membership changes yet." in shown.output

    smaller = write(tmp_path / "smaller.csv", "代码,名称\n300001,测试算力\n")
    refused = invoke(paths, "universe", "import", str(smaller), "--as", "算力租赁.csv")
    assert refused.exit_code == 2 and "left (2): 000003 测试空壳, 600001 测试彩印" in refused.output
    assert "smaller.csv --as 算力租赁.csv --accept-changes" in refused.output and "Traceback" not in refused.output


def test_cli_universe_without_any_snapshot_and_with_a_bad_file(paths, tmp_path):
    assert invoke(paths, "universe").exit_code == 2
    bad = invoke(paths, "universe", "import", str(write(tmp_path / "x.csv", "a,b\n1,2\n")))
    assert bad.exit_code == 2 and "no code column" in bad.output


def test_cli_universe_sync(paths, world, monkeypatch):
    monkeypatch.setattr("pipeline.clock.china_now", lambda: world.now)
    result = invoke(paths, "universe", "sync", "--min-interval", "0")
    assert result.exit_code == 0, result.output
    assert "EastMoney board BK0001 算力租赁: 3 members (first snapshot); pinned in" in result.output
    assert "note: Tonghuashun '算力租赁' has about 100 members" in result.output


def test_a_board_that_does_not_answer_is_not_pinned(paths, world):
    store = RawStore(paths.raw_dir)
    sync(world.source(), store, paths)  # pins BK0001
    world.failures[sources.BOARD_CONS] = [ValueError("No tables found")] * 10  # akshare's error for an unknown board
    with pytest.raises(LeasewatchError):
        sync(world.source(), store, paths, board="BK9999")
    assert BoardConfig.load(paths).code == "BK0001"


def test_a_code_under_two_names_is_refused_and_a_repeated_row_is_not(tmp_path):
    clash = write(tmp_path / "clash.csv", "代码,名称\n300001,测试算力\n600001,测试彩印\n300001,别的公司\n")
    with pytest.raises(UsageError, match=r"300001 is '测试算力' on line 2 and '别的公司' on line 4"):
        read_member_file(clash)
    members, _ = read_member_file(write(tmp_path / "twice.csv", "代码,名称\n300001,测试算力\n300001.SZ,测试算力\n600001,\n600001,测试彩印\n"))
    assert members == {"300001": "测试算力", "600001": "测试彩印"}
