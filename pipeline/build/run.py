"""The build: raw layer → normalised tables → SQL models (staging → intermediate → marts) → data tests → swap.

Each build writes a new file under data/warehouses/, tests it, and only then links it over the live
data/leasewatch.duckdb with an atomic rename. A reader never sees a half-built warehouse, a reader's open
connection keeps the file it opened, and a failed or killed build leaves the previous warehouse untouched.
The last few builds stay in data/warehouses/ (the live file is a hard link to one of them), so `rollback`
can put the previous one back the same way. Builds, refreshes and rollbacks hold the data directory's lock.
An incremental build may start from the kept warehouse the next pruning would delete, renamed aside and written in
place (never one a client has open: see base.py). The models, their docs and data tests are in models.py, the
seeds in seeds.py.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping

from pipeline import codes, sources
from pipeline.build import base, incremental, models, publish_log, seeds
from pipeline.build.publish import (
    BUILDING_PREFIX,
    KEEP_WAREHOUSES,
    live_changed,
    new_generation,
    new_status_changes,
    prune,
    reconcile,
    remove,
    rows_changed,
    storage_error,
    swap_in,
    warehouses_dir,
)
from pipeline.config import SQL_DIR, Paths
from pipeline.display import sql_quote
from pipeline.errors import LeasewatchError, storage_reason
from pipeline.raw import tidy
from pipeline.raw.store import RawCorruptError, RawStore
from pipeline.runtime.lock import refresh_lock
from pipeline.runtime.runlog import write_runs_table

_READ_RETRIES = 3  # builds restarted after a read found (and quarantined) a damaged payload
BUILD_INFO_DOCS = {
    "": "One row describing this warehouse: when it was built, by which version, from which data.",
    "built_at": "when this warehouse was built (machine local time)",
    "leasewatch_version": "leasewatch version that built it",
    "is_sample": "true when built from the embedded sample (fictional firms)",
    "latest_period": "latest quarter end with a report",
    "data_cut_off": "latest fetch time of the income statements (China time)",
    "sources": "sources of the raw data (akshare, sample)",
    "akshare_version": "akshare version whose output shapes the raw data has",
}


@dataclass
class BuildResult:
    warehouse: Path
    models: list[str]
    row_counts: dict[str, int]
    tests_run: int
    seconds: float
    is_sample: bool
    steps: list[str] = field(default_factory=list)
    generation: Path | None = None  # the kept file under data/warehouses that is now live
    data_tests: dict[str, int] = field(default_factory=dict)  # test → offending rows (0 = passed)
    rows_changed: dict | None = None  # mart → {rows, changed, removed} against the previous warehouse
    quarantined: list = field(default_factory=list)  # raw payloads found corrupt and moved aside (raw.Problem)
    status_changes: list | None = None  # marts.status_changes rows new since the previous warehouse (None: no previous)
    warnings: list[str] = field(default_factory=list)
    # an incremental build's recomputed rows: (model, source table) → a query of those rows of the source
    scope: Callable[[str, str], str] | None = None
    incremental: bool = False  # made from an earlier warehouse, recomputing what changed
    full_reason: str = ""  # why a build was full
    reused: str = ""  # the kept warehouse an incremental build was made from in place ('' for a copy of the live one)
    changes: str = ""  # what an incremental build found changed


def build(
    paths: Paths,
    *,
    gross_benchmark: float | None = None,
    net_benchmark: float | None = None,
    on_step: Callable[[str], None] | None = None,
    keep: int = KEEP_WAREHOUSES,
    screen: Mapping[str, float] | None = None,
    full: bool = False,
    store: RawStore | None = None,
) -> BuildResult:
    """Build a new warehouse from the raw layer and swap it in. Raises DataTestFailed, keeping the old one.

    The build is incremental (pipeline/build/incremental.py) when the live warehouse allows it, unless `full`.
    `screen` overrides thresholds of sql/seeds/carry_screen.csv by name for this build (UsageError for a name the
    seed does not have). `store`: the raw store of paths.raw_dir an ingest just wrote to (a refresh), so that the
    manifest and the pack index it has read are not read again."""
    overrides = seeds.screen_overrides(screen)
    if store is not None and store.root != paths.raw_dir:
        raise ValueError(f"the raw store at {store.root} is not the data directory's ({paths.raw_dir})")
    with refresh_lock(paths, "build"):
        return _build(paths, gross_benchmark, net_benchmark, on_step or (lambda _msg: None), max(keep, 1), overrides,
                      full, store or RawStore(paths.raw_dir))


def _build(paths: Paths, gross_benchmark, net_benchmark, step: Callable[[str], None], keep: int,
           screen: Mapping[str, float], full: bool, store: RawStore) -> BuildResult:
    import duckdb

    from pipeline.normalize.cache import NormalizedCache

    started = time.perf_counter()
    ahead = {} if full else base.check_ahead(paths, keep)
    store.index(fresh=True)  # a refresh's store: packs another process listed since (which payloads are hidden)
    records = store.records()
    unnamed = store.check_named(records)
    if not records:
        raise LeasewatchError(
            f"the raw layer at {paths.raw_dir} is empty",
            "fetch data first: leasewatch universe sync, then leasewatch ingest (live); or leasewatch demo (the sample)",
        )
    step("verifying raw files")
    tidy.remove_orphans(store)
    problems = store.verify()
    warnings = [f"quarantined raw file {p.path}: {p.describe()}; fetch it again to restore it" for p in problems]
    if store.damaged_lines:
        warnings.append(
            f"{len(store.damaged_lines)} unreadable line(s) in {store.manifest_path} (line {store.damaged_lines[0]} …), "
            "left by an interrupted write; their fetches are not used and will be repeated"
        )
    if unnamed:
        warnings.append(f"{unnamed:,} stored payload(s) are named by no line of {store.manifest_path} (a kill between "
                        "an ingest's packs and its manifest lines): the next ingest names them again, or run "
                        "leasewatch raw rebuild-manifest")
    warnings += absent_inputs(records)
    for warning in warnings:
        step(f"warning: {warning}")
    step("normalising raw frames")
    # quarantining hides payloads from the manifest's records: read them again only then
    if problems:
        records = store.records()
    normalized = NormalizedCache(paths.normalized_dir)  # one object across retries: it keeps what it dropped
    for attempt in range(_READ_RETRIES + 1):
        try:
            tables = normalized.prepare(store, records)
            break
        except RawCorruptError as exc:  # damage verify's size-and-time check missed: quarantined by the read
            if attempt == _READ_RETRIES:
                raise
            problems += exc.problems
            warnings += [f"quarantined raw file {p.path}: {p.describe()}; fetch it again to restore it" for p in exc.problems]
            step(f"warning: {exc.message}; building without it")
            records = store.records()
    for dropped in tables.dropped:
        warnings.append(f"damaged normalised cache entry dropped: {dropped}")
        step(f"warning: {warnings[-1]}")

    folder = warehouses_dir(paths)
    generation = new_generation(paths)
    target = folder / f"{BUILDING_PREFIX}{generation.stem}-{os.getpid()}.duckdb"
    fingerprint = incremental.fingerprint({"gross": gross_benchmark, "net": net_benchmark, **screen})
    swapped = False
    con = None
    try:
        warnings += reconcile(paths)
        if full:
            start = incremental.Base(None, reason="asked for (--full)")
        elif (changed := live_changed(paths)) is not None:
            # A client wrote into the live file (and so into the kept warehouse it is linked to): never built on.
            start = incremental.Base(None, reason=f"the live warehouse changed after it was published ({changed})")
            warnings.append(f"{paths.warehouse} changed after it was published ({changed}); this build does not start "
                            "from it. Open the warehouse read-only (duckdb -readonly)")
            step(f"warning: {warnings[-1]}")
        else:
            start = incremental.base(paths.warehouse, fingerprint)
        try:
            result = None
            if start.path is not None:
                con, start, reused = base.open_base(paths, start, fingerprint, keep, target, step, warnings, ahead)
                try:
                    result = _build_incremental(con, tables, fetch_log(records), step, fingerprint, start,
                                                paths.warehouse if reused else None)
                    result.reused = reused
                except incremental.NotIncremental as exc:
                    start = incremental.Base(None, reason=str(exc))
                    con.close()
                    con = None
                    remove(target)
            if result is None:
                step(f"full build: {start.reason}")
                con = duckdb.connect(str(target), config=base.duckdb_settings(folder))
                result = _build_into(con, tables, fetch_log(records), gross_benchmark, net_benchmark, step, screen)
                incremental.record_state(con, tables, fingerprint, 0)
                result.full_reason = start.reason
            step("comparing with the previous warehouse")
            result.rows_changed, note = rows_changed(con, paths.warehouse, result.row_counts, result.scope)
            result.status_changes, status_note = new_status_changes(con, paths.warehouse)
            warnings += [n for n in (note, status_note) if n]
            write_runs_table(con, paths)
            step("writing the warehouse file")
        finally:
            if con is not None:
                con.close()
        step("hashing the warehouse for the publish log")
        published = publish_log.digest(target)  # what rollback and the next incremental build check it against
        # Read-only on disk: an analyst's client cannot open it for writing by mistake (see swap_in).
        os.chmod(target, 0o444)
        os.replace(target, generation)
        step("swapping the new warehouse in")
        warnings += swap_in(paths, generation, "publish", published)
        swapped = True
    except Exception as exc:  # the disk's refusals, as an OSError or inside any DuckDB error: exit 8, never "fix the SQL"
        if isinstance(exc, LeasewatchError) or not storage_reason(exc):
            raise
        raise storage_error(paths, exc) from exc
    finally:
        if not swapped:
            remove(target)
            remove(generation)
    warnings += prune(paths, keep)
    result.warehouse = paths.warehouse
    result.generation = generation
    result.quarantined = problems
    result.warnings = warnings
    result.seconds = time.perf_counter() - started
    return result


# What each input feeds, for the warning when the raw layer holds none of it (a first ingest cut short, a source
# that never answered): the build goes on and those columns are NULL, never zero.
INPUTS = {
    sources.INCOME: "the income statement (revenue, margins, D&A, interest)",
    sources.BALANCE: "the balance sheet (assets, debt, cash)",
    sources.CASHFLOW: "the cash-flow statement (D&A, capex, operating cash flow)",
    sources.SEGMENTS: "主营构成 (the compute segment)",
    sources.PRICES: "daily prices (valuation)",
    sources.SHARE_INFO: "share counts and industry (valuation)",
}


def absent_inputs(records: list) -> list[str]:
    """A warning for each input the raw layer holds no fetch of."""
    present = {r.function for r in records}
    if sources.PRICE_SNAPSHOT in present:
        present.add(sources.PRICES)
    warnings = [f"the raw layer holds no {function} at all: {what} stays empty (NULL) in every mart until it is "
                "ingested (leasewatch ingest)" for function, what in INPUTS.items() if function not in present]
    if not present & {sources.BOARD_CONS, sources.UNIVERSE_IMPORT}:
        warnings.append("the raw layer holds no membership snapshot: no firm is a current member, so reports have "
                        "nothing to show (leasewatch universe sync, or universe import FILE)")
    return warnings


def fetch_log(records: list) -> list[tuple]:
    """(function, code, fetched_at, rows, flags) for each fetch of one firm in the manifest, loaded as raw.fetches.
    Its flags say what the fetch noticed: `no_disclosure` (upstream answered that nothing is disclosed),
    `unsupported_layout` (a bank, insurer or broker statement), a gap or shrink in a statement history,
    `periods_lost` (periods the previous pull held). Empty answers leave no rows in the other raw tables; here
    they are visible."""
    rows = []
    code_of: dict[str, str] = {}  # a firm has a dozen fetches: each code normalised once
    for record in records:
        symbol = str(record.args.get("symbol", ""))
        if symbol[-6:].isdigit():
            digits = symbol[-6:]
            if (code := code_of.get(digits)) is None:
                code = code_of[digits] = codes.normalize_code(digits)
            rows.append((record.function, code, record.fetched_at, record.rows, [str(f) for f in record.flags]))
    return rows


def _load_fetches(con, fetches: list[tuple], name: str = "raw.fetches") -> None:
    import polars as pl

    # built by polars: pyarrow's pa.array on Python lists imports pandas (0.2 s) to look for pandas objects
    schema = {"function": pl.String, "code": pl.String, "fetched_at": pl.String, "rows": pl.Int64, "flags": pl.List(pl.String)}
    log = pl.DataFrame([list(f) for f in fetches], schema=schema, orient="row").to_arrow()
    con.register("fetch_log", log)
    con.execute(f"create table {name} as select function, code, fetched_at::timestamp as fetched_at, rows, flags "
                "from fetch_log")
    con.unregister("fetch_log")


def _build_into(con, tables, fetches, gross_benchmark, net_benchmark, step, screen=None) -> BuildResult:
    for schema in ("raw", "seeds", "staging", "intermediate", "marts", "ops"):
        con.execute(f"create schema if not exists {schema}")
    step("loading raw tables")
    tables.load(con)
    _load_fetches(con, fetches)
    step("loading seeds")
    seeds.load_seeds(con, gross_benchmark, net_benchmark, screen or {})
    con.execute((SQL_DIR / "macros.sql").read_text(encoding="utf-8"))

    ran, counts = models.run_models(con, step, lambda model: con.execute(f"create table {model.qualified} as\n{model.sql}"))
    return _test_and_record(con, step, ran, counts)


def _build_incremental(con, tables, fetches, step, fingerprint: str, start: incremental.Base,
                       live: Path | None = None) -> BuildResult:
    """Bring a copy of the previous warehouse, or an older kept one (then `live` is the live warehouse's path), up
    to date (pipeline/build/incremental.py)."""
    con.execute((SQL_DIR / "macros.sql").read_text(encoding="utf-8"))
    step("merging new raw payloads")
    plan = incremental.merge_raw(con, tables, lambda c, name: _load_fetches(c, fetches, name))
    step(f"changes: {plan.summary()}")
    ran, counts = models.run_models(con, step, lambda model: incremental.run_model(con, model, plan))
    con.execute("drop table ops.runs")  # written again from the run log
    result = _test_and_record(con, step, ran, counts, lambda sql: incremental.test_sql(con, plan, sql),
                              before_tests=lambda: incremental.materialise_scopes(con, plan))
    incremental.record_state(con, tables, fingerprint, start.chain + 1, start.full_blocks)
    result.incremental = True
    result.changes = plan.summary()
    result.scope = lambda table, source: incremental.scoped_rows(plan, table, source)
    if live is not None and not incremental.covers(con, plan, live):
        result.scope = None  # rows the live warehouse holds and this build kept from its older base may differ
    return result


def _test_and_record(con, step, ran, counts, scoped=None, before_tests=None) -> BuildResult:
    step("documenting tables")
    models.document(con)
    step("running data tests")
    if before_tests:
        before_tests()
    results = models.run_data_tests(con, scoped)
    is_sample = bool(con.execute("select coalesce(bool_or(is_sample), false) from raw.income").fetchone()[0])
    _record_build(con, is_sample)
    result = BuildResult(Path(), [m.qualified for m in ran], counts, len(results), 0.0, is_sample)
    result.data_tests = results
    return result


def _record_build(con, is_sample: bool) -> None:
    from pipeline import __version__

    con.execute(
        """
        create or replace table ops.build_info as
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
    for column, text in BUILD_INFO_DOCS.items():
        target = f"column ops.build_info.{column}" if column else "table ops.build_info"
        con.execute(f"comment on {target} is '{sql_quote(text)}'")


