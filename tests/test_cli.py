"""The core commands and their bad inputs: one-line errors, distinct exit codes, no tracebacks."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

import pipeline.build.models
import pipeline.build.run
from pipeline.cli import app
from pipeline.config import SQL_DIR
from pipeline.errors import DataTestFailed
from tests.conftest import build_fixture_warehouse

runner = CliRunner()


def invoke(paths, *args):
    return runner.invoke(app, ["--data-dir", str(paths.data_dir), "--reports-dir", str(paths.reports_dir), *args])


def assert_one_line_error(result, code: int, text: str):
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    assert "Error: " in result.output and text in result.output


def test_query_answers_from_the_warehouse(fixture_paths):
    result = invoke(fixture_paths, "query", "select status, count(*) as n from marts.benchmark group by 1 order by 1")
    assert result.exit_code == 0, result.output
    assert "status" in result.output and "below_both" in result.output and "loss_making" in result.output


def test_query_formats(fixture_paths):
    as_json = invoke(fixture_paths, "query", "select code, name from marts.universe order by code", "--format", "json")
    assert json.loads(as_json.output) == [
        {"code": "000003", "name": "测试空壳"}, {"code": "300001", "name": "测试算力"}, {"code": "600001", "name": "测试彩印"},
    ]
    as_csv = invoke(fixture_paths, "query", "select code from marts.universe order by code", "--format", "csv")
    assert as_csv.output.splitlines() == ["code", "000003", "300001", "600001"]


@pytest.mark.parametrize(
    "sql",
    [
        "drop table marts.benchmark",
        "create table marts.x as select 1",
        "delete from marts.universe",
        "copy (select 1) to '{out}/copied.csv'",  # a read-only connection still lets COPY write files
        "export database '{out}/exported'",
        "attach '{out}/other.duckdb' as other",
    ],
)
def test_query_refuses_writes(fixture_paths, sql, tmp_path):
    assert_one_line_error(invoke(fixture_paths, "query", sql.format(out=tmp_path)), 9, "read-only")
    assert list(tmp_path.iterdir()) == []


def test_query_runs_exactly_one_statement(fixture_paths):
    assert_one_line_error(invoke(fixture_paths, "query", "select 1; select 2"), 9, "exactly one statement")
    assert_one_line_error(invoke(fixture_paths, "query", " ; "), 9, "exactly one statement")
    assert invoke(fixture_paths, "query", "explain select 1").exit_code == 0


@pytest.mark.parametrize(
    "sql",
    [
        "select * from read_text('{secret}')",
        "select * from read_csv('{secret}')",
        "select * from glob('{secret_dir}/*')",
        "select * from read_text('/proc/self/environ')",
        "select * from 'https://example.com/a.csv'",
        "select * from read_parquet('{secret_dir}/*.parquet')",
        "select * from read_text('{secret}') union all select 'x'",
    ],
)
def test_query_reads_nothing_but_the_warehouse(fixture_paths, sql, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("password,hunter2\n", encoding="utf-8")
    result = invoke(fixture_paths, "query", sql.format(secret=secret, secret_dir=tmp_path))
    assert_one_line_error(result, 9, "reads only the warehouse")
    assert "hunter2" not in result.output and "secret.txt" not in result.output.replace(str(secret), "")


@pytest.mark.parametrize("sql", ["set enable_external_access = true", "install httpfs", "load httpfs",
                                 "select * from duckdb_settings() where name = 'x'; set lock_configuration = false"])
def test_query_cannot_lift_its_sandbox(fixture_paths, sql):
    result = invoke(fixture_paths, "query", sql)
    assert result.exit_code == 9 and result.output.count("Error:") == 1, result.output


@pytest.mark.parametrize("sql", [
    "pivot marts.benchmark on status using count(*) group by period_end",  # the PIVOT statement
    "select * from (pivot marts.benchmark on status using count(*) group by period_end) order by period_end",  # in a query
    "with p as (pivot marts.benchmark on status using count(*) group by period_end) select * from p",
])
def test_query_runs_pivot_in_each_form(fixture_paths, sql):
    result = invoke(fixture_paths, "query", sql, "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert rows and "period_end" in rows[0] and "below_both" in rows[0]


def test_malformed_sql_and_unknown_table(fixture_paths):
    assert_one_line_error(invoke(fixture_paths, "query", "selec 1"), 9, "malformed SQL")
    assert_one_line_error(invoke(fixture_paths, "query", "select * from marts.nope"), 9, "nope")


def test_missing_warehouse(paths):
    assert_one_line_error(invoke(paths, "query", "select 1"), 6, "no warehouse")
    assert_one_line_error(invoke(paths, "schema"), 6, "no warehouse")


def test_build_with_empty_raw_layer(paths):
    assert_one_line_error(invoke(paths, "build"), 1, "raw layer")


def test_unwritable_data_dir(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    result = runner.invoke(app, ["--data-dir", str(blocker / "data"), "ingest", "--source", "sample", "--firms", "1"])
    assert result.exit_code == 8, result.output
    assert "Error:" in result.output and "Traceback" not in result.output


def test_schema_lists_documented_tables_and_columns(fixture_paths):
    tables = invoke(fixture_paths, "schema")
    assert tables.exit_code == 0 and "marts.benchmark" in tables.output and "40 % gross" in tables.output
    columns = invoke(fixture_paths, "schema", "marts.benchmark")
    assert "revenue_up_profit_down" in columns.output and "增收不增利" in columns.output
    assert_one_line_error(invoke(fixture_paths, "schema", "marts.nope"), 2, "no table")


def test_firm_panel(fixture_paths):
    result = invoke(fixture_paths, "firm", "300001.SZ")
    assert result.exit_code == 0, result.output
    assert "300001 测试算力" in result.output and "2024Q4" in result.output and "D&A carried" in result.output
    assert_one_line_error(invoke(fixture_paths, "firm", "999999"), 2, "no firm")
    assert_one_line_error(invoke(fixture_paths, "firm", "abc"), 2, "not an A-share code")


def test_build_options_are_validated(fixture_paths):
    result = invoke(fixture_paths, "build", "--gross", "40")
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_failing_data_test_keeps_the_previous_warehouse(tmp_path, monkeypatch):
    from tests.conftest import Paths

    paths = build_fixture_warehouse(Paths.resolve(tmp_path / "data", tmp_path / "reports"))
    before = paths.warehouse.read_bytes()
    sql = tmp_path / "sql"
    shutil.copytree(SQL_DIR, sql)
    (sql / "tests" / "always_fails.sql").write_text("select 'x' as offending_row")
    monkeypatch.setattr(pipeline.build.models, "SQL_DIR", sql)
    with pytest.raises(DataTestFailed) as raised:
        pipeline.build.run.build(paths)
    assert "always_fails" in str(raised.value) and len(raised.value.failures["always_fails"]) == 1
    assert paths.warehouse.read_bytes() == before
    assert not list(paths.warehouses_dir.glob(".building-*"))  # the half-built file is removed

    result = invoke(paths, "build")
    assert result.exit_code == 5 and "always_fails" in result.output and "offending_row" in result.output
    assert paths.warehouse.read_bytes() == before


def test_an_output_encoding_without_chinese_prints_escapes_not_a_crash(fixture_paths):
    import os
    import subprocess
    import sys

    env = {**os.environ, "PYTHONIOENCODING": "latin-1"}
    done = subprocess.run(
        [sys.executable, "-c", "from pipeline.cli import app; app()", "--data-dir", str(fixture_paths.data_dir),
         "query", "select code, name from marts.universe order by code"],
        capture_output=True, env=env, timeout=120,
    )
    out, err = done.stdout.decode("latin-1"), done.stderr.decode("latin-1")
    assert done.returncode == 0, err
    assert "\\u6d4b\\u8bd5" in out and "300001" in out  # 测试 as escapes
    assert err.count("cannot show Chinese text") == 1 and "Traceback" not in err
