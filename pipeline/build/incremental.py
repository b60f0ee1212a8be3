"""Incremental builds: the next warehouse made from an earlier one, rebuilding only what changed.

A daily refresh changes little: a few firms file, every firm gets one more trading day. A full build recomputes
every model over every firm and every day; an incremental build starts from an earlier warehouse (the kept one the
next pruning would delete, taken over in place, or else a copy of the live one: base.open_base) and, model by model
in dependency order, deletes and recomputes only the rows that can have changed since that warehouse was built:

- **Raw tables** are merged payload by payload. Each build records what it loaded (ops.build_payloads: one row per
  raw payload with its provenance); payloads gone since then are deleted by their `raw_sha`, new ones inserted from
  the normalised cache. The firms whose raw rows changed are *dirty* for the models reading that table.
- **Per-firm models** (every model whose rows for a firm depend only on that firm's inputs, all but those in
  WHOLE) get their dirty firms' rows deleted and recomputed from inputs restricted to those firms: each reference
  `schema.table` of the model's SQL reads a temporary view holding only those firms' rows. A firm is dirty for a
  model when it is dirty for any table the model reads.
- **Dated models** (DATED: the price chain, keyed by code and trading day) also take *new days*: a firm whose only
  raw change is unadjusted bars after its last stored day (the daily snapshot) keeps its stored rows before its last
  stored day and gets the rest recomputed from a window of its history long enough for every look-back the model
  makes (see _WINDOW).
- **Whole models** (WHOLE: rows depending on other firms, such as `is_current`, which is "in the newest snapshot of
  any firm") are rebuilt whole, then compared with their previous rows on every column but those that move daily
  without anything reading them; the firms whose rows differ are dirty downstream.

Everything else stays as it is in the base. Data tests and the rows-changed comparison read only the recomputed
rows (the rest passed in the build that made them). A full build (`build --full`) produces the same tables, row for
row (tests/test_build_incremental.py compares them EXCEPT ALL both ways after days of filings, snapshots, ex-rights
days, restatements and board changes). A build is full when there is no live warehouse, when it was made by other
code, models, seeds or benchmark overrides (ops.build_state.fingerprint), or after FULL_EVERY incremental builds in a
row (deleted rows leave holes in the file that only a full build compacts).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping

from pipeline.config import SEEDS_DIR, SQL_DIR
from pipeline.display import sql_quote

FULL_EVERY = 30  # incremental builds in a row before the next full one
GROWTH_LIMIT = 1.5  # a full build once the file holds this many times the blocks the last full build's held

# Models whose rows depend on other firms: rebuilt whole. The value lists the columns that move without any model
# reading them (left out of the comparison that finds the firms to rebuild downstream, which would otherwise be every
# member every day). tests/test_build_incremental.py checks no other model reads them.
WHOLE: Mapping[str, tuple[str, ...]] = {
    "marts.universe": ("last_seen",),  # is_current compares each firm's last snapshot with the newest of all
    "marts.universe_changes": (),  # each snapshot's size and change share count all its members
}

# Models keyed by (code, trade_date) that take new trading days without a full recomputation: the table they read by
# day, and the window start column of _WINDOW that covers every look-back they make from the first day recomputed.
DATED: Mapping[str, tuple[str, str]] = {
    "staging.stg_prices": ("raw.prices", "stg_from"),  # one row per day and adjust: no look-back
    # the hfq factor is carried from the last day with both bars: the window starts there
    "intermediate.int_prices_adjusted": ("staging.stg_prices", "hfq_start"),
    # returns look a year back (and to the previous year's last close): the window starts at the last day over a
    # year before the first day recomputed
    "marts.valuation": ("intermediate.int_prices_adjusted", "year_start"),
}
# Each dated model recomputes its rows from its own last stored day on (that day's is_latest and is_quarter_close
# depend on the next day).
_FROM = {"staging.stg_prices": "stg_from", "intermediate.int_prices_adjusted": "ipa_from", "marts.valuation": "val_from"}

_REFERENCE = re.compile(r"\b(raw|staging|intermediate|marts)\.([a-z_][a-z0-9_]*)\b")
_PRICE_CHAIN = tuple(DATED)


def fingerprint(overrides: Mapping[str, object]) -> str:
    """What every stored row depends on besides the raw payloads: leasewatch's version, the code that computes
    rows (normaliser, build, economics), every file under sql/ (models, macros, tests, seeds, column docs) and this
    build's benchmark and screen overrides. An incremental build needs its base to have the same."""
    import pipeline
    from pipeline.normalize import cache

    import duckdb

    digest = hashlib.sha256(
        f"{pipeline.__version__} {duckdb.__version__} {cache.fingerprint()} {sorted(overrides.items())!r}".encode())
    package = Path(pipeline.__file__).parent
    files = sorted(SQL_DIR.rglob("*")) + sorted(SEEDS_DIR.rglob("*"))
    files += sorted((package / "build").glob("*.py")) + sorted((package / "economics").glob("*.py"))
    for path in files:
        if path.is_file():
            digest.update(str(path.relative_to(path.parents[1])).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:24]


