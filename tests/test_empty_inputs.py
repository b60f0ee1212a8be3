"""Missing and empty inputs end in a result or a named error, never exit 70: a period before any TTM, a statement
type absent from the raw layer altogether (a first live ingest cut short), no income statement at all, no
membership snapshot. Each report section with nothing to show says so in place, in the workbook and the page."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline import sources
from pipeline.cli import app
from pipeline.config import Paths
from pipeline.extract.ingest import ingest_sample
from pipeline.raw.store import RawStore

runner = CliRunner()
NOTHING = "Nothing to show"


def invoke(paths: Paths, *args):
    return runner.invoke(app, ["--data-dir", str(paths.data_dir), "--reports-dir", str(paths.reports_dir), *args])


@pytest.fixture(scope="module")
def sample_raw(tmp_path_factory) -> Path:
    """A small sample raw layer (12 firms, 3 years), ingested once for every case here."""
    root = tmp_path_factory.mktemp("sample_raw")
    ingest_sample(RawStore(root), firms=12, years=3)
    return root


def without(sample_raw: Path, tmp_path: Path, *functions: str) -> Paths:
    """A data directory whose raw layer is the sample's with every fetch of `functions` gone from the manifest."""
    paths = Paths.resolve(tmp_path / "data", tmp_path / "reports")
    shutil.copytree(sample_raw, paths.raw_dir)
    manifest = paths.raw_dir / "manifest.jsonl"
    kept = [line for line in manifest.read_text(encoding="utf-8").splitlines()
            if json.loads(line)["function"] not in functions]
    manifest.write_text("".join(f"{line}\n" for line in kept), encoding="utf-8")
    return paths


def ok(result):
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return result


def named_error(result, code: int, text: str):
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output and "internal error" not in result.output
    assert f"Error: {text}" in result.output, result.output


def written(result) -> tuple[Path, Path]:
    files = [Path(line.strip()) for line in result.output.splitlines() if line.strip().endswith((".xlsx", ".html"))]
    (xlsx,) = [f for f in files if f.suffix == ".xlsx"]
    (page,) = [f for f in files if f.suffix == ".html"]
    return xlsx, page


def sheet_text(xlsx: Path, sheet: str) -> str:
    from openpyxl import load_workbook

    ws = load_workbook(xlsx)[sheet]
    return "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None)


def test_report_at_the_first_period_says_what_has_nothing_to_show(fixture_paths, fixture_db, tmp_path):
    """The first period the tool offers has no TTM yet: the bridge is empty. It used to exit 70 (openpyxl was
    handed the range F6:F5) and wrote neither file."""
    first = fixture_db.execute(
        "select min(period_end) from marts.benchmark where is_current_member and not report_missing").fetchone()[0]
    assert fixture_db.execute("select count(*) from marts.benchmark where period_end = ? and gross_margin_ttm is not null",
                              [first]).fetchone()[0] == 0
    paths = Paths.resolve(fixture_paths.data_dir, tmp_path / "reports")
    xlsx, page = written(ok(invoke(paths, "report", "--as-of", first.isoformat())))
    assert NOTHING in sheet_text(xlsx, "Bridge") and "TTM" in sheet_text(xlsx, "Bridge")
    assert NOTHING in sheet_text(xlsx, "Economics")  # no firm has a compute margin TTM either
    text = page.read_text(encoding="utf-8")
    assert text.count(NOTHING) >= 3  # the empty charts say so in their plot area
    assert "has trailing-twelve-month margins" in text  # the takeaway does not quote medians of nothing


@pytest.mark.parametrize("absent", [sources.BALANCE, sources.CASHFLOW, sources.SEGMENTS, sources.PRICES, sources.SHARE_INFO])
def test_an_input_absent_altogether_builds_with_a_warning_and_null_columns(sample_raw, tmp_path, absent):
    paths = without(sample_raw, tmp_path, absent)
    built = ok(invoke(paths, "build"))
    assert f"holds no {absent} at all" in built.output
    ok(invoke(paths, "report"))
    ok(invoke(paths, "firm", "990001"))
    ok(invoke(paths, "export", "--format", "csv", str(tmp_path / "out")))
    if absent == sources.BALANCE:
        import duckdb

        con = duckdb.connect(str(paths.warehouse), read_only=True)
        try:  # never zero-filled: no balance sheet means no total assets
            assert con.execute("select count(total_assets) from marts.fundamentals").fetchone()[0] == 0
            assert con.execute("select count(*) from marts.fundamentals").fetchone()[0] > 0
        finally:
            con.close()


def test_no_income_statement_at_all_is_named_by_report_and_firm(sample_raw, tmp_path):
    paths = without(sample_raw, tmp_path, *sources.STATEMENTS)
    built = ok(invoke(paths, "build"))
    assert built.output.count("at all") == 3
    named_error(invoke(paths, "report"), 2, "none of the 12 current members has an income statement")
    named_error(invoke(paths, "firm", "990001"), 2, "990001 示例彩印 is in the universe but has no income statement")
    ok(invoke(paths, "query", "select count(*) from marts.fundamentals"))


def test_no_membership_snapshot_is_an_empty_universe(sample_raw, tmp_path):
    paths = without(sample_raw, tmp_path, sources.BOARD_CONS)
    assert "no membership snapshot" in ok(invoke(paths, "build")).output
    named_error(invoke(paths, "report"), 2, "the universe is empty")
    named_error(invoke(paths, "universe"), 2, "there is no universe yet")
