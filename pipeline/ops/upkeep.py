"""Upkeep of the raw layer: `leasewatch raw compact` (the move to packs, and merging the small packs of daily runs),
`leasewatch raw rebuild-manifest` (the manifest reconstructed from the payloads), `leasewatch verify` (everything
stored checked against the hashes recorded when it was written)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from pipeline.config import Paths
from pipeline.errors import UsageError, storage_error
from pipeline.raw import tidy
from pipeline.raw.rebuild import RebuildReport
from pipeline.raw.rebuild import rebuild_manifest as rebuild
from pipeline.raw.store import RawStore
from pipeline.raw.tidy import CompactReport
from pipeline.runtime.lock import refresh_lock


def compact(paths: Paths, on_progress: Callable[[int, int, str], None] | None = None, *, wait: bool = False,
            on_wait: Callable[[str], None] | None = None) -> CompactReport:
    """Compact the raw layer under the refresh lock, so no ingest or build reads it halfway; killed writers'
    leftovers are removed first. Safe to interrupt and to rerun: old files go only once their payloads are durable
    in the new packs."""
    with refresh_lock(paths, "raw compact", wait=wait, on_wait=on_wait):
        store = RawStore(paths.raw_dir)
        tidy.remove_orphans(store)
        return tidy.compact(store, on_progress=on_progress)


def rebuild_manifest(paths: Paths, *, wait: bool = False, on_wait: Callable[[str], None] | None = None) -> RebuildReport:
    """Rebuild data/raw/manifest.jsonl from its readable lines and the stored payloads, under the refresh lock (no
    ingest appends to it meanwhile). Safe to rerun: a second run keeps every line the first wrote."""
    _existing(paths)
    with refresh_lock(paths, "raw rebuild-manifest", wait=wait, on_wait=on_wait):
        store = RawStore(paths.raw_dir)
        try:
            return rebuild(store)
        except OSError as exc:
            raise storage_error(f"the raw manifest {store.manifest_path}", exc,
                                "free disk space or fix permissions; the old manifest is untouched") from exc


@dataclass
class VerifyReport:
    """What `leasewatch verify` found; every list names one damaged file per entry."""

    raw_files: int = 0  # packs and legacy files holding live payloads
    raw: list = field(default_factory=list)  # quarantined payloads (raw.quarantine.Problem)
    manifest_lines: list[int] = field(default_factory=list)  # unreadable manifest lines (torn by kills)
    normalized: list[str] = field(default_factory=list)  # cache segments dropped (normalised again by the next build)
    warehouses: list[str] = field(default_factory=list)  # kept warehouses changed since they were published
    warehouses_checked: int = 0  # kept warehouses the publish log names (0 without a log: none can be checked)

    @property
    def damaged(self) -> int:
        return len(self.raw) + len(self.normalized) + len(self.warehouses)


def verify(paths: Paths, *, full: bool = False, wait: bool = False,
           on_wait: Callable[[str], None] | None = None) -> VerifyReport:
    """Check the data directory against the hashes recorded when each thing was written, under the refresh lock:
    raw payloads (each pack whose size or time changed since it was last verified, or all with `full`; bad ones
    are quarantined and fetched again by the next ingest), the normalised cache (every segment hashed; bad ones are
    dropped and rebuilt by the next build) and the kept warehouses (those whose size or time changed, or all with
    `full`; reported, never touched)."""
    from pipeline.build.publish import changed_generations
    from pipeline.normalize.cache import NormalizedCache

    _existing(paths)
    with refresh_lock(paths, "verify", wait=wait, on_wait=on_wait):
        report = VerifyReport()
        store = RawStore(paths.raw_dir)
        try:
            store.check_named(store.records())
            tidy.remove_orphans(store)
            report.raw = store.verify(full=full)
            report.raw_files = len(tidy.files(store))
            report.manifest_lines = list(store.damaged_lines)
            report.normalized = NormalizedCache(paths.normalized_dir).verify()
            report.warehouses_checked, report.warehouses = changed_generations(paths, full=full)
        except OSError as exc:
            raise storage_error(f"the data directory {paths.data_dir}", exc) from exc
        return report


def _existing(paths: Paths) -> None:
    """Upkeep of a data directory that is not there would create it (the lock's folder) and call it healthy."""
    if not paths.data_dir.is_dir():
        raise UsageError(f"no data directory at {paths.data_dir}",
                         "check --data-dir (or LEASEWATCH_DATA_DIR); leasewatch demo or leasewatch refresh creates one")
