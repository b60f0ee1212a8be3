"""Normalisation: raw frames (as fetched) → typed polars tables named by the field dictionary.

Each stored payload becomes rows of one table (`income`, `balance`, `cashflow`, `segments`, `prices`,
`universe`, `share_info`) with the model's column names, proper types and provenance columns. Nothing is
chosen or aggregated here: every version is kept; the SQL staging models pick the latest.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from pipeline import codes, sources
from pipeline.config import SEEDS_DIR
from pipeline.errors import SchemaDriftError
from pipeline.raw.store import RawRecord, RawStore

if TYPE_CHECKING:
    import polars as pl

TABLE_OF_FUNCTION = {
    sources.INCOME: "income",
    sources.BALANCE: "balance",
    sources.CASHFLOW: "cashflow",
    sources.SEGMENTS: "segments",
    sources.PRICES: "prices",
    sources.PRICE_SNAPSHOT: "prices",
    sources.BOARD_CONS: "universe",
    sources.UNIVERSE_IMPORT: "universe",
    sources.SHARE_INFO: "share_info",
    sources.SHARE_CHANGES: "share_changes",
}
TABLES = ("income", "balance", "cashflow", "segments", "prices", "universe", "share_info", "share_changes")

_DATE_UNITS = {"date"}
_TEXT_UNITS = {"text"}
# Payloads read and shaped together: enough to spread per-call costs, few enough that a batch of daily price
# histories stays a few hundred MB at most.
BATCH_FILES = 256
# Reading Parquet releases the GIL, so footers of several files are parsed at once.


@dataclass(frozen=True)
class Field:
    table: str
    source_column: str
    model_name: str
    label_zh: str
    unit: str
    required: bool
    description: str


@lru_cache(maxsize=1)
def field_dictionary() -> tuple[Field, ...]:
    """The field dictionary seed (sql/seeds/field_dictionary.csv)."""
    with (SEEDS_DIR / "field_dictionary.csv").open(encoding="utf-8") as fh:
        return tuple(
            Field(
                table=row["table"],
                source_column=row["source_column"],
                model_name=row["model_name"],
                label_zh=row["label_zh"],
                unit=row["unit"],
                required=row["required"].strip().lower() == "true",
                description=row["description"],
            )
            for row in csv.DictReader(fh)
        )


def fields_of(table: str) -> list[Field]:
    return [f for f in field_dictionary() if f.table == table]


def check_columns(function: str, args: dict, columns: list[str]) -> None:
    """Raise SchemaDriftError naming the function, the request and the missing required columns."""
    table = TABLE_OF_FUNCTION[function]
    if table == "share_info":
        columns = ["item", "value"] if {"item", "value"} <= set(columns) else columns
        required = {"item", "value"}
    else:
        required = {f.source_column for f in fields_of(table) if f.required}
    missing = sorted(required - set(columns))
    if missing:
        raise SchemaDriftError(
            f"{function}({_args_text(args)}) lacks required columns {missing}; it returned {len(columns)} columns",
            "akshare's output changed: check the pinned akshare version and sql/seeds/field_dictionary.csv",
        )


def normalize(store: RawStore) -> dict[str, "pl.DataFrame"]:
    """Every stored payload, typed and renamed, as one polars frame per table. Builds take the same rows through
    pipeline/normalize/cache.py; this is the uncached reference the tests compare it with."""
    import polars as pl

    parts: dict[str, list[pl.DataFrame]] = {t: [] for t in TABLES}
    records = store.records()
    last_seen = _last_seen(records)
    for table, versions in payload_versions(records).items():
        for start in range(0, len(versions), BATCH_FILES):
            batch = versions[start : start + BATCH_FILES]
            typed, rows = typed_rows(store, table, batch)
            if typed.height:
                per_file = per_file_columns(table, batch, last_seen)
                parts[table].append(typed.hstack(per_file.select(pl.all().gather(_repeat(rows)))))
    parts["universe"] = universe_snapshots(store, records)
    return {t: _concat(t, frames) for t, frames in parts.items()}


def universe_snapshots(store: RawStore, records: list[RawRecord]) -> list["pl.DataFrame"]:
    """One frame per stored universe snapshot (a board's constituents or an imported list), oldest first."""
    return [_universe_snapshot(store, r) for r in records if TABLE_OF_FUNCTION.get(r.function) == "universe"]


def payload_versions(records: list[RawRecord]) -> dict[str, list[RawRecord]]:
    """Per table except the universe: each distinct payload once, at its first fetch, in fetch order (functions
    feeding one table in TABLE_OF_FUNCTION's order). The universe is per fetch, see _universe_snapshot."""
    out: dict[str, list[RawRecord]] = {}
    for function, table in TABLE_OF_FUNCTION.items():
        if table == "universe":
            continue
        seen: set[str] = set()
        versions = out.setdefault(table, [])
        for record in records:
            if record.function == function and record.path not in seen:
                seen.add(record.path)
                versions.append(record)
    return out


def typed_rows(store: RawStore, table: str, records: list[RawRecord]):
    """The typed rows of some payloads of one table, without provenance, and how many rows each payload gave (0
    for an empty payload). Payloads are shaped together while their column types agree (`_typed` reads a date
    column by its type), so a batch of alike files is one polars call, not one per file."""
    import numpy as np
    import polars as pl

    reads = _read_columns(store, records)
    payloads = [t for t in reads if t is not None]
    rows = np.array([0 if t is None else t.num_rows for t in reads], dtype=np.int64)
    if not payloads:
        return empty_table(table).select(_typed_names(table)), rows
    shaped = []
    for run in _runs_of_alike(payloads):
        frame = pl.from_arrow(_concat_arrow(run))
        shaped.append(_share_info_long(frame) if table == "share_info" else _SHAPERS[table](frame))
    typed = pl.concat(shaped)
    if table == "share_info":  # long item/value rows become one row per payload
        present = np.flatnonzero(rows)
        typed = _share_info_wide(typed.with_columns(pl.Series("payload", _repeat(rows[present]))), len(present))
        rows = (rows > 0).astype(np.int64)
    return typed, rows


def _typed_names(table: str) -> list[str]:
    extras = {"income": ["row_hash"], "balance": ["row_hash"], "cashflow": ["row_hash"], "segments": ["segment_key"]}
    return [f.model_name for f in fields_of(table)] + extras.get(table, [])


def _repeat(rows):
    """Row i of a per-payload frame repeated rows[i] times: the payload index of every typed row."""
    import numpy as np

    return np.repeat(np.arange(len(rows)), rows)


def _read_columns(store: RawStore, records: list[RawRecord]) -> list:
    """The payloads' columns the dictionary maps, as Arrow (None for an empty payload), each verified by the
    store; a pack's row group is read once for all the payloads in it."""
    out = []
    for record, table in zip(records, store.read_tables(records)):
        if table.num_rows == 0:
            out.append(None)
            continue
        names = table.column_names
        check_columns(record.function, record.args, names)
        present = set(names)
        wanted = _source_columns(TABLE_OF_FUNCTION[record.function])
        out.append(table.select([c for c in wanted if c in present]).replace_schema_metadata(None))
    return out


@lru_cache(maxsize=None)
def _source_columns(table: str) -> tuple[str, ...]:
    if table == "share_info":
        return ("item", "value")
    return tuple(dict.fromkeys(f.source_column for f in fields_of(table)))


def _runs_of_alike(tables: list) -> list[list]:
    runs: list[list] = []
    for table in tables:
        if runs and runs[-1][0].schema.equals(table.schema):
            runs[-1].append(table)
        else:
            runs.append([table])
    return runs


def _concat_arrow(tables: list):
    import pyarrow as pa

    return tables[0] if len(tables) == 1 else pa.concat_tables(tables)


def per_file_columns(table: str, records: list[RawRecord], last_seen: dict[str, str]) -> "pl.DataFrame":
    """One row per payload: what the rows of a payload share (the request's adjust for prices, provenance)."""
    import polars as pl

    columns = {"adjust": [r.args.get("adjust", "") for r in records]} if table == "prices" else {}
    if table == "share_changes":  # stock_zh_a_gbjg_em names no code: it is the request's
        columns = {"code": [codes.normalize_code(r.args["symbol"]) for r in records]}
    frame = pl.DataFrame(
        {
            **columns,
            "source": [r.source for r in records],
            "fetched_at": [r.fetched_at for r in records],
            "last_seen_at": [last_seen[r.path] for r in records],
            "raw_sha": [r.sha256[:16] for r in records],
            "source_version": [r.source_version for r in records],
            "is_sample": [r.is_sample for r in records],
        },
        # typed even with no payload at all (a statement never fetched, as after a first ingest cut short)
        schema_overrides={"adjust": pl.String, "code": pl.String, "source": pl.String, "fetched_at": pl.String, "last_seen_at": pl.String,
                          "raw_sha": pl.String, "source_version": pl.String, "is_sample": pl.Boolean},
    )
    return frame.with_columns(pl.col("fetched_at", "last_seen_at").str.to_datetime("%Y-%m-%dT%H:%M:%S"))


def _last_seen(records: list[RawRecord]) -> dict[str, str]:
    """Most recent fetch of each payload: a payload fetched again later is still the current version."""
    seen: dict[str, str] = {}
    for record in records:
        seen[record.path] = max(seen.get(record.path, record.fetched_at), record.fetched_at)
    return seen


def _provenance(record: RawRecord, last_seen_at: str) -> list:
    import polars as pl

    return [
        pl.lit(record.source).alias("source"),
        pl.lit(record.fetched_at).str.to_datetime("%Y-%m-%dT%H:%M:%S").alias("fetched_at"),
        pl.lit(last_seen_at).str.to_datetime("%Y-%m-%dT%H:%M:%S").alias("last_seen_at"),
        pl.lit(record.sha256[:16]).alias("raw_sha"),
        pl.lit(record.source_version).alias("source_version"),
        pl.lit(record.is_sample).alias("is_sample"),
    ]


def _typed(frame: "pl.DataFrame", table: str) -> "pl.DataFrame":
    """Select the dictionary's columns (absent optional ones as NULL), rename, and cast by unit."""
    import polars as pl

    exprs = []
    for f in fields_of(table):
        col = pl.col(f.source_column) if f.source_column in frame.columns else pl.lit(None)
        if f.unit in _DATE_UNITS:
            exprs.append(_to_date(frame, f.source_column).alias(f.model_name))
        elif f.unit in _TEXT_UNITS:
            exprs.append(col.cast(pl.String).alias(f.model_name))
        else:
            exprs.append(col.cast(pl.Float64, strict=False).alias(f.model_name))
    return frame.select(exprs)


def _to_date(frame: "pl.DataFrame", column: str) -> "pl.Expr":
    """EM F10 dates are strings like '2024-03-31 00:00:00'; akshare's converted ones are already dates."""
    import polars as pl

    if column not in frame.columns:
        return pl.lit(None, dtype=pl.Date)
    dtype = frame.schema[column]
    if dtype == pl.Date:
        return pl.col(column)
    if dtype.is_temporal():
        return pl.col(column).cast(pl.Date)
    if dtype.is_integer():  # 上市时间 arrives as 20200101
        return pl.col(column).cast(pl.String).str.to_date("%Y%m%d", strict=False)
    return pl.col(column).cast(pl.String).str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)


