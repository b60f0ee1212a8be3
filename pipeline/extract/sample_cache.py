"""The embedded sample's raw layer, replayed once per machine and kept, so `make demo` does not replay it again.

Replaying the sample through the real door (source → checks → raw store) takes about 8 s on a 2-core machine,
most of it building pandas frames the way akshare shapes them. The replay is deterministic: the same generator
with the same settings stores the same payloads under the same content hashes. So the first replay into an empty
raw layer is also copied to a cache folder (per user: $XDG_CACHE_HOME/leasewatch/sample, or
LEASEWATCH_SAMPLE_CACHE; `off` disables it), named by everything the payloads depend on (firms, years, the
vintages, the generator's source fingerprint, the akshare version recorded as source_version, the raw layout).
Later replays into an empty raw layer copy those files instead (about 0.1 s); `make install` makes the first one.

The copy is a raw layer like any other: each payload is verified by its content hash when read, so a damaged
cache fails loudly (and `leasewatch build` quarantines what is damaged), never silently.

An entry also keeps the sample's normalised cache (data/normalized/<fingerprint>, pipeline/normalize/cache.py) under
normalized/<fingerprint>: typing the sample's 1,600 payloads is 2 s of the demo's build. A data directory whose raw
layer is exactly an entry's gets a copy; the build hashes every segment against its index line before reading it,
as it does its own, and normalises again whatever does not match. Only the current fingerprint's folder is kept:
after a change to the normaliser or the field dictionary the next demo normalises once and keeps its result.

    python -m pipeline.ops.demo    replays the default sample once into the cache (make install runs it)
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

from pipeline.raw import packs
from pipeline.raw.files import file_sha256
from pipeline.raw.quarantine import CHECKED
from pipeline.raw.store import MANIFEST, RawStore

LAYOUT = 2  # bump when what a replay stores (or an entry holds) changes shape
FILES = (MANIFEST, packs.INDEX, CHECKED)
COMPLETE = "complete.json"
NORMALIZED = "normalized"  # the entry's copy of the normalised cache, one folder per fingerprint


def cache_root() -> Path | None:
    configured = os.environ.get("LEASEWATCH_SAMPLE_CACHE")
    if configured:
        return None if configured.lower() == "off" else Path(configured).expanduser()
    try:
        base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    except RuntimeError:  # no home directory to be found: no cache, the sample is replayed each time
        return None
    return Path(base) / "leasewatch" / "sample"


def entry(stamp: dict, source_version: str) -> Path | None:
    """The cache folder of one sample setting, or None when the cache is off."""
    root = cache_root()
    if root is None:
        return None
    key = json.dumps({**stamp, "source_version": source_version, "layout": LAYOUT}, sort_keys=True)
    return root / hashlib.sha256(key.encode()).hexdigest()[:16]


def restore(folder: Path | None, store: RawStore) -> int:
    """Copy a complete cache entry into an empty raw layer; the number of fetches restored (0: no usable entry)."""
    if folder is None or not (folder / COMPLETE).is_file():
        return 0
    try:
        done = json.loads((folder / COMPLETE).read_text(encoding="utf-8"))
        names = [*done["files"], *done["packs"]]
        if not all((folder / n).is_file() for n in names) or any((store.root / n).exists() for n in names):
            return 0
        if any(file_sha256(folder / n) != done["sha256"].get(n) for n in names):
            shutil.rmtree(folder, ignore_errors=True)  # a damaged entry is dropped: the sample is replayed (and kept)
            return 0
        store.root.mkdir(parents=True, exist_ok=True)
        for name in done["packs"]:
            (store.root / name).parent.mkdir(parents=True, exist_ok=True)
        # An empty manifest first, the full one last: until it is renamed in, the copy counts as an empty raw layer
        # (a kill leaves listed payloads the replay stores again as fetch lines), never as a deleted manifest.
        # Copies, not hard links: a data directory's file never shares its bytes (or its damage) with the cache.
        (store.root / MANIFEST).touch()
        for name in [n for n in names if n != MANIFEST]:
            shutil.copy2(folder / name, store.root / name)
        staged = store.root / f"{MANIFEST}.tmp{os.getpid()}"
        shutil.copy2(folder / MANIFEST, staged)
        os.replace(staged, store.root / MANIFEST)
        return int(done["records"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0  # an unreadable cache is a cache miss: the sample is replayed


def save(folder: Path | None, store: RawStore, records: int, extra: list[str]) -> None:
    """Keep a replayed raw layer as the cache entry (written aside, renamed into place). Best effort: a cache that
    cannot be written only means the next demo replays the sample again."""
    if folder is None:
        return
    listed = sorted(packs.Index(store.root).live_packs())
    files = [n for n in (*FILES, *extra) if (store.root / n).is_file()]
    tmp = folder.with_name(f"{folder.name}.tmp{os.getpid()}")
    try:
        shutil.rmtree(tmp, ignore_errors=True)
        for name in [*files, *listed]:
            (tmp / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(store.root / name, tmp / name)
        digests = {n: file_sha256(tmp / n) for n in [*files, *listed]}
        (tmp / COMPLETE).write_text(json.dumps({"records": records, "files": files, "packs": listed, "sha256": digests}),
                                    encoding="utf-8")
        shutil.rmtree(folder, ignore_errors=True)
        os.replace(tmp, folder)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)


def restore_normalized(folder: Path | None, target: Path) -> bool:
    """Copy the entry's normalised cache for the current fingerprint into `target` (data/normalized) when that
    holds nothing yet; whether it did. The raw layer beside `target` must be exactly the entry's."""
    from pipeline.normalize.cache import fingerprint

    kept = folder / NORMALIZED / fingerprint() if folder is not None else None
    if kept is None or not kept.is_dir() or (target.exists() and any(target.iterdir())):
        return False
    staged = target.with_name(f"{target.name}.tmp{os.getpid()}")
    try:
        shutil.rmtree(staged, ignore_errors=True)
        shutil.copytree(kept, staged / kept.name)
        if target.exists():
            target.rmdir()  # empty, as checked above
        os.replace(staged, target)
        return True
    except OSError:  # a cache that cannot be read costs the build its normalising, nothing else
        shutil.rmtree(staged, ignore_errors=True)
        return False


