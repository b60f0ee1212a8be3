"""The compact raw layer: payloads in packs, verified by content hash on every read; the one-command migration of
a store written one file per payload; compaction that is safe to interrupt."""

from __future__ import annotations

import json
import shutil
from datetime import datetime

import duckdb
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from pipeline.build.run import build
from pipeline.cli import app
from pipeline.config import Paths
from pipeline.raw import packs, tidy
from pipeline.raw.files import content_hash
from pipeline.raw.store import RawCorruptError, RawStore
from tests import akshare_shapes as shapes
from tests.conftest import holder

runner = CliRunner()


def legacy_copy(source: Paths, target: Paths) -> None:
    """The raw layer of `source` as leasewatch stored it before packs: one Parquet file per distinct payload at its
    name, with the fetch's provenance in the file's metadata, and the same manifest."""
    store = RawStore(source.raw_dir)
    target.raw_dir.mkdir(parents=True)
    for record in {r.path: r for r in store.records()}.values():
        table = store.read_table(record)
        provenance = json.dumps({"function": record.function, "sha256": record.sha256}).encode()
        path = target.raw_dir / record.path
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table.replace_schema_metadata({**(table.schema.metadata or {}), b"leasewatch": provenance}), path)
    shutil.copy(store.manifest_path, target.raw_dir / "manifest.jsonl")


def hashes(store: RawStore) -> dict[str, str]:
    """Every payload's content hash, recomputed from what the store reads back."""
    distinct = {r.path: r for r in store.records()}
    return {name: content_hash(store.read(record)) for name, record in distinct.items()}


def marts(path) -> dict[str, list]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        names = [r[0] for r in con.execute("select table_name from information_schema.tables where table_schema = 'marts'").fetchall()]
        # as multisets (row order is not part of a table), by repr so that NULL and NaN compare equal to themselves
        return {n: sorted(map(repr, con.execute(f"select * from marts.{n}").fetchall())) for n in names}
    finally:
        con.close()


def test_payloads_are_packed_per_function_and_read_back_verified(tmp_path):
    store = RawStore(tmp_path)
    with store.batch():
        for code in ("300001", "300002", "300003"):
            store.put(source="fixture", function="stock_zh_a_hist", args={"symbol": code, "adjust": ""},
                      frame=shapes.hist(code, {"2024-12-31": 10.5}), fetched_at=datetime(2025, 1, 2),
                      source_version="1.19.5", is_sample=False)
        assert not store.manifest_path.exists()  # nothing is written until the batch flushes …
        assert len(store.records()) == 3  # … but the batch reads its own writes
    assert len(list((tmp_path / "packs").rglob("*.parquet"))) == 1
    reread = RawStore(tmp_path)
    assert all(content_hash(reread.read(r)) == r.sha256 for r in reread.records())


def test_a_changed_payload_is_refused_on_read_with_its_name(tmp_path, fixture_paths):
    shutil.copytree(fixture_paths.raw_dir, tmp_path / "raw")
    store = RawStore(tmp_path / "raw")
    victim, other = [r for r in store.versions("stock_zygc_em")][:2]
    from tests.conftest import swap_payload

    swap_payload(store, victim, other)
    with pytest.raises(RawCorruptError) as caught:
        RawStore(tmp_path / "raw").read(victim)
    assert victim.path in caught.value.message and "hash mismatch" in caught.value.message
    assert caught.value.exit_code == 8