def _statement(table: str):
    def shape(frame: "pl.DataFrame") -> "pl.DataFrame":
        import polars as pl

        typed = _typed(frame, table)
        values = [f.model_name for f in fields_of(table) if f.unit not in _DATE_UNITS | _TEXT_UNITS]
        # Identifies a row's content, so that the same period carried in a later payload is not a new version.
        return typed.with_columns(pl.struct(values).hash(seed=0).alias("row_hash"))

    return shape


def _segments(frame: "pl.DataFrame") -> "pl.DataFrame":
    import polars as pl

    typed = _typed(frame, "segments")
    # Match keywords on a canonical form: full-width letters and spaces (ＧＰＵ 算力) are common in disclosures.
    key = pl.col("segment").str.normalize("NFKC").str.to_uppercase().str.replace_all(r"\s+", "")
    return typed.with_columns(key.alias("segment_key"))


def _prices(frame: "pl.DataFrame") -> "pl.DataFrame":
    return _typed(frame, "prices")  # the request's `adjust` follows as a per-file column


def _share_info_long(frame: "pl.DataFrame") -> "pl.DataFrame":
    """stock_individual_info_em is long (item/value): items and values as text, as each payload typed them."""
    import polars as pl

    return frame.select(pl.col("item").cast(pl.String), pl.col("value").cast(pl.String))


