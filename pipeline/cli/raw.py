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


@command(name="rebuild-manifest", on=raw_app)
def rebuild_manifest(
    ctx: typer.Context,
    wait: Annotated[bool, typer.Option("--wait", help="Wait for a running refresh, build or ingest instead of exit 7.")] = False,
) -> None:
    """Rebuild data/raw/manifest.jsonl when it was deleted or damaged: its readable lines are kept, and every
    stored payload it no longer names gets back the fetch record its pack keeps beside it. The old file is kept
    as manifest.jsonl.replaced-<n>. Nothing is fetched and no payload changes.

    Example: leasewatch raw rebuild-manifest
    """
    from pipeline.ops.upkeep import rebuild_manifest as run_rebuild

    paths = paths_of(ctx)
    report = run_rebuild(paths, wait=wait, on_wait=echo_err)
    for problem in report.unrecoverable:
        echo_err(f"warning: no record could be made for the stored payload {problem}; the next ingest fetches it again")
    old = f"; the old file is kept as {report.replaced.name}" if report.replaced else ""
    dropped = f", {report.dropped_lines:,} unreadable line(s) left out" if report.dropped_lines else ""
    if report.recovered:
        echo_err("note: fetches that found an unchanged payload were lines of the manifest only and are not recovered: "
                 "membership and fetch dates may look older until the next refresh (or universe sync) fetches them again")
    typer.echo(f"Rebuilt {report.manifest}: {report.kept + report.recovered:,} fetch records ({report.kept:,} kept, "
               f"{report.recovered:,} recovered from the stored payloads{dropped}){old}")


@command(name="verify")
def verify(
    ctx: typer.Context,
    full: Annotated[bool, typer.Option("--full", help="Hash every file, not only those whose size or time changed.")] = False,
    wait: Annotated[bool, typer.Option("--wait", help="Wait for a running refresh, build or ingest instead of exit 7.")] = False,
) -> None:
    """Check what is stored against the hashes recorded when it was written: raw payloads (a damaged one is
    quarantined and fetched again by the next ingest), the normalised cache (a damaged segment is dropped and
    rebuilt by the next build) and the kept warehouses (a changed one is named; rollback refuses it). Each damaged
    file is named; exit 8 when there was any. Reads check their own data anyway: this finds damage before a build.

    Example: leasewatch verify --full
    """
    from pipeline.errors import StorageError
    from pipeline.ops.upkeep import verify as run_verify

    paths = paths_of(ctx)
    report = run_verify(paths, full=full, wait=wait, on_wait=echo_err)
    for problem in report.raw:
        echo_err(f"damaged: raw payload of {problem.describe()}, in {paths.raw_dir / problem.file}; quarantined, the "
                 "next ingest fetches it again")
    for description in report.normalized:
        echo_err(f"damaged: normalised cache {description}; dropped, the next build rebuilds it")
    for description in report.warehouses:
        echo_err(f"damaged: {description}; rollback refuses it and no build starts from it (delete it, or let "
                 "pruning remove it in its turn)")
    if report.manifest_lines:
        echo_err(f"note: {len(report.manifest_lines)} unreadable line(s) in the raw manifest (torn by kills; "
                 "`leasewatch raw rebuild-manifest` recovers their fetches from the packs)")
    how = "every file hashed" if full else "files changed since they were last verified hashed"
    kept = f"{report.warehouses_checked} kept warehouse(s)" if report.warehouses_checked else "no kept warehouse (no publish log yet)"
    summary = f"{report.raw_files:,} raw files, the normalised cache and {kept} in {paths.data_dir} ({how})"
    if report.damaged:
        files = len({p.file for p in report.raw})
        found = ", ".join(f"{n} {what}" for n, what in (
            (len(report.raw), f"raw payload(s) in {files} file(s)"), (len(report.normalized), "cache segment(s)"),
            (len(report.warehouses), "kept warehouse(s)")) if n)
        raise StorageError(f"verify found damage: {found}, among {summary}",
                           "each is named above with what happens to it; raw payloads and cache segments come back "
                           "with the next leasewatch refresh (or ingest, then build)")
    typer.echo(f"Verified {summary}: nothing damaged")
