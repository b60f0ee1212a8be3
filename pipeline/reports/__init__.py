"""Investor reports from the marts: an Excel workbook and a self-contained interactive HTML page.

`write_reports` reads the warehouse once (pipeline/reports/data.py) and hands the same numbers to both writers,
so the two files always agree. Files go to <out_dir>/<YYYY-MM-DD>/leasewatch_<period>.<ext>; an existing file is
never replaced: the new one gets a suffix (_2, _3, …).
"""

from __future__ import annotations

import errno
import os
from datetime import date
from pathlib import Path

from pipeline import periods
from pipeline.config import Paths
from pipeline.errors import StorageError, UsageError

FORMATS = {"excel": (".xlsx",), "html": (".html",), "all": (".xlsx", ".html")}


def write_reports(
    paths: Paths,
    fmt: str = "all",
    as_of: str | date | None = None,
    gross: float | None = None,
    net: float | None = None,
    out_dir: Path | None = None,
    *,
    economics: Path | None = None,
    today: date | None = None,
) -> list[Path]:
    """Write the reports for one period (`2024Q3`, `2024-09-30`, `latest`/None) and return their paths.

    `gross`/`net` replace the warehouse's benchmarks for this report only; None keeps them. `economics` is a TOML
    file of per-server assumptions (as `leasewatch economics --config`) for the economics view; None uses the
    warehouse's (the defaults of sql/seeds/economics_defaults.toml)."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown report format '{fmt}'", f"use one of: {', '.join(FORMATS)}")
    # a date must be a quarter end too: the same parser says so
    period = periods.parse_period(as_of.isoformat() if isinstance(as_of, date) else as_of)

    from pipeline.reports.data import gather

    data = gather(paths, period, gross, net, economics)
    folder = _folder(out_dir or paths.reports_dir, today or date.today())
    written = []
    for suffix in FORMATS[fmt]:
        written.append(_write_one(data, folder, suffix))
    return written


def _folder(base: Path, day: date) -> Path:
    folder = Path(base) / day.isoformat()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(
            f"cannot create the reports folder {folder}: {exc.strerror or exc}",
            "choose another with --out or --reports-dir (LEASEWATCH_REPORTS_DIR), or fix its permissions",
        ) from exc
    return folder


def _write_one(data, folder: Path, suffix: str) -> Path:
    """Render into a temporary file, then give it the first free name: never overwrite a report."""
    stem = f"leasewatch_{data.label}"
    tmp = folder / f".{stem}.{os.getpid()}{suffix}"
    try:
        if suffix == ".xlsx":
            from pipeline.reports.excel import write_workbook

            write_workbook(data, tmp)
        else:
            from pipeline.reports.html import write_html

            write_html(data, tmp)
        return _claim(tmp, folder, stem, suffix)
    except OSError as exc:
        raise StorageError(
            f"cannot write the report in {folder}: {exc.strerror or exc}",
            "free disk space or fix the folder's permissions, or choose another with --out",
        ) from exc
    finally:
        tmp.unlink(missing_ok=True)


def _claim(tmp: Path, folder: Path, stem: str, suffix: str) -> Path:
    """Link the finished file under the first name not taken; a link fails instead of replacing (no race)."""
    n = 1
    while True:
        target = folder / (f"{stem}{suffix}" if n == 1 else f"{stem}_{n}{suffix}")
        try:
            os.link(tmp, target)
            return target
        except FileExistsError:
            n += 1
        except OSError as exc:
            # Filesystems without hard links: check, then rename (a concurrent writer could race; reports are daily).
            if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EXDEV, errno.EMLINK):
                raise
            if not target.exists():
                os.replace(tmp, target)
                return target
            n += 1
