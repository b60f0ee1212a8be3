"""Shared fixtures: temporary data directories and a warehouse built from the hand-computed period fixture."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Tests replay the sample through the real door; the per-user sample cache is tested on its own (test_sample_cache.py).
os.environ["LEASEWATCH_SAMPLE_CACHE"] = "off"

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


def holder(store: RawStore, record) -> Path:
    """The file that holds a payload: its pack, or its own file in a store written before packs."""
    location = store.location(record.path)
    return store.root / (location.pack if location else record.path)


def swap_payload(store: RawStore, record, other) -> None:
    """Rewrite the pack holding `record` with `other`'s bytes under record's name and hash: a valid Parquet file
    whose payload no longer matches its content hash (what a bit flip the page checksums miss would leave)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    pack = holder(store, record)
    table = pq.read_table(pack)
    ipc = store.read_tables([other])[0]
    from pipeline.raw.packs import encode

    forged, _, _ = encode(ipc)
    column = table.column("ipc").to_pylist()
    column[table.column("payload").to_pylist().index(record.path)] = forged
    rewritten = table.set_column(table.schema.get_field_index("ipc"), "ipc", pa.array(column, pa.large_binary()))
    pq.write_table(rewritten, pack, row_group_size=16)
