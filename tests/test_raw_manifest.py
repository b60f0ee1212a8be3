"""The manifest is checked, not trusted (issue 17 point 6): junk and a deleted manifest are named errors that lose
nothing, and `leasewatch raw rebuild-manifest` reconstructs it from the payloads their packs describe."""

from __future__ import annotations

import json
import os
import shutil
from datetime import datetime

import pytest
from typer.testing import CliRunner

import pipeline.raw.store
from pipeline.cli import app
from pipeline.config import Paths
from pipeline.raw.store import RawManifestError, RawStore
from tests import akshare_shapes as shapes
from tests.ops_worker import copy_built
from tests.test_raw_packs import fetch_one, legacy_copy, marts

runner = CliRunner()


def cli(paths: Paths, *args: str):
    return runner.invoke(app, ["--data-dir", str(paths.data_dir), *args])


def payloads(store: RawStore) -> dict[str, str]:
    """Every distinct payload the manifest names → its content hash."""
    return {r.path: r.sha256 for r in store.records()}


def test_a_binary_junk_manifest_is_a_named_error_and_rebuild_brings_every_payload_back(tmp_path, fixture_paths):
    paths = copy_built(fixture_paths, tmp_path)
    before = payloads(RawStore(paths.raw_dir))
    marts_before = marts(paths.warehouse)
    live = paths.warehouse.read_bytes()
    junk = os.urandom(4096)
    paths.raw_dir.joinpath("manifest.jsonl").write_bytes(junk)

    for command in (["build"], ["ingest", "--source", "sample"]):
        result = cli(paths, *command)
        assert result.exit_code == 8, result.output
        assert "raw manifest" in result.output and "names no stored payload (" in result.output
        assert "leasewatch raw rebuild-manifest" in result.output and "Traceback" not in result.output
    assert paths.warehouse.read_bytes() == live  # nothing lost: the warehouse …
    assert paths.raw_dir.joinpath("manifest.jsonl").read_bytes() == junk  # … and the file as it was

    result = cli(paths, "raw", "rebuild-manifest")
    assert result.exit_code == 0, result.output
    assert f"{len(before):,} recovered from the stored payloads" in result.output
    assert paths.raw_dir.joinpath("manifest.jsonl.replaced-1").read_bytes() == junk  # the old file is kept
    assert payloads(RawStore(paths.raw_dir)) == before  # every payload, under its own hash
    assert "fetches that found an unchanged payload" in result.output  # what cannot come back is said
    assert cli(paths, "build", "--full").exit_code == 0
    after = marts(paths.warehouse)
    # Every mart is as before, except the membership dates a later fetch of an unchanged board list had moved on
    # (its line was only in the lost manifest): the next universe sync restores them.
    assert {n for n in after if after[n] != marts_before[n]} <= {"universe"}
    assert len(after["universe"]) == len(marts_before["universe"])


def test_a_deleted_manifest_is_detected_and_nothing_is_fetched_again(tmp_path, fixture_paths):
    paths = copy_built(fixture_paths, tmp_path)
    before = payloads(RawStore(paths.raw_dir))
    paths.raw_dir.joinpath("manifest.jsonl").unlink()
    packs_before = sorted(p.name for p in paths.raw_dir.rglob("*.parquet"))

    for command in (["build"], ["ingest", "--source", "sample"], ["raw", "compact"]):
        result = cli(paths, *command)
        assert result.exit_code == 8, (command, result.output)
        assert "is missing, but payloads are stored" in result.output and "rebuild-manifest" in result.output
    assert not paths.raw_dir.joinpath("manifest.jsonl").exists()  # the ingest wrote nothing …
    assert sorted(p.name for p in paths.raw_dir.rglob("*.parquet")) == packs_before  # … and moved no pack aside

    assert cli(paths, "raw", "rebuild-manifest").exit_code == 0
    assert payloads(RawStore(paths.raw_dir)) == before
    assert not paths.raw_dir.joinpath("manifest.jsonl.replaced-1").exists()  # there was no old file to keep


