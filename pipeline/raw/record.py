"""One fetch as the manifest records it, and the request key that names a fetch's payload folder."""

from __future__ import annotations

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


def request_key(function: str, args: dict) -> str:
    """A stable, filesystem-safe slug for (function, args): `symbol=SZ300442,adjust=hfq`."""
    parts = [f"{k}={args[k]}" for k in sorted(args)]
    slug = ",".join(parts) or "noargs"
    return f"{function}/{re.sub(r'[^0-9A-Za-z=,._-]', '_', slug)}"
