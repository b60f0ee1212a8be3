"""`leasewatch raw …`: upkeep of the raw layer."""

from __future__ import annotations

from typing import Annotated

import typer

from pipeline.cli.root import app, command, echo_err, paths_of, progress_of

raw_app = typer.Typer(
    help="Upkeep of the raw layer (data/raw): every fetch as stored, append-only.\n\nExample: leasewatch raw compact",
    rich_markup_mode=None,
)
app.add_typer(raw_app, name="raw")


@command(on=raw_app)
def compact(
    ctx: typer.Context,
    wait: Annotated[bool, typer.Option("--wait", help="Wait for a running refresh, build or ingest instead of exit 7.")] = False,
) -> None:
    """Move the raw payloads into a few large pack files per dataset, each payload verified by its content hash on
    the way: the one-time migration of a raw layer stored one file per payload (before leasewatch 0.16), and a
    periodic merge of the small packs daily runs write. Nothing is refetched and no fetch record changes.

    Example: leasewatch raw compact
    """
    from pipeline.ops.upkeep import compact as run_compact

    paths = paths_of(ctx)
    report = run_compact(paths, on_progress=progress_of(ctx, "payloads"), wait=wait, on_wait=echo_err)
    for problem in report.problems:
        echo_err(f"warning: quarantined damaged raw payload {problem.path}: {problem.describe()}; the next ingest fetches it again")
    if not report.payloads:
        typer.echo(f"Nothing to compact in {paths.raw_dir}: {report.files_after:,} files hold its payloads")
        return
    typer.echo(
        f"Moved {report.payloads:,} payloads into packs: {report.files_before:,} files ({report.bytes_before / 2**20:,.1f} MiB) "
        f"→ {report.files_after:,} files ({report.bytes_after / 2**20:,.1f} MiB) in {paths.raw_dir}"
    )
