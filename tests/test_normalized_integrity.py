"""The normalised cache checks each segment's content hash whenever a build reads it (issue #17, point 1).

A segment whose bytes changed, that was cut short or deleted, or whose index line is damaged or carries no hashes is
dropped and its payloads are normalised again from the raw layer; the build then makes the same marts as a build
from an emptied cache, and prepare() names what it dropped. Each case damages a private copy of the fixture's data
directory. On the code before the hashes, a flipped bit in a notice date built wrong marts with exit 0, a flipped
byte in an index's payload path doubled rows, and a non-UTF-8 byte in an index failed the build.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pipeline.build.run import build
from pipeline.config import Paths
from pipeline.normalize.cache import INDEX, NormalizedCache
from pipeline.raw.store import RawStore
from tests.ops_worker import copy_built

TABLE = "income"  # the table whose cache the tests damage: four payloads in one segment
SEGMENT = "000001.parquet"


@pytest.fixture(scope="module")
def reference(fixture_paths: Paths, tmp_path_factory) -> Path:
    """The warehouse of a full build from the fixture with its normalised cache emptied."""
    paths = copy_built(fixture_paths, tmp_path_factory.mktemp("reference"))
    shutil.rmtree(paths.normalized_dir)
    build(paths, full=True)
    return paths.warehouse


@pytest.fixture
def damaged(fixture_paths: Paths, tmp_path: Path) -> Paths:
    """A private copy of the built fixture, whose cache the test then damages."""
    return copy_built(fixture_paths, tmp_path)


def folder(paths: Paths, table: str = TABLE) -> Path:
    """The table's folder in the cache (one fingerprint folder exists after a build)."""
    (found,) = paths.normalized_dir.glob(f"*/{table}")
    return found


def index_lines(paths: Paths) -> list[dict]:
    return [json.loads(line) for line in (folder(paths) / INDEX).read_text(encoding="utf-8").splitlines()]


def flip(path: Path, position: int, bits: int = 0xFF) -> None:
    """Invert some bits (all by default) of one byte of the file, leaving its size as it was."""
    data = bytearray(path.read_bytes())
    data[position] ^= bits
    path.write_bytes(bytes(data))


DATE_BIT = 0x80  # bit 23 of a date's day count: 2^23 days, some 23 000 years on


