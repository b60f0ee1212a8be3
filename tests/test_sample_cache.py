"""The sample's raw layer, replayed once and copied after: the copy equals what the generator makes."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from pipeline.extract import sample_cache
from pipeline.extract.ingest import ingest_sample
from pipeline.raw.files import content_hash
from pipeline.raw.store import RawManifestError, RawStore
from tests import akshare_shapes as shapes


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("LEASEWATCH_SAMPLE_CACHE", str(folder))
    return folder


def fetches(store: RawStore) -> list[tuple]:
    return [(r.function, sorted(r.args.items()), r.sha256, r.fetched_at, r.new) for r in store.records()]


def test_the_first_replay_fills_the_cache_and_the_next_copy_equals_a_fresh_replay(tmp_path, cache, monkeypatch):
    first = ingest_sample(RawStore(tmp_path / "a" / "raw"), firms=3, years=2)
    assert first.calls > 0 and not first.restored
    copied = ingest_sample(RawStore(tmp_path / "b" / "raw"), firms=3, years=2)
    assert copied.restored == len(RawStore(tmp_path / "a" / "raw").records()) and copied.calls == 0

    monkeypatch.setenv("LEASEWATCH_SAMPLE_CACHE", "off")
    fresh = RawStore(tmp_path / "c" / "raw")
    ingest_sample(fresh, firms=3, years=2)
    restored = RawStore(tmp_path / "b" / "raw")
    assert fetches(restored) == fetches(fresh)  # the same fetches, payload hashes and provenance
    assert all(content_hash(restored.read(r)) == r.sha256 for r in restored.records())  # and the bytes verify
    assert ingest_sample(restored, firms=3, years=2).already_stored  # a copy is a replayed sample like any other
    # writing into the copy never reaches the cache: its manifest is a copy, its packs are never written in place
    (tmp_path / "b" / "raw" / "manifest.jsonl").write_text("", encoding="utf-8")
    entry = next(p for p in cache.iterdir() if p.is_dir())
    assert (entry / "manifest.jsonl").stat().st_size > 0


def test_other_settings_an_incomplete_entry_or_a_used_raw_layer_are_replayed(tmp_path, cache):
    ingest_sample(RawStore(tmp_path / "a" / "raw"), firms=2, years=1)
    assert not ingest_sample(RawStore(tmp_path / "b" / "raw"), firms=3, years=1).restored  # other settings
    (entry,) = [p for p in cache.iterdir() if p.is_dir() and json.loads((p / "complete.json").read_text())["records"] < 40]
    (entry / sample_cache.COMPLETE).unlink()  # an entry cut short by a kill
    assert not ingest_sample(RawStore(tmp_path / "c" / "raw"), firms=2, years=1).restored
    # the replay above made the entry whole again
    assert ingest_sample(RawStore(tmp_path / "d" / "raw"), firms=2, years=1).restored
    used = RawStore(tmp_path / "e" / "raw")  # a raw layer holding anything is never overwritten by a copy
    used.put(source="sample", function="stock_zh_a_hist", args={"symbol": "990001", "adjust": ""},
             frame=shapes.hist("990001", {"2024-12-31": 1.0}), fetched_at=datetime(2025, 1, 2),
             source_version="1.19.5", is_sample=True)
    report = ingest_sample(used, firms=2, years=1)
    assert not report.restored and report.calls > 0 and len(used.records()) == report.calls + 1


def test_the_cache_can_be_turned_off_and_a_missing_or_unwritable_cache_only_costs_a_replay(tmp_path, monkeypatch):
    monkeypatch.setenv("LEASEWATCH_SAMPLE_CACHE", "off")
    assert sample_cache.entry({"firms": 1}, "1.19.5") is None
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("LEASEWATCH_SAMPLE_CACHE", str(blocked / "cache"))
    report = ingest_sample(RawStore(tmp_path / "a" / "raw"), firms=2, years=1)
    assert report.calls > 0 and not report.restored  # the cache could not be written: no error, nothing lost


def test_a_damaged_cache_entry_is_dropped_and_the_sample_replayed(tmp_path, cache):
    ingest_sample(RawStore(tmp_path / "a" / "raw"), firms=2, years=1)
    entry = next(p for p in cache.iterdir() if p.is_dir())
    pack = next((entry / "packs").rglob("*.parquet"))
    pack.write_bytes(pack.read_bytes()[:1000])  # truncated in the cache
    report = ingest_sample(RawStore(tmp_path / "b" / "raw"), firms=2, years=1)
    assert not report.restored and report.calls > 0  # not copied: replayed, and the entry written again
    assert ingest_sample(RawStore(tmp_path / "c" / "raw"), firms=2, years=1).restored


def test_a_raw_layer_that_lost_its_manifest_is_never_overwritten_by_a_copy(tmp_path, cache):
    ingest_sample(RawStore(tmp_path / "a" / "raw"), firms=2, years=1)
    live = RawStore(tmp_path / "b" / "raw")
    live.put(source="akshare", function="stock_zh_a_hist", args={"symbol": "300001", "adjust": ""},
             frame=shapes.hist("300001", {"2024-12-31": 1.0}), fetched_at=datetime(2025, 1, 2),
             source_version="1.19.5", is_sample=False)
    packs_before = sorted(p.read_bytes() for p in (tmp_path / "b" / "raw" / "packs").rglob("*.parquet"))
    live.manifest_path.unlink()  # damage: the only copy of these payloads is in the packs
    with pytest.raises(RawManifestError):  # refused before anything is copied or replayed (issue 17 point 6)
        ingest_sample(RawStore(tmp_path / "b" / "raw"), firms=2, years=1)
    assert all(p in sorted(q.read_bytes() for q in (tmp_path / "b" / "raw" / "packs").rglob("*.parquet"))
               for p in packs_before)


def normalised_by(monkeypatch) -> list[int]:
    """Counts, per build, the payloads read and typed from the raw layer (not taken from a normalised cache)."""
    from pipeline.normalize import cache

    counts: list[int] = []
    prepare = cache.NormalizedCache.prepare

    def counting(self, *args, **kwargs):
        tables = prepare(self, *args, **kwargs)
        counts.append(tables.normalised)
        return tables

    monkeypatch.setattr(cache.NormalizedCache, "prepare", counting)
    return counts


def marts_of(paths) -> dict[str, list]:
    import duckdb

    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        names = [n for (n,) in con.execute("select table_name from information_schema.tables where table_schema = 'marts'").fetchall()]
        return {n: sorted(map(repr, con.execute(f"select * from marts.{n}").fetchall())) for n in names}


def demo_at(root, firms=3, years=2):
    from pipeline.config import Paths
    from pipeline.ops import demo

    paths = Paths.resolve(root / "data", root / "reports")
    demo.run(paths, firms=firms, years=years)
    return paths


def test_the_demo_keeps_the_samples_normalised_rows_and_the_next_demo_copies_them(tmp_path, cache, monkeypatch):
    counts = normalised_by(monkeypatch)
    first = demo_at(tmp_path / "a")  # replays the sample, normalises it and keeps both
    (entry,) = [p for p in cache.iterdir() if p.is_dir()]
    from pipeline.normalize.cache import fingerprint

    assert (entry / sample_cache.NORMALIZED / fingerprint()).is_dir()
    second = demo_at(tmp_path / "b")
    assert counts[0] > 0 and counts[1] == 0  # the second build typed nothing: every payload came with the copy
    assert marts_of(second) == marts_of(first)

    monkeypatch.setenv("LEASEWATCH_SAMPLE_CACHE", "off")
    assert marts_of(demo_at(tmp_path / "c")) == marts_of(first)  # and equal what a demo without any cache builds


def test_a_damaged_normalised_copy_is_typed_again_and_an_entry_without_one_gets_one(tmp_path, cache, monkeypatch):
    from pipeline.normalize.cache import fingerprint

    reference = demo_at(tmp_path / "a")
    (entry,) = [p for p in cache.iterdir() if p.is_dir()]
    kept = entry / sample_cache.NORMALIZED / fingerprint()
    segment = next(kept.rglob("income/*.parquet"))
    damaged = bytearray(segment.read_bytes())
    damaged[len(damaged) // 2] ^= 0xFF
    segment.write_bytes(bytes(damaged))
    counts = normalised_by(monkeypatch)
    paths = demo_at(tmp_path / "b")
    assert counts[0] > 0  # the income payloads of the damaged segment were typed again from the raw layer
    assert marts_of(paths) == marts_of(reference)
    demo_at(tmp_path / "b2")
    assert counts[1] == 0  # the build's new segments replaced the damaged copy in the entry

    import shutil

    shutil.rmtree(entry / sample_cache.NORMALIZED)  # an entry from before normalised copies were kept
    demo_at(tmp_path / "c")
    assert kept.is_dir() and counts[-1] > 0
    monkeypatch.setattr("pipeline.normalize.cache.fingerprint", lambda: "0" * 16)  # the normaliser changed
    demo_at(tmp_path / "d")
    assert counts[-1] > 0 and [p.name for p in (entry / sample_cache.NORMALIZED).iterdir()] == ["0" * 16]


def test_a_normalised_copy_goes_only_where_nothing_is_normalised_yet(tmp_path, cache):
    demo_at(tmp_path / "a")
    (entry,) = [p for p in cache.iterdir() if p.is_dir()]
    target = tmp_path / "b" / "normalized"
    target.mkdir(parents=True)
    (target / "mine").write_text("a build's own cache", encoding="utf-8")
    assert not sample_cache.restore_normalized(entry, target) and (target / "mine").read_text() == "a build's own cache"
    assert not sample_cache.restore_normalized(None, tmp_path / "c")  # the cache is off
    assert not sample_cache.restore_normalized(tmp_path / "no-entry", tmp_path / "c") and not (tmp_path / "c").exists()
    sample_cache.save_normalized(tmp_path / "no-entry", target)  # nothing to keep it in: no error, nothing written
    assert not (tmp_path / "no-entry").exists()