def test_migration_of_a_one_file_per_payload_store_loses_nothing(tmp_path, fixture_paths):
    old = Paths.resolve(tmp_path / "old", tmp_path / "reports")
    legacy_copy(fixture_paths, old)
    before_store = RawStore(old.raw_dir)
    files_before = len(list(old.raw_dir.rglob("*.parquet")))
    before = hashes(before_store)
    assert before and all(before[r.path] == r.sha256 for r in before_store.records())  # the legacy layer reads as is
    build(old)
    marts_before = marts(old.warehouse)

    result = runner.invoke(app, ["--data-dir", str(old.data_dir), "raw", "compact"])

    assert result.exit_code == 0, result.output
    assert f"Moved {len(before):,} payloads into packs: {files_before:,} files" in result.output
    after_store = RawStore(old.raw_dir)
    assert hashes(after_store) == before  # every payload's hash before = after
    assert not [p for p in old.raw_dir.rglob("*.parquet") if "packs" not in p.parts]  # the one-file layout is gone
    assert len(tidy.files(after_store)) <= 8 < files_before
    assert after_store.verify(full=True) == []
    build(old)
    assert marts(old.warehouse) == marts_before
    again = runner.invoke(app, ["--data-dir", str(old.data_dir), "raw", "compact"])
    assert again.exit_code == 0 and "Nothing to compact" in again.output


