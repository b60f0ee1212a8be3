"""Upkeep of the raw layer: `leasewatch raw compact` (the move to packs, and merging the small packs of daily runs),
`leasewatch raw rebuild-manifest` (the manifest reconstructed from the payloads)."""

from __future__ import annotations

from typing import Callable

from pipeline.config import Paths
from pipeline.errors import storage_error
from pipeline.raw.rebuild import RebuildReport
from pipeline.raw.rebuild import rebuild_manifest as rebuild
from pipeline.raw.store import CompactReport, RawStore
from pipeline.runtime.lock import refresh_lock


def compact(paths: Paths, on_progress: Callable[[int, int, str], None] | None = None, *, wait: bool = False,
            on_wait: Callable[[str], None] | None = None) -> CompactReport:
    """Compact the raw layer under the refresh lock, so no ingest or build reads it halfway; killed writers'
    leftovers are removed first. Safe to interrupt and to rerun: old files go only once their payloads are durable
    in the new packs."""
    with refresh_lock(paths, "raw compact", wait=wait, on_wait=on_wait):
        store = RawStore(paths.raw_dir)
        store.remove_orphans()
        return store.compact(on_progress=on_progress)


def rebuild_manifest(paths: Paths, *, wait: bool = False, on_wait: Callable[[str], None] | None = None) -> RebuildReport:
    """Rebuild data/raw/manifest.jsonl from its readable lines and the stored payloads, under the refresh lock (no
    ingest appends to it meanwhile). Safe to rerun: a second run keeps every line the first wrote."""
    with refresh_lock(paths, "raw rebuild-manifest", wait=wait, on_wait=on_wait):
        store = RawStore(paths.raw_dir)
        try:
            return rebuild(store)
        except OSError as exc:
            raise storage_error(f"the raw manifest {store.manifest_path}", exc,
                                "free disk space or fix permissions; the old manifest is untouched") from exc
