"""The build: raw layer → normalised tables → SQL models (staging → intermediate → marts) → data tests → swap.

Each build writes a new file under data/warehouses/, tests it, and only then links it over the live
data/leasewatch.duckdb with an atomic rename. A reader never sees a half-built warehouse, a reader's open
connection keeps the file it opened, and a failed or killed build leaves the previous warehouse untouched.
The last few builds stay in data/warehouses/ (the live file is a hard link to one of them), so `rollback`
can put the previous one back the same way. Builds, refreshes and rollbacks hold the data directory's lock.
An incremental build may start from the kept warehouse the next pruning would delete, renamed aside and written in
place (never one a client has open: see _open_base).
"""

from __future__ import annotations

import csv
import math
import os
import re
import shutil
import time
from concurrent import futures
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping

from pipeline import codes, sources
from pipeline.build import incremental
from pipeline.build import publish_log
from pipeline.build.publish import (
    BUILDING_PREFIX,
    KEEP_WAREHOUSES,
    live_changed,
    new_generation,
    new_status_changes,
    prune,
    reconcile,
    reusable,
    remove,
    rows_changed,
    storage_error,
    swap_in,
    warehouses_dir,
)
from pipeline.config import SEEDS_DIR, SQL_DIR, Paths
from pipeline.display import sql_quote
from pipeline.economics import solver, tables
from pipeline.economics.assumptions import load_assumptions
from pipeline.errors import DataTestFailed, LeasewatchError, UsageError, storage_reason
from pipeline.raw.store import RawCorruptError, RawStore
from pipeline.runtime.lock import refresh_lock
from pipeline.runtime.runlog import write_runs_table

_READ_RETRIES = 3  # builds restarted after a read found (and quarantined) a damaged payload
DUCKDB_MEMORY_LIMIT = "1GB"  # of a 1.5 GiB budget for a full-market build (issue 16): the rest is Python, Arrow and polars
LAYERS = (("10_staging", "staging"), ("20_intermediate", "intermediate"), ("30_marts", "marts"))
_REFERENCE = re.compile(r"\b(staging|intermediate|marts)\.([a-z_][a-z0-9_]*)\b")
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
    keep: int = KEEP_WAREHOUSES,
    screen: Mapping[str, float] | None = None,
    full: bool = False,
) -> BuildResult:
    """Build a new warehouse from the raw layer and swap it in. Raises DataTestFailed, keeping the old one.

    The build is incremental (pipeline/build/incremental.py) when the live warehouse allows it, unless `full`.
    `screen` overrides thresholds of sql/seeds/carry_screen.csv by name for this build (UsageError for a name the
    seed does not have)."""
    overrides = screen_overrides(screen)
    with refresh_lock(paths, "build"):
        return _build(paths, gross_benchmark, net_benchmark, on_step or (lambda _msg: None), max(keep, 1), overrides,
                      full)


def _build(paths: Paths, gross_benchmark, net_benchmark, step: Callable[[str], None], keep: int,
           screen: Mapping[str, float], full: bool = False) -> BuildResult:
    import duckdb

    from pipeline.normalize.cache import NormalizedCache

    started = time.perf_counter()
    ahead = {} if full else _check_ahead(paths, keep)
    store = RawStore(paths.raw_dir)
    records = store.records()
    unnamed = store.check_named(records)
    if not records:
        raise LeasewatchError(
            f"the raw layer at {paths.raw_dir} is empty",
            "fetch data first: leasewatch universe sync, then leasewatch ingest (live); or leasewatch demo (the sample)",
        )
    step("verifying raw files")
    store.remove_orphans()
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
                con, start, reused = _open_base(paths, start, fingerprint, keep, target, step, warnings, ahead)
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
                con = duckdb.connect(str(target), config=_duckdb_settings(folder))
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


def _check_ahead(paths: Paths, keep: int) -> dict[Path, Future]:
    """Start checking, on a second thread, the kept warehouse a build will likely take over (see _open_base) against
    the publish log: its SHA-256 (2.9 s for the full market's 3.6 GB) is taken while this thread reads the raw layer."""
    try:
        candidates = reusable(paths, keep)[:1]
    except (LeasewatchError, OSError):  # an unreadable publish log or folder: the build reports it where it reads them
        return {}
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="check-kept")
    ahead = {path: pool.submit(_changed, path, entry) for path, entry in candidates}
    pool.shutdown(wait=False)
    return ahead


def _changed(path: Path, entry: publish_log.Entry) -> str | None:
    """Why the kept warehouse `path` is not the file `entry` published, its bytes hashed again; None when it is."""
    try:
        return publish_log.changed(path, entry, full=True)
    except OSError as exc:
        return f"it cannot be read: {exc.strerror or exc}"