def notice_date_byte(segment: Path) -> int:
    """The position of the byte of the earliest notice date in the segment's data whose DATE_BIT, flipped, leaves a
    file that reads without error and holds a date some 23 000 years on, which no data test objects to (issue #17's
    hostile test saw the year 25889). The date's bytes also stand in the column's statistics, which no query here
    reads: the first copy whose flip changes the data is the one."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    data = segment.read_bytes()
    chunk = pq.read_metadata(segment).row_group(0).column(pq.read_schema(segment).names.index("notice_date"))
    start = chunk.dictionary_page_offset or chunk.data_page_offset
    end = start + chunk.total_compressed_size
    dates = pq.read_table(segment, columns=["notice_date"]).column(0).cast(pa.int32()).to_pylist()
    earliest = min(d for d in dates if d is not None).to_bytes(4, "little")
    found = data.find(earliest, start, end)
    while found >= 0:
        damaged = bytearray(data)
        damaged[found + 2] ^= DATE_BIT
        forged = pq.read_table(pa.BufferReader(bytes(damaged)), columns=["notice_date"]).column(0).cast(pa.int32())
        if forged.to_pylist() != dates:
            return found + 2
        found = data.find(earliest, found + 1, end)
    raise AssertionError("no plain copy of the fixture's earliest notice date in its data: damage it another way")


def build_seeing_cache(paths: Paths, monkeypatch) -> list:
    """A full build (an incremental one would not read the unchanged payloads' rows); returns what each of its
    NormalizedCache.prepare calls returned."""
    seen = []
    real = NormalizedCache.prepare

    def prepare(self, *args, **kwargs):
        seen.append(real(self, *args, **kwargs))
        return seen[-1]

    monkeypatch.setattr(NormalizedCache, "prepare", prepare)
    build(paths, full=True)
    monkeypatch.undo()
    return seen


def differences(warehouse: Path, reference: Path) -> dict[str, int]:
    """Rows of each raw and mart table that one warehouse has and the other lacks (EXCEPT ALL both ways)."""
    import duckdb

    con = duckdb.connect()
    con.execute(f"attach '{warehouse}' as a (read_only)")
    con.execute(f"attach '{reference}' as b (read_only)")
    names = con.execute("select schema_name || '.' || table_name from duckdb_tables() where database_name = 'b' "
                        "and schema_name in ('raw', 'marts') order by 1").fetchall()
    counts = {}
    for (name,) in names:
        one, other = f"a.{name}", f"b.{name}"
        counts[name] = con.execute(f"select (select count(*) from (from {one} except all from {other})) + "
                                   f"(select count(*) from (from {other} except all from {one}))").fetchall()[0][0]
    con.close()
    assert len(counts) > 10, counts
    return {name: n for name, n in counts.items() if n}


def assert_cache_verifies(paths: Paths) -> None:
    """Every index line names a segment whose bytes hash to what the line records, and no other file is left."""
    import hashlib

    for table_folder in paths.normalized_dir.glob("*/*"):
        lines = [json.loads(x) for x in (table_folder / INDEX).read_text(encoding="utf-8").splitlines()]
        for line in lines:
            data = (table_folder / line["segment"]).read_bytes()
            assert (line["sha256"], line["bytes"]) == (hashlib.sha256(data).hexdigest(), len(data)), line["segment"]
            assert line["payloads_sha256"] == hashlib.sha256(json.dumps(line["payloads"]).encode()).hexdigest()
        assert {p.name for p in table_folder.iterdir()} == {INDEX} | {line["segment"] for line in lines}


@pytest.mark.parametrize("where", ["middle", "notice date"])
def test_flipped_byte_is_caught_and_its_payloads_normalised_again(damaged, reference, monkeypatch, where):
    segment = folder(damaged) / SEGMENT
    payloads = len(index_lines(damaged)[0]["payloads"])
    if where == "middle":
        flip(segment, segment.stat().st_size // 2)
    else:  # the case that went unnoticed: a build exits 0 with a wrong notice date in the marts
        flip(segment, notice_date_byte(segment), DATE_BIT)

    (tables,) = build_seeing_cache(damaged, monkeypatch)

    assert differences(damaged.warehouse, reference) == {}
    assert tables.dropped == [f"{segment}: hash mismatch (its {payloads} payloads are normalised again)"]
    assert tables.normalised == payloads
    assert_cache_verifies(damaged)
    again = NormalizedCache(damaged.normalized_dir).prepare(RawStore(damaged.raw_dir))
    assert (again.dropped, again.normalised) == ([], 0)


def truncate(paths: Paths) -> None:
    segment = folder(paths) / SEGMENT
    segment.write_bytes(segment.read_bytes()[: segment.stat().st_size // 2])


def delete(paths: Paths) -> None:
    (folder(paths) / SEGMENT).unlink()


def unhashed(paths: Paths) -> None:
    """The index line an older leasewatch wrote: segment and payloads only."""
    lines = [{"segment": x["segment"], "payloads": x["payloads"]} for x in index_lines(paths)]
    (folder(paths) / INDEX).write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")


def torn(paths: Paths) -> None:
    """The index's only line cut in the middle: its segment is no longer listed."""
    index = folder(paths) / INDEX
    index.write_text(index.read_text(encoding="utf-8")[:40], encoding="utf-8")


def payload_renamed(paths: Paths) -> None:
    """A flipped byte in a payload path of the index: the segment's rows of that payload would be read beside
    the payload's rows normalised again."""
    index = folder(paths) / INDEX
    text = index.read_text(encoding="utf-8")
    digit = text.index('.parquet"', text.index('"payloads"')) - 1  # the last hex digit of the first payload's name
    index.write_text(text[:digit] + chr(ord(text[digit]) ^ 0x01) + text[digit + 1 :], encoding="utf-8")


def not_utf8(paths: Paths) -> None:
    """A byte of the index flipped into one no UTF-8 text has."""
    flip(folder(paths) / INDEX, 5)


def junk(paths: Paths) -> None:
    """A line that is not an index entry, after the good one: the segment stays."""
    with (folder(paths) / INDEX).open("a", encoding="utf-8") as fh:
        fh.write('{"segment": 7, "payloads": "x"}\n')


def outside(paths: Paths) -> None:
    """A line naming a file outside the table's folder, with that file's real hash: never read."""
    import hashlib

    stranger = paths.data_dir / "stranger.parquet"
    shutil.copyfile(folder(paths) / SEGMENT, stranger)
    line = {"segment": "../../../stranger.parquet", "payloads": ["fixture/elsewhere.parquet"],
            "sha256": hashlib.sha256(stranger.read_bytes()).hexdigest(), "bytes": stranger.stat().st_size}
    with (folder(paths) / INDEX).open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(line) + "\n")