def test_rebuild_keeps_the_readable_lines_in_order_and_adds_only_what_they_lost(tmp_path, fixture_paths):
    paths = copy_built(fixture_paths, tmp_path)
    manifest = paths.raw_dir / "manifest.jsonl"
    lines = manifest.read_text(encoding="utf-8").splitlines()
    lost = lines[10:20]
    damaged = lines[:10] + ["{torn", "\x00\x01 junk"] + lines[20:]
    manifest.write_text("\n".join(damaged) + "\n", encoding="utf-8")
    lost_paths = {json.loads(line)["path"] for line in lost} - {json.loads(line)["path"] for line in damaged[:10] + damaged[12:]}

    result = cli(paths, "raw", "rebuild-manifest")

    assert result.exit_code == 0, result.output
    assert f"{len(lines) - 10:,} kept, {len(lost_paths):,} recovered" in result.output and "2 unreadable" in result.output
    rebuilt = manifest.read_text(encoding="utf-8").splitlines()
    assert rebuilt[: len(lines) - 10] == [json.dumps(json.loads(line), ensure_ascii=False) for line in lines[:10] + lines[20:]]
    assert {json.loads(line)["path"] for line in rebuilt[len(lines) - 10:]} == lost_paths
    again = cli(paths, "raw", "rebuild-manifest")  # a rerun keeps every line the first wrote
    assert again.exit_code == 0 and f"{len(rebuilt):,} kept, 0 recovered" in again.output
    assert manifest.read_text(encoding="utf-8").splitlines() == rebuilt


def test_rebuild_recovers_a_store_written_one_file_per_payload(tmp_path, fixture_paths):
    old = Paths.resolve(tmp_path / "old", tmp_path / "reports")
    legacy_copy(fixture_paths, old)
    before = payloads(RawStore(old.raw_dir))
    keys = {(r.function, r.path): r.args for r in RawStore(old.raw_dir).records()}
    old.raw_dir.joinpath("manifest.jsonl").unlink()

    assert cli(old, "raw", "rebuild-manifest").exit_code == 0
    store = RawStore(old.raw_dir)
    assert payloads(store) == before  # content hashes computed again from the files
    assert {(r.function, r.path): r.args for r in store.records()} == {k: {a: str(v) for a, v in args.items()} for k, args in keys.items()}
    assert store.verify(full=True) == []


def test_rebuilding_an_empty_or_missing_raw_layer_is_refused(tmp_path):
    paths = Paths.resolve(tmp_path / "data", tmp_path / "reports")
    paths.data_dir.mkdir()  # a data directory with no raw layer (a missing one: tests/test_verify.py)
    result = cli(paths, "raw", "rebuild-manifest")
    assert result.exit_code == 2 and "nothing to rebuild: no payload is stored" in result.output, result.output
    assert not paths.raw_dir.joinpath("manifest.jsonl").exists()


@pytest.mark.parametrize("content", [b"", b"junk\n", b"junk\n{\"torn\n\x00\x01\n"])
def test_an_emptied_manifest_or_a_few_junk_lines_next_to_stored_payloads_is_refused(tmp_path, fixture_paths, content):
    paths = copy_built(fixture_paths, tmp_path)
    live = paths.warehouse.read_bytes()
    paths.raw_dir.joinpath("manifest.jsonl").write_bytes(content)
    result = cli(paths, "build")  # would publish an empty warehouse
    assert result.exit_code == 8, result.output
    assert "names no stored payload" in result.output or "names only 0 of the" in result.output
    assert paths.warehouse.read_bytes() == live
    verify = cli(paths, "verify")
    assert verify.exit_code == 8 and "rebuild-manifest" in verify.output


