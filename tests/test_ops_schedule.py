"""`leasewatch schedule --print cron|systemd` and `leasewatch export`: ready entries and files for other tools."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from pipeline import errors
from pipeline.cli import app
from pipeline.config import PROJECT_ROOT
from pipeline.errors import INTERNAL_ERROR_EXIT, UsageError
from pipeline.ops import schedule as ops

runner = CliRunner()
TARGET = ops.ScheduleTarget(Path("/srv/lw/.venv/bin/leasewatch"), Path("/srv/lw/data"), Path("/srv/lw/reports"))
COMMAND = "/srv/lw/.venv/bin/leasewatch --data-dir /srv/lw/data --reports-dir /srv/lw/reports refresh --source akshare"
REDIRECT = "mkdir -p /srv/lw/data/logs && " + COMMAND + " >> /srv/lw/data/logs/cron.log 2>&1"


def test_cron_entry_runs_after_the_close_in_china_time():
    lines = ops.cron_entry(TARGET, local_zone="UTC").splitlines()
    entries = [l for l in lines if not l.startswith("#")]
    assert entries == ["CRON_TZ=Asia/Shanghai", f"30 18 * * 1-5 {REDIRECT}"]
    assert lines[-1] == f"# 30 10 * * 1-5 {REDIRECT}"  # 18:30 in Shanghai is 10:30 UTC, for crons without CRON_TZ
    assert all("--wait" not in e for e in entries + lines[-1:])


def test_cron_conversion_moves_the_weekdays_when_the_local_date_differs():
    kiritimati = ops.cron_entry(TARGET, local_zone="Pacific/Kiritimati").splitlines()[-1]  # UTC+14: next day 00:30
    assert kiritimati.startswith("# 30 0 * * 2-6 ")
    new_york = ops.cron_entry(TARGET, local_zone="America/New_York")
    assert new_york.splitlines()[-1].startswith("# 30 5 * * 1-5 ") and "daylight saving" in new_york


def test_systemd_units_use_a_timer_in_china_time():
    units = ops.systemd_units(TARGET, "analyst")
    assert f"ExecStart={COMMAND}" in units and "User=analyst" in units
    assert "OnCalendar=Mon..Fri *-*-* 18:30:00 Asia/Shanghai" in units and "Persistent=true" in units


def test_schedule_command_prints_absolute_paths(tmp_path):
    result = runner.invoke(app, ["--data-dir", str(tmp_path / "data"), "schedule", "--print", "cron", "--at", "19:05"])
    assert result.exit_code == 0, result.output
    entry = [l for l in result.output.splitlines() if l.startswith("5 19 * * 1-5 ")][0]
    executable = entry.split(" && ")[1].split()[0]
    assert Path(executable).is_absolute() and executable.endswith("leasewatch")
    assert f"--data-dir {tmp_path / 'data'}" in entry and str(tmp_path / "data" / "logs" / "cron.log") in entry


def test_export_writes_every_mart_and_describes_the_warehouse(fixture_paths, fixture_db, tmp_path):
    marts = [r[0] for r in fixture_db.execute("select table_name from duckdb_tables() where schema_name = 'marts'").fetchall()]
    for fmt in ("parquet", "csv"):
        out = tmp_path / fmt
        result = runner.invoke(app, ["--data-dir", str(fixture_paths.data_dir), "export", "--format", fmt, str(out)])
        assert result.exit_code == 0, result.output
        assert sorted(p.stem for p in out.glob(f"*.{fmt}")) == sorted(marts)
        assert not list(out.glob(".*"))  # no temporary files left
        reader = "read_parquet" if fmt == "parquet" else "read_csv"
        exported = duckdb.sql(f"select count(*) from {reader}('{out / 'benchmark'}.{fmt}')").fetchall()[0][0]
        assert exported == fixture_db.execute("select count(*) from marts.benchmark").fetchall()[0][0] == 18
        info = json.loads((out / "export_info.json").read_text(encoding="utf-8"))
        assert info["is_sample"] is False and info["tables"]["benchmark"] == 18 and info["format"] == fmt
    kv = duckdb.sql(f"select value from parquet_kv_metadata('{tmp_path / 'parquet' / 'benchmark.parquet'}') where key = 'is_sample'")
    assert kv.fetchall() == [(b"false",)]


def test_every_exit_code_is_in_the_table_and_the_readme():
    raised = {c.exit_code for c in vars(errors).values() if isinstance(c, type) and issubclass(c, errors.LeasewatchError)}
    documented = {code for code, _, _ in errors.EXIT_CODES}
    assert raised | {0, INTERNAL_ERROR_EXIT, 130} == documented
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8").split("## Running it every day", 1)[1]
    assert {int(c) for c in re.findall(r"^\| (\d+) \|", readme, flags=re.M)} == documented


def _as_cron_runs(command: str) -> str:
    """What cron hands to /bin/sh: `\\%` becomes `%`, and an unescaped `%` ends the command (the rest is stdin)."""
    out, i = [], 0
    while i < len(command):
        if command.startswith("\\%", i):
            out.append("%")
            i += 2
        elif command[i] == "%":
            break
        else:
            out.append(command[i])
            i += 1
    return "".join(out)


def test_a_percent_or_dollar_in_a_path_reaches_the_command_intact(tmp_path):
    odd = tmp_path / "50% of $HOME's data"
    fake = tmp_path / "bin" / "leasewatch"
    fake.parent.mkdir()
    fake.write_text('#!/bin/sh\nfor a in "$@"; do echo "$a"; done\n', encoding="utf-8")
    fake.chmod(0o755)
    target = ops.ScheduleTarget(fake, odd / "data", odd / "reports")
    entry = [l for l in ops.cron_entry(target, local_zone="UTC").splitlines() if l.startswith("30 18 ")][0]
    command = _as_cron_runs(entry.split(" ", 5)[5])
    subprocess.run(["/bin/sh", "-c", command], check=True)
    assert (odd / "data" / "logs" / "cron.log").read_text(encoding="utf-8").splitlines()[:4] == [
        "--data-dir", str(odd / "data"), "--reports-dir", str(odd / "reports")]
    exec_start = [l for l in ops.systemd_units(target, "analyst").splitlines() if l.startswith("ExecStart=")][0]
    unescaped = exec_start.removeprefix("ExecStart=").replace("%%", "\0").replace("$$", "$").replace("\0", "%")
    assert "%" not in exec_start.replace("%%", "") and shlex.split(unescaped)[2] == str(odd / "data")


def test_a_line_break_in_a_path_is_refused(tmp_path):
    target = ops.ScheduleTarget(tmp_path / "leasewatch", tmp_path / "da\nta", tmp_path / "reports")
    with pytest.raises(UsageError, match="line break"):
        ops.cron_entry(target)
    result = runner.invoke(app, ["--data-dir", str(tmp_path / "da\nta"), "schedule", "--print", "cron"])
    assert result.exit_code == 2 and "line break" in result.output and "Traceback" not in result.output