@dataclass
class Base:
    """The live warehouse an incremental build starts from, or why the build is full."""

    path: Path | None
    chain: int = 0  # incremental builds since the last full one, this one excluded
    reason: str = ""  # why the build is full (when path is None)
    full_blocks: int | None = None  # storage blocks the last full build's file used


def base(warehouse: Path, want: str) -> Base:
    """The live warehouse, when an incremental build can start from it."""
    import duckdb

    if not warehouse.exists():
        return Base(None, reason="no live warehouse yet")
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error as exc:
        return Base(None, reason=f"the live warehouse cannot be opened ({str(exc).strip().splitlines()[0]})")
    try:
        rows = con.execute(
            "select fingerprint, chain, full_blocks from ops.build_state"
        ).fetchall() if _has_table(con, "ops", "build_state") and _has_table(con, "ops", "build_payloads") else []
        blocks = con.execute("select used_blocks from pragma_database_size()").fetchall()[0][0]
    except duckdb.Error:  # a state table of another shape
        rows = []
    finally:
        con.close()
    if len(rows) != 1:
        return Base(None, reason="the live warehouse records no build state (built by an earlier version)")
    fingerprint_, chain, full_blocks = rows[0]
    if fingerprint_ != want:
        return Base(None, reason="code, models, seeds or overrides differ from the live warehouse's")
    if chain + 1 >= FULL_EVERY:
        return Base(None, reason=f"{FULL_EVERY} builds since the last full one")
    full_blocks = blocks if full_blocks is None else full_blocks  # the live one is the full build itself
    if blocks > GROWTH_LIMIT * full_blocks:
        return Base(None, reason=f"the warehouse file grew to {blocks / full_blocks:.1f}× its size at the last full "
                                 "build (rows deleted by incremental builds leave holes)")
    return Base(warehouse, chain=chain, full_blocks=full_blocks)


def _has_table(con, schema: str, table: str) -> bool:
    return bool(con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?", [schema, table]
    ).fetchone()[0])


def record_state(con, tables, fingerprint_: str, chain: int, full_blocks: int | None = None) -> None:
    """ops.build_state and ops.build_payloads: what the next incremental build compares its inputs with.
    `full_blocks`: the storage blocks of the last full build's file (NULL in a full build: its own, once closed)."""
    con.execute("create or replace table ops.build_state as select ? as fingerprint, ? as chain, ?::bigint as "
                "full_blocks, now()::timestamp as built_at", [fingerprint_, chain, full_blocks])
    con.execute(f"create or replace table ops.build_payloads ({_PAYLOAD_COLUMNS})")
    _insert_payloads(con, "ops.build_payloads", tables)
    con.execute("comment on table ops.build_state is 'Bookkeeping of incremental builds: the fingerprint of the code, "
                "models and overrides that built this warehouse, and how many incremental builds in a row led to it "
                "(0: a full build).'")
    con.execute("comment on table ops.build_payloads is 'Bookkeeping of incremental builds: each raw payload this "
                "warehouse was built from (table, payload, raw_sha, digest of its provenance).'")