def empty_index(paths: Paths) -> None:
    (folder(paths) / INDEX).write_text("", encoding="utf-8")


def empty_cache(paths: Paths) -> None:
    shutil.rmtree(paths.normalized_dir)
    paths.normalized_dir.mkdir()


# damage → (what the one dropped description says, or None for nothing reported; payloads normalised again: the
# income segment's four, none, or every payload of the fixture)
DAMAGE = {
    "truncated": (truncate, f"{SEGMENT}: ", 4),
    "deleted": (delete, f"{SEGMENT}: missing", 4),
    "line without sha256": (unhashed, "listed without its content hashes", 4),
    "payload path flipped in the index": (payload_renamed, f"{INDEX} line 1: {SEGMENT}: its payload list", 4),
    "torn line": (torn, f"{INDEX} line 1: not JSON", 4),
    "index byte not UTF-8": (not_utf8, f"{INDEX} line 1: not UTF-8", 4),
    "junk line": (junk, f"{INDEX} line 2: no segment file name", 0),
    "segment outside its folder": (outside, f"{INDEX} line 2: no segment file name", 0),
    "empty index": (empty_index, None, 4),  # a first build killed before its first index line leaves this
    "empty normalized dir": (empty_cache, None, "all"),
}


@pytest.mark.parametrize("case", DAMAGE)
def test_damaged_cache_is_repaired_and_builds_the_same_marts(damaged, reference, monkeypatch, case):
    damage, said, normalised = DAMAGE[case]
    total = len(RawStore(damaged.raw_dir).records())
    damage(damaged)

    (tables,) = build_seeing_cache(damaged, monkeypatch)

    assert differences(damaged.warehouse, reference) == {}
    if said is None:
        assert tables.dropped == []
    else:
        (description,) = tables.dropped
        assert said in description and description.startswith(str(folder(damaged))), description
        assert "normalised again" in description
    if normalised == "all":
        assert tables.cached == 0 and 0 < tables.normalised <= total
    else:
        assert tables.normalised == normalised
    assert_cache_verifies(damaged)
    again = NormalizedCache(damaged.normalized_dir).prepare(RawStore(damaged.raw_dir))
    assert (again.dropped, again.normalised) == ([], 0)


def test_segments_are_listed_with_their_hash_and_size(fixture_paths):
    assert_cache_verifies(fixture_paths)
    keys = {"segment", "payloads", "sha256", "bytes", "payloads_sha256"}
    assert all(keys == set(line) for line in index_lines(fixture_paths))


def test_a_retry_after_a_failed_prepare_still_reports_the_drop(damaged, monkeypatch):
    """run.py retries prepare() after a damaged raw payload: the first call has already rewritten the index."""
    import pipeline.normalize.cache as cache

    segment = folder(damaged) / SEGMENT
    flip(segment, segment.stat().st_size // 2)
    real = cache.typed_rows

    def damaged_raw(*args):
        monkeypatch.setattr(cache, "typed_rows", real)
        raise OSError("a raw payload that cannot be read")

    monkeypatch.setattr(cache, "typed_rows", damaged_raw)
    normalized = NormalizedCache(damaged.normalized_dir)
    with pytest.raises(OSError):
        normalized.prepare(RawStore(damaged.raw_dir))
    tables = normalized.prepare(RawStore(damaged.raw_dir))
    assert tables.dropped == [f"{segment}: hash mismatch (its 4 payloads are normalised again)"]
    assert tables.normalised == 4
