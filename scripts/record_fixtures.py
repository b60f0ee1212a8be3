"""Record real akshare output for a few stocks as offline test fixtures. Run it on a machine that reaches EastMoney:

    .venv/bin/python scripts/record_fixtures.py 300442 600519 688041 920118
    .venv/bin/python scripts/record_fixtures.py 300442 --board BK1134 --out tests/fixtures/akshare

A recording is a raw layer: it imports the codes as a member list and runs the real, polite backfill
(`ingest_live` with the live akshare source: 1.5 s between calls, retries, circuit breaker), then fetches what a
daily run asks the market: EastMoney's quotes of the codes (leasewatch's ulist adapter) and cninfo's disclosure
schedule of the latest report period, and their fallbacks, the spot lists of the codes' exchanges and EastMoney's
disclosure calendar; with --board, the board's constituents. Every frame is stored as fetched (Parquet +
manifest.jsonl, with the akshare version), and `recording.json` notes when, for which codes, and how many HTTP
requests it took. Expect ~36 requests per code.

tests/test_ingest_recorded.py replays a recording offline: `RecordedAkshare` answers each akshare call from the
stored frame of exactly that request, the ingest runs at the recording's time, and the build must pass. Commit
the directory to refresh the offline tests from reality; rerun the script to record again (it starts afresh).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_OUT = ROOT / "tests" / "fixtures" / "akshare"
RECORDING = "recording.json"


def record(out: Path, codes: list[str], source, *, board: str | None = None, now: datetime | None = None) -> dict:
    """Record a backfill of `codes` (and the market-wide frames a daily run needs) into `out` as a raw layer."""
    from pipeline import codes as code_forms
    from pipeline.extract.ingest import fetch, ingest_live
    from pipeline.extract.plan import RefreshPolicy, periods_to_check
    from pipeline.errors import NothingDisclosed
    from pipeline.raw.store import RawStore
    from pipeline.sources.shapes import (
        DISCLOSURE_DATES, DISCLOSURE_MARKET_OF_EXCHANGE, FILING_CALENDAR, FILING_MARKET_ALL, FILING_MARKET_OF_EXCHANGE,
        QUOTES, SPOT_OF_EXCHANGE, filing_period,
    )
    from pipeline.extract.universe import import_file, refresh_board

    members = sorted({code_forms.normalize_code(c) for c in codes})
    for code in members:
        code_forms.exchange_of(code)  # an unknown range is a usage error before anything is fetched
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    now = now or source.now()
    store = RawStore(out / "raw")
    if board:
        refresh_board(source, store, board, accept_changes=True)
    else:
        listing = out / "members.csv"
        listing.write_text("代码,名称\n" + "".join(f"{c},\n" for c in members), encoding="utf-8")
        import_file(store, listing, now=now)
    report = ingest_live(source, store, now=now)
    exchanges = sorted({code_forms.exchange_of(c) for c in members})
    for start in range(0, len(members), 100):
        fetch(source, store, QUOTES, codes=",".join(members[start : start + 100]))
    for exchange in exchanges:
        fetch(source, store, SPOT_OF_EXCHANGE[exchange])
    period = (periods_to_check(now.date(), RefreshPolicy()) or [_latest_quarter_end(now.date())])[0]
    calendars = [(FILING_CALENDAR, {"market": m, "period": filing_period(period)})
                 for m in [FILING_MARKET_ALL, *sorted({FILING_MARKET_OF_EXCHANGE[e] for e in exchanges})]]
    calendars += [(DISCLOSURE_DATES, {"symbol": m, "date": period.strftime("%Y%m%d")})
                  for m in sorted({DISCLOSURE_MARKET_OF_EXCHANGE[e] for e in exchanges})]
    for function, args in calendars:
        try:
            fetch(source, store, function, **args)
        except NothingDisclosed as exc:  # no schedule for the period (yet): itself an answer worth noting
            report.warnings.append(exc.message)
    summary = {
        "recorded_at": now.isoformat(),
        "akshare_version": source.version,
        "codes": members,
        "board": board,
        "http_requests": getattr(source, "http_requests", None),
        "failures": report.failures,
        "warnings": report.warnings,
    }
    (out / RECORDING).write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return summary


class RecordedAkshare:
    """Stands in for the akshare module: each call answers with the frame recorded for exactly that request."""

    def __init__(self, directory: Path):
        from pipeline.raw.store import RawStore

        self.store = RawStore(Path(directory) / "raw")
        self.calls: list[tuple[str, dict]] = []

    def __getattr__(self, function: str):
        if function.startswith("_"):
            raise AttributeError(function)

        def replay(**kwargs):
            args = {k: v for k, v in kwargs.items() if k != "timeout"}  # never part of a stored request
            self.calls.append((function, args))
            record = self.store.latest(function, args, source="akshare")
            if record is None:
                raise KeyError(f"not recorded: {function}({args})")
            return self.store.read(record)

        return replay


def recording(directory: Path) -> dict | None:
    path = Path(directory) / RECORDING
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def _latest_quarter_end(day: date) -> date:
    first_of_quarter = date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    return first_of_quarter - timedelta(days=1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("codes", nargs="+", help="A-share codes, e.g. 300442 600519 688041 920118")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"fixture directory [default: {DEFAULT_OUT}]")
    parser.add_argument(
        "--board",
        help="take this EastMoney board's constituents (BKxxxx) as the universe instead of the listed codes and record "
        "every member (a cold backfill of each); the codes then only choose whose exchanges' spot lists are recorded",
    )
    parser.add_argument("--min-interval", type=float, default=1.5, help="seconds between upstream calls")
    options = parser.parse_args(argv)

    from pipeline.errors import LeasewatchError
    from pipeline.sources.polite import Politeness, PoliteCaller
    from pipeline.sources.akshare import AkshareSource

    source = AkshareSource(PoliteCaller(Politeness(min_interval=options.min_interval)))
    try:
        summary = record(options.out, options.codes, source, board=options.board)
    except LeasewatchError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return exc.exit_code
    print(
        f"Recorded {len(summary['codes'])} codes with akshare {summary['akshare_version']} into {options.out} "
        f"({summary['http_requests']} HTTP requests); failures: {summary['failures'] or 'none'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
