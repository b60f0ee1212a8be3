"""Upkeep of the raw layer: what killed writers left tidied away (`remove_orphans`), and the small files of daily
runs and of a store written before packs merged into few packs (`compact`). Functions of a RawStore: the store
reads and writes payloads; these keep its files in order, and never delete what the manifest refers to."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from pipeline.raw import packs, quarantine
from pipeline.raw.files import process_alive
from pipeline.raw.packs import Blob
from pipeline.raw.quarantine import Problem
from pipeline.raw.record import RawRecord
from pipeline.raw.store import RawCorruptError, RawStore

PACK_BYTES = 256 * 2**20  # compaction starts a new pack after this many payload bytes
SMALL_PACK = 32 * 2**20  # packs smaller than this (on disk) are merged by compaction; larger ones are left alone


@dataclass
class CompactReport:
    payloads: int = 0  # payloads moved into new packs
    files_before: int = 0  # payload files (packs and legacy files) holding live payloads before
    files_after: int = 0
    bytes_before: int = 0
    bytes_after: int = 0
    problems: list[Problem] = field(default_factory=list)


def remove_orphans(store: RawStore) -> list[Path]:
    """Tidy what killed writers left: delete their temporary files; re-list a pack whose index line is missing
    (killed before its line, or packs.jsonl damaged or deleted) from its own payload column when the manifest
    names any payload in it; move aside (quarantine/orphans/) an unlisted pack none of whose payloads the
    manifest knows; delete packs compaction retired once none of their payloads lives there. A live writer's
    files are left alone. Nothing the manifest refers to is ever deleted."""
    store.flush()
    removed = []
    try:
        for tmp in store.root.rglob("*.tmp*"):
            pid = tmp.suffix[len(".tmp"):]
            if tmp.is_file() and pid.isdigit() and not process_alive(int(pid)):
                tmp.unlink(missing_ok=True)
                removed.append(tmp)
        index = store.index(fresh=True)  # another process may have written packs since this store read it
        known = {r.path for r in store.records()}
        for pack in sorted((store.root / packs.PACKS).glob("*/*.parquet")):
            relative = pack.relative_to(store.root).as_posix()
            pid = packs.writer_pid(relative)
            # a live writer's pack may be between its rename and its index line; this process's are not (flushed)
            if relative in index.listed or (pid is not None and pid != os.getpid() and process_alive(pid)):
                continue
            try:
                found = packs.listing(store.root, relative)
            except OSError as exc:
                if exc.errno is not None:
                    raise
                found = {}  # unreadable: which payloads it holds is unknown, so it is moved aside below
            except Exception:
                found = {}
            relist = {n: loc for n, loc in found.items() if n in known and index.get(n) is None}
            if relist:
                index.add(relist)
            elif not (set(found) & known):
                moved = store.root / quarantine.QUARANTINE / quarantine.ORPHANS / relative
                moved.parent.mkdir(parents=True, exist_ok=True)
                os.replace(pack, moved)
                removed.append(pack)
        live = index.live_packs()
        for relative in sorted(index.retired - live):
            if (store.root / relative).is_file():
                (store.root / relative).unlink()
                removed.append(store.root / relative)
    except OSError as exc:
        raise store.storage_error(exc) from exc
    store.forget_latest()
    return removed


def files(store: RawStore) -> dict[str, int]:
    """Every file holding a live payload (pack or legacy file), relative path → size in bytes."""
    out = {}
    for record in store.records():
        file = store.file_of(record.path)
        if file not in out:
            try:
                out[file] = (store.root / file).stat().st_size
            except FileNotFoundError:
                continue
    return out


def compact(store: RawStore, on_progress: Callable[[int, int, str], None] | None = None) -> CompactReport:
    """Merge each function's small files (legacy one-file-per-payload files: the migration to packs; packs
    under SMALL_PACK: what daily runs write) into as few packs as PACK_BYTES allows. Each payload is verified
    on the way; a damaged one is quarantined, not moved. The old files are deleted only after the new packs
    and their index lines are durable, so an interruption leaves every payload readable where it was."""
    store.flush()
    before = files(store)
    report = CompactReport(files_before=len(before), bytes_before=sum(before.values()))
    distinct = list({r.path: r for r in store.records()}.values())
    by_function: dict[str, list[RawRecord]] = {}
    for record in distinct:
        by_function.setdefault(record.function, []).append(record)
    done = 0
    try:
        for function, records in by_function.items():
            small = _small_files(store, records)
            movable = [r for r in records if store.file_of(r.path) in small]
            if len(small) < 2 and not any(store.location(r.path) is None for r in movable):
                done += len(records)
                continue  # at most one small pack and no legacy file: nothing to merge
            for chunk in _chunks(store, movable, report):
                store.write_pack(function, chunk)
                report.payloads += len(chunk)
            _retire_moved(store, records)  # at once: on a nearly full disk the space comes back function by function
            done += len(records)
            if on_progress:
                on_progress(done, len(distinct), function)
        _retire_moved(store, distinct)
    except OSError as exc:
        raise store.storage_error(exc) from exc
    after = files(store)
    report.files_after, report.bytes_after = len(after), sum(after.values())
    store.forget_latest()
    return report


def _small_files(store: RawStore, records: list[RawRecord]) -> set[str]:
    """The files holding these payloads that compaction merges: legacy files and packs under SMALL_PACK bytes
    (large packs stay as they are, so a periodic compaction costs what daily runs added, not the whole layer)."""
    files = {store.file_of(r.path) for r in records}
    small = set()
    for file in files:
        try:
            size = (store.root / file).stat().st_size
        except FileNotFoundError:
            continue
        if not file.startswith(packs.PACKS + "/") or size < SMALL_PACK:
            small.add(file)
    return small


def small_packs(store: RawStore) -> int:
    """How many files compaction would save: per function, its small files (legacy files and small packs)
    beyond the first."""
    by_function: dict[str, list[RawRecord]] = {}
    for record in {r.path: r for r in store.records()}.values():
        by_function.setdefault(record.function, []).append(record)
    return sum(max(0, len(_small_files(store, records)) - 1) for records in by_function.values())


def _retire_moved(store: RawStore, records: list[RawRecord]) -> None:
    """Delete what compaction copied into new packs, this run's or an interrupted earlier one's: packs whose
    every payload lives elsewhere now (retired in the index first), and legacy files whose payload is in a pack."""
    index = store.index()
    index.retire(index.superseded())
    for pack in sorted(index.retired - index.live_packs()):  # never a pack a payload still lives in
        (store.root / pack).unlink(missing_ok=True)
    for record in records:
        legacy = store.root / record.path
        if index.get(record.path) is not None and legacy.is_file():
            legacy.unlink()
            _prune_empty(store.root, legacy.parent)


def _chunks(store: RawStore, records: list[RawRecord], report: CompactReport) -> Iterator[list[Blob]]:
    """The verified blobs of records, in chunks of about PACK_BYTES; damaged ones quarantined and skipped."""
    chunk: list[Blob] = []
    size = 0
    for record in records:
        try:
            table = store.read_table(record)
        except RawCorruptError as exc:  # quarantined by the read: reported, not moved
            report.problems += exc.problems
            continue
        ipc, sha, meta = packs.encode(table)
        chunk.append(Blob(record.path, sha, ipc, meta, json.dumps(asdict(record), ensure_ascii=False)))
        size += len(ipc)
        if size >= PACK_BYTES:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


def _prune_empty(root: Path, folder: Path) -> None:
    """Remove empty folders from `folder` up to (not including) the raw root."""
    while folder != root and root in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent
