"""Extraction: ask a source for the frames the models need and store each one in the raw layer as fetched.

The embedded sample and the live akshare source go through the same functions here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Callable

from pipeline import codes, sources
from pipeline.errors import EmptyResultError, LeasewatchError, SchemaDriftError, SourceBlockedError
from pipeline.raw import RawRecord, RawStore

PRICE_HISTORY_START = "20200101"


@dataclass
class IngestReport:
    """What one ingest did: counts for the log and the run table, failures by symbol."""

    calls: int = 0
    new_versions: int = 0
    unchanged: int = 0
    members: list[str] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)

    def add(self, record: RawRecord) -> None:
        self.calls += 1
        if record.new:
            self.new_versions += 1
        else:
            self.unchanged += 1

    def merge(self, other: "IngestReport") -> None:
        self.calls += other.calls
        self.new_versions += other.new_versions
        self.unchanged += other.unchanged
        self.members = other.members or self.members
        self.failures.update(other.failures)


def fetch(source, store: RawStore, function: str, **args) -> tuple[RawRecord, object]:
    """The one door to upstream: call the source, validate required columns, store the frame as fetched."""
    from pipeline.normalize import TABLE_OF_FUNCTION, check_columns

    frame = source.fetch(function, **args)
    if function in TABLE_OF_FUNCTION and len(frame.columns):
        check_columns(function, args, [str(c) for c in frame.columns])
    record = store.put(
        source=source.name,
        function=function,
        args=args,
        frame=frame,
        fetched_at=source.now(),
        source_version=source.version,
        is_sample=source.is_sample,
    )
    return record, frame


def fetch_board(source, store: RawStore, board: str, report: IngestReport) -> list[str]:
    """Members of an EastMoney concept board, stored as a dated membership snapshot."""
    record, frame = fetch(source, store, sources.BOARD_CONS, symbol=board)
    report.add(record)
    if len(frame) == 0:
        raise EmptyResultError(
            f"{sources.BOARD_CONS}(symbol={board!r}) returned no members",
            "check the board code (leasewatch universe sync) or import a member list",
        )
    return sorted(codes.normalize_code(c) for c in frame["代码"])


def fetch_firm(source, store: RawStore, code: str, *, price_end: str, report: IngestReport) -> None:
    """Statements, segments, prices (unadjusted and hfq) and share facts of one firm."""
    symbol = codes.em_symbol(code)
    for function in sources.STATEMENTS:
        record, frame = fetch(source, store, function, symbol=symbol)
        if len(frame) == 0:
            raise EmptyResultError(f"{function}(symbol={symbol!r}) returned no rows", "the firm must have reports")
        report.add(record)
    record, _ = fetch(source, store, sources.SEGMENTS, symbol=symbol)
    report.add(record)
    for adjust in ("", "hfq"):
        record, _ = fetch(
            source,
            store,
            sources.PRICES,
            symbol=code,
            period="daily",
            start_date=PRICE_HISTORY_START,
            end_date=price_end,
            adjust=adjust,
        )
        report.add(record)
    record, _ = fetch(source, store, sources.SHARE_INFO, symbol=code)
    report.add(record)


def ingest_board(
    source,
    store: RawStore,
    board: str,
    *,
    price_end: str,
    on_progress: Callable[[int, int, str], None] | None = None,
) -> IngestReport:
    """Fetch a board's members and every member's data. A firm that fails is recorded and skipped; a blocked
    source or a schema change stops the run (everything fetched so far is kept)."""
    report = IngestReport()
    members = fetch_board(source, store, board, report)
    report.members = members
    for done, code in enumerate(members, start=1):
        try:
            fetch_firm(source, store, code, price_end=price_end, report=report)
        except (SourceBlockedError, SchemaDriftError):
            raise
        except LeasewatchError as exc:
            report.failures[code] = str(exc)
        if on_progress:
            on_progress(done, len(members), code)
    return report


def ingest_sample(
    store: RawStore,
    *,
    firms: int = 108,
    years: int = 6,
    on_progress: Callable[[int, int, str], None] | None = None,
) -> IngestReport:
    """Replay the embedded sample as its two vintages, so restatements and membership changes arrive as they
    would from a live source: the second fetch stores only what changed."""
    from pipeline.sources.sample import SAMPLE_BOARD, SAMPLE_VINTAGES, SampleSource

    total = IngestReport()
    for vintage in SAMPLE_VINTAGES:
        source = SampleSource(as_of=vintage, firms=firms, years=years)
        total.merge(ingest_board(source, store, SAMPLE_BOARD, price_end=_yyyymmdd(vintage), on_progress=on_progress))
    return total


def _yyyymmdd(day: date) -> str:
    return day.strftime("%Y%m%d")
