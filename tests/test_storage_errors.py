"""Issue 17 point 5: one storage-error classification. A disk that refuses a write is exit 8 with a free-space hint
wherever the refusal surfaces (an OSError, or the text of any DuckDB error), never "fix the SQL" (exit 1) or an
internal error (exit 70), and a report that fails on a full disk prints its one error, no "Exception ignored"
tracebacks; killed reports' temporary files are removed by the next report."""

from __future__ import annotations

import errno
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

import pipeline.build.models
import pipeline.build.run
import pipeline.reports.excel
import pipeline.reports.html
from pipeline.build.publish import generations
from pipeline.build.run import build
from pipeline.cli import app
from pipeline.errors import StorageError, as_storage_error, storage_reason
from pipeline.reports import write_reports
from tests.ops_worker import copy_built

COMMIT_FAILED = ('TransactionContext Error: Failed to commit: Could not write file "/x/.building-1.duckdb.wal": '
                 "No space left on device")


@pytest.mark.parametrize("raised", [
    duckdb.TransactionException(COMMIT_FAILED),
    duckdb.IOException('Could not read from file "/x/leasewatch.duckdb": Input/output error'),
    OSError(errno.EROFS, "Read-only file system"),
    OSError(errno.EIO, "Input/output error"),
])
def test_storage_failures_are_recognised_in_any_form(raised):
    assert storage_reason(raised)
    wrapped = RuntimeError("while writing")
    wrapped.__cause__ = raised
    assert storage_reason(wrapped), "an error raised from a storage failure is one too"
    assert as_storage_error(raised, "somewhere").exit_code == 8


@pytest.mark.parametrize("raised", [
    duckdb.BinderException('Referenced column "revenue" not found'),
    duckdb.TransactionException("TransactionContext Error: Conflict on update"),
    OSError(errno.ENOENT, "No such file or directory"),
    ValueError("No space left on device"),  # not the OS, not DuckDB: a bug that happens to say it
])
def test_other_failures_are_not_storage(raised):
    assert storage_reason(raised) is None and as_storage_error(raised, "x") is None


def test_a_commit_failing_on_a_full_disk_inside_a_model_is_exit_8_not_fix_the_sql(tmp_path, fixture_paths, monkeypatch):
    """Today's main said "model … failed … fix the SQL" (exit 1) or exited 70 on DuckDB's TransactionException."""
    paths = copy_built(fixture_paths, tmp_path)
    before = paths.warehouse.read_bytes()
    real = pipeline.build.models.run_models

    def models_on_a_full_disk(con, step, run):
        def failing(model):
            raise duckdb.TransactionException(COMMIT_FAILED)

        return real(con, step, failing)

    monkeypatch.setattr(pipeline.build.models, "run_models", models_on_a_full_disk)
    with pytest.raises(StorageError) as raised:
        build(paths)
    assert "No space left on device" in raised.value.message and "fix the SQL" not in str(raised.value)
    monkeypatch.undo()
    assert paths.warehouse.read_bytes() == before and len(generations(paths)) == 1
    assert not list(paths.warehouses_dir.glob(".building-*"))


def test_a_storage_failure_nobody_classified_is_exit_8_at_the_cli(fixture_paths, monkeypatch):
    """The CLI's net: an OSError or DuckDB error that no stage turned into a StorageError is still exit 8."""
    import pipeline.build.warehouse

    def unreadable(*args, **kwargs):
        raise duckdb.IOException('Could not read from file "leasewatch.duckdb": Input/output error')

    monkeypatch.setattr(pipeline.build.warehouse, "query", unreadable)
    result = CliRunner().invoke(app, ["--data-dir", str(fixture_paths.data_dir), "query", "select 1"])
    assert result.exit_code == 8, result.output
    assert "Input/output error" in result.output and "internal error" not in result.output
    assert "df -h" in result.output


def test_a_report_on_a_full_disk_prints_one_error_and_no_ignored_exceptions(fixture_paths, tmp_path, monkeypatch):
    """openpyxl writing to /dev/full fails as on a full disk; its zip file and row generators, left to the garbage
    collector, used to print ~100 lines of "Exception ignored" tracebacks."""
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full on this system")
    real = pipeline.reports.excel.write_workbook
    monkeypatch.setattr(pipeline.reports.excel, "write_workbook", lambda data, path: real(data, Path("/dev/full")))
    ignored = []
    monkeypatch.setattr(sys, "unraisablehook", ignored.append)
    with pytest.raises(StorageError) as raised:
        write_reports(fixture_paths, "all", None, None, None, tmp_path / "out", today=date(2026, 12, 7))
    import gc

    gc.collect()
    assert "No space left on device" in raised.value.message
    assert ignored == [], [str(u.exc_value) for u in ignored]
    assert list((tmp_path / "out" / "2026-12-07").iterdir()) == []


def test_a_report_failing_on_its_second_file_publishes_neither(fixture_paths, tmp_path, monkeypatch):
    def full(data, path):
        Path(path).write_text("<html>", encoding="utf-8")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pipeline.reports.html, "write_html", full)
    with pytest.raises(StorageError):
        write_reports(fixture_paths, "all", None, None, None, tmp_path / "out", today=date(2026, 12, 7))
    assert list((tmp_path / "out" / "2026-12-07").iterdir()) == [], "no workbook without its page, no temp file"


def test_a_killed_reports_temp_files_are_removed_by_the_next_report(fixture_paths, tmp_path):
    out = tmp_path / "out"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)  # a process that has exited
    killed = out / "2026-12-01" / f".leasewatch_2026Q3.{dead_pid}.xlsx"
    running = out / "2026-12-01" / f".leasewatch_2026Q3.{subprocess.os.getppid()}.html"  # a writer still at work
    mine = out / "2026-12-01" / "notes.txt"
    killed.parent.mkdir(parents=True)
    for f in (killed, running, mine):
        f.write_bytes(b"PK\x03\x04 truncated")
    written = write_reports(fixture_paths, "excel", None, None, None, out, today=date(2026, 12, 7))
    assert written and not killed.exists()
    assert running.exists() and mine.exists(), "only a dead process's report temp files are removed"


def test_report_temp_cleanup_of_a_missing_reports_folder_is_a_no_op(tmp_path):
    from pipeline.reports import remove_stale_temps

    assert remove_stale_temps(tmp_path / "never-made") == []
    assert remove_stale_temps(tmp_path) == []
