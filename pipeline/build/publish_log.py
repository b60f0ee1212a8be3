"""The publish log: the only record of which warehouses went live, and in what order.

    data/warehouses/publish.jsonl   append-only, one fsynced line per event, in the order they happened:
        {"seq", "event", "generation", "sha256", "bytes", "mtime_ns", "at"}
        event "publish"   a build made `generation` live
        event "adopt"     a live warehouse no line named was taken in: built before the log existed, or published by
                          a build killed between its swap and its line
        event "rollback"  `generation` is live again, undoing the line before it

A line is written only after the swap it records, so a generation that never went live (a build killed between
filing it and swapping it in) is in no line; `rollback` and pruning know only what the log names. Order is the
file's order, never a clock: a wrong or jumping wall clock cannot reorder builds (`at` is for people only).

Replayed, the log is a stack: "publish" and "adopt" push a generation, "rollback" pops the live one. The stack's
top is the live warehouse; below it, newest first, what rollback would restore. Each line keeps the generation's
SHA-256, size and modification time as published: a kept file that changed since (a client that opened the live
file for writing changes the generation it is linked to) is refused by rollback and never used as the base of an
incremental build.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from pipeline import clock, errors
from pipeline.errors import StorageError
from pipeline.raw.files import append_line, file_sha256

LOG = "publish.jsonl"
EVENTS = ("publish", "adopt", "rollback")


@dataclass(frozen=True)
class Entry:
    seq: int
    event: str
    generation: str  # file name under data/warehouses
    sha256: str
    bytes: int
    mtime_ns: int
    at: str


def log_path(warehouses: Path) -> Path:
    return warehouses / LOG


class PublishLogError(StorageError):
    """The publish log exists but none of it can be read: what went live, and in what order, is unknown."""


_TYPES = {"seq": int, "event": str, "generation": str, "sha256": str, "bytes": int, "mtime_ns": int, "at": str}


def entries(warehouses: Path) -> list[Entry]:
    """The log's readable lines, in order. A line torn by a kill (or junk) is skipped: it recorded nothing the
    swap has not already made true, and the next build adopts what is live. A log that exists and holds no
    readable line at all is PublishLogError: falling back to the times in the names would order by a clock."""
    path = log_path(warehouses)
    if not path.exists():
        return []
    out, unreadable = [], 0
    try:
        with path.open("rb") as fh:
            for raw in fh:
                if not raw.strip():
                    continue
                try:
                    out.append(_parse(raw))
                except ValueError:
                    unreadable += 1
    except OSError as exc:
        raise errors.storage_error(f"the publish log {path}", exc,
                                   "fix the permissions of the data directory (or make it a file again)") from exc
    if not out:
        what = f"none of its {unreadable} line(s) can be read" if unreadable else "it is empty"
        raise PublishLogError(
            f"the publish log {path} says nothing: {what}, so which kept warehouse went live when is unknown",
            f"move it aside (mv {path} {path}.damaged): the next build then takes the kept warehouses in by the build "
            "times in their names, once; check the machine's clock was right when they were built",
        )
    return out


def _parse(raw: bytes) -> Entry:
    try:
        entry = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ValueError("not JSON") from None
    if not isinstance(entry, dict) or set(entry) != set(_TYPES):
        raise ValueError("not a publish record")
    for name, kind in _TYPES.items():
        if not isinstance(entry[name], kind) or isinstance(entry[name], bool):
            raise ValueError(f"{name} is not a {kind.__name__}")
    generation = entry["generation"]
    if entry["event"] not in EVENTS or "/" in generation or "\x00" in generation or not generation.endswith(".duckdb"):
        raise ValueError("not a publish record")
    return Entry(**entry)


def append(warehouses: Path, event: str, generation: Path, digest: "Digest") -> Entry:
    """Record an event durably (one fsynced line)."""
    previous = entries(warehouses)
    entry = Entry(previous[-1].seq + 1 if previous else 1, event, generation.name, digest.sha256, digest.bytes,
                  digest.mtime_ns, clock.china_text())
    append_line(log_path(warehouses), json.dumps(asdict(entry)))
    return entry


def stack(log: list[Entry]) -> list[Entry]:
    """The log replayed: live generation last, rollback targets before it (newest nearest). A rollback pops the
    entry it undid; one naming another generation than the one below (a log edited by hand) is taken as it says."""
    out: list[Entry] = []
    for entry in log:
        if entry.event == "rollback":
            while out and out[-1].generation != entry.generation:
                out.pop()
            if not out:
                out.append(entry)
        else:
            out.append(entry)
    return out


@dataclass(frozen=True)
class Digest:
    sha256: str
    bytes: int
    mtime_ns: int


def digest(path: Path) -> Digest:
    """A file's SHA-256 (about 0.8 s per GiB here), size and modification time."""
    stat = path.stat()
    return Digest(file_sha256(path), stat.st_size, stat.st_mtime_ns)


def unchanged_stat(path: Path, entry: Entry) -> bool:
    """The cheap check: size and modification time as published (DuckDB changes the time of a file it writes)."""
    stat = path.stat()
    return stat.st_size == entry.bytes and stat.st_mtime_ns == entry.mtime_ns


def changed(path: Path, entry: Entry, *, full: bool = False) -> str | None:
    """Why `path` is not the file `entry` published, or None when it is. With `full` its bytes are always hashed
    again (rollback: rare, and bit rot keeps the file's time); without, only when its size or modification time
    differ from the published ones (an incremental build: a write through DuckDB changes the time; a copy made on a
    filesystem without hard links has a new time and the same bytes)."""
    if not full and unchanged_stat(path, entry):
        return None
    now = digest(path)
    if now.sha256 == entry.sha256:
        return None
    return f"its SHA-256 is {now.sha256[:12]}…, published as {entry.sha256[:12]}… (line {entry.seq} of {LOG})"