def save_normalized(folder: Path | None, source: Path) -> None:
    """Keep `source`'s (data/normalized) current folder in the entry, unless the entry's copy is whole and lists
    the same segments (a damaged copy, hashed here against its index, is replaced), and drop the entry's folders of
    other fingerprints. Best effort, like `save`. The raw layer beside `source` must be exactly the entry's."""
    from pipeline.normalize.cache import NormalizedCache, fingerprint

    if folder is None or not (folder / COMPLETE).is_file():
        return
    current = fingerprint()
    made = source / current
    kept = folder / NORMALIZED / current
    if not made.is_dir():
        return
    # verify() drops what is damaged from the copy's index, so that the indexes then differ
    if kept.is_dir() and not NormalizedCache(folder / NORMALIZED).verify() and _indexes(kept) == _indexes(made):
        return
    tmp = kept.with_name(f"{current}.tmp{os.getpid()}")
    old = kept.with_name(f"{current}.old{os.getpid()}")
    try:
        for other in (folder / NORMALIZED).iterdir() if (folder / NORMALIZED).is_dir() else ():
            if other.name.split(".")[0] != current:
                shutil.rmtree(other, ignore_errors=True)
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.copytree(made, tmp)
        if kept.is_dir():
            os.replace(kept, old)
        os.replace(tmp, kept)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
    finally:
        shutil.rmtree(old, ignore_errors=True)


def _indexes(folder: Path) -> dict[str, bytes]:
    """Each table's index of a normalised cache folder: what segments it lists, with their hashes."""
    return {index.parent.name: index.read_bytes() for index in folder.glob("*/index.jsonl")}
