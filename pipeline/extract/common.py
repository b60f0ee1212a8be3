"""The one door to upstream, shared by ingest and universe membership: call, check, keep (store as fetched)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipeline import sources
from pipeline.errors import SchemaDriftError, UnsupportedLayout, UsageError
from pipeline.raw.store import RawRecord, RawStore
from pipeline.sources import args_text

if TYPE_CHECKING:
    import pandas as pd


def call(source, function: str, **args) -> "pd.DataFrame":
    """Ask the source for a frame and check its columns; nothing is stored yet."""
    frame = source.fetch(function, **args)
    check_frame(function, args, frame)
    return frame


def keep(source, store: RawStore, function: str, args: dict, frame, *, flags: tuple = ()) -> RawRecord:
    """Store a frame as fetched, with provenance."""
    return store.put(
        source=source.name,
        function=function,
        args=args,
        frame=frame,
        fetched_at=source.now(),
        source_version=source.version,
        is_sample=source.is_sample,
        flags=flags,
    )


def fetch(source, store: RawStore, function: str, **args) -> tuple[RawRecord, object]:
    """Call the source, validate required columns, store the frame as fetched."""
    frame = call(source, function, **args)
    return keep(source, store, function, args, frame), frame


def check_frame(function: str, args: dict, frame) -> None:
    """SchemaDriftError naming the function, the request and the difference when required columns are missing.
    A frame without columns is akshare's "no rows" and is judged by the caller."""
    from pipeline.normalize.tables import TABLE_OF_FUNCTION, check_columns
    from pipeline.sources.shapes import COLUMNS, REQUIRED

    columns = [str(c) for c in frame.columns]
    if not columns:
        return
    check_layout(function, args, frame)
    unexpected = [c for c in columns if function in COLUMNS and c not in COLUMNS[function]]
    hint = f"; columns akshare 1.19.5 does not return: {unexpected}" if unexpected else ""
    if function in TABLE_OF_FUNCTION:
        try:
            check_columns(function, args, columns)
        except SchemaDriftError as exc:
            raise SchemaDriftError(exc.message + hint, exc.remedy) from None
    elif function in REQUIRED:
        missing = [c for c in REQUIRED[function] if c not in columns]
        if missing:
            raise SchemaDriftError(
                f"{function}({args_text(args)}) lacks required columns {missing}{hint}",
                "akshare's output changed: check the pinned akshare version (requirements.lock)",
            )


def check_layout(function: str, args: dict, frame) -> None:
    """UnsupportedLayout when an F10 statement is not in EastMoney's general-company layout: a bank, insurer or
    broker (companyType 1-3) has other field sets, and reading them with the general dictionary would show
    missing lines as zeros. Checked before the columns, so such a firm is skipped, not taken for schema drift."""
    from pipeline.sources.shapes import GENERAL_LAYOUT

    if function not in sources.STATEMENTS or "ORG_TYPE" not in frame.columns:
        return
    layouts = sorted({str(v) for v in frame["ORG_TYPE"].dropna()} - {GENERAL_LAYOUT})
    if layouts:
        raise UnsupportedLayout(
            f"{function}({args_text(args)}) is in EastMoney's {'/'.join(layouts)} layout (ORG_TYPE), not the "
            f"general one ({GENERAL_LAYOUT}): leasewatch defines no lines for it",
            "the firm is marked unsupported and left out of the marts; drop it from the universe to silence this",
        )


def refuse_sample_mix(store: RawStore, source) -> None:
    """Live data and the embedded sample never share a raw layer (every output would be half fiction)."""
    if source.is_sample:
        return
    if any(r.is_sample for r in store.records(sources.INCOME)):
        raise UsageError(
            f"{store.root} holds the embedded sample; live data would mix with it",
            "use another data directory for live data: leasewatch --data-dir DIR … (or set LEASEWATCH_DATA_DIR)",
        )