def test_an_interrupted_compaction_leaves_every_payload_readable_and_a_rerun_finishes(tmp_path, fixture_paths, monkeypatch):
    old = Paths.resolve(tmp_path / "old", tmp_path / "reports")
    legacy_copy(fixture_paths, old)
    before = hashes(RawStore(old.raw_dir))
    real = packs.write_pack
    calls = {"n": 0}

    def write_then_stop(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt  # Ctrl-C between two packs
        return real(*args, **kwargs)

    monkeypatch.setattr(packs, "write_pack", write_then_stop)
    with pytest.raises(KeyboardInterrupt):
        tidy.compact(RawStore(old.raw_dir))
    assert hashes(RawStore(old.raw_dir)) == before  # half moved, all readable
    monkeypatch.setattr(packs, "write_pack", real)
    tidy.compact(RawStore(old.raw_dir))
    assert hashes(RawStore(old.raw_dir)) == before
    assert not [p for p in old.raw_dir.rglob("*.parquet") if "packs" not in p.parts]


def test_compaction_quarantines_a_damaged_legacy_payload_and_moves_the_rest(tmp_path, fixture_paths):
    old = Paths.resolve(tmp_path / "old", tmp_path / "reports")
    legacy_copy(fixture_paths, old)
    store = RawStore(old.raw_dir)
    victim = next(iter(store.versions("stock_zygc_em")))
    holder(store, victim).write_bytes(b"PAR1 torn")
    report = tidy.compact(store)
    assert [p.path for p in report.problems] == [victim.path] and report.problems[0].reason.startswith("unreadable")
    assert victim.path not in {r.path for r in RawStore(old.raw_dir).records()}  # hidden until fetched again
    assert report.payloads == len({r.path for r in store.records()})


def test_compacting_an_empty_or_missing_raw_layer_does_nothing(tmp_path):
    result = runner.invoke(app, ["--data-dir", str(tmp_path / "data"), "raw", "compact"])
    assert result.exit_code == 0 and "Nothing to compact" in result.output
    assert tidy.compact(RawStore(tmp_path / "data" / "raw")).payloads == 0


def test_daily_packs_are_merged_into_one_per_function(tmp_path):
    store = RawStore(tmp_path)
    for day in range(1, 4):  # three runs, three small packs
        store.put(source="fixture", function="stock_zh_a_hist", args={"symbol": "300001", "adjust": ""},
                  frame=shapes.hist("300001", {f"2025-01-0{day}": 10.0 + day}), fetched_at=datetime(2025, 1, day),
                  source_version="1.19.5", is_sample=False)
    assert len(tidy.files(store)) == 3
    before = hashes(store)
    report = tidy.compact(store)
    assert (report.files_before, report.files_after, report.payloads) == (3, 1, 3)
    assert hashes(RawStore(tmp_path)) == before
    assert len(list((tmp_path / "packs").rglob("*.parquet"))) == 1  # the retired packs are deleted


def test_junk_in_the_pack_index_is_not_trusted(tmp_path):
    store = RawStore(tmp_path)
    record = store.put(source="fixture", function="stock_zh_a_hist", args={"symbol": "300001", "adjust": ""},
                       frame=shapes.hist("300001", {"2025-01-02": 10.0}), fetched_at=datetime(2025, 1, 2),
                       source_version="1.19.5", is_sample=False)
    with (tmp_path / packs.INDEX).open("ab") as fh:
        fh.write(b'\xff\xfe junk\n{"pack": "../../etc/passwd", "payloads": {"x": [0, 0]}}\n{"pack": "p"')
    index = packs.Index(tmp_path)
    assert index.damaged_lines == [2, 3, 4] and "../../etc/passwd" not in index.listed
    assert content_hash(RawStore(tmp_path).read(record)) == record.sha256


def test_damage_the_routine_check_misses_is_caught_by_the_read_quarantined_and_the_build_goes_on(tmp_path, fixture_paths):
    from pipeline.raw.quarantine import note_checked
    from tests.conftest import swap_payload
    from tests.ops_worker import copy_built

    paths = copy_built(fixture_paths, tmp_path)
    store = RawStore(paths.raw_dir)
    victim, other = [r for r in store.versions("stock_zygc_em")][:2]
    swap_payload(store, victim, other)
    pack = holder(store, victim).relative_to(paths.raw_dir).as_posix()
    note_checked(paths.raw_dir, pack, "pack")  # as if verified since: verify's size-and-mtime check trusts it
    shutil.rmtree(paths.normalized_dir)  # "safe to delete": the build reads every payload again

    result = build(paths)

    assert [p.path for p in result.quarantined] == [victim.path]
    assert any(victim.path in w and "quarantined" in w for w in result.warnings)
    assert victim.path not in {r.path for r in RawStore(paths.raw_dir).records()}  # never used, fetched again later
    assert build(paths).quarantined == []  # and the next build is clean


def test_a_manifest_path_leading_outside_the_raw_directory_is_never_followed(tmp_path):
    outside = tmp_path / "outside.parquet"
    outside.write_bytes(b"someone else's file")
    store = RawStore(tmp_path / "raw")
    record = store.put(source="fixture", function="stock_zh_a_hist", args={"symbol": "300001", "adjust": ""},
                       frame=shapes.hist("300001", {"2025-01-02": 10.0}), fetched_at=datetime(2025, 1, 2),
                       source_version="1.19.5", is_sample=False)
    forged = {**json.loads(store.manifest_path.read_text().splitlines()[0]), "path": "../outside.parquet"}
    with store.manifest_path.open("a") as fh:
        fh.write(json.dumps(forged) + "\n")
    reread = RawStore(tmp_path / "raw")
    assert [r.path for r in reread.records()] == [record.path] and reread.damaged_lines == [2]
    tidy.compact(reread)
    assert outside.read_bytes() == b"someone else's file"  # neither read, moved nor deleted


def test_a_pack_index_line_with_a_name_outside_the_raw_directory_locates_nothing(tmp_path):
    store = RawStore(tmp_path)
    record = fetch_one(store, "2025-01-02")
    line = json.loads((tmp_path / packs.INDEX).read_text())
    line["payloads"]["../outside.parquet"] = [0, 0]
    (tmp_path / packs.INDEX).write_text(json.dumps(line) + "\n")
    index = packs.Index(tmp_path)
    assert index.damaged_lines == [1] and index.get("../outside.parquet") is None and index.get(record.path) is None


def sample_copy(fixture_paths, tmp_path):
    from tests.ops_worker import copy_built

    return copy_built(fixture_paths, tmp_path)


@pytest.mark.parametrize("damage", ["deleted", "emptied", "one junk line"])
def test_a_lost_or_damaged_pack_index_is_rebuilt_from_the_packs_and_nothing_is_deleted(tmp_path, fixture_paths, damage):
    paths = sample_copy(fixture_paths, tmp_path)
    index = paths.raw_dir / packs.INDEX
    before = hashes(RawStore(paths.raw_dir))
    files = sorted((paths.raw_dir / "packs").rglob("*.parquet"))
    if damage == "deleted":
        index.unlink()
    elif damage == "emptied":
        index.write_text("")
    else:
        lines = index.read_text().splitlines()
        index.write_text("\n".join([lines[0].replace('"pack"', '"pak"'), *lines[1:]]) + "\n")

    result = build(paths)

    assert result.quarantined == [] and sorted((paths.raw_dir / "packs").rglob("*.parquet")) == files
    assert hashes(RawStore(paths.raw_dir)) == before


def test_an_unlisted_pack_nothing_refers_to_is_moved_aside_not_deleted(tmp_path):
    store = RawStore(tmp_path)
    store.put(source="fixture", function="stock_zh_a_hist", args={"symbol": "300001", "adjust": ""},
              frame=shapes.hist("300001", {"2025-01-02": 10.0}), fetched_at=datetime(2025, 1, 2),
              source_version="1.19.5", is_sample=False)
    stray = tmp_path / "packs" / "stock_zh_a_hist" / "20250101T000000000000-999999-1.parquet"
    packs.write_pack(tmp_path, stray.relative_to(tmp_path).as_posix(), [packs.Blob("x/y/z.parquet", "0" * 64, b"")])
    tidy.remove_orphans(RawStore(tmp_path))
    assert not stray.exists() and list((tmp_path / "quarantine" / "orphans").rglob(stray.name))


def fetch_one(store: RawStore, day: str):
    """One fetch of a day's prices (a pack and an index line of its own outside a batch)."""
    return store.put(source="fixture", function="stock_zh_a_hist", args={"symbol": "300001", "adjust": "", "day": day},
                     frame=shapes.hist("300001", {day: 10.0}), fetched_at=datetime(2025, 1, 2),
                     source_version="1.19.5", is_sample=False)


def counted_index_reads(monkeypatch) -> list:
    reads = []
    real = packs.Index.__init__

    def counting(self, root):
        reads.append(root)
        real(self, root)

    monkeypatch.setattr(packs.Index, "__init__", counting)
    return reads


def test_a_build_reads_the_pack_index_once(tmp_path, fixture_paths, monkeypatch):
    paths = sample_copy(fixture_paths, tmp_path)
    reads = counted_index_reads(monkeypatch)
    build(paths)
    assert len(reads) == 1  # the tidy keeps the index the manifest check read: packs.jsonl did not change


def test_the_tidy_reads_the_index_again_when_another_writer_added_to_it(tmp_path, monkeypatch):
    store = RawStore(tmp_path)
    fetch_one(store, "2025-01-02")  # this store's own pack and line: its index holds them
    reads = counted_index_reads(monkeypatch)
    tidy.remove_orphans(store)
    assert reads == []
    other = fetch_one(RawStore(tmp_path), "2025-01-03")  # another writer's pack and line
    tidy.remove_orphans(store)
    assert len(reads) == 2  # the other store's read, then the tidy's
    assert store.location(other.path) is not None and len(store.index().listed) == 2
    assert store.read(other)["收盘"].tolist() == [10.0]


@pytest.mark.parametrize("damage", ["deleted", "emptied"])
def test_an_index_lost_after_this_store_wrote_to_it_is_rebuilt_by_the_tidy(tmp_path, damage):
    store = RawStore(tmp_path)
    records = [fetch_one(store, "2025-01-02"), fetch_one(store, "2025-01-03")]
    index = tmp_path / packs.INDEX
    index.unlink() if damage == "deleted" else index.write_text("")
    tidy.remove_orphans(store)  # the index in memory is the file as it was: the file's stamp says it is gone
    fresh = RawStore(tmp_path)
    assert all(fresh.location(r.path) is not None for r in records)
    assert [len(fresh.read(r)) for r in records] == [1, 1]  # each read hashes its payload again


def test_junk_retire_lines_never_delete_the_manifest_or_a_live_pack(tmp_path, fixture_paths):
    paths = sample_copy(fixture_paths, tmp_path)
    live = sorted((paths.raw_dir / "packs").rglob("*.parquet"))[0].relative_to(paths.raw_dir).as_posix()
    with (paths.raw_dir / packs.INDEX).open("a") as fh:
        fh.write(json.dumps({"retire": [live, "manifest.jsonl"]}) + "\n")
    before = hashes(RawStore(paths.raw_dir))
    tidy.compact(RawStore(paths.raw_dir))
    tidy.remove_orphans(RawStore(paths.raw_dir))
    assert (paths.raw_dir / "manifest.jsonl").exists() and (paths.raw_dir / live).exists()
    assert hashes(RawStore(paths.raw_dir)) == before


def test_one_bad_page_quarantines_its_row_group_only(tmp_path, monkeypatch):
    store = RawStore(tmp_path)
    with store.batch():  # 40 payloads in one pack: three row groups of at most 16
        records = [store.put(source="fixture", function="stock_zh_a_hist", args={"symbol": f"300{n:03d}", "adjust": ""},
                             frame=shapes.hist(f"300{n:03d}", {"2025-01-02": 10.0 + n}), fetched_at=datetime(2025, 1, 2),
                             source_version="1.19.5", is_sample=False) for n in range(40)]
    locations = {r.path: RawStore(tmp_path).location(r.path) for r in records}
    assert {loc.group for loc in locations.values()} == {0, 1, 2}
    real = packs.read_groups

    def bad_group_one(root, pack, wanted):
        for group, blobs in real(root, pack, wanted):
            if group == 1:
                raise OSError("Could not verify page checksum")  # what pyarrow raises (errno None)
            yield group, blobs

    monkeypatch.setattr(packs, "read_groups", bad_group_one)
    with pytest.raises(RawCorruptError) as caught:
        RawStore(tmp_path).read_tables(records)
    assert "with 15 payloads beside it" in caught.value.message
    monkeypatch.setattr(packs, "read_groups", real)
    quarantined = {e["path"] for e in RawStore(tmp_path).quarantined()}
    assert quarantined == {name for name, loc in locations.items() if loc.group == 1}
    assert len(RawStore(tmp_path).records()) == 40 - 16


def test_an_operating_system_error_on_read_is_a_storage_error_and_quarantines_nothing(tmp_path, fixture_paths, monkeypatch):
    import errno

    from pipeline.errors import StorageError

    paths = sample_copy(fixture_paths, tmp_path)

    def too_many_open_files(*args, **kwargs):
        raise OSError(errno.EMFILE, "Too many open files")

    monkeypatch.setattr(packs, "read_groups", too_many_open_files)
    store = RawStore(paths.raw_dir)
    with pytest.raises(StorageError) as caught:
        store.read(store.records()[5])
    assert not isinstance(caught.value, RawCorruptError) and "Too many open files" in caught.value.message
    assert store.quarantined() == []


def test_an_index_row_out_of_range_is_damage_not_a_crash(tmp_path, fixture_paths):
    paths = sample_copy(fixture_paths, tmp_path)
    store = RawStore(paths.raw_dir)
    record = store.records()[3]
    location = store.location(record.path)
    with (paths.raw_dir / packs.INDEX).open("a") as fh:
        fh.write(json.dumps({"pack": location.pack, "payloads": {record.path: [location.group, 99]}}) + "\n")
    with pytest.raises(RawCorruptError):
        RawStore(paths.raw_dir).read(record)


def test_a_read_only_raw_directory_is_a_storage_error_not_a_crash(tmp_path, fixture_paths, monkeypatch):
    import errno
    import os

    from pipeline.errors import StorageError
    from pipeline.raw import quarantine

    paths = sample_copy(fixture_paths, tmp_path)
    pack = sorted((paths.raw_dir / "packs").rglob("*.parquet"))[0]
    os.utime(pack, ns=(1, 1))  # touched: verify reads it again and would note it as checked

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(quarantine, "note_checked", read_only)
    with pytest.raises(StorageError) as caught:
        build(paths)
    assert caught.value.exit_code == 8 and "Read-only file system" in caught.value.message
