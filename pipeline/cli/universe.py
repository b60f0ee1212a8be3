"""`leasewatch universe …`: list the tracked firms, import a member list, or take EastMoney's concept board."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from pipeline.cli.options import AcceptOption, politeness_options
from pipeline.cli.root import app, command, echo_err, handle_errors, paths_of
from pipeline.errors import UsageError


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
        handle_errors(_list_universe)(paths_of(ctx), changes)


def _list_universe(paths, changes: int) -> None:
    from pipeline import display
    from pipeline.extract import universe

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
    from pipeline.raw.store import RawStore
    from pipeline.extract.universe import import_file
    from pipeline.runtime.lock import refresh_lock

    paths = paths_of(ctx)
    with refresh_lock(paths, "universe import"):  # one writer of the raw layer at a time (exit 7 while another runs)
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
@politeness_options
def universe_sync(
    ctx: typer.Context,
    name: Annotated[
        Optional[str], typer.Option("--name", help="Board name to look for [default: the pinned one, else 算力租赁].")
    ] = None,
    board: Annotated[Optional[str], typer.Option("--board", help="Pin this EastMoney board code, e.g. BK1134.")] = None,
    accept_changes: AcceptOption = False,
    *,
    politeness,
) -> None:
    """Take EastMoney's concept board as the universe: find it by name once, pin its BK code, fetch its members.

    Example: leasewatch universe sync --name 算力租赁
    """
    from pipeline.raw.store import RawStore
    from pipeline.extract.universe import sync
    from pipeline.runtime.lock import refresh_lock
    from pipeline.sources.akshare import live_source

    paths = paths_of(ctx)
    with refresh_lock(paths, "universe sync"):  # one writer of the raw layer at a time, before any request
        live = live_source(paths.data_dir, politeness)
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
