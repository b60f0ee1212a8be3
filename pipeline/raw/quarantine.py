"""Payloads that failed verification, moved aside and logged, and the log of payloads already verified."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.errors import StorageError
from pipeline.raw.files import append_line

if TYPE_CHECKING:
    from pipeline.raw.record import RawRecord

QUARANTINE = "quarantine"
QUARANTINE_LOG = "quarantine.jsonl"
ORPHANS = "orphans"  # under QUARANTINE: packs moved aside because no manifest line named their payloads
CHECKED = "checked.jsonl"


@dataclass(frozen=True)
class Problem:
    """A stored payload that failed verification and was quarantined."""

    path: str
    reason: str  # "missing", "unreadable (…)" or "hash mismatch"
    function: str
    args: dict
    file: str = ""  # the pack (or legacy file) that held it, relative to the raw root

    def describe(self) -> str:
        return f"{self.function}({', '.join(f'{k}={v}' for k, v in sorted(self.args.items()))}): {self.reason}"


def events(root: Path) -> list[dict]:
    """Every quarantine event, oldest first: path, sha256, reason, function, args, at."""
    log = root / QUARANTINE / QUARANTINE_LOG
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]


def quarantine(root: Path, record: "RawRecord", source: Path | None, reason: str, file: str = "") -> Problem:
    """Move a bad payload file (if it is still there; None for a payload inside a pack, which the pack index
    drops instead) into quarantine/ and log why; the record names it. `file`: the pack or file that held it."""
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S%f")
    event = {
        "path": record.path,
        "sha256": record.sha256,
        "reason": reason,
        "function": record.function,
        "args": record.args,
        "at": datetime.now().replace(microsecond=0).isoformat(),
    }
    try:
        folder = root / QUARANTINE
        folder.mkdir(parents=True, exist_ok=True)
        if source is not None and source.exists():
            moved = folder / f"{source.relative_to(root)}.{stamp}"
            moved.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, moved)
        append_line(folder / QUARANTINE_LOG, json.dumps(event, ensure_ascii=False))
    except OSError as exc:
        raise StorageError(
            f"cannot quarantine the corrupt raw payload {record.path}{f' ({source})' if source else ''}: {exc.strerror or exc}",
            "fix the permissions of the data directory, then rerun",
        ) from exc
    return Problem(record.path, reason, record.function, dict(record.args), file)


def checked(root: Path) -> dict[str, list[int]]:
    """Size and mtime of each payload when last written or verified, by path."""
    path = root / CHECKED
    if not path.exists():
        return {}
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
            out[entry["path"]] = [entry["size"], entry["mtime_ns"]]
        except (json.JSONDecodeError, KeyError, TypeError):
            continue  # a torn line from an interrupted append: that file is simply verified again
    return out


def note_checked(root: Path, relative: str, sha: str) -> None:
    stat = (root / relative).stat()
    entry = {"path": relative, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": sha}
    append_line(root / CHECKED, json.dumps(entry))