@dataclass
class Plan:
    """Which firms each model recomputes: `full[model]` entirely, `window[model]` from a day on (dated models)."""

    raw_dirty: dict[str, set[str]] = field(default_factory=dict)  # raw table → firms whose rows changed
    appended: set[str] = field(default_factory=set)  # firms whose only price change is new unadjusted days
    full: dict[str, set[str]] = field(default_factory=dict)
    window: dict[str, set[str]] = field(default_factory=dict)
    whole: set[str] = field(default_factory=set)  # models rebuilt whole
    payloads_added: int = 0
    payloads_removed: int = 0

    def touched(self, model: str) -> set[str]:
        return self.full.get(model, set()) | self.window.get(model, set())

    def summary(self) -> str:
        filings = set().union(*(c for t, c in self.raw_dirty.items() if t not in ("prices", "universe", "fetches")))
        prices = self.raw_dirty.get("prices", set()) - self.appended
        return (f"{self.payloads_added:,} raw payloads new, {self.payloads_removed:,} gone; {len(self.appended):,} "
                f"firms gained trading days, {len(prices):,} firms' price history changed, {len(filings):,} firms' "
                "statements, segments or shares changed")


# -- Raw tables ---------------------------------------------------------------------------------------------------


def merge_raw(con, tables, fetches_loader) -> Plan:
    """Bring the copied warehouse's raw tables to the current raw layer; returns what changed by firm.

    Also computes, before the price tables change, the window of every firm whose prices only gained new days."""
    import polars as pl

    plan = Plan()
    con.execute(f"create temp table _new_payloads ({_PAYLOAD_COLUMNS})")
    _insert_payloads(con, "_new_payloads", tables)
    con.execute("create temp table _gone as select * from ops.build_payloads except select * from _new_payloads")
    con.execute("create temp table _added as select * from _new_payloads except select * from ops.build_payloads")
    plan.payloads_added, plan.payloads_removed = (con.execute(f"select count(*) from {t}").fetchall()[0][0]
                                                   for t in ("_added", "_gone"))
    # A raw row names its payload by content (raw_sha, and adjust or code where the request sets them): two requests
    # answered alike share rows' identity, so a payload sharing one with a changed payload is replaced with it.
    con.execute("create temp table _replaced as select distinct table_name, raw_sha, adjust, code from "
                "(from _gone union all from _added)")
    con.execute("create temp table _insert as select n.table_name, n.payload from _new_payloads n join _replaced k "
                "on n.table_name = k.table_name and n.raw_sha = k.raw_sha and n.adjust is not distinct from k.adjust "
                "and n.code is not distinct from k.code")
    for table in tables.per_file:
        added = [p for (p,) in con.execute("select payload from _insert where table_name = ?", [table]).fetchall()]
        con.execute(f"create temp table _rows_{table} as select * from raw.{table} limit 0")
        if added:
            frame = tables.per_file[table].filter(pl.col("payload").is_in(added))
            segments = sorted({str(tables.segment_of[table][p]) for p in added})
            con.register("payloads_", frame.to_arrow())
            con.execute(f"insert into _rows_{table} by name select s.* exclude (payload), p.* exclude (payload) "
                        "from read_parquet(?) s join payloads_ p on s.payload = p.payload", [segments])
            con.unregister("payloads_")
        con.execute(f"create temp table _deleted_{table} as select r.code, r.raw_sha from raw.{table} r "
                    f"join _replaced g on {_payload_match(tables, table, 'r', 'g')}")
        plan.raw_dirty[table] = {c for (c,) in con.execute(
            f"select code from _deleted_{table} union select code from _rows_{table}").fetchall()}
    _price_window(con, plan)
    for table in tables.per_file:
        con.execute(f"delete from raw.{table} r using _replaced g where {_payload_match(tables, table, 'r', 'g')}")
        con.execute(f"insert into raw.{table} by name select * from _rows_{table}")
        con.execute(f"drop table _rows_{table}")
        con.execute(f"drop table _deleted_{table}")
    # small tables, replaced whole and compared
    for table, load in (("universe", lambda: tables.load_universe(con, "_next_universe")),
                        ("fetches", lambda: fetches_loader(con, "_next_fetches"))):
        load()
        plan.raw_dirty[table] = _differing_codes(con, f"raw.{table}", f"_next_{table}")
        con.execute(f"create or replace table raw.{table} as select * from _next_{table}")
        con.execute(f"drop table _next_{table}")
    return plan


# One row per raw payload a build loaded: its identity in the raw table's rows (raw_sha, and the request's adjust or
# code where the table has them from the request) and a digest of its provenance (first and last fetch …).
_PAYLOAD_COLUMNS = "table_name varchar, payload varchar, raw_sha varchar, adjust varchar, code varchar, digest ubigint"
_FROM_REQUEST = ("adjust", "code")


