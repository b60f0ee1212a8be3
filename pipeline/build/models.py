"""The SQL models: sql/10_staging → sql/20_intermediate → sql/30_marts, loaded and ordered by the references between
them, run one by one, their mart columns documented from sql/column_docs.csv, and the data tests of sql/tests.

run.py runs them into a new warehouse (a full build) or through incremental.py into an earlier one.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from pipeline.build import incremental
from pipeline.config import SQL_DIR
from pipeline.display import sql_quote
from pipeline.errors import DataTestFailed, LeasewatchError, storage_reason

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


def run_models(con, step, run: Callable) -> tuple[list[Model], dict[str, int]]:
    """Run each model (`run(model)`) in order; a failure names the model file (the disk's refusals pass through)."""
    models = load_models()
    counts: dict[str, int] = {}
    for model in models:
        step(f"model {model.qualified}")
        try:
            run(model)
        except incremental.NotIncremental:  # not the SQL: a full build instead
            raise
        except Exception as exc:
            if storage_reason(exc):  # not the SQL either: the disk (classified by build())
                raise
            raise LeasewatchError(f"model {model.path.relative_to(SQL_DIR)} failed: {exc}", "fix the SQL") from exc
        counts[model.qualified] = con.execute(f"select count(*) from {model.qualified}").fetchone()[0]
    return models, counts


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


def document(con) -> None:
    docs = column_docs()
    undocumented = []
    rows = con.execute(
        "select table_schema || '.' || table_name, column_name from information_schema.columns "
        "where table_schema = 'marts' order by all"
    ).fetchall()
    con.execute("begin")  # one transaction for the ~500 comments, not one each
    for table, column in rows:
        text = describe_column(docs, table, column)
        if text is None:
            undocumented.append(f"{table}.{column}")
            continue
        con.execute(f"comment on column {table}.{column} is '{sql_quote(text)}'")
    for (table, column), text in docs.items():
        if column == "":
            con.execute(f"comment on table {table} is '{sql_quote(text)}'")
    con.execute("commit")
    if undocumented:
        raise LeasewatchError(
            f"mart columns without a description: {', '.join(undocumented[:10])}"
            + (f" and {len(undocumented) - 10} more" if len(undocumented) > 10 else ""),
            "add them to sql/column_docs.csv",
        )


def data_test_names() -> list[str]:
    return [p.stem for p in sorted((SQL_DIR / "tests").glob("*.sql"))]


def run_data_tests(con, scoped: Callable[[str], str] | None = None) -> dict[str, int]:
    """Each data test's offending row count; raises DataTestFailed with the rows when any has some. `scoped` turns a
    test's SQL into one reading only the rows an incremental build recomputed."""
    failures: dict[str, list] = {}
    results: dict[str, int] = {}
    for name in data_test_names():
        sql = (SQL_DIR / "tests" / f"{name}.sql").read_text(encoding="utf-8")
        if scoped is not None:
            sql = scoped(sql)
        # counted first: a passing test (the usual case) needs no pandas frame, and pandas costs 0.2 s to import
        results[name] = con.execute(f"select count(*) from (\n{sql.rstrip().rstrip(';')}\n)").fetchall()[0][0]
        if results[name]:
            failures[name] = con.execute(sql).fetch_df()
    if failures:
        shown = "; ".join(f"{name}: {len(rows)} rows" for name, rows in failures.items())
        raise DataTestFailed(
            f"data tests failed ({shown}); the previous warehouse is kept",
            "see the rows printed above; fix the data or the model, then rebuild",
            failures=failures,
        )
    return results


def _strip_comments(sql: str) -> str:
    return re.sub(r"--[^\n]*", "", sql)
