"""One fetch as the manifest records it, and the request key that names a fetch's payload folder."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass

from pipeline.raw.packs import confined


@dataclass(frozen=True)
class RawRecord:
    """One fetch: what was asked, when, and which stored payload answered it."""

    source: str
    function: str
    args: dict
    fetched_at: str  # ISO timestamp, second precision
    source_version: str
    sha256: str
    path: str  # relative to the raw root
    rows: int
    columns: int
    new: bool  # False when the payload equals one stored before for this key
    is_sample: bool
    flags: tuple = ()  # what the fetch noticed about the payload, e.g. a truncated statement history

    @property
    def key(self) -> str:
        return request_key(self.function, self.args)


_SLUG_MAX = 200  # characters of a payload folder's name (file systems allow 255 bytes)


def request_key(function: str, args: dict) -> str:
    """A stable, filesystem-safe slug for (function, args): `symbol=SZ300442,adjust=hfq`. A slug too long for one
    file name (a list of 100 codes) keeps its start and ends in a digest of the whole; the manifest has the args."""
    text = ",".join(f"{k}={args[k]}" for k in sorted(args)) or "noargs"
    slug = re.sub(r"[^0-9A-Za-z=,._-]", "_", text)
    if len(slug) > _SLUG_MAX:
        slug = f"{slug[: _SLUG_MAX - 24]},digest={hashlib.sha256(text.encode()).hexdigest()[:16]}"
    return f"{function}/{slug}"


_FIELD_TYPES = {"source": str, "function": str, "args": dict, "fetched_at": str, "source_version": str,
                "sha256": str, "path": str, "rows": int, "columns": int, "new": bool, "is_sample": bool}


def parse_record(line: str | bytes) -> RawRecord:
    """One manifest line as a record; ValueError for anything else: not JSON (or nested past the parser's depth),
    not an object, an unknown or missing field, a field of the wrong type, a payload path leading outside the raw
    directory. Readers skip such a line (see RawStore.records)."""
    return _record(_decode(line))


_DECODER = json.JSONDecoder()


def _decode(line: str | bytes):
    """The one JSON value `line` holds, decoded as json.loads does without its checks (which cost as much as the
    parse: the full market's 86,000 manifest lines in under a second)."""
    try:
        text = (line.decode("utf-8") if isinstance(line, bytes) else line).strip()
        entry, end = _DECODER.raw_decode(text)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise ValueError(f"not JSON ({type(exc).__name__})") from None
    if end != len(text):
        raise ValueError("not JSON (more than one value)")
    return entry


_ALLOWED = frozenset(_FIELD_TYPES) | {"flags"}


def _record(entry) -> RawRecord:
    """A parsed manifest line as a record (see parse_record)."""
    if not isinstance(entry, dict):
        raise ValueError("not a JSON object")
    flags = entry.get("flags", [])
    for name, kind in _FIELD_TYPES.items():
        value = entry.get(name)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise ValueError(f"{name} is not a {kind.__name__}")
    if not isinstance(flags, (list, tuple)) or not all(isinstance(f, str) for f in flags):
        raise ValueError("flags is not a list of text")
    if not entry.keys() <= _ALLOWED:
        raise ValueError(f"unknown fields {sorted(entry.keys() - _ALLOWED)}")
    try:
        confined(entry["path"])
    except ValueError:
        raise ValueError("its payload path leads outside the raw directory") from None
    entry["flags"] = tuple(flags)
    # made without the frozen dataclass's __init__ (a guarded setattr per field: 0.6 s for the full market's lines);
    # every field, flags included, was checked and set above
    record = object.__new__(RawRecord)
    record.__dict__.update(entry)
    return record


def read_manifest(path) -> tuple[list[RawRecord], list[int]]:
    """A manifest's records in order and the numbers of its lines that are not records (see parse_record); blank
    lines are neither. Read as bytes and split on newlines only: damage stays within its line."""
    records, damaged = [], []
    with open(path, "rb") as fh:
        lines = fh.read().split(b"\n")
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            records.append(parse_record(line))
        except ValueError:
            damaged.append(number)
    return records, damaged
