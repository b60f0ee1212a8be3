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
from pipeline.errors import StorageError, UsageError, exception_chain, storage_error
from pipeline.raw.files import process_alive

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
    if today is None:
        from pipeline.clock import china_now

        today = china_now().date()  # the date ops.runs and the schedule use, whatever the machine's time zone
    base = Path(out_dir or paths.reports_dir)
    remove_stale_temps(base)
    folder = _folder(base, today)
    stem = f"leasewatch_{data.label}"
    # Both files are rendered before either is given its name: a failure leaves no workbook without its page.
    rendered = []
    try:
        for suffix in FORMATS[fmt]:
            rendered.append(_render(data, folder, stem, suffix))
        first = _free_number(folder, stem, FORMATS[fmt])  # both files of one run share a number
        try:
            return [_claim(tmp, folder, stem, suffix, first) for tmp, suffix in zip(rendered, FORMATS[fmt])]
        except OSError as exc:
            raise _cannot_write(folder, exc) from exc
    finally:
        for tmp in rendered:
            tmp.unlink(missing_ok=True)


TEMP_GLOB = ".leasewatch_*.*.*"  # a report being written: .<stem>.<pid><suffix>, in a day's folder


def remove_stale_temps(base: Path) -> list[Path]:
    """Delete the half-written reports of killed runs (their process is gone) in every day's folder under `base`."""
    removed = []
    for tmp in base.glob(f"*/{TEMP_GLOB}") if base.is_dir() else ():
        pid = tmp.name.rsplit(".", 2)[-2] if tmp.name.count(".") >= 3 else ""
        if pid.isdigit() and not process_alive(int(pid)):
            try:
                tmp.unlink()
                removed.append(tmp)
            except OSError:
                pass  # someone else's folder: theirs to clean
    return removed


def _name(stem: str, suffix: str, n: int) -> str:
    return f"{stem}{suffix}" if n == 1 else f"{stem}_{n}{suffix}"


def _free_number(folder: Path, stem: str, suffixes: tuple[str, ...]) -> int:
    n = 1
    while any((folder / _name(stem, suffix, n)).exists() for suffix in suffixes):
        n += 1
    return n


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


def _render(data, folder: Path, stem: str, suffix: str) -> Path:
    """Render into a temporary file (named by our pid, so a killed run's is recognised and removed later)."""
    tmp = folder / f".{stem}.{os.getpid()}{suffix}"
    try:
        if suffix == ".xlsx":
            from pipeline.reports.excel import write_workbook

            write_workbook(data, tmp)
        else:
            from pipeline.reports.html import write_html

            write_html(data, tmp)
        return tmp
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        _discard_quietly(exc)
        raise _cannot_write(folder, exc) from exc


def _cannot_write(folder: Path, exc: OSError) -> StorageError:
    return storage_error(f"the report in {folder}", exc,
                         "free disk space (df -h) or fix the folder's permissions, or choose another with --out")


def _discard_quietly(exc: BaseException) -> None:
    """Finalise the half-written workbook's objects now, silently. Left to the garbage collector, openpyxl's open
    zip file and row generators retry their writes on the full disk and print ~100 lines of "Exception ignored"
    tracebacks after the one-line error."""
    import gc
    import sys
    import traceback

    hook = sys.unraisablehook
    sys.unraisablehook = lambda _unraisable: None
    try:
        for link in exception_chain(exc):  # the whole chain: a close() failing while handling a write
            traceback.clear_frames(link.__traceback__)
        gc.collect()
    finally:
        sys.unraisablehook = hook


def _claim(tmp: Path, folder: Path, stem: str, suffix: str, n: int) -> Path:
    """Link the finished file under the first name not taken from number `n` on; a link fails instead of replacing
    (no race)."""
    while True:
        target = folder / _name(stem, suffix, n)
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
