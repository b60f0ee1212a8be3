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
