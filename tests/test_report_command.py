"""`leasewatch report`: where files go, never overwriting, periods, benchmark overrides, and bad input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.config import PROJECT_ROOT, Paths
from pipeline.reports.data import gather
from tests.report_fixtures import CURRENT, LABEL, PERIOD

runner = CliRunner()


def invoke(paths, *args):
    return runner.invoke(app, ["--data-dir", str(paths.data_dir), "--reports-dir", str(paths.reports_dir), *args])


@pytest.fixture
def fixture_with_fresh_reports(fixture_paths, tmp_path) -> Paths:
    """The fixture warehouse with a reports directory of this test's own."""
    return Paths(fixture_paths.data_dir, tmp_path / "reports")


def test_writes_both_reports_into_a_dated_folder_and_prints_their_paths(fixture_with_fresh_reports):
    paths = fixture_with_fresh_reports
    result = invoke(paths, "report")
    assert result.exit_code == 0, result.output
    folder = paths.reports_dir / china_today().isoformat()
    expected = [folder / f"leasewatch_{LABEL}.xlsx", folder / f"leasewatch_{LABEL}.html"]
    assert result.stdout.split() == [str(p) for p in expected]
    assert all(p.stat().st_size > 0 for p in expected)
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in expected)  # no temporary left


def china_today():
    from pipeline.clock import china_now

    return china_now().date()


def test_the_folder_is_named_for_the_china_date_that_ops_runs_use(fixture_with_fresh_reports):
    (written,) = [Path(p) for p in invoke(fixture_with_fresh_reports, "report", "--format", "html").stdout.split()]
    assert written.parent.name == china_today().isoformat()


def test_both_files_of_one_run_share_a_number(fixture_with_fresh_reports):
    paths = fixture_with_fresh_reports
    invoke(paths, "report", "--format", "excel")
    invoke(paths, "report", "--format", "excel")  # leasewatch_…_2.xlsx; no html yet
    names = [Path(p).name for p in invoke(paths, "report").stdout.split()]
    assert names == [f"leasewatch_{LABEL}_3.xlsx", f"leasewatch_{LABEL}_3.html"]


def test_an_existing_report_is_never_overwritten(fixture_with_fresh_reports):
    paths = fixture_with_fresh_reports
    first = invoke(paths, "report", "--format", "excel").stdout.strip()
    before = Path(first).read_bytes()
    second = invoke(paths, "report", "--format", "excel").stdout.strip()
    third = invoke(paths, "report", "--format", "excel").stdout.strip()
    assert second.endswith(f"leasewatch_{LABEL}_2.xlsx") and third.endswith(f"leasewatch_{LABEL}_3.xlsx")
    assert Path(first).read_bytes() == before


def test_format_as_of_and_out(fixture_with_fresh_reports, tmp_path):
    out = tmp_path / "elsewhere"
    result = invoke(fixture_with_fresh_reports, "report", "--format", "html", "--as-of", "2024-06-30", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout.split() == [str(out / china_today().isoformat() / "leasewatch_2024Q2.html")]
    assert invoke(fixture_with_fresh_reports, "report", "--format", "excel", "--as-of", "2023q4").stdout.strip().endswith(
        "leasewatch_2023Q4.xlsx"
    )


@pytest.mark.parametrize(
    ("args", "code", "text"),
    [
        (["--as-of", "2019Q1"], 2, "no current member has a report for 2019Q1"),
        (["--as-of", "2024-09-31"], 2, "'2024-09-31' is not a report period"),
        (["--as-of", "next quarter"], 2, "is not a report period"),
        (["--format", "pdf"], 2, "--format"),
        (["--gross", "1.5"], 2, "--gross"),
    ],
)
def test_bad_input_is_one_line_and_a_usage_exit(fixture_with_fresh_reports, args, code, text):
    result = invoke(fixture_with_fresh_reports, "report", *args)
    assert result.exit_code == code, result.output
    assert text in result.output and "Traceback" not in result.output
    assert not fixture_with_fresh_reports.reports_dir.exists()  # nothing written, not even the dated folder


def test_no_data_period_names_the_range(fixture_with_fresh_reports):
    result = invoke(fixture_with_fresh_reports, "report", "--as-of", "2019Q1")
    assert "Hint: choose a period from 2023Q1 to 2024Q4, or --as-of latest" in result.output


def test_missing_warehouse_and_unwritable_folder(paths, fixture_paths, tmp_path):
    missing = invoke(paths, "report")
    assert missing.exit_code == 6 and "no warehouse at" in missing.output
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = invoke(fixture_paths, "report", "--out", str(blocker))
    assert result.exit_code == 8 and "cannot create the reports folder" in result.output


def test_default_status_is_the_marts_status(fixture_paths, fixture_db):
    data = gather(fixture_paths, None, None, None)
    marts = dict(fixture_db.execute(
        "select code, status from marts.benchmark where period_end = ? and is_current_member", [PERIOD]
    ).fetchall())
    assert {r["code"]: r["status"] for r in data.summary.records()} == marts
    assert sorted(marts) == CURRENT
    assert not data.benchmarks.overridden


def test_benchmark_overrides_rescore_with_the_same_rule(fixture_paths, fixture_db):
    data = gather(fixture_paths, None, 0.30, 0.05)
    firm = next(r for r in data.summary.records() if r["code"] == "300001")
    assert firm["status"] == "meets_both"  # gross 35 % ≥ 30 %, net 10 % ≥ 5 %
    assert firm["gross_gap_pp"] == pytest.approx(5.0) and firm["net_gap_pp"] == pytest.approx(5.0)
    assert data.benchmarks.overridden and "command-line override" in data.benchmarks.source
    # the warehouse itself is untouched
    assert fixture_db.execute(
        "select status from marts.benchmark where code = '300001' and period_end = ?", [PERIOD]
    ).fetchone()[0] == "below_both"


def test_help_imports_neither_plotly_nor_openpyxl():
    code = (
        "import sys\nfrom typer.testing import CliRunner\nfrom pipeline.cli import app\n"
        "CliRunner().invoke(app, ['--help'])\nCliRunner().invoke(app, ['report', '--help'])\n"
        "print(sorted(m for m in ('plotly', 'openpyxl', 'duckdb') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PROJECT_ROOT, check=True)
    assert out.stdout.strip() == "[]"
