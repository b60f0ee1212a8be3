"""Upkeep of the raw layer: `leasewatch raw compact` (the move to packs, and merging the small packs of daily runs)."""

from __future__ import annotations

from typing import Callable

from pipeline.config import Paths
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