def _share_info_wide(long: "pl.DataFrame", payloads: int) -> "pl.DataFrame":
    """One row per payload (in order) with the items the dictionary names; a repeated item keeps its last value."""
    import polars as pl

    wanted = [f.source_column for f in fields_of("share_info")]
    wide = (
        long.filter(pl.col("item").is_in(wanted))
        .pivot(on="item", index="payload", values="value", aggregate_function="last")
    )
    wide = pl.DataFrame({"payload": pl.Series(range(payloads), dtype=wide.schema["payload"])}).join(
        wide, on="payload", how="left", maintain_order="left"
    )
    wide = wide.with_columns(pl.lit(None, dtype=pl.String).alias(c) for c in wanted if c not in wide.columns)
    wide = wide.with_columns(pl.col("上市时间").str.replace(r"\.0$", "").cast(pl.Int64, strict=False))
    return _typed(wide, "share_info")


def _read(store: RawStore, record: RawRecord) -> "pl.DataFrame":
    import polars as pl

    return pl.from_arrow(store.read_table(record))


def _universe_snapshot(store: RawStore, record: RawRecord) -> "pl.DataFrame":
    """One row per member at each fetch, including fetches whose payload was unchanged: membership is per date."""
    import polars as pl

    from pipeline.codes import exchange_of, normalize_code

    frame = _read(store, record)
    check_columns(record.function, record.args, frame.columns)
    typed = _typed(frame, "universe").with_columns(pl.col("code").map_elements(normalize_code, return_dtype=pl.String))
    exchanges = {code: exchange_of(code) for code in typed["code"].to_list()}
    return typed.with_columns(
        pl.col("code").replace_strict(exchanges, return_dtype=pl.String).alias("exchange"),
        pl.lit(record.args.get("symbol") or record.args.get("file") or "").alias("board"),
        pl.lit(record.function).alias("membership_source"),
        *_provenance(record, record.fetched_at),
    )