def _insert_payloads(con, target: str, tables) -> None:
    for table, frame in tables.per_file.items():
        extra = [f"p.{c}" if c in frame.columns else "null" for c in _FROM_REQUEST]
        con.register("payloads_", frame.to_arrow())
        con.execute(f"insert into {target} select ?, p.payload, p.raw_sha, {', '.join(extra)}, hash(p) "
                    "from payloads_ p", [table])
        con.unregister("payloads_")


def _payload_match(tables, table: str, rows: str, payloads: str) -> str:
    """The join condition of a raw table's rows (alias `rows`) with their payload's line (alias `payloads`)."""
    condition = [f"{payloads}.table_name = '{table}'", f"{rows}.raw_sha = {payloads}.raw_sha"]
    condition += [f"{rows}.{c} = {payloads}.{c}" for c in _FROM_REQUEST if c in tables.per_file[table].columns]
    return " and ".join(condition)


def _price_window(con, plan: Plan) -> None:
    """Firms whose only raw price change is new unadjusted bars after their last stored day, and for each the days
    the price chain recomputes from (_FROM) and the window starts each model reads from (_WINDOW)."""
    changed = plan.raw_dirty.get("prices", set())
    if not changed:
        con.execute("create temp table _window (code varchar, stg_from date, ipa_from date, val_from date, "
                    "hfq_start date, year_start date)")
        return
    con.execute(
        """
        create temp table _window as
        with stored as (select code, max(trade_date) as raw_max from raw.prices group by code),
        only_new_days as (
            select a.code
            from _rows_prices a join stored s using (code)
            group by a.code
            having bool_and(a.adjust = '' and a.trade_date > s.raw_max)
        ),
        eligible as (
            select code from only_new_days
            where code not in (select code from _deleted_prices)
        ),
        stg as (select code, max(trade_date) as stg_from from staging.stg_prices
                where code in (select code from eligible) group by code),
        ipa as (
            select p.code, max(p.trade_date) as ipa_from,
                   max(p.trade_date) filter (where p.hfq_factor is not null and not p.factor_is_carried) as last_factor,
                   min(p.trade_date) as first_day
            from intermediate.int_prices_adjusted p
            where p.code in (select code from eligible) group by p.code
        ),
        val as (select code, max(trade_date) as val_from from marts.valuation
                where code in (select code from eligible) group by code),
        year_back as (
            select p.code, max(p.trade_date) as before_year
            from intermediate.int_prices_adjusted p join val v using (code)
            where p.trade_date::timestamp < v.val_from::timestamp - interval 1 year
            group by p.code
        )
        select e.code, s.stg_from, i.ipa_from, v.val_from,
               coalesce(i.last_factor, i.ipa_from) as hfq_start,
               coalesce(y.before_year, i.first_day) as year_start
        from eligible e
        join stg s using (code) join ipa i using (code) join val v using (code)
        left join year_back y using (code)
        """
    )
    plan.appended = {c for (c,) in con.execute("select code from _window").fetchall()}


def _differing_codes(con, before: str, after: str, ignore: Iterable[str] = ()) -> set[str]:
    """Firms with a row in one table and not in the other (every column but `ignore` compared)."""
    columns = f"* exclude ({', '.join(ignore)})" if ignore else "*"
    rows = con.execute(f"select distinct code from ((select {columns} from {before} except all select {columns} from "
                       f"{after}) union all (select {columns} from {after} except all select {columns} from {before}))"
                       ).fetchall()
    return {c for (c,) in rows}


def covers(con, plan: Plan, live: Path) -> bool:
    """Whether the rows a build from an older kept warehouse recomputed hold every row that can differ from the live
    warehouse's: each raw change between the live warehouse's inputs and this build's is one between the base's and
    this build's. Not so when a change the live warehouse had was undone since (its payload quarantined, a manifest
    rebuilt): then the rows-changed comparison reads whole marts. A live warehouse that cannot be attached answers
    True (the comparison itself reports it)."""
    import duckdb

    try:
        con.execute(f"attach '{sql_quote(str(live))}' as _live_ (read_only)")
    except duckdb.Error:
        return True
    try:
        uncovered = con.execute(
            "select count(*) from (((from _live_.ops.build_payloads except from _new_payloads) union "
            "(from _new_payloads except from _live_.ops.build_payloads)) except (from _gone union from _added))"
        ).fetchall()[0][0]
        if uncovered:
            return False
        return all(_differing_codes(con, f"_live_.raw.{table}", f"raw.{table}") <= plan.raw_dirty.get(table, set())
                   for table in ("universe", "fetches"))
    finally:
        con.execute("detach _live_")