def test_lost_index_and_manifest_lines_lose_no_pack(tmp_path, fixture_paths):
    paths = copy_built(fixture_paths, tmp_path)
    before = payloads(RawStore(paths.raw_dir))
    marts_before = marts(paths.warehouse)
    manifest = paths.raw_dir / "manifest.jsonl"
    manifest.write_text(manifest.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    paths.raw_dir.joinpath("packs.jsonl").unlink()
    assert cli(paths, "verify").exit_code == 0  # packs none of whose payloads the one line names: moved aside …
    assert list(paths.raw_dir.glob("quarantine/orphans/packs/*/*.parquet"))

    result = cli(paths, "raw", "rebuild-manifest")  # … and brought back by the rebuild

    assert result.exit_code == 0, result.output
    assert not list(paths.raw_dir.glob("quarantine/orphans/packs/*/*.parquet"))
    assert cli(paths, "build", "--full").exit_code == 0
    assert payloads(RawStore(paths.raw_dir)) == before
    after = marts(paths.warehouse)
    assert {n for n in after if after[n] != marts_before[n]} <= {"universe"}


def test_manifest_lines_of_the_wrong_shape_are_skipped_never_a_crash(tmp_path, fixture_paths):
    paths = copy_built(fixture_paths, tmp_path)
    manifest = paths.raw_dir / "manifest.jsonl"
    good = json.loads(manifest.read_text(encoding="utf-8").splitlines()[-1])
    with manifest.open("a", encoding="utf-8") as fh:
        for bad in ({"fetched_at": 5}, {"rows": "x"}, {"flags": 5}):
            fh.write(json.dumps({**good, **bad}) + "\n")
    store = RawStore(paths.raw_dir)
    lines = len(manifest.read_text(encoding="utf-8").splitlines())
    assert store.records() and store.damaged_lines == [lines - 2, lines - 1, lines]  # skipped like torn lines
    with manifest.open("a", encoding="utf-8") as fh:
        fh.write("[" * 100000 + "\n")  # deeper than the JSON parser goes
    result = cli(paths, "build")  # four bad lines among 1,700: a warning (was exit 70), their fetches repeated
    assert result.exit_code == 0 and "4 unreadable line(s)" in result.output, result.output
    rebuilt = cli(paths, "raw", "rebuild-manifest")
    assert rebuilt.exit_code == 0 and "4 unreadable line(s) left out" in rebuilt.output, rebuilt.output
    assert cli(paths, "build").exit_code == 0


def test_a_few_torn_lines_are_tolerated_and_a_first_run_killed_before_its_lines_is_recoverable(tmp_path, monkeypatch):
    store = RawStore(tmp_path / "raw")

    def killed(path, lines, known):  # packs and their index are durable; the kill comes before the manifest lines
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline.raw.store, "append_alone", killed)
    with pytest.raises(KeyboardInterrupt):
        store.put(source="fixture", function="stock_zh_a_hist", args={"symbol": "300001", "adjust": ""},
                  frame=shapes.hist("300001", {"2024-12-31": 10.5}), fetched_at=datetime(2025, 1, 2),
                  source_version="1.19.5", is_sample=False)
    monkeypatch.undo()
    assert list((tmp_path / "raw" / "packs").rglob("*.parquet"))  # a payload is stored under an empty manifest …
    reread = RawStore(tmp_path / "raw")
    assert reread.records() == []  # … under an empty manifest: an ingest rerun resumes …
    with pytest.raises(RawManifestError):  # … a build is refused (it would publish nothing) …
        reread.check_named([])
    from pipeline.raw.rebuild import rebuild_manifest

    assert rebuild_manifest(RawStore(tmp_path / "raw")).recovered == 1  # … and its fetch recovered from the pack

    store = RawStore(tmp_path / "raw")
    for code in ("300002", "300003"):
        store.put(source="fixture", function="stock_zh_a_hist", args={"symbol": code, "adjust": ""},
                  frame=shapes.hist(code, {"2024-12-31": 10.5}), fetched_at=datetime(2025, 1, 2),
                  source_version="1.19.5", is_sample=False)
    with store.manifest_path.open("a", encoding="utf-8") as fh:
        fh.write('{"source": "fixture", "fun\n{"torn again\n')
    reread = RawStore(tmp_path / "raw")
    assert len(reread.records()) == 3 and reread.damaged_lines == [4, 5]  # torn by kills: a warning, not an error
    with store.manifest_path.open("a", encoding="utf-8") as fh:
        fh.write("junk\n" * 3)
    with pytest.raises(RawManifestError):
        RawStore(tmp_path / "raw").records()


