"""The publish log is the only truth for which warehouses went live (issue 17 points 2 and 3): rollback walks it,
pruning keeps what it names, a build that never went live is neither restored nor kept, no wall clock orders
anything, and a kept warehouse changed after it was published is never restored nor built on."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import duckdb
import pytest
from typer.testing import CliRunner

import pipeline.build.publish
import pipeline.build.run
from pipeline.build import publish_log
from pipeline.build.publish import current_generation, generations
from pipeline.build.run import build
from pipeline.cli import app
from tests.ops_worker import copy_built, flip_keeping_time

runner = CliRunner()
REVENUE = "select revenue_q from marts.fundamentals where code = '300001' order by period_end desc limit 1"


def rollback(paths):
    return runner.invoke(app, ["--data-dir", str(paths.data_dir), "rollback"])


def value(path, sql=REVENUE):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchone()
    finally:
        con.close()


def killed_between_filing_and_swap(paths, monkeypatch):
    """A build killed (kill -9) after its generation got its name and before the swap: no cleanup runs."""

    def kill(*args, **kwargs):
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(pipeline.build.run, "swap_in", kill)
        patch.setattr(pipeline.build.run, "remove", lambda path: None)  # a kill runs no finally
        with pytest.raises(KeyboardInterrupt):
            build(paths, full=True)


def test_a_build_that_never_went_live_is_never_restored_and_is_pruned(tmp_path, fixture_paths, monkeypatch):
    paths = copy_built(fixture_paths, tmp_path)
    first = current_generation(paths)
    build(paths)
    published = current_generation(paths)
    killed_between_filing_and_swap(paths, monkeypatch)
    orphan = max(paths.warehouses_dir.glob("leasewatch-*.duckdb"), key=lambda p: p.name)
    assert orphan not in (first, published) and orphan not in generations(paths)
    build(paths, keep=3)  # by the stamps in their names, the orphan would be the build before this one

    assert not orphan.exists()  # pruned: it never went live
    result = rollback(paths)
    assert result.exit_code == 0, result.output
    assert os.path.samefile(paths.warehouse, published)  # the build that was live before, not the orphan


def test_a_clock_set_back_neither_prunes_the_good_build_nor_blinds_rollback(tmp_path, fixture_paths, monkeypatch):
    paths = copy_built(fixture_paths, tmp_path)
    good = current_generation(paths)
    stamps = iter(["19990101T000000000000Z", "19980101T000000000000Z"])
    monkeypatch.setattr(pipeline.build.publish, "build_stamp", lambda moment=None: next(stamps))
    build(paths, keep=2)
    back = current_generation(paths)
    assert back.name < good.name and good.exists()  # sorts first by name, yet the log keeps the good one

    result = rollback(paths)
    assert result.exit_code == 0 and os.path.samefile(paths.warehouse, good), result.output

    build(paths, keep=2)  # 1998: the newest build, whatever its name says
    newest = current_generation(paths)
    assert newest.name.startswith("leasewatch-1998") and [p.name for p in generations(paths)] == [good.name, newest.name]
    assert not back.exists()  # rolled back from: no longer a rollback target, so pruned
    assert rollback(paths).exit_code == 0 and os.path.samefile(paths.warehouse, good)


def test_rollback_refuses_a_kept_warehouse_written_through_the_live_path(tmp_path, fixture_paths):
    paths = copy_built(fixture_paths, tmp_path)
    build(paths)
    earlier = generations(paths)[-2]
    before = earlier.read_bytes()
    os.chmod(earlier, 0o644)  # root ignores the mode anyway; a client opens the file for writing
    con = duckdb.connect(str(earlier))
    con.execute("update marts.fundamentals set revenue_q = 1 where code = '300001'")
    con.close()
    assert earlier.read_bytes() != before
    live = paths.warehouse.read_bytes()

    result = rollback(paths)

    assert result.exit_code == 8, result.output
    assert f"the kept warehouse {earlier} changed after it was published" in result.output
    assert "Traceback" not in result.output and paths.warehouse.read_bytes() == live


def test_rollback_refuses_bit_rot_that_keeps_the_file_time(tmp_path, fixture_paths):
    paths = copy_built(fixture_paths, tmp_path)
    build(paths)
    earlier = generations(paths)[-2]
    flip_keeping_time(earlier)
    result = rollback(paths)
    assert result.exit_code == 8 and "changed after it was published" in result.output


def test_a_write_through_the_live_path_is_never_built_on(tmp_path, fixture_paths):
    paths = copy_built(fixture_paths, tmp_path)
    (true_value,) = value(paths.warehouse)
    os.chmod(paths.warehouse, 0o644)
    con = duckdb.connect(str(paths.warehouse))  # as root, the read-only mode does not stop this
    con.execute("update marts.fundamentals set revenue_q = -1 where code = '300001'")
    con.close()
    assert value(paths.warehouse) == (-1,)

    result = build(paths)

    assert not result.incremental and "changed after it was published" in result.full_reason
    assert any("changed after it was published" in w for w in result.warnings)
    assert value(paths.warehouse) == (true_value,)  # a full build: nothing of the forged file carried over


def test_kill_leftovers_are_removed_by_the_next_build(tmp_path, fixture_paths):
    paths = copy_built(fixture_paths, tmp_path)
    sleeper = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    try:
        dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
        stray = paths.data_dir / f".swap-{dead.stdout.strip()}.duckdb"
        running = paths.data_dir / f".swap-{sleeper.pid}.duckdb"
        legacy_wal = paths.warehouses_dir / "orphaned-20260101T000000000000Z.wal"
        for leftover in (stray, running, legacy_wal):
            leftover.write_bytes(b"left by a kill")
        for _ in range(3):
            build(paths, keep=2)
        kept = {p.name for p in generations(paths)}
        assert not stray.exists() and not legacy_wal.exists()
        assert running.exists()  # a swap in flight in a live process is not ours to delete
        assert {p.name for p in paths.warehouses_dir.glob("leasewatch-*.duckdb")} == kept and len(kept) == 2
    finally:
        sleeper.stdin.close()
        sleeper.wait(30)
        running.unlink(missing_ok=True)


def test_without_a_publish_log_kept_warehouses_are_taken_in_by_name(tmp_path, fixture_paths):
    paths = copy_built(fixture_paths, tmp_path)
    build(paths)
    build(paths)
    older, previous, live = generations(paths)
    publish_log.log_path(paths.warehouses_dir).unlink()  # as a data directory of a release before the log
    result = build(paths, keep=3)
    assert any("no publish log" in w for w in result.warnings)
    assert [p.name for p in generations(paths)] == [previous.name, live.name, result.generation.name]
    assert rollback(paths).exit_code == 0 and os.path.samefile(paths.warehouse, live)


def test_torn_and_junk_log_lines_are_skipped_and_a_lost_line_is_adopted(tmp_path, fixture_paths, monkeypatch):
    paths = copy_built(fixture_paths, tmp_path)
    build(paths)
    log = publish_log.log_path(paths.warehouses_dir)
    with log.open("ab") as fh:
        fh.write(b'\x00\xffjunk\n{"seq": 9, "event": "publish", "generation": "../../etc/passwd.duckdb"\n{"torn')
    real_append = publish_log.append

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(publish_log, "append", full_disk)
    result = build(paths)  # swapped in, but its line cannot be written
    monkeypatch.setattr(publish_log, "append", real_append)
    assert any("could not be recorded" in w for w in result.warnings)
    assert os.path.samefile(paths.warehouse, result.generation)

    build(paths)  # adopts the unrecorded one first, so it is a rollback target
    assert rollback(paths).exit_code == 0 and os.path.samefile(paths.warehouse, result.generation)
    events = [json.loads(line)["event"] for line in log.read_text(errors="replace").splitlines() if line.startswith('{"seq')
              and line.endswith("}")]
    assert events[-3:] == ["adopt", "publish", "rollback"]


def test_rollback_with_no_log_and_no_kept_warehouse_says_so(tmp_path, fixture_paths):
    paths = copy_built(fixture_paths, tmp_path)
    for kept in paths.warehouses_dir.iterdir():
        kept.unlink()
    result = rollback(paths)  # the live file is adopted; nothing earlier exists
    assert result.exit_code == 6 and "no warehouse older than the live one" in result.output


@pytest.mark.parametrize("content", [b"", b"garbage\n", b"\x00\xff" * 50])
def test_an_unreadable_publish_log_is_a_named_error_never_an_order_by_name(tmp_path, fixture_paths, content):
    paths = copy_built(fixture_paths, tmp_path)
    build(paths)
    log = publish_log.log_path(paths.warehouses_dir)
    log.write_bytes(content)
    live = paths.warehouse.read_bytes()
    for command in (["rollback"], ["build"]):
        result = runner.invoke(app, ["--data-dir", str(paths.data_dir), *command])
        assert result.exit_code == 8, result.output
        assert f"the publish log {log} says nothing" in result.output and "mv " in result.output
    assert paths.warehouse.read_bytes() == live
    log.rename(log.with_name("publish.jsonl.damaged"))  # as the hint says
    assert any("no publish log" in w for w in build(paths).warnings)


def test_a_rollback_whose_line_was_lost_is_recorded_as_one_so_the_next_goes_further_back(tmp_path, fixture_paths, monkeypatch):
    paths = copy_built(fixture_paths, tmp_path)
    build(paths)
    build(paths)
    first, second, third = generations(paths)

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(publish_log, "append", full_disk)
        result = rollback(paths)  # swapped, but its line cannot be written (as a kill after the swap leaves it)
    assert result.exit_code == 0 and "could not be recorded" in result.output, result.output
    assert os.path.samefile(paths.warehouse, second)
    build(paths, keep=3)  # takes the lost rollback in first: `third` was rolled back from
    assert not third.exists()
    assert rollback(paths).exit_code == 0 and os.path.samefile(paths.warehouse, second)
    assert rollback(paths).exit_code == 0 and os.path.samefile(paths.warehouse, first)  # never forward to `third`


@pytest.mark.parametrize("line", [
    '{"seq": 5, "event": "publish", "generation": ["x"], "sha256": "a", "bytes": 1, "mtime_ns": 1, "at": ""}',
    '{"seq": "x", "event": "publish", "generation": "x.duckdb", "sha256": "a", "bytes": 1, "mtime_ns": 1, "at": ""}',
    '{"seq": 5, "event": "publish", "generation": "x.duckdb", "sha256": 5, "bytes": 1, "mtime_ns": 1, "at": ""}',
    "[" * 100000,
])
def test_publish_log_lines_of_the_wrong_shape_are_skipped_never_a_crash(tmp_path, fixture_paths, line):
    paths = copy_built(fixture_paths, tmp_path)
    build(paths)
    with publish_log.log_path(paths.warehouses_dir).open("a", encoding="utf-8") as fh:
        fh.write(line + "\n")
    result = rollback(paths)
    assert result.exit_code == 0 and "Traceback" not in result.output, result.output
    assert build(paths).generation.exists()


def test_rollback_skips_a_logged_generation_that_is_gone_and_never_restores_the_live_one(tmp_path, fixture_paths):
    paths = copy_built(fixture_paths, tmp_path)
    build(paths)
    earlier, live = generations(paths)
    with publish_log.log_path(paths.warehouses_dir).open("a", encoding="utf-8") as fh:
        fh.write('{"seq": 9, "event": "publish", "generation": "leasewatch-20200101T000000000000Z.duckdb", '
                 '"sha256": "a", "bytes": 1, "mtime_ns": 1, "at": ""}\n')
    result = rollback(paths)
    assert result.exit_code == 0 and os.path.samefile(paths.warehouse, earlier), result.output
    assert rollback(paths).exit_code == 6


def test_a_publish_log_that_is_not_a_file_is_a_storage_error(tmp_path, fixture_paths):
    paths = copy_built(fixture_paths, tmp_path)
    log = publish_log.log_path(paths.warehouses_dir)
    log.unlink()
    log.mkdir()
    for command in (["build"], ["rollback"]):
        result = runner.invoke(app, ["--data-dir", str(paths.data_dir), *command])
        assert result.exit_code == 8 and "Traceback" not in result.output, result.output
