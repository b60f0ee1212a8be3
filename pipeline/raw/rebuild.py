"""`leasewatch raw rebuild-manifest`: the manifest reconstructed from the payloads themselves.

A pack keeps, beside each payload, the manifest line of the fetch that first stored it (`record`, see packs.py),
so the raw layer is self-describing: a manifest that was deleted, overwritten with junk or lost lines to a torn
write can be rebuilt. Readable lines of the old manifest are kept as they are, in their order; every stored
payload no kept line names gets its pack's record, oldest fetch first. A payload of a store written before packs
(one file per payload, no record beside it) gets a record made from its path and file: source, function and
arguments from the path, its content hash computed again, its fetch time the file's modification time.

What cannot come back: later fetches that found an unchanged payload only added a manifest line, so a deleted
manifest loses those lines. Their payloads are all kept; the next incremental ingest may ask upstream again for
requests whose newest fetch looks older than it was. The old manifest is never deleted: it is kept beside the
new one as manifest.jsonl.replaced-<n>.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from pipeline.errors import UsageError
from pipeline.raw import packs, quarantine
from pipeline.raw.files import fsync_dir, fsync_file, to_arrow
from pipeline.raw.record import RawRecord, parse_record, read_manifest
from pipeline.raw.store import MANIFEST, RawStore, legacy_files

ORPHANS = Path(quarantine.QUARANTINE) / quarantine.ORPHANS  # where remove_orphans moves packs nothing names


@dataclass
class RebuildReport:
    kept: int = 0  # readable lines of the old manifest, kept as they were
    recovered: int = 0  # fetch records recovered from packs and legacy files
    dropped_lines: int = 0  # unreadable lines of the old manifest (kept in the old file)
    unrecoverable: list[str] = field(default_factory=list)  # stored payloads no record could be made for, and why
    replaced: Path | None = None  # where the old manifest now is (None: there was none)
    restored_packs: int = 0  # packs moved back from quarantine/orphans (moved aside while nothing named them)
    manifest: Path | None = None


def rebuild_manifest(store: RawStore) -> RebuildReport:
    """Write a new manifest from the old one's readable lines and the stored payloads (see the module's text)."""
    report = RebuildReport(manifest=store.manifest_path)
    kept, damaged = read_manifest(store.manifest_path) if store.manifest_path.exists() else ([], [])
    report.kept, report.dropped_lines = len(kept), len(damaged)
    named = {r.path for r in kept}
    recovered: list[RawRecord] = []
    restore: set[Path] = set()  # packs moved aside as orphans (nothing named them) that hold recovered payloads
    for name, record, problem, pack in _stored(store):
        if name in named:
            continue
        if record is None:
            report.unrecoverable.append(f"{name}: {problem}")
            continue
        named.add(name)
        recovered.append(record)
        if pack is not None and pack.is_relative_to(store.root / ORPHANS):
            restore.add(pack)
    for pack in sorted(restore):  # back where the pack index expects packs; the next build lists them again
        home = store.root / pack.relative_to(store.root / ORPHANS)
        if not home.exists():
            home.parent.mkdir(parents=True, exist_ok=True)
            os.replace(pack, home)
            report.restored_packs += 1
    if not kept and not recovered and not report.unrecoverable:
        raise UsageError(f"nothing to rebuild: no payload is stored in {store.root}",
                         "check --data-dir (or LEASEWATCH_DATA_DIR); an empty raw layer needs no manifest")
    recovered.sort(key=lambda r: r.fetched_at)  # stable: a pack's own order within one fetch time
    report.recovered = len(recovered)
    lines = [json.dumps(asdict(r), ensure_ascii=False) for r in kept + recovered]
    report.replaced = _write(store.manifest_path, lines)
    return report


def _stored(store: RawStore):
    """(payload name, its record or None, why not, the pack holding it or None) for every payload stored: packs
    (listed or not, and those moved aside as orphans when nothing named them), then legacy files."""
    import pyarrow.parquet as pq

    seen: set[str] = set()
    found = [*sorted((store.root / packs.PACKS).glob("*/*.parquet")),
             *sorted((store.root / ORPHANS / packs.PACKS).glob("*/*.parquet"))]
    for pack in found:
        try:
            file = pq.ParquetFile(pack)
            rows = [file.read_row_group(g, columns=["payload", "sha256", "record"]).to_pylist()
                    for g in range(file.num_row_groups)]
        except Exception as exc:  # an unreadable pack: its payloads are unknown (verify quarantines it)
            yield pack.relative_to(store.root).as_posix(), None, f"its pack cannot be read ({type(exc).__name__})", None
            continue
        for row in (r for group in rows for r in group):
            name = row["payload"]
            if name in seen:
                continue
            seen.add(name)
            record, problem = _pack_record(name, row["sha256"], row["record"])
            yield name, record, problem, pack
    for path in legacy_files(store.root):
        name = path.relative_to(store.root).as_posix()
        if name not in seen:
            record, problem = _legacy_record(path, name)
            yield name, record, problem, None


def _pack_record(name: str, sha256: str, line: str | None) -> tuple[RawRecord | None, str]:
    if not line:
        return None, "its pack holds no record of the fetch"
    try:
        record = parse_record(line)
    except ValueError:
        return None, "the record beside it is not readable"
    if record.path != name or record.sha256 != sha256:
        return None, "the record beside it names another payload"
    return record, ""


def _legacy_record(path: Path, name: str) -> tuple[RawRecord | None, str]:
    """A record for a payload file of a store written before packs, from its path and its bytes."""
    import pyarrow.parquet as pq

    source, function, slug, _file = name.split("/")
    if ",digest=" in slug or slug.startswith("digest="):
        return None, "its arguments were too long for its folder name and are not recoverable"
    args = {}
    if slug != "noargs":
        for part in slug.split(","):
            key, sep, value = part.partition("=")
            if not sep:
                return None, f"its folder name {slug!r} is not key=value arguments"
            args[key] = value
    try:
        table = to_arrow(pq.read_table(path).to_pandas())
    except Exception as exc:
        return None, f"it cannot be read ({type(exc).__name__})"
    _ipc, sha, _meta = packs.encode(table)
    if not name.endswith(f"/{sha[:16]}.parquet"):
        return None, "its content no longer matches its name (damaged)"
    fetched = datetime.fromtimestamp(path.stat().st_mtime).replace(microsecond=0).isoformat()
    return RawRecord(
        source=source, function=function, args=args, fetched_at=fetched, source_version="unknown", sha256=sha,
        path=name, rows=table.num_rows, columns=table.num_columns, new=True, is_sample=source == "sample",
    ), ""


def _write(manifest: Path, lines: list[str]) -> Path | None:
    """Write the new manifest durably under a temporary name, move the old one aside, rename the new one in."""
    manifest.parent.mkdir(parents=True, exist_ok=True)
    tmp = manifest.with_name(f"{MANIFEST}.tmp{os.getpid()}")
    tmp.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    fsync_file(tmp)
    replaced = None
    if manifest.exists():
        number = 1
        while (replaced := manifest.with_name(f"{MANIFEST}.replaced-{number}")).exists():
            number += 1
        shutil.copy2(manifest, replaced)  # the old file stays whole under its new name before the new one replaces it
    os.replace(tmp, manifest)
    fsync_dir(manifest.parent)
    return replaced