def _open_base(paths: Paths, live: incremental.Base, fingerprint: str, keep: int, target: Path,
               step: Callable[[str], None], warnings: list[str],
               ahead: Mapping[Path, Future] | None = None):
    """A connection to `target`, the next generation, made from a kept warehouse the pruning after this build
    deletes anyway: moved to `target` and brought up to date in place, it costs no copy (the full market's live
    file is 3.6 GB, 15 s to copy here). Before it is taken over, its SHA-256 must still be the one published (bit
    rot that kept the file's time is caught here, as rollback would catch it) and its build state one this build
    can start from; no client may have it open: a reader in another process holding it since it was live keeps
    DuckDB's lock on it, one in this process is seen in /proc (publish.reusable). A file that cannot be taken over
    is left as it was (its name, mode, bytes and time) and the next is tried. Otherwise `target` is a copy of the
    live warehouse. Returns the connection, the base and the taken-over generation's name ('' for a copy).

    The chain of incremental builds goes on from the live warehouse's (FULL_EVERY counts builds in a row); the
    growth check is the taken-over file's own. What it costs: a build that fails after taking one over leaves one
    rollback target fewer until the next build (the one it would have pruned on success; keep ≥ 3 leaves another)."""
    import duckdb

    settings = _duckdb_settings(target.parent)
    ahead = ahead or {}
    futures.wait(ahead.values())  # a check's open file would count as one this process holds (publish.reusable)
    for kept, entry in reusable(paths, keep):
        if (why := ahead[kept].result() if kept in ahead else _changed(kept, entry)) is not None:
            warnings.append(f"the kept warehouse {kept} changed after it was published ({why}): not built on; "
                            "pruning deletes it, and `leasewatch verify --full` names such files")
            step(f"warning: {warnings[-1]}")
            continue
        start = incremental.base(kept, fingerprint)
        if start.path is None:
            continue
        os.replace(kept, target)
        try:
            os.chmod(target, 0o644)
            con = duckdb.connect(str(target), config=settings)
        except BaseException as exc:
            os.replace(target, kept)  # back as it was: its name first, then its mode; its bytes and time untouched
            try:
                os.chmod(kept, 0o444)
            except OSError:
                pass
            if isinstance(exc, duckdb.IOException) and "lock" in str(exc).lower():
                step(f"{kept.name} is open in another process: not taken over")
                continue
            if isinstance(exc, (OSError, duckdb.Error)):
                step(f"{kept.name} cannot be taken over ({str(exc).strip().splitlines()[0]}): not taken over")
                continue
            raise
        step(f"incremental build from {kept.name}, reused in place (a kept warehouse this build would delete)")
        return con, incremental.Base(target, chain=live.chain, full_blocks=start.full_blocks), kept.name
    step(f"incremental build from {live.path.name}")
    shutil.copyfile(live.path, target)  # copy_file_range: a reflink where the filesystem has them
    os.chmod(target, 0o644)
    return duckdb.connect(str(target), config=settings), live, ""


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


def _duckdb_settings(folder: Path) -> dict:
    """Bound DuckDB's memory (it would take 80 % of the machine): past the limit, joins, sorts and windows spill to
    a folder beside the warehouses, removed with the connection. LEASEWATCH_DUCKDB_MEMORY overrides the limit."""
    return {
        "memory_limit": os.environ.get("LEASEWATCH_DUCKDB_MEMORY", DUCKDB_MEMORY_LIMIT),
        "temp_directory": str(folder / ".spill"),
    }


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
    _load_seeds(con, gross_benchmark, net_benchmark, screen or {})
    con.execute((SQL_DIR / "macros.sql").read_text(encoding="utf-8"))

    models, counts = _run_models(con, step, lambda model: con.execute(f"create table {model.qualified} as\n{model.sql}"))
    return _test_and_record(con, step, models, counts)


def _build_incremental(con, tables, fetches, step, fingerprint: str, start: incremental.Base,
                       live: Path | None = None) -> BuildResult:
    """Bring a copy of the previous warehouse, or an older kept one (then `live` is the live warehouse's path), up
    to date (pipeline/build/incremental.py)."""
    con.execute((SQL_DIR / "macros.sql").read_text(encoding="utf-8"))
    step("merging new raw payloads")
    plan = incremental.merge_raw(con, tables, lambda c, name: _load_fetches(c, fetches, name))
    step(f"changes: {plan.summary()}")
    models, counts = _run_models(con, step, lambda model: incremental.run_model(con, model, plan))
    con.execute("drop table ops.runs")  # written again from the run log
    result = _test_and_record(con, step, models, counts, lambda sql: incremental.test_sql(con, plan, sql),
                              before_tests=lambda: incremental.materialise_scopes(con, plan))
    incremental.record_state(con, tables, fingerprint, start.chain + 1, start.full_blocks)
    result.incremental = True
    result.changes = plan.summary()
    result.scope = lambda table, source: incremental.scoped_rows(plan, table, source)
    if live is not None and not incremental.covers(con, plan, live):
        result.scope = None  # rows the live warehouse holds and this build kept from its older base may differ
    return result


def _run_models(con, step, run: Callable) -> tuple[list[Model], dict[str, int]]:
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


