"""`leasewatch export`: the marts as Parquet or CSV files for other tools, read from the live warehouse read-only."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pipeline.build.publish import table_columns
from pipeline.config import Paths
from pipeline.display import FORMULA_PATTERN, NUMBER_PATTERN, sql_quote
from pipeline.errors import StorageError, UsageError

FORMATS = ("parquet", "csv")
INFO_FILE = "export_info.json"


@dataclass
class ExportResult:
    files: list[Path]
    rows: dict[str, int]
    is_sample: bool
    info_file: Path


def export_marts(paths: Paths, fmt: str, out_dir: Path) -> ExportResult:
    """Write every mart to `out_dir/<mart>.<fmt>` (replacing earlier exports) and `export_info.json` describing
    the warehouse they came from. Each file is written under a temporary name and renamed."""
    import duckdb

    from pipeline.build import warehouse

    if fmt not in FORMATS:
        raise UsageError(f"unknown export format {fmt!r}", f"use one of: {', '.join(FORMATS)}")
    out_dir = Path(out_dir).expanduser()
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"{out_dir} is a file, not a directory", "give a directory to write the mart files into")
    with warehouse.connect(paths) as con:
        info = warehouse.build_info(con)
        marts = [r[0] for r in con.execute(
            "select table_name from duckdb_tables() where schema_name = 'marts' order by table_name"
        ).fetchall()]
        is_sample = bool(info.get("is_sample"))
        sample_flag = str(is_sample).lower()
        options = "format csv, header" if fmt == "csv" else f"format parquet, kv_metadata {{is_sample: '{sample_flag}'}}"
        files, rows = [], {}
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
            for name in marts:
                target = out_dir / f"{name}.{fmt}"
                tmp = out_dir / f".{name}.{fmt}.tmp{os.getpid()}"
                columns = "*" if fmt != "csv" else _inert_text_columns(con, name)
                con.execute(f"copy (select {columns} from marts.{name}) to '{sql_quote(str(tmp))}' ({options})")
                os.replace(tmp, target)
                files.append(target)
                rows[name] = con.execute(f"select count(*) from marts.{name}").fetchall()[0][0]
            info_file = out_dir / INFO_FILE
            described = {
                "exported_at": datetime.now().replace(microsecond=0).isoformat(),
                "warehouse": str(paths.warehouse),
                "format": fmt,
                "tables": rows,
                **{k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in info.items()},
            }
            info_file.write_text(json.dumps(described, ensure_ascii=False, indent=2), encoding="utf-8")
        except (OSError, duckdb.IOException) as exc:
            for leftover in out_dir.glob(f".*.tmp{os.getpid()}") if out_dir.is_dir() else ():
                leftover.unlink(missing_ok=True)
            reason = getattr(exc, "strerror", None) or str(exc).strip().splitlines()[0]
            raise StorageError(
                f"cannot write the export to {out_dir}: {reason}", "choose another directory or free disk space"
            ) from exc
    return ExportResult(files, rows, is_sample, info_file)




def _inert_text_columns(con, mart: str) -> str:
    """The select list of a CSV export: formula-like text gets a leading apostrophe, as display.spreadsheet_safe does for
    `query --format csv`; other columns as they are."""
    out = []
    for column, data_type in table_columns(con, None, f"marts.{mart}"):
        name = '"' + column.replace('"', '""') + '"'
        if data_type == "VARCHAR":
            out.append(f"case when regexp_matches({name}, '{FORMULA_PATTERN}') and not regexp_matches({name}, '{NUMBER_PATTERN}') "
                       f"then '''' || {name} else {name} end as {name}")
        else:
            out.append(name)
    return ", ".join(out)
