"""The build: raw layer → normalised tables → SQL models (staging → intermediate → marts) → data tests → swap.

The warehouse is written to a new file beside the live one, tested, and renamed over it, so a reader never
sees a half-built warehouse and a failed build leaves the previous one untouched.
"""

from __future__ import annotations

import csv
import errno
import os
import re
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable

from pipeline.config import SEEDS_DIR, SQL_DIR, Paths
from pipeline.errors import DataTestFailed, LeasewatchError, StorageError
from pipeline.raw import RawStore

LAYERS = (("10_staging", "staging"), ("20_intermediate", "intermediate"), ("30_marts", "marts"))
_REFERENCE = re.compile(r"\b(staging|intermediate|marts)\.([a-z_][a-z0-9_]*)\b")
BASIS_SUFFIXES = {
    "_q": "single quarter",
    "_h": "half year (H1 at 06-30, H2 = FY − H1 at 12-31)",
    "_ytd": "cumulative year to date (the FY value at 12-31)",
    "_ttm": "trailing twelve months",
}


@dataclass(frozen=True)
class Model:
    schema: str
    name: str
    path: Path
    sql: str

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"

    def depends_on(self) -> set[str]:
        return {f"{s}.{n}" for s, n in _REFERENCE.findall(_strip_comments(self.sql))} - {self.qualified}


@dataclass
class BuildResult:
    warehouse: Path
    models: list[str]
    row_counts: dict[str, int]
    tests_run: int
    seconds: float
    is_sample: bool
    steps: list[str] = field(default_factory=list)


def load_models(sql_dir: Path = SQL_DIR) -> list[Model]:
    """Every model file, ordered by layer and then by the references between models."""
    ordered: list[Model] = []
    for folder, schema in LAYERS:
        layer = {
            p.stem: Model(schema, p.stem, p, p.read_text(encoding="utf-8")) for p in sorted((sql_dir / folder).glob("*.sql"))
        }
        ordered.extend(_topological(layer))
    return ordered


def _topological(layer: dict[str, Model]) -> list[Model]:
    done: list[Model] = []
    names = {m.qualified for m in layer.values()}
    visiting: set[str] = set()

    def visit(model: Model) -> None:
        if model in done:
            return
        if model.qualified in visiting:
            raise LeasewatchError(f"models reference each other in a cycle at {model.path.name}", "break the cycle")
        visiting.add(model.qualified)
        for dep in sorted(model.depends_on() & names):
            visit(layer[dep.split(".", 1)[1]])
        visiting.discard(model.qualified)
        done.append(model)

    for model in layer.values():
        visit(model)
    return done


def build(
    paths: Paths,
    *,
    gross_benchmark: float | None = None,
    net_benchmark: float | None = None,
    on_step: Callable[[str], None] | None = None,
) -> BuildResult:
    """Build a new warehouse from the raw layer and swap it in. Raises DataTestFailed, keeping the old one."""
    import duckdb

    from pipeline.normalize import normalize

    started = time.perf_counter()
    step = on_step or (lambda _msg: None)
    store = RawStore(paths.raw_dir)
    if not store.records():
        raise LeasewatchError(
            f"the raw layer at {paths.raw_dir} is empty", "fetch data first: leasewatch ingest --source sample"
        )
    step("normalising raw frames")
    tables = normalize(store)

    target = _new_build_path(paths)
    try:
        con = duckdb.connect(str(target))
        try:
            result = _build_into(con, tables, gross_benchmark, net_benchmark, step)
        finally:
            con.close()
        step("swapping the new warehouse in")
        os.replace(target, paths.warehouse)
    except (duckdb.IOException, PermissionError) as exc:
        _remove(target)
        raise StorageError(
            f"cannot write the warehouse in {paths.data_dir}: {exc}",
            "free disk space or fix permissions; the previous warehouse is untouched",
        ) from exc
    except OSError as exc:
        _remove(target)
        if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES):
            raise StorageError(
                f"cannot write the warehouse in {paths.data_dir}: {exc.strerror}",
                "free disk space or fix permissions; the previous warehouse is untouched",
            ) from exc
        raise
    except BaseException:
        _remove(target)
        raise
    result.warehouse = paths.warehouse
    result.seconds = time.perf_counter() - started
    return result


def _new_build_path(paths: Paths) -> Path:
    try:
        paths.data_dir.mkdir(parents=True, exist_ok=True)
        probe = paths.data_dir / f".write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise StorageError(
            f"the data directory {paths.data_dir} is not writable: {exc.strerror or exc}",
            "choose another with --data-dir or LEASEWATCH_DATA_DIR, or fix its permissions",
        ) from exc
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
    # Same directory as the live file, so the final rename is atomic.
    return paths.data_dir / f".build-{stamp}-{os.getpid()}.duckdb"


def _remove(path: Path) -> None:
    for p in (path, path.with_suffix(".duckdb.wal")):
        try:
            p.unlink()
        except FileNotFoundError:
            pass


