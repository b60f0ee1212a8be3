"""Shared fixtures: temporary data directories and a warehouse built from the hand-computed period fixture."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.build.run import build
from pipeline.config import Paths
from pipeline.extract.ingest import ingest_board
from pipeline.raw.store import RawStore
from tests import period_fixture


@pytest.fixture
def paths(tmp_path: Path) -> Paths:
    return Paths.resolve(tmp_path / "data", tmp_path / "reports")


def build_fixture_warehouse(paths: Paths) -> Paths:
    """Two fetches of the period fixture (the second restates FY2023 of 300001), then a build."""
    store = RawStore(paths.raw_dir)
    ingest_board(period_fixture.source(), store, period_fixture.BOARD, price_end="20241231")
    ingest_board(period_fixture.source(restated=True), store, period_fixture.BOARD, price_end="20241231")
    build(paths)
    return paths


def sample_warehouse(root: Path, *, firms: int, years: int):
    """A read-only connection to a warehouse built from a small embedded sample (ingest_sample, then build)."""
    import duckdb

    from pipeline.extract.ingest import ingest_sample

    paths = Paths.resolve(root / "data", root / "reports")
    ingest_sample(RawStore(paths.raw_dir), firms=firms, years=years)
    build(paths)
    return duckdb.connect(str(paths.warehouse), read_only=True)


@pytest.fixture(scope="session")
def fixture_paths(tmp_path_factory) -> Paths:
    root = tmp_path_factory.mktemp("fixture")
    return build_fixture_warehouse(Paths.resolve(root / "data", root / "reports"))


@pytest.fixture(scope="session")
def fixture_db(fixture_paths: Paths):
    import duckdb

    con = duckdb.connect(str(fixture_paths.warehouse), read_only=True)
    yield con
    con.close()


def only_row(con, sql: str, params=()) -> dict:
    """The one row a query returns, as {column: value}; fails the test on none or several."""
    cursor = con.execute(sql, list(params))
    names = [d[0] for d in cursor.description]
    found = cursor.fetchall()
    assert len(found) == 1, (sql, params, found)
    return dict(zip(names, found[0]))


def mart_row(con, table: str, where: str) -> dict:
    """The one row of `table` matching `where` (SQL text)."""
    return only_row(con, f"select * from {table} where {where}")
