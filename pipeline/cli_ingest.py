"""Commands for fetching: `leasewatch ingest` (sample or live akshare) and `leasewatch universe …`.

Options and printing only; each command calls one function of pipeline.extract or pipeline.universe.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from pipeline.cli import FirmsOption, YearsOption, _paths, _progress, app, command, echo_err, handle_errors
from pipeline.errors import PartialFailure, UsageError

SOURCE_STATE_FILE = "source_state.json"


class SourceName(str, Enum):
    sample = "sample"
    akshare = "akshare"


MinIntervalOption = Annotated[
    float,
    typer.Option("--min-interval", min=0, envvar="LEASEWATCH_MIN_INTERVAL", help="Seconds between upstream calls."),
]
TimeoutOption = Annotated[
    float,
    typer.Option(
        "--timeout", min=0.1, envvar="LEASEWATCH_TIMEOUT", help="Seconds before one upstream call is given up."
    ),
]
RetriesOption = Annotated[
    int,
    typer.Option(
        "--retries", min=0, max=10, envvar="LEASEWATCH_RETRIES", help="Retries after a connection error or timeout."
    ),
]
MaxFailuresOption = Annotated[
    int,
    typer.Option(
        "--max-failures",
        min=1,
        envvar="LEASEWATCH_MAX_FAILURES",
        help="Consecutive failures that stop the run (circuit breaker).",
    ),
]
CooldownOption = Annotated[
    float,
    typer.Option(
        "--cooldown", min=0, envvar="LEASEWATCH_COOLDOWN", help="Minutes the source is left alone after the breaker opens."
    ),
]
AcceptOption = Annotated[
    bool, typer.Option("--accept-changes", help="Apply a membership change of more than 10 % in one step.")
]


def _akshare_source(paths, min_interval: float, timeout: float, retries: int, max_failures: int, cooldown: float):
    from pipeline.fetch import Politeness, PoliteCaller
    from pipeline.sources.akshare_source import AkshareSource

    policy = Politeness(
        min_interval=min_interval, timeout=timeout, retries=retries, max_failures=max_failures, cooldown=cooldown * 60
    )
    return AkshareSource(PoliteCaller(policy, state_file=paths.data_dir / SOURCE_STATE_FILE))


@command()
def ingest(
    ctx: typer.Context,
    source: Annotated[
        SourceName, typer.Option("--source", help="Where frames come from: akshare (live) or the embedded sample.")
    ] = SourceName.akshare,
    firms: FirmsOption = 108,
    years: YearsOption = 6,
    repull: Annotated[
        bool, typer.Option("--repull", help="akshare: re-pull every member's statements now (restatement check).")
    ] = False,
    repull_every: Annotated[
        int,
        typer.Option(
            "--repull-every", min=0, envvar="LEASEWATCH_REPULL_EVERY", help="akshare: days between full re-pulls (0 = never)."
        ),
    ] = 90,
    repull_limit: Annotated[
        int, typer.Option("--repull-limit", min=0, help="akshare: most firms re-pulled per run, oldest first.")
    ] = 10,
    accept_changes: AcceptOption = False,
    min_interval: MinIntervalOption = 1.5,
    timeout: TimeoutOption = 120.0,
    retries: RetriesOption = 3,
    max_failures: MaxFailuresOption = 5,
    cooldown: CooldownOption = 60.0,
) -> None:
    """Fetch frames into the raw layer (append-only; unchanged frames are stored once). From akshare (the default),
    only what is missing or stale for the current universe: a rerun after an interruption continues.
    --source sample replays the embedded sample instead.

    Example: leasewatch ingest
    """
    from pipeline.raw import RawStore

    paths = _paths(ctx)
    store = RawStore(paths.raw_dir)
    if source is SourceName.sample:
        from pipeline.extract import ingest_sample

        report = ingest_sample(store, firms=firms, years=years, on_progress=_progress("firms"))
        if report.already_stored:
            typer.echo(f"The sample ({firms} firms, {years} years) is in {paths.raw_dir} already "
                       f"({report.already_stored} fetches): nothing to replay")
            return
        typer.echo(
            f"Fetched {report.calls} frames: {report.new_versions} new versions, {report.unchanged} unchanged"
            f" ({len(report.members)} members) into {paths.raw_dir}"
        )
        for code, message in report.failures.items():
            echo_err(f"failed {code}: {message}")
        return

    from pipeline.extract import RefreshPolicy, ingest_live

    live = _akshare_source(paths, min_interval, timeout, retries, max_failures, cooldown)
    policy = RefreshPolicy(
        repull_every_days=repull_every, repull_limit=repull_limit, repull_all=repull, accept_changes=accept_changes
    )
    report = ingest_live(live, store, policy=policy, on_progress=_progress("firms"), on_step=echo_err)
    for warning in report.warnings:
        echo_err(f"warning: {warning}")
    for code, message in report.failures.items():
        echo_err(f"failed {code}: {message}")
    typer.echo(
        f"Fetched {report.calls} frames ({report.new_versions} new versions, {report.unchanged} unchanged) for "
        f"{len(report.members)} members up to the {report.session} close, with {live.http_requests} HTTP requests, "
        f"into {paths.raw_dir}"
    )
    if report.failures:
        raise PartialFailure(
            f"{len(report.failures)} of {len(report.members)} firms failed; their previous data is kept",
            "rerun leasewatch ingest --source akshare to retry them",
        )
    if report.pending_change:
        raise PartialFailure(
            f"the board's membership changed by more than 10 % and was not applied ({report.pending_change})",
            "review it with leasewatch universe sync; apply it with leasewatch universe sync --accept-changes",
        )


universe_app = typer.Typer(
    help="List the tracked firms and recent membership changes; import a member list or take EastMoney's board."
    "\n\nExample: leasewatch universe",
    rich_markup_mode=None,
)
app.add_typer(universe_app, name="universe")


@universe_app.callback(invoke_without_command=True)
def universe(
    ctx: typer.Context,
    changes: Annotated[int, typer.Option("--changes", min=0, help="How many recent membership changes to show.")] = 20,
) -> None:
    """List the universe's members and the latest membership changes.

    Example: leasewatch universe
    """
    if ctx.invoked_subcommand is None:
        handle_errors(_list_universe)(_paths(ctx), changes)


def _list_universe(paths, changes: int) -> None:
    from pipeline import display, universe

    listing = universe.listing(paths, changes=changes)
    current = [m for m in listing.members if m["is_current"]]
    former = [m for m in listing.members if not m["is_current"]]
    snap = listing.snapshot
    if snap.source == "sample":
        echo_err(display.SAMPLE_BANNER)
    typer.echo(
        f"Universe: {len(current)} members ({snap.function} {snap.board}, snapshot {snap.taken_at:%Y-%m-%d %H:%M}; "
        f"from the {listing.origin})"
    )
    columns = ["code", "name", "exchange", "first_seen", "last_seen"]
    typer.echo(display.table(columns, [tuple(m[c] for c in columns) for m in current], right_align_numbers=False))
    if former:
        typer.echo(f"\nFormer members ({len(former)}):")
        typer.echo(display.table(columns, [tuple(m[c] for c in columns) for m in former], right_align_numbers=False))
    if listing.changes:
        typer.echo("\nLatest changes:")
        columns = ["day", "change", "code", "name", "source", "needs_review"]
        rows = [tuple(c[k] for k in columns) for c in listing.changes]
        typer.echo(display.table(columns, rows, right_align_numbers=False))
    else:
        typer.echo("\nNo membership changes yet.")


def _print_change(change) -> None:
    if change.previous is None:
        return
    for kind, listed, names in (("joined", change.joined, change.new), ("left", change.left, change.previous or {})):
        if listed:
            typer.echo(f"{kind} ({len(listed)}): " + ", ".join(f"{c} {names.get(c) or ''}".strip() for c in listed))


@command("import", on=universe_app)
def universe_import(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV or XLSX export with 代码 and 名称 columns.")],
    label: Annotated[
        Optional[str], typer.Option("--as", help="File the snapshot under this name [default: the file name].")
    ] = None,
    accept_changes: AcceptOption = False,
) -> None:
    """Record a member list you exported (同花顺's 算力租赁 board, say) as today's membership snapshot.

    Example: leasewatch universe import 算力租赁.xlsx
    """
    from pipeline.raw import RawStore
    from pipeline.universe import import_file

    paths = _paths(ctx)
    result = import_file(RawStore(paths.raw_dir), file, label=label, accept_changes=accept_changes)
    _print_change(result.change)
    if not result.applied:
        raise UsageError(
            f"{file.name} changes the universe by more than 10 % ({result.change.summary()}); nothing was recorded",
            "check the list above; record it anyway with: leasewatch universe import "
            f"{file}{f' --as {label}' if label else ''} --accept-changes",
        )
    skipped = f"; {result.skipped_rows} rows without a code skipped" if result.skipped_rows else ""
    typer.echo(
        f"Imported {len(result.members)} members from {file.name} as '{result.label}' "
        f"({result.change.summary()}){skipped} into {paths.raw_dir}"
    )


@command("sync", on=universe_app)
def universe_sync(
    ctx: typer.Context,
    name: Annotated[
        Optional[str], typer.Option("--name", help="Board name to look for [default: the pinned one, else 算力租赁].")
    ] = None,
    board: Annotated[Optional[str], typer.Option("--board", help="Pin this EastMoney board code, e.g. BK1134.")] = None,
    accept_changes: AcceptOption = False,
    min_interval: MinIntervalOption = 1.5,
    timeout: TimeoutOption = 120.0,
    retries: RetriesOption = 3,
    max_failures: MaxFailuresOption = 5,
    cooldown: CooldownOption = 60.0,
) -> None:
    """Take EastMoney's concept board as the universe: find it by name once, pin its BK code, fetch its members.

    Example: leasewatch universe sync --name 算力租赁
    """
    from pipeline.raw import RawStore
    from pipeline.universe import sync

    paths = _paths(ctx)
    live = _akshare_source(paths, min_interval, timeout, retries, max_failures, cooldown)
    result = sync(live, RawStore(paths.raw_dir), paths, name=name, board=board, accept_changes=accept_changes)
    refresh, config = result.refresh, result.config
    _print_change(refresh.change)
    for note in result.notes:
        echo_err(f"note: {note}")
    title = f" {config.title}" if config.title else ""
    if not refresh.applied:
        raise UsageError(
            f"board {config.code}{title} differs from the universe by more than 10 % ({refresh.change.summary()}); "
            "nothing was recorded",
            "check the list above; apply it with: leasewatch universe sync --accept-changes",
        )
    typer.echo(
        f"EastMoney board {config.code}{title}: {len(refresh.members)} members ({refresh.change.summary()}); "
        f"pinned in {paths.data_dir / 'universe.json'}"
    )