def _build_into(con, tables, gross_benchmark, net_benchmark, step) -> BuildResult:
    for schema in ("raw", "seeds", "staging", "intermediate", "marts", "ops"):
        con.execute(f"create schema if not exists {schema}")
    step("loading raw tables")
    for name, frame in tables.items():
        con.register("frame_", frame.to_arrow())
        con.execute(f"create table raw.{name} as select * from frame_")
        con.unregister("frame_")
    step("loading seeds")
    _load_seeds(con, gross_benchmark, net_benchmark)
    con.execute((SQL_DIR / "macros.sql").read_text(encoding="utf-8"))

    models = load_models()
    counts: dict[str, int] = {}
    for model in models:
        step(f"model {model.qualified}")
        try:
            con.execute(f"create table {model.qualified} as\n{model.sql}")
        except Exception as exc:
            raise LeasewatchError(f"model {model.path.relative_to(SQL_DIR)} failed: {exc}", "fix the SQL") from exc
        counts[model.qualified] = con.execute(f"select count(*) from {model.qualified}").fetchone()[0]

    step("documenting tables")
    _document(con)
    step("running data tests")
    tests_run = _run_data_tests(con)
    is_sample = bool(con.execute("select coalesce(bool_or(is_sample), false) from raw.income").fetchone()[0])
    _record_build(con, is_sample)
    return BuildResult(Path(), [m.qualified for m in models], counts, tests_run, 0.0, is_sample)


def _load_seeds(con, gross_benchmark: float | None, net_benchmark: float | None) -> None:
    con.execute(
        f"create table seeds.benchmarks as select * from read_csv('{SEEDS_DIR / 'benchmarks.csv'}', header=true, "
        "columns={'metric': 'VARCHAR', 'threshold': 'DOUBLE', 'source': 'VARCHAR', 'note': 'VARCHAR'})"
    )
    # Command-line overrides replace the seed values for this build and say so in `source`.
    for metric, value in (("gross_margin", gross_benchmark), ("net_margin", net_benchmark)):
        if value is not None:
            con.execute(
                "update seeds.benchmarks set threshold = ?, source = 'command-line override' where metric = ?",
                [value, metric],
            )
    con.execute(
        f"create table seeds.compute_keywords as select *, row_number() over () as priority "
        f"from read_csv('{SEEDS_DIR / 'compute_keywords.csv'}', header=true, "
        "columns={'keyword': 'VARCHAR', 'tier': 'INTEGER', 'note': 'VARCHAR'})"
    )
    con.execute(
        f"create table seeds.field_dictionary as select * from read_csv('{SEEDS_DIR / 'field_dictionary.csv'}', "
        "header=true, all_varchar=true)"
    )


def column_docs() -> dict[tuple[str, str], str]:
    """(table, column-or-base-name) → description, from sql/column_docs.csv."""
    with (SQL_DIR / "column_docs.csv").open(encoding="utf-8") as fh:
        return {(row["table"], row["column"]): row["description"] for row in csv.DictReader(fh)}


def describe_column(docs: dict, table: str, column: str) -> str | None:
    """A column's description: its own entry, or its base line's entry plus the basis of its suffix."""
    if (table, column) in docs:
        return docs[(table, column)]
    for suffix, basis in BASIS_SUFFIXES.items():
        if column.endswith(suffix) and (table, column[: -len(suffix)]) in docs:
            return f"{docs[(table, column[: -len(suffix)])]} — {basis}"
    return None


def _document(con) -> None:
    docs = column_docs()
    undocumented = []
    rows = con.execute(
        "select table_schema || '.' || table_name, column_name from information_schema.columns "
        "where table_schema = 'marts' order by all"
    ).fetchall()
    for table, column in rows:
        text = describe_column(docs, table, column)
        if text is None:
            undocumented.append(f"{table}.{column}")
            continue
        con.execute(f"comment on column {table}.{column} is '{_quote(text)}'")
    for (table, column), text in docs.items():
        if column == "":
            con.execute(f"comment on table {table} is '{_quote(text)}'")
    if undocumented:
        raise LeasewatchError(
            f"mart columns without a description: {', '.join(undocumented[:10])}"
            + (f" and {len(undocumented) - 10} more" if len(undocumented) > 10 else ""),
            "add them to sql/column_docs.csv",
        )


def _quote(text: str) -> str:
    return text.replace("'", "''")


def _run_data_tests(con) -> int:
    failures: dict[str, list] = {}
    tests = sorted((SQL_DIR / "tests").glob("*.sql"))
    for test in tests:
        frame = con.execute(test.read_text(encoding="utf-8")).fetch_df()
        if len(frame):
            failures[test.stem] = frame
    if failures:
        shown = "; ".join(f"{name}: {len(rows)} rows" for name, rows in failures.items())
        raise DataTestFailed(
            f"data tests failed ({shown}); the previous warehouse is kept",
            "see the rows printed above; fix the data or the model, then rebuild",
            failures=failures,
        )
    return len(tests)


def _record_build(con, is_sample: bool) -> None:
    from pipeline import __version__

    con.execute(
        """
        create table ops.build_info as
        select now()::timestamp as built_at,
               ? as leasewatch_version,
               ? as is_sample,
               (select max(period_end) from marts.fundamentals where not report_missing) as latest_period,
               (select max(fetched_at) from raw.income) as data_cut_off,
               (select string_agg(distinct source, ',') from raw.income) as sources,
               (select string_agg(distinct source_version, ',') from raw.income) as akshare_version
        """,
        [__version__, is_sample],
    )


def _strip_comments(sql: str) -> str:
    return re.sub(r"--[^\n]*", "", sql)
