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

from pipeline import sources
from pipeline.config import SEEDS_DIR
from pipeline.errors import SchemaDriftError
from pipeline.raw import RawRecord, RawStore

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
}
TABLES = ("income", "balance", "cashflow", "segments", "prices", "universe", "share_info")

_DATE_UNITS = {"date"}
_TEXT_UNITS = {"text"}


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
    """Every stored payload, typed and renamed, as one polars frame per table."""
    import polars as pl

    parts: dict[str, list[pl.DataFrame]] = {t: [] for t in TABLES}
    last_seen = _last_seen(store)
    for function, table in TABLE_OF_FUNCTION.items():
        if table == "universe":
            parts[table].extend(_universe_snapshot(store, r) for r in store.records(function))
            continue
        for record in store.versions(function):
            frame = _read(store, record)
            if frame.height == 0:
                continue
            check_columns(function, record.args, frame.columns)
            typed = _SHAPERS[table](frame, record)
            parts[table].append(typed.with_columns(_provenance(record, last_seen[record.path])))
    return {t: _concat(t, frames) for t, frames in parts.items()}


def _read(store: RawStore, record: RawRecord) -> "pl.DataFrame":
    import polars as pl

    return pl.read_parquet(store.path_of(record))


def _last_seen(store: RawStore) -> dict[str, str]:
    """Most recent fetch of each payload: a payload fetched again later is still the current version."""
    seen: dict[str, str] = {}
    for record in store.records():
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
    def shape(frame: "pl.DataFrame", record: RawRecord) -> "pl.DataFrame":
        import polars as pl

        typed = _typed(frame, table)
        values = [f.model_name for f in fields_of(table) if f.unit not in _DATE_UNITS | _TEXT_UNITS]
        # Identifies a row's content, so that the same period carried in a later payload is not a new version.
        return typed.with_columns(pl.struct(values).hash(seed=0).alias("row_hash"))

    return shape


def _segments(frame: "pl.DataFrame", record: RawRecord) -> "pl.DataFrame":
    import polars as pl

    typed = _typed(frame, "segments")
    # Match keywords on a canonical form: full-width letters and spaces (ＧＰＵ 算力) are common in disclosures.
    key = pl.col("segment").str.normalize("NFKC").str.to_uppercase().str.replace_all(r"\s+", "")
    return typed.with_columns(key.alias("segment_key"))


def _prices(frame: "pl.DataFrame", record: RawRecord) -> "pl.DataFrame":
    import polars as pl

    return _typed(frame, "prices").with_columns(pl.lit(record.args.get("adjust", "")).alias("adjust"))


def _share_info(frame: "pl.DataFrame", record: RawRecord) -> "pl.DataFrame":
    """stock_individual_info_em is long (item/value); pivot the items the dictionary names."""
    import polars as pl

    items = dict(zip(frame["item"].cast(pl.String).to_list(), frame["value"].cast(pl.String).to_list()))
    wide = pl.DataFrame({f.source_column: [items.get(f.source_column)] for f in fields_of("share_info")})
    if wide["上市时间"].dtype == pl.String:
        wide = wide.with_columns(pl.col("上市时间").str.replace(r"\.0$", "").cast(pl.Int64, strict=False))
    return _typed(wide, "share_info")


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
    "share_info": _share_info,
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
