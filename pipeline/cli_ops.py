"""Commands for operators and analysts: `refresh`, `rollback`, `schedule`, `export`.

Options and printing only; each command calls one function of pipeline.refresh, pipeline.ops or pipeline.export.
"""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from pipeline.cli import _paths, _progress, command, echo_err
from pipeline.cli_ingest import (
    CooldownOption,
    MaxFailuresOption,
    MinIntervalOption,
    RetriesOption,
    SourceName,
    TimeoutOption,
)
from pipeline.errors import PartialFailure, UsageError


class SchedulerKind(str, Enum):
    cron = "cron"
    systemd = "systemd"


class ExportFormat(str, Enum):
    parquet = "parquet"
    csv = "csv"


@command()
def refresh(
    ctx: typer.Context,
    source: Annotated[SourceName, typer.Option("--source", help="akshare (live) or sample (offline replay).")] = SourceName.akshare,
    force: Annotated[bool, typer.Option("--force", help="Run even on a day the Shanghai exchange is closed.")] = False,
    wait: Annotated[bool, typer.Option("--wait", help="Wait for a running refresh to finish instead of exiting with code 7.")] = False,
    no_reports: Annotated[bool, typer.Option("--no-reports", help="Skip writing the reports.")] = False,
    firms: Annotated[Optional[int], typer.Option("--firms", min=1, max=20000, help="sample only: firms to generate [default: 108].")] = None,
    years: Annotated[Optional[int], typer.Option("--years", min=1, max=20, help="sample only: years of reports [default: 6].")] = None,
    min_interval: MinIntervalOption = 1.5,
    timeout: TimeoutOption = 120.0,
    retries: RetriesOption = 3,
    max_failures: MaxFailuresOption = 5,
    cooldown: CooldownOption = 60.0,
) -> None:
    """The daily cycle for a scheduler: incremental ingest, build (data-tested, swapped in atomically), reports.

    Example: leasewatch refresh --source sample
    """
    from pipeline import refresh as core

    paths = _paths(ctx)
    if source is SourceName.sample:
        ingest = core.sample_ingest(firms or 108, years or 6)
    else:
        if firms is not None or years is not None:
            raise UsageError("--firms and --years size the embedded sample", "drop them, or use --source sample")
        from pipeline.cli_ingest import _akshare_source

        ingest = core.live_ingest(_akshare_source(paths, min_interval, timeout, retries, max_failures, cooldown))
    # On a terminal, every step and a progress line; under a scheduler only warnings and the outcome, since the
    # steps are in data/logs/leasewatch.log (rotated) and a scheduler's own capture file is not.
    interactive = sys.stderr.isatty()
    run = core.refresh(
        paths,
        ingest,
        force=force,
        wait=wait,
        reports=not no_reports,
        on_step=echo_err if interactive else _warnings_only,
        on_progress=_progress("firms") if interactive else None,
    )
    for warning in run.warnings:
        echo_err(f"warning: {warning}")
    for code, message in sorted(run.failures.items()):
        echo_err(f"failed {code}: {message}")
    if run.status == "skipped":
        typer.echo(f"Skipped: {run.message}")
        return
    if run.status == "partial":
        raise PartialFailure(
            run.message, "rerun leasewatch refresh later to retry them; details: leasewatch query \"select * from ops.runs\""
        )
    typer.echo(f"Refreshed {paths.warehouse} ({run.warehouse}): {run.message}")
    for report in run.reports:
        typer.echo(f"  {report}")


def _warnings_only(message: str) -> None:
    if message.startswith(("warning", "waiting")):
        echo_err(message)


@command()
def rollback(ctx: typer.Context) -> None:
    """Put the previous warehouse back (the last 3 builds are kept under data/warehouses).

    Example: leasewatch rollback
    """
    from pipeline import refresh as core

    paths = _paths(ctx)
    run = core.rollback(paths)
    for warning in run.warnings:
        echo_err(f"warning: {warning}")
    typer.echo(f"Rolled back {paths.warehouse}: {run.message}")


@command()
def schedule(
    ctx: typer.Context,
    kind: Annotated[SchedulerKind, typer.Option("--print", help="Print a crontab entry or systemd service and timer units.")],
    at: Annotated[str, typer.Option("--at", help="Time of day, China time (HH:MM).")] = "18:30",
) -> None:
    """Print a ready scheduler entry that runs `leasewatch refresh --source akshare` after the Shanghai close.

    Example: leasewatch schedule --print cron
    """
    import getpass

    from pipeline import ops

    paths = _paths(ctx)
    try:
        ops.parse_at(at)
    except ValueError:
        raise UsageError(f"--at {at!r} is not a time of day", "write it as HH:MM, e.g. --at 18:30") from None
    target = ops.ScheduleTarget(_executable(sys.argv[0], sys.executable), paths.data_dir, paths.reports_dir, at)
    typer.echo(ops.cron_entry(target) if kind is SchedulerKind.cron else ops.systemd_units(target, getpass.getuser()))


def _executable(argv0: str, python: str) -> Path:
    """The venv's leasewatch script, by absolute path (a scheduler has no PATH of ours)."""
    beside = Path(python).parent / "leasewatch"
    if beside.exists():
        return beside.absolute()
    return Path(argv0).absolute()


@command()
def export(
    ctx: typer.Context,
    directory: Annotated[Path, typer.Argument(help="Directory to write the mart files into (created if missing).")],
    fmt: Annotated[ExportFormat, typer.Option("--format", help="File format.")] = ExportFormat.parquet,
) -> None:
    """Write every mart as a Parquet or CSV file, plus export_info.json describing the warehouse they came from.

    Example: leasewatch export --format csv exports/
    """
    from pipeline.export import export_marts

    result = export_marts(_paths(ctx), fmt.value, directory)
    if result.is_sample:
        typer.echo("SAMPLE — exported from the embedded fictional sample (示例), not real company data")
    for path in result.files:
        typer.echo(f"{path}  {result.rows[path.stem]:,} rows")
    typer.echo(f"{result.info_file}")