class NotIncremental(Exception):
    """An incremental build finds it cannot go on: the caller builds in full instead."""


# -- Models -------------------------------------------------------------------------------------------------------


def propagate(plan: Plan, model: str, references: set[str]) -> None:
    """Fill plan.full / plan.window for `model` from the plan of the tables it reads."""
    if model in WHOLE:
        plan.whole.add(model)
        return
    full: set[str] = set()
    window: set[str] = set()
    dated_input = DATED.get(model, (None,))[0]
    for ref in references:
        schema, name = ref.split(".", 1)
        if schema == "raw":
            dirty = plan.raw_dirty.get(name, set())
            if ref == dated_input:
                window |= dirty & plan.appended
                full |= dirty - plan.appended
            else:
                full |= dirty
        else:  # a whole model's entry holds the firms its comparison found (_run_whole)
            full |= plan.full.get(ref, set())
            if ref == dated_input:
                window |= plan.window.get(ref, set())
            else:  # a model reading a dated table by firm sees all its days: new days change its rows
                full |= plan.window.get(ref, set())
    plan.full[model] = full
    plan.window[model] = window - full


def references(sql: str) -> set[str]:
    return {f"{s}.{n}" for s, n in _REFERENCE.findall(re.sub(r"--[^\n]*", "", sql))}


def run_model(con, model, plan: Plan) -> None:
    """Recompute `model`'s changed rows in place (its previous rows are those of the copied warehouse)."""
    name = model.qualified
    refs = references(model.sql) - {name}
    propagate(plan, name, refs)
    if name in WHOLE:
        return _run_whole(con, model, plan)
    full, window = plan.full[name], plan.window[name]
    if not full and not window:
        return
    if "code" not in _columns(con, name):
        raise NotIncremental(f"{name} has no code column: list it in WHOLE")
    dated_input, start = DATED.get(name, (None, None))
    _scope_tables(con, full, window, start, _FROM.get(name))
    sql = _scoped_sql(con, model.sql, refs, dated_input)
    con.execute("delete from " + name + " where code in (select code from _full)")
    if window:
        con.execute(f"delete from {name} t using _win w where t.code = w.code and t.trade_date >= w.from_date")
    out = ("select o_.* from (\n" + sql + "\n) o_ join _out s_ on o_.code = s_.code "
           "where s_.from_date is null or o_.trade_date >= s_.from_date") if name in DATED else (
        "select o_.* from (\n" + sql + "\n) o_ where o_.code in (select code from _full)")
    con.execute(f"insert into {name} by name {out}")


def _run_whole(con, model, plan: Plan) -> None:
    name = model.qualified
    schema, table = name.split(".")
    con.execute(f"alter table {name} rename to {table}__previous")
    con.execute(f"create table {name} as\n{model.sql}")
    plan.full[name] = _differing_codes(con, f"{schema}.{table}__previous", name, WHOLE[name])
    con.execute(f"drop table {schema}.{table}__previous")


def _columns(con, table: str) -> list[str]:
    schema, name = table.split(".")
    return [c for (c,) in con.execute("select column_name from information_schema.columns where table_schema = ? "
                                      "and table_name = ? and table_catalog = current_database()",
                                      [schema, name]).fetchall()]


def _scope_tables(con, full: set[str], window: set[str], start: str | None, from_column: str | None) -> None:
    """_full(code), _win(code, from_date, start) and _in(code, start) (start NULL: all days), _out(code, from_date)."""
    import pyarrow as pa

    con.register("full_", pa.table({"code": pa.array(sorted(full), pa.string())}))
    con.execute("create or replace temp table _full as select code from full_")
    con.unregister("full_")
    con.register("window_", pa.table({"code": pa.array(sorted(window), pa.string())}))
    if start:
        con.execute(f"create or replace temp table _win as select w.code, w.{from_column} as from_date, w.{start} "
                    "as start from _window w where w.code in (select code from window_)")
    else:
        con.execute("create or replace temp table _win as select code, null::date as from_date, null::date as start "
                    "from window_ limit 0")
    con.unregister("window_")
    con.execute("create or replace temp table _in as select code, null::date as start from _full "
                "union all select code, start from _win")
    con.execute("create or replace temp table _out as select code, null::date as from_date from _full "
                "union all select code, from_date from _win")