def test_sample_cache_restore_killed_before_its_manifest_is_recoverable(tmp_path, monkeypatch):
    from pipeline.extract import sample_cache

    cache = tmp_path / "cache"
    source = RawStore(tmp_path / "src")
    source.put(source="sample", function="stock_zh_a_hist", args={"symbol": "300001", "adjust": ""},
               frame=shapes.hist("300001", {"2024-12-31": 10.5}), fetched_at=datetime(2025, 1, 2),
               source_version="1.19.5", is_sample=True)
    sample_cache.save(cache, source, 1, [])
    target = RawStore(tmp_path / "raw")
    real_replace = os.replace

    def killed(src, dst):
        if str(dst).endswith("manifest.jsonl"):
            raise KeyboardInterrupt
        return real_replace(src, dst)

    monkeypatch.setattr(sample_cache.os, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        sample_cache.restore(cache, target)
    monkeypatch.undo()
    assert RawStore(tmp_path / "raw").records() == []  # payloads listed under an empty manifest: the replay resumes
    from pipeline.raw.rebuild import rebuild_manifest

    rebuild_manifest(RawStore(tmp_path / "raw"))  # … or the rebuild mends it, losing nothing
    assert [r.path for r in RawStore(tmp_path / "raw").records()] == [r.path for r in source.records()]
    shutil.rmtree(cache)


def counted_manifest_reads(monkeypatch) -> list:
    reads = []
    real = pipeline.raw.store.read_manifest

    def counting(path):
        reads.append(path)
        return real(path)

    monkeypatch.setattr(pipeline.raw.store, "read_manifest", counting)
    return reads


def test_a_store_keeps_the_manifest_it_read_after_appending_its_own_lines(tmp_path, monkeypatch):
    store = RawStore(tmp_path)
    fetch_one(store, "2025-01-02")
    store.records()
    reads = counted_manifest_reads(monkeypatch)
    with store.batch():
        added = [fetch_one(store, "2025-01-03"), fetch_one(store, "2025-01-03"), fetch_one(store, "2025-01-06")]
    mine = store.records()
    assert reads == []  # its own lines are parsed as written, not the whole file again
    assert mine == RawStore(tmp_path).records() and mine[-3:] == added and len(reads) == 1


@pytest.mark.parametrize("meanwhile", ["another writer's line", "a torn line", "the manifest replaced"])
def test_a_manifest_changed_by_someone_else_before_the_append_is_read_again(tmp_path, monkeypatch, meanwhile):
    store = RawStore(tmp_path)
    fetch_one(store, "2025-01-02")
    store.records()
    if meanwhile == "another writer's line":
        fetch_one(RawStore(tmp_path), "2025-01-03")
    elif meanwhile == "a torn line":
        with store.manifest_path.open("a") as fh:
            fh.write('{"source": "fix')
    else:
        replaced = tmp_path / "manifest.new"
        replaced.write_bytes(store.manifest_path.read_bytes())
        os.replace(replaced, store.manifest_path)
    reads = counted_manifest_reads(monkeypatch)
    fetch_one(store, "2025-01-06")
    assert store.records() == RawStore(tmp_path).records() and len(reads) == 2
    assert store.damaged_lines == ([2] if meanwhile == "a torn line" else [])


@pytest.mark.parametrize("written", ["manifest.jsonl", "packs.jsonl"])
def test_another_writers_line_landing_just_after_this_stores_own_is_read(tmp_path, monkeypatch, written):
    import pipeline.raw.files

    store = RawStore(tmp_path)
    fetch_one(store, "2025-01-02")
    store.records()
    real = pipeline.raw.files.append_lines
    theirs = {}

    def and_then_another_writer(path, lines):
        out = real(path, lines)
        if path.name == written and not theirs:  # between this store's write and its stamp of the file after it
            theirs["record"] = None  # the other writer's own appends go straight through
            theirs["record"] = fetch_one(RawStore(tmp_path), "2025-01-09")
        return out

    monkeypatch.setattr(pipeline.raw.files, "append_lines", and_then_another_writer)
    fetch_one(store, "2025-01-06")
    monkeypatch.undo()
    fresh = RawStore(tmp_path)
    assert store.records() == fresh.records() and len(fresh.records()) == 3
    assert store.index(fresh=True).locations == fresh.index().locations and store.holds(theirs["record"].path)


def test_an_own_line_readers_refuse_is_counted_damaged_not_a_crash(tmp_path):
    store = RawStore(tmp_path)
    fetch_one(store, "2025-01-02")
    store.records()
    store.put(source="fixture", function="stock_zh_a_hist", args={"symbol": "300001", "day": "x"},
              frame=shapes.hist("300001", {"2025-01-03": 10.0}), fetched_at=datetime(2025, 1, 2),
              source_version="1.19.5", is_sample=1)  # not a bool: the line is written, readers refuse it
    fresh = RawStore(tmp_path)
    assert store.records() == fresh.records() and len(fresh.records()) == 1
    assert store.damaged_lines == fresh.damaged_lines == [2]


def test_a_raw_directory_path_running_through_a_file_is_an_empty_raw_layer_not_a_crash(tmp_path):
    paths = Paths.resolve(tmp_path / "data", tmp_path / "reports")
    paths.data_dir.mkdir(parents=True)
    paths.raw_dir.write_text("not a directory")
    assert RawStore(paths.raw_dir).records() == []
    result = cli(paths, "build")
    assert result.exit_code == 1 and "is empty" in result.output


def test_a_build_on_a_refreshs_store_sees_what_another_process_stored_meanwhile(tmp_path, fixture_paths, monkeypatch):
    import pipeline.build.run
    from pipeline.build.run import build

    paths = copy_built(fixture_paths, tmp_path)
    store = RawStore(paths.raw_dir)  # the refresh's store: it read the index
    victim = store.records()[-1]
    frame = store.read(victim)
    store._quarantine([victim], "test: damaged", None)  # as its verify would
    assert victim.path not in {r.path for r in store.records()}
    again = RawStore(paths.raw_dir).put(  # another process stores the same payload again
        source=victim.source, function=victim.function, args=victim.args, frame=frame, fetched_at=datetime(2026, 1, 5),
        source_version=victim.source_version, is_sample=victim.is_sample)
    assert again.path == victim.path
    built_from = []
    real = pipeline.build.run.absent_inputs
    monkeypatch.setattr(pipeline.build.run, "absent_inputs", lambda records: built_from.append(records) or real(records))
    build(paths, store=store)
    assert built_from == [RawStore(paths.raw_dir).records()] and victim.path in {r.path for r in built_from[0]}
