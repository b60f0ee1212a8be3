"""One fetch as the manifest records it, and the request key that names a fetch's payload folder."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass


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