_SHAPERS = {
    "income": _statement("income"),
    "balance": _statement("balance"),
    "cashflow": _statement("cashflow"),
    "segments": _segments,
    "prices": _prices,
    "share_changes": lambda frame: _typed(frame, "share_changes"),
}


def empty_table(table: str) -> "pl.DataFrame":
    """A zero-row frame with the table's columns, so a build with no data of one kind still has its tables."""
    import polars as pl

    schema: dict[str, pl.DataType] = {}
    for f in fields_of(table):
        schema[f.model_name] = pl.Date if f.unit in _DATE_UNITS else pl.String if f.unit in _TEXT_UNITS else pl.Float64
    extra = {
        "income": {"row_hash": pl.UInt64},
        "balance": {"row_hash": pl.UInt64},
        "cashflow": {"row_hash": pl.UInt64},
        "segments": {"segment_key": pl.String},
        "prices": {"adjust": pl.String},
        "share_changes": {"code": pl.String},
        "universe": {"exchange": pl.String, "board": pl.String, "membership_source": pl.String},
    }.get(table, {})
    provenance = {
        "source": pl.String,
        "fetched_at": pl.Datetime("us"),
        "last_seen_at": pl.Datetime("us"),
        "raw_sha": pl.String,
        "source_version": pl.String,
        "is_sample": pl.Boolean,
    }
    return pl.DataFrame(schema={**schema, **extra, **provenance})


def _concat(table: str, frames: list["pl.DataFrame"]) -> "pl.DataFrame":
    import polars as pl

    if not frames:
        return empty_table(table)
    return pl.concat(frames, how="diagonal_relaxed")


def _args_text(args: dict) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in sorted(args.items()))
