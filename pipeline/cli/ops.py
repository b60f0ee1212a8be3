"""Commands that drive the whole cycle: `demo`, `refresh`, `rollback`, `schedule`."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from pipeline.cli.options import SAMPLE_FIRMS, SAMPLE_YEARS, FirmsOption, SourceName, YearsOption, politeness_options
from pipeline.cli.root import command, echo_err, paths_of, progress_of
from pipeline.errors import PartialFailure, UsageError


class SchedulerKind(str, Enum):
    cron = "cron"
    systemd = "systemd"


@command()
def demo(ctx: typer.Context, firms: FirmsOption = SAMPLE_FIRMS, years: YearsOption = SAMPLE_YEARS) -> None:
    """Build the warehouse from the embedded sample, print the benchmark summary and write both reports.

    Example: leasewatch demo
    """
    from pipeline.ops import demo as core

    result = core.run(paths_of(ctx), firms=firms, years=years, on_progress=progress_of(ctx, "sample firms"), on_step=echo_err)
    typer.echo(result.summary)
    typer.echo(f"\nWarehouse: {result.warehouse}")
    for report in result.reports:
        typer.echo(f"Report:    {report}")


@command()
@politeness_options
def refresh(
    ctx: typer.Context,
    source: Annotated[SourceName, typer.Option("--source", help="akshare (live) or sample (offline replay).")] = SourceName.akshare,
    force: Annotated[bool, typer.Option("--force", help="Run even on a day the Shanghai exchange is closed.")] = False,
    wait: Annotated[bool, typer.Option("--wait", help="Wait for a running refresh to finish instead of exiting with code 7.")] = False,
    no_reports: Annotated[bool, typer.Option("--no-reports", help="Skip writing the reports.")] = False,
    firms: Annotated[Optional[int], typer.Option("--firms", min=1, max=20000, help=f"sample only: firms to generate [default: {SAMPLE_FIRMS}].")] = None,
    years: Annotated[Optional[int], typer.Option("--years", min=1, max=20, help=f"sample only: years of reports [default: {SAMPLE_YEARS}].")] = None,
    *,
    politeness,
) -> None:
    """The daily cycle for a scheduler: incremental ingest, build (data-tested, swapped in atomically), reports.

    Example: leasewatch refresh --source sample
    """
    from pipeline.ops import refresh as core

    paths = paths_of(ctx)
    if source is SourceName.sample:
        ingest = core.sample_ingest(firms or SAMPLE_FIRMS, years or SAMPLE_YEARS)
    else:
        if firms is not None or years is not None:
            raise UsageError("--firms and --years size the embedded sample", "drop them, or use --source sample")
        from pipeline.sources.akshare import live_source

        ingest = core.live_ingest(live_source(paths.data_dir, politeness))
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
        on_progress=progress_of(ctx, "firms") if interactive else None,
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
    _echo_status_changes(run.status_changes)


def _echo_status_changes(changes: list | None, limit: int = 30) -> None:
    """Who crossed a benchmark line since the last build (marts.status_changes rows the previous warehouse lacked)."""
    if changes is None:
        return
    if not changes:
        typer.echo("No current member crossed a benchmark line since the last build.")
        return
    typer.echo(f"Status changes since the last build ({len(changes)}; marts.status_changes):")
    for c in changes[:limit]:
        before = c["previous_status"] if c["previous_status"] not in (None, "None") else "–"
        typer.echo(f"  {c['period_end']}  {c['code']} {c['name']}  {c['dimension']}: {before} → {c['status']} ({c['direction']})")
    if len(changes) > limit:
        typer.echo(f"  … and {len(changes) - limit} more: leasewatch query \"select * from marts.status_changes\"")


def _warnings_only(message: str) -> None:
    if message.startswith(("warning", "waiting")):
        echo_err(message)


@command()
def rollback(ctx: typer.Context) -> None:
    """Put the previous warehouse back (the last 3 builds are kept under data/warehouses).

    Example: leasewatch rollback
    """
    from pipeline.ops import refresh as core

    paths = paths_of(ctx)
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

    from pipeline.ops import schedule as core

    paths = paths_of(ctx)
    try:
        core.parse_at(at)
    except ValueError:
        raise UsageError(f"--at {at!r} is not a time of day", "write it as HH:MM, e.g. --at 18:30") from None
    target = core.ScheduleTarget(_executable(sys.argv[0], sys.executable), paths.data_dir, paths.reports_dir, at)
    typer.echo(core.cron_entry(target) if kind is SchedulerKind.cron else core.systemd_units(target, getpass.getuser()))


def _executable(argv0: str, python: str) -> Path:
    """The venv's leasewatch script, by absolute path (a scheduler has no PATH of ours)."""
    beside = Path(python).parent / "leasewatch"
    if beside.exists():
        return beside.absolute()
    return Path(argv0).absolute()
