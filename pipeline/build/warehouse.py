"""Reading the warehouse: read-only connections for analysts, reports and the CLI."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Iterator

from pipeline.config import Paths
from pipeline.display import sql_quote
from pipeline.errors import QueryError, UsageError, WarehouseMissing


@dataclass
class Result:
    columns: list[str]
    rows: list[tuple]
    is_sample: bool = False


# What an analyst's `leasewatch query` may not do, whatever the SQL: read or write files other than the warehouse
# (read_text('/etc/shadow'), glob, COPY, ATTACH), reach a URL, install or load extensions, or undo these settings.
SANDBOX = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "lock_configuration": True,  # last: after it nothing can be set
}
SANDBOX_NAME = "leasewatch"


@contextmanager
def connect(paths: Paths, *, sandbox: bool = False) -> Iterator["object"]:
    """A read-only DuckDB connection to the live warehouse. Never blocks a refresh: builds write a new file.
    `sandbox`: no access to anything but the warehouse (for SQL typed by a user)."""
    import duckdb

    if not paths.warehouse.exists():
        raise WarehouseMissing(
            f"no warehouse at {paths.warehouse}",
            "build one first: leasewatch demo (sample) or leasewatch ingest … && leasewatch build",
        )
    if sandbox:
        # A private in-memory instance attaches the warehouse and then locks itself down: settings given to
        # duckdb.connect would clash with another connection to the same file in this process (DuckDB shares one
        # instance per file), and SET on that shared instance would reach the other connections.
        con = duckdb.connect(":memory:")
        con.execute(f"attach '{sql_quote(str(paths.warehouse))}' as {SANDBOX_NAME} (read_only)")
        con.execute(f"use {SANDBOX_NAME}")
        for name, value in SANDBOX.items():
            con.execute(f"set {name} = {str(value).lower()}")
    else:
        con = duckdb.connect(str(paths.warehouse), read_only=True)
    try:
        yield con
    finally:
        con.close()


def query(paths: Paths, sql: str) -> Result:
    """Run one analyst query read-only; a write is refused with a clear error."""
    import duckdb

    with connect(paths, sandbox=True) as con:
        try:
            _check_one_read(con, sql)
            cursor = con.execute(sql)
        except duckdb.InvalidInputException as exc:
            if "read-only" in str(exc):
                raise QueryError(
                    "the warehouse is read-only for queries: statements that write are refused",
                    "copy what you need with leasewatch export, or query into your own DuckDB file",
                ) from exc
            raise QueryError(f"query failed: {_first_line(exc)}", "check the SQL") from exc
        except duckdb.PermissionException as exc:
            raise QueryError(
                f"leasewatch query reads only the warehouse: {_first_line(exc).removeprefix('Permission Error: ')}",
                "files, URLs and extensions are off for queries; to read a file, open your own DuckDB session",
            ) from exc
        except duckdb.ParserException as exc:
            raise QueryError(f"malformed SQL: {_first_line(exc)}", "check the syntax") from exc
        except duckdb.CatalogException as exc:
            raise QueryError(f"{_first_line(exc)}", "list tables with: leasewatch schema") from exc
        except duckdb.Error as exc:
            raise QueryError(f"query failed: {_first_line(exc)}", "check the SQL") from exc
        if cursor.description is None:
            return Result([], [])
        result = Result([d[0] for d in cursor.description], cursor.fetchall())
        result.is_sample = is_sample(con)
        return result


# What `leasewatch query` runs: reads. COPY, EXPORT, ATTACH, SET, PRAGMA … could write files or change the session.
# DuckDB types a PIVOT (alone, in a subquery or in a CTE) as MULTI: it plans it as several statements.
READ_STATEMENTS = ("SELECT", "EXPLAIN", "MULTI")


def _check_one_read(con, sql: str) -> None:
    """Exactly one statement, and one that only reads: the read-only connection alone still lets COPY … TO and
    EXPORT DATABASE write files anywhere."""
    statements = con.extract_statements(sql)
    if len(statements) != 1:
        raise QueryError(
            f"leasewatch query runs exactly one statement; this text has {len(statements)}",
            "run them one at a time" if statements else "pass a SELECT, e.g. leasewatch query \"select * from marts.benchmark limit 5\"",
        )
    kind = statements[0].type.name
    if kind not in READ_STATEMENTS:
        raise QueryError(
            f"the warehouse is read-only for queries: {kind} statements are refused",
            "to save results use --format csv > file.csv or leasewatch export",
        )


def is_sample(con) -> bool:
    """True when the warehouse was built from the embedded sample (every output must say so)."""
    row = con.execute("select bool_or(is_sample) from marts.universe").fetchone()
    return bool(row and row[0])


def tables(paths: Paths) -> Result:
    """Every documented table an analyst may use, with its description."""
    with connect(paths) as con:
        rows = con.execute(
            """
            select schema_name || '.' || table_name as "table", coalesce(comment, '') as description
            from duckdb_tables()
            where schema_name in ('marts', 'seeds', 'ops')
            order by schema_name = 'marts' desc, "table"
            """
        ).fetchall()
    return Result(["table", "description"], rows)


def columns(paths: Paths, table: str) -> Result:
    """The columns of one table with their types and descriptions."""
    qualified = table if "." in table else f"marts.{table}"
    schema, name = qualified.split(".", 1)
    with connect(paths) as con:
        rows = con.execute(
            """
            select column_name, data_type, coalesce(comment, '')
            from duckdb_columns()
            where schema_name = ? and table_name = ?
            order by column_index
            """,
            [schema, name],
        ).fetchall()
    if not rows:
        raise UsageError(f"no table {qualified} in the warehouse", "list tables with: leasewatch schema")
    return Result(["column", "type", "description"], rows)


def latest_period(con) -> date | None:
    return con.execute("select max(period_end) from marts.fundamentals where not report_missing").fetchone()[0]


def no_reports(con) -> UsageError:
    """Why a warehouse has no report to show, as the error to raise: no member at all, or members without a single
    income statement (what a first ingest cut short, or a source that never answered, leaves)."""
    members = con.execute("select count(*) from marts.universe where is_current").fetchone()[0]
    if not members:
        return UsageError(
            "the universe is empty: the warehouse has no current member (no membership snapshot in the raw layer)",
            "record one: leasewatch universe sync (EastMoney board) or leasewatch universe import FILE, then ingest and build",
        )
    return UsageError(
        f"none of the {members} current members has an income statement in the warehouse",
        "fetch them: leasewatch ingest, then leasewatch build (leasewatch demo for the sample)",
    )


def build_info(con) -> dict:
    row = con.execute("select * from ops.build_info").fetchone()
    names = [d[0] for d in con.description]
    return dict(zip(names, row))


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0]