def _test_and_record(con, step, models, counts, scoped=None, before_tests=None) -> BuildResult:
    step("documenting tables")
    _document(con)
    step("running data tests")
    if before_tests:
        before_tests()
    results = _run_data_tests(con, scoped)
    is_sample = bool(con.execute("select coalesce(bool_or(is_sample), false) from raw.income").fetchone()[0])
    _record_build(con, is_sample)
    result = BuildResult(Path(), [m.qualified for m in models], counts, len(results), 0.0, is_sample)
    result.data_tests = results
    return result


def screen_thresholds() -> dict[str, tuple[float, str]]:
    """The carry screen's default thresholds and units by name (sql/seeds/carry_screen.csv)."""
    with (SEEDS_DIR / "carry_screen.csv").open(encoding="utf-8") as fh:
        return {row["name"]: (float(row["threshold"]), row["unit"]) for row in csv.DictReader(fh)}


MAX_RUN_QUARTERS = 400  # a run threshold longer than any stored history (100 years) flags nothing


def screen_overrides(screen: Mapping[str, float] | None) -> dict[str, float]:
    """Validate `--screen` overrides against the seed: a known name and a finite, non-negative value."""
    known = screen_thresholds()
    for name, value in (screen or {}).items():
        if name not in known:
            raise UsageError(f"unknown carry-screen threshold '{name}'", f"use one of: {', '.join(known)}")
        default, unit = known[name]
        if unit == "quarters":  # a run length: a whole number of quarters, at least one
            if not math.isfinite(value) or value != int(value) or not 1 <= value <= MAX_RUN_QUARTERS:
                raise UsageError(f"carry-screen threshold {name}={value:g} is not a whole number of quarters from 1 "
                                 f"to {MAX_RUN_QUARTERS}", f"give a value like {name}={default:g}")
        elif not math.isfinite(value) or value < 0:
            raise UsageError(f"carry-screen threshold {name}={value} is not a finite number ≥ 0",
                             f"give a value like {name}={default:g}")
    return dict(screen or {})


def _load_seeds(con, gross_benchmark: float | None, net_benchmark: float | None,
                screen: Mapping[str, float] | None = None) -> None:
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
        f"create table seeds.carry_screen as select *, 'sql/seeds/carry_screen.csv' as source, "
        f"row_number() over () as priority from read_csv('{SEEDS_DIR / 'carry_screen.csv'}', header=true, "
        "columns={'name': 'VARCHAR', 'flag': 'VARCHAR', 'threshold': 'DOUBLE', 'unit': 'VARCHAR', 'note': 'VARCHAR'})"
    )
    for name, value in (screen or {}).items():
        con.execute("update seeds.carry_screen set threshold = ?, source = 'command-line override' where name = ?",
                    [value, name])
    con.execute(
        f"create table seeds.compute_keywords as select *, row_number() over () as priority "
        f"from read_csv('{SEEDS_DIR / 'compute_keywords.csv'}', header=true, "
        "columns={'keyword': 'VARCHAR', 'tier': 'INTEGER', 'note': 'VARCHAR'})"
    )
    con.execute(
        f"create table seeds.compute_exclusions as select *, row_number() over () as priority "
        f"from read_csv('{SEEDS_DIR / 'compute_exclusions.csv'}', header=true, "
        "columns={'keyword': 'VARCHAR', 'reason': 'VARCHAR'})"
    )
    con.execute(
        f"create table seeds.field_dictionary as select * from read_csv('{SEEDS_DIR / 'field_dictionary.csv'}', "
        "header=true, all_varchar=true)"
    )
    _load_economics(con)


# The per-server model of pipeline/economics/ at the defaults of sql/seeds/economics_defaults.toml, as tables.
_ECONOMICS_TABLES = {
    "economics_assumptions": (tables.assumption_rows, {"input": "varchar", "value": "varchar", "unit": "varchar"}),
    "economics_model": (
        tables.model_rows,
        {
            "method": "varchar", "is_assumed_method": "boolean", "year": "integer", "utilization": "double",
            "revenue": "double", "depreciation": "double", "opex": "double", "interest": "double",
            "disposal_gain": "double", "tax": "double", "net_profit": "double", "gross_margin": "double",
            "net_margin": "double", "da_to_revenue": "double", "interest_to_revenue": "double",
        },
    ),
    "economics_solve": (
        solver.solve_rows,
        {
            "basis": "varchar", "years": "integer", "revenue_at_full": "double", "depreciation": "double",
            "opex_fixed": "double", "opex_variable_at_full": "double",
        },
    ),
}


def _load_economics(con) -> None:
    assumptions = load_assumptions()
    for table, (function, columns) in _ECONOMICS_TABLES.items():
        rows = function(assumptions)
        con.execute(f"create table seeds.{table} ({', '.join(f'{c} {t}' for c, t in columns.items())})")
        con.executemany(
            f"insert into seeds.{table} values ({', '.join('?' * len(columns))})",
            [[row[c] for c in columns] for row in rows],
        )
    con.execute("create table seeds.economics_description as select ? as description", [tables.describe(assumptions)])


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


def _run_data_tests(con, scoped: Callable[[str], str] | None = None) -> dict[str, int]:
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


def _strip_comments(sql: str) -> str:
    return re.sub(r"--[^\n]*", "", sql)
