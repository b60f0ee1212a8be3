"""The raw layer: stored as fetched, with provenance; the same content once; a changed payload is a new version."""

from __future__ import annotations

import json
from datetime import datetime

import pandas as pd
import pyarrow.parquet as pq

from pipeline.raw.store import RawStore, request_key
from tests import akshare_shapes as shapes
from tests.conftest import holder


def put(store, frame, when, **args):
    return store.put(
        source="fixture",
        function="stock_zh_a_hist",
        args=args or {"symbol": "300001", "adjust": ""},
        frame=frame,
        fetched_at=when,
        source_version="1.19.5",
        is_sample=False,
    )


def test_frame_is_stored_as_fetched_with_provenance(tmp_path):
    store = RawStore(tmp_path)
    frame = shapes.hist("300001", {"2024-12-30": 10.0, "2024-12-31": 10.5})
    record = put(store, frame, datetime(2025, 1, 2, 18, 0))
    back = store.read(record)
    assert list(back.columns) == list(frame.columns)  # Chinese column names and order kept
    pd.testing.assert_frame_equal(back, frame, check_dtype=False)
    pack = pq.read_table(holder(store, record)).to_pylist()
    meta = json.loads(next(row["record"] for row in pack if row["payload"] == record.path))  # packs describe themselves
    assert meta["function"] == "stock_zh_a_hist" and meta["source_version"] == "1.19.5"
    assert meta["fetched_at"] == "2025-01-02T18:00:00" and meta["sha256"] == record.sha256


def test_same_content_is_stored_once_and_a_change_is_a_new_version(tmp_path):
    store = RawStore(tmp_path)
    frame = shapes.hist("300001", {"2024-12-31": 10.5})
    first = put(store, frame, datetime(2025, 1, 2))
    again = put(store, frame.copy(), datetime(2025, 1, 3))
    assert first.new and not again.new and again.path == first.path
    changed = put(store, shapes.hist("300001", {"2024-12-31": 10.6}), datetime(2025, 1, 4))
    assert changed.new and changed.path != first.path
    assert len(list(store.versions("stock_zh_a_hist"))) == 2
    assert len(store.records()) == 3  # every fetch is in the manifest
    assert len(list(tmp_path.rglob("*.parquet"))) == 2


def test_latest_survives_a_new_store_instance(tmp_path):
    put(RawStore(tmp_path), shapes.hist("300001", {"2024-12-31": 10.5}), datetime(2025, 1, 2))
    latest = RawStore(tmp_path).latest("stock_zh_a_hist", {"symbol": "300001", "adjust": ""}, source="fixture")
    assert latest is not None and latest.rows == 1


def test_mixed_type_object_column_is_kept_as_text(tmp_path):
    store = RawStore(tmp_path)
    frame = shapes.info("300001", "测试算力", 1e9)  # `value` mixes numbers and text, as akshare returns it
    record = store.put(
        source="fixture", function="stock_individual_info_em", args={"symbol": "300001"}, frame=frame,
        fetched_at=datetime(2025, 1, 2), source_version="1.19.5", is_sample=False,
    )
    back = store.read(record)
    assert back["value"].tolist()[:3] == ["10.0", "300001", "测试算力"]


def test_request_key_is_stable_and_filesystem_safe():
    assert request_key("f", {"symbol": "SZ300001", "adjust": ""}) == "f/adjust=,symbol=SZ300001"
    assert "/" not in request_key("f", {"file": "a/b.csv"}).split("/", 1)[1]


def test_a_request_for_a_hundred_codes_gets_a_short_distinct_key_and_keeps_its_args(tmp_path):
    batch = ",".join(f"{300000 + i:06d}" for i in range(100))  # an ulist_quotes_em batch: 700 characters
    other = ",".join(f"{300001 + i:06d}" for i in range(100))
    key, other_key = request_key("ulist_quotes_em", {"codes": batch}), request_key("ulist_quotes_em", {"codes": other})
    assert len(key.split("/", 1)[1]) <= 200 and key != other_key and key.startswith("ulist_quotes_em/codes=300000,")
    assert request_key("ulist_quotes_em", {"codes": batch}) == key  # stable
    store = RawStore(tmp_path)
    record = put(store, shapes.quotes({}), datetime(2025, 6, 4, 18, 0), codes=batch)
    assert record.args == {"codes": batch} and store.latest("stock_zh_a_hist", {"codes": batch}, source="fixture") == record
    assert RawStore(tmp_path).latest("stock_zh_a_hist", {"codes": batch}, source="fixture").args == {"codes": batch}


def test_torn_manifest_line_is_ignored(tmp_path):
    store = RawStore(tmp_path)
    put(store, shapes.hist("300001", {"2024-12-31": 10.5}), datetime(2025, 1, 2))
    with store.manifest_path.open("a") as fh:
        fh.write('{"source": "fixture", "func')  # an append interrupted by a kill
    assert len(RawStore(tmp_path).records()) == 1


def test_an_append_after_a_torn_line_is_kept_and_the_damage_is_counted(tmp_path):
    store = RawStore(tmp_path)
    put(store, shapes.hist("300001", {"2024-12-31": 10.5}), datetime(2025, 1, 2))
    with store.manifest_path.open("a") as fh:
        fh.write('{"source": "fixture", "func')  # an append interrupted by a kill: no newline
    later = RawStore(tmp_path)
    put(later, shapes.hist("300002", {"2024-12-31": 7.0}), datetime(2025, 1, 3), symbol="300002", adjust="")
    reread = RawStore(tmp_path)
    assert [r.args["symbol"] for r in reread.records()] == ["300001", "300002"]  # the new fetch is not swallowed
    assert reread.damaged_lines == [2]


def test_a_store_sees_what_another_process_appended_and_a_rewritten_manifest(tmp_path):
    # records() parses the manifest once per change of the file (size, times, inode): never a stale answer
    reader = RawStore(tmp_path)
    put(RawStore(tmp_path), shapes.hist("300001", {"2024-12-31": 10.5}), datetime(2025, 1, 2))
    assert [r.args["symbol"] for r in reader.records()] == ["300001"]
    assert reader.records() == reader.records()
    put(RawStore(tmp_path), shapes.hist("300002", {"2024-12-31": 7.0}), datetime(2025, 1, 3), symbol="300002", adjust="")
    assert [r.args["symbol"] for r in reader.records()] == ["300001", "300002"]
    lines = reader.manifest_path.read_text(encoding="utf-8").splitlines(keepends=True)
    replacement = reader.manifest_path.with_name("manifest.new")
    replacement.write_text(lines[1] + "junk\n", encoding="utf-8")
    replacement.replace(reader.manifest_path)  # as a rebuild of the manifest would: a new file in its place
    assert [r.args["symbol"] for r in reader.records()] == ["300002"] and reader.damaged_lines == [2]
    reader.records().clear()  # a caller's list is its own
    assert len(reader.records()) == 1
