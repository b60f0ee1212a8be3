"""`leasewatch ingest`: fetch frames into the raw layer, from live akshare or the embedded sample."""

from __future__ import annotations

from typing import Annotated

import typer

from pipeline.cli.options import SAMPLE_FIRMS, SAMPLE_YEARS, AcceptOption, FirmsOption, SourceName, YearsOption, politeness_options
from pipeline.cli.root import command, echo_err, paths_of, progress_of
from pipeline.errors import PartialFailure


@command()
@politeness_options
def ingest(
    ctx: typer.Context,
    source: Annotated[
        SourceName, typer.Option("--source", help="Where frames come from: akshare (live) or the embedded sample.")
    ] = SourceName.akshare,
    firms: FirmsOption = SAMPLE_FIRMS,
    years: YearsOption = SAMPLE_YEARS,
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
    *,
    politeness,
) -> None:
    """Fetch frames into the raw layer (append-only; unchanged frames are stored once). From akshare (the default),
    only what is missing or stale for the current universe: a rerun after an interruption continues.
    --source sample replays the embedded sample instead.

    Example: leasewatch ingest
    """
    from pipeline.runtime.lock import refresh_lock

    paths = paths_of(ctx)
    with refresh_lock(paths, "ingest"):  # one writer of the raw layer at a time (exit 7 while another runs)
        _ingest(ctx, paths, source, firms, years, repull, repull_every, repull_limit, accept_changes, politeness)


def _ingest(ctx, paths, source, firms, years, repull, repull_every, repull_limit, accept_changes, politeness) -> None:
    from pipeline.raw.store import RawStore

    store = RawStore(paths.raw_dir)
    if source is SourceName.sample:
        from pipeline.extract.ingest import ingest_sample

        report = ingest_sample(store, firms=firms, years=years, on_progress=progress_of(ctx, "firms"))
        if report.already_stored:
            typer.echo(f"The sample ({firms} firms, {years} years) is in {paths.raw_dir} already "
                       f"({report.already_stored} fetches): nothing to replay")
            return
        if report.restored:
            typer.echo(f"Copied the sample's {report.restored} fetches ({firms} firms, {years} years) from the sample cache "
                       f"{report.sample_entry} into {paths.raw_dir}")
            return
        typer.echo(
            f"Fetched {report.calls} frames: {report.new_versions} new versions, {report.unchanged} unchanged"
            f" ({len(report.members)} members) into {paths.raw_dir}"
        )
        for code, message in report.failures.items():
            echo_err(f"failed {code}: {message}")
        return

    from pipeline.extract.ingest import RefreshPolicy, ingest_live
    from pipeline.sources.akshare import live_source

    live = live_source(paths.data_dir, politeness)
    # the backfill command: inputs added by a later release are fetched for every stored firm at once
    policy = RefreshPolicy(
        repull_every_days=repull_every, repull_limit=repull_limit, repull_all=repull, accept_changes=accept_changes,
        new_inputs_per_run=0,
    )
    report = ingest_live(live, store, policy=policy, on_progress=progress_of(ctx, "firms"), on_step=echo_err)
    for warning in report.warnings:
        echo_err(f"warning: {warning}")
    for code, message in report.failures.items():
        echo_err(f"failed {code}: {message}")
    typer.echo(
        f"Fetched {report.calls} frames ({report.new_versions} new versions, {report.unchanged} unchanged) for "
        f"{len(report.members)} members up to the {report.session} close, with {live.http_requests} HTTP requests, "
        f"into {paths.raw_dir}"
    )
    if report.unsupported:
        typer.echo(
            f"{len(report.unsupported)} firms are in a bank, insurer or broker layout, left out of the marts "
            f"(marts.universe.unsupported_layout): {', '.join(sorted(report.unsupported))}"
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
