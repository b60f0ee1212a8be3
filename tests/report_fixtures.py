"""Warehouses for the report tests: the period fixture as built, and a copy whose upstream text is hostile.

The hostile copy is the fixture warehouse with company and segment names replaced by what a spreadsheet would run
as a formula or a browser as markup, and flagged as built from the sample (so every output must carry the banner).
The reports read it through the normal path (read-only connection, marts), exactly as they read a real one.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from pipeline.config import Paths

PERIOD = date(2024, 12, 31)  # the fixture's latest quarter with reports
LABEL = "2024Q4"
CURRENT = ["000003", "300001", "600001"]

SCRIPT_NAME = "<script>window.__pwned=1</script> & <b>粗</b>"
HOSTILE_NAMES = {
    "300001": '=HYPERLINK("http://evil.example","点我")',
    "600001": SCRIPT_NAME,
    "000003": "+cmd|' /C calc'!A0",
}
HOSTILE_SEGMENTS = {"算力租赁服务": "@SUM(1+1)", "传统印刷": "-2+3", "华东": "\t=1+2"}
FORMULA_LIKE = [*HOSTILE_NAMES.values(), *HOSTILE_SEGMENTS.values()]


def hostile_copy(source: Paths, root: Path) -> Paths:
    """A writable copy of `source`'s warehouse with hostile names, marked as sample data."""
    import duckdb

    paths = Paths.resolve(root / "data", root / "reports")
    paths.data_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source.warehouse, paths.warehouse)  # a copy, not the read-only hard link
    con = duckdb.connect(str(paths.warehouse))
    try:
        for code, name in HOSTILE_NAMES.items():
            for table in ("universe", "benchmark", "fundamentals", "data_quality", "universe_changes", "economics"):
                con.execute(f"update marts.{table} set name = ? where code = ?", [name, code])
        for segment, hostile in HOSTILE_SEGMENTS.items():
            con.execute("update marts.segments set segment = ? where segment = ?", [hostile, segment])
        con.execute("update ops.build_info set is_sample = true")
    finally:
        con.close()
    return paths
