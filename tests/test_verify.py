"""`leasewatch verify [--full]` checks everything stored against the hashes recorded at write and names each
damaged file (issue 17 point 1): raw packs, normalised cache segments, kept warehouses."""

from __future__ import annotations

import os

import duckdb
from typer.testing import CliRunner

from pipeline.build.publish import generations
from pipeline.build.run import build
from pipeline.cli import app
from pipeline.config import Paths
from pipeline.raw import tidy
from pipeline.raw.store import RawStore
from tests.ops_worker import copy_built, flip_keeping_time

runner = CliRunner()


def verify(paths: Paths, *args: str):
    return runner.invoke(app, ["--data-dir", str(paths.data_dir), "verify", *args])


def test_a_clean_data_directory_verifies(tmp_path, fixture_paths):
    paths = copy_built(fixture_paths, tmp_path)
    for args in ([], ["--full"]):
        result = verify(paths, *args)
        assert result.exit_code == 0, result.output
        assert "nothing damaged" in result.output and f"{len(tidy.files(RawStore(paths.raw_dir))):,} raw files" in result.output
        assert f"{len(generations(paths))} kept warehouse(s)" in result.output


def test_a_missing_data_directory_is_a_usage_error_and_is_not_created(tmp_path):
    paths = Paths.resolve(tmp_path / "nothing", tmp_path / "reports")
    for command in (["verify", "--full"], ["raw", "rebuild-manifest"]):
        result = runner.invoke(app, ["--data-dir", str(paths.data_dir), *command])
        assert result.exit_code == 2 and "no data directory at" in result.output, result.output
    assert not paths.data_dir.exists()


def test_an_empty_data_directory_verifies_as_empty_and_says_no_warehouse_was_checked(tmp_path):
    paths = Paths.resolve(tmp_path / "empty", tmp_path / "reports")
    paths.data_dir.mkdir()
    result = verify(paths, "--full")
    assert result.exit_code == 0 and "0 raw files" in result.output and "no kept warehouse" in result.output


def test_bit_rot_in_a_raw_pack_is_found_by_full_named_and_quarantined(tmp_path, fixture_paths):
    paths = copy_built(fixture_paths, tmp_path)
    store = RawStore(paths.raw_dir)
    pack = max(tidy.files(store), key=lambda name: tidy.files(store)[name])  # the largest pack: the flip lands in a payload
    flip_keeping_time(paths.raw_dir / pack)

    assert verify(paths).exit_code == 0  # size and time as verified: the routine check does not hash it …
    result = verify(paths, "--full")  # … --full does

    assert result.exit_code == 8, result.output
    assert f"in {paths.raw_dir / pack}; quarantined" in result.output and "damaged: raw payload of " in result.output
    assert "verify found damage: " in result.output and "Traceback" not in result.output
    assert RawStore(paths.raw_dir).quarantined()  # never used again; the next ingest fetches it
    again = verify(paths, "--full")
    assert again.exit_code == 0, again.output  # what was damaged is quarantined, the rest is whole
    assert build(paths).warnings is not None  # and the build goes on without it


def test_a_damaged_normalised_segment_is_named_and_dropped(tmp_path, fixture_paths):
    paths = copy_built(fixture_paths, tmp_path)
    segment = max(paths.normalized_dir.rglob("*.parquet"), key=lambda p: p.stat().st_size)
    flip_keeping_time(segment)

    result = verify(paths)

    assert result.exit_code == 8, result.output
    assert f"damaged: normalised cache {segment}: hash mismatch" in result.output
    assert not segment.exists() and verify(paths).exit_code == 0


def test_a_kept_warehouse_written_since_it_was_published_is_named(tmp_path, fixture_paths):
    paths = copy_built(fixture_paths, tmp_path)
    build(paths)
    earlier = generations(paths)[-2]
    os.chmod(earlier, 0o644)
    con = duckdb.connect(str(earlier))
    con.execute("create table main.scratch as select 1 as x")
    con.close()

    result = verify(paths)

    assert result.exit_code == 8, result.output
    assert f"damaged: the kept warehouse {earlier} changed after it was published" in result.output
    assert earlier.exists()  # named, never deleted: rollback refuses it