def _scoped_sql(con, sql: str, refs: set[str], dated_input: str | None) -> str:
    """The model's SQL with each table it reads replaced by a temporary view of the rows in scope."""
    for ref in refs:
        view = "_v_" + ref.replace(".", "_")
        if ref in WHOLE:
            body = f"select * from {ref}"
        elif ref == dated_input:
            body = (f"select r_.* from {ref} r_ join _in s_ on r_.code = s_.code "
                    "where s_.start is null or r_.trade_date >= s_.start")
        else:
            body = f"select * from {ref} where code in (select code from _in)"
        con.execute(f"create or replace temp view {view} as {body}")
    return _REFERENCE.sub(lambda m: "_v_" + m.group(1) + "_" + m.group(2) if f"{m.group(1)}.{m.group(2)}" in refs
                          else m.group(0), sql)


# -- Data tests and the comparison with the previous warehouse ----------------------------------------------------


def materialise_scopes(con, plan: Plan) -> None:
    """Per recomputed model, _sc_<model>(code, from_date): its firms recomputed entirely (from_date NULL) and those
    recomputed from a day on. scoped_rows reads them."""
    import pyarrow as pa

    for model, full in plan.full.items():
        if model in plan.whole:
            continue
        window = sorted(plan.window.get(model, set()))
        column = f"w.{_FROM[model]}" if model in _FROM else "null::date"
        con.register("full_", pa.table({"code": pa.array(sorted(full), pa.string())}))
        con.register("window_", pa.table({"code": pa.array(window, pa.string())}))
        con.execute(f"create or replace temp table {_scope_name(model)} as select code, null::date as from_date "
                    f"from full_ union all select w.code, {column} from _window w semi join window_ x on w.code = x.code")
        con.unregister("full_")
        con.unregister("window_")


def _scope_name(model: str) -> str:
    return "_sc_" + model.replace(".", "_")


def scoped_rows(plan: Plan, table: str, source: str, scope: str | None = None) -> str:
    """A query of the rows of `source` (a table shaped like model `table`, e.g. its copy in another database) that
    this build recomputed: every row of a whole model, none of a table it kept. `scope` names another scope table."""
    if table in plan.whole:
        return f"select * from {source}"
    if table not in plan.full and scope is None:
        return f"select * from {source} where false"
    on = "t_.code = s_.code"
    if table in DATED:
        on += " and (s_.from_date is null or t_.trade_date >= s_.from_date)"
    return f"select t_.* from {source} t_ semi join {scope or _scope_name(table)} s_ on {on}"


def test_sql(con, plan: Plan, sql: str) -> str:
    """A data test reading only what this build recomputed: the firms any table it reads recomputed (all their rows,
    so that tests joining tables see both sides) and, of a dated table, the new days of firms that only gained days.
    """
    import pyarrow as pa

    refs = references(sql)
    firms: set[str] = set()
    for ref in refs:
        if ref in plan.whole:
            continue
        if ref.startswith("raw."):
            firms |= plan.raw_dirty.get(ref[4:], set())
        else:
            firms |= plan.full.get(ref, set())
            if ref not in DATED:
                firms |= plan.window.get(ref, set())
    con.register("codes_", pa.table({"code": pa.array(sorted(firms), pa.string())}))
    con.execute("create or replace temp table _test_firms as select code, null::date as from_date from codes_")
    con.unregister("codes_")
    for ref in refs:
        view = "_t_" + ref.replace(".", "_")
        if ref.startswith("raw.") or ref not in plan.full:
            body = scoped_rows(plan, ref, ref, "_test_firms") if ref not in plan.whole else f"select * from {ref}"
        elif ref in plan.whole:
            body = f"select * from {ref}"
        else:  # its own scope, and the other firms the test reads (all their days)
            scope = f"_ts_{ref.replace('.', '_')}"
            con.execute(f"create or replace temp table {scope} as select * from {_scope_name(ref)} union all "
                        f"select * from _test_firms where code not in (select code from {_scope_name(ref)})")
            body = scoped_rows(plan, ref, ref, scope)
        con.execute(f"create or replace temp view {view} as {body}")
    return _REFERENCE.sub(lambda m: "_t_" + m.group(1) + "_" + m.group(2) if f"{m.group(1)}.{m.group(2)}" in refs
                          else m.group(0), sql)
