"""The daily cycle a scheduler runs: incremental ingest → build (tested, swapped in) → reports.

One refresh at a time per data directory (the lock in pipeline.runtime.lock); every run, including one refused by the
lock or skipped on an exchange holiday, is a line in data/ops/runs.jsonl and so a row of the next warehouse's
`ops.runs`. Errors keep their exit codes (pipeline/errors.py); a run in which some symbols failed ends as
'partial' (exit 10) after the warehouse and reports were refreshed with everything else.
"""

from __future__ import annotations

import time
from contextlib import suppress
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Callable

from pipeline import clock
from pipeline.runtime.lock import refresh_lock
from pipeline.config import SAMPLE_FIRMS, SAMPLE_YEARS, Paths
from pipeline.errors import DataTestFailed, LeasewatchError, SourceBlockedError, WarehouseLocked
from pipeline.runtime.runlog import RunLog, RunRecord, run_logging
from pipeline.raw import tidy
from pipeline.raw.store import RawStore

AUTO_COMPACT_AT = 64  # small raw files (daily packs) at which a refresh merges them (see raw/tidy.compact)

if TYPE_CHECKING:
    from pipeline.extract.ingest import IngestReport, RefreshPolicy

REPORT_FORMAT = "all"  # the formats a scheduled refresh writes (pipeline.reports.write_reports' `fmt`)
Step = Callable[[str], None]
Progress = Callable[[int, int, str], None]


@dataclass
class Ingest:
    """How a refresh fetches: a named function that brings the raw store up to date."""

    name: str
    run: Callable[[RawStore, Progress | None, Step], "IngestReport"]
    http_requests: Callable[[], int | None] = lambda: None


def sample_ingest(firms: int = SAMPLE_FIRMS, years: int = SAMPLE_YEARS) -> Ingest:
    """Replay the embedded sample: offline, and a second run stores nothing new."""

    def run(store: RawStore, on_progress: Progress | None, _step: Step) -> "IngestReport":
        from pipeline.extract.ingest import ingest_sample

        return ingest_sample(store, firms=firms, years=years, on_progress=on_progress)

    return Ingest("sample", run)


def live_ingest(source, policy: "RefreshPolicy | None" = None) -> Ingest:
    """akshare's incremental ingest (pipeline.extract.ingest.ingest_live): only what is missing or stale."""

    def run(store: RawStore, on_progress: Progress | None, step: Step) -> "IngestReport":
        from pipeline.extract.ingest import RefreshPolicy, ingest_live

        return ingest_live(source, store, policy=policy or RefreshPolicy(), on_progress=on_progress, on_step=step)

    return Ingest(source.name, run, lambda: getattr(source, "http_requests", None))


def refresh(
    paths: Paths,
    ingest: Ingest,
    *,
    force: bool = False,
    wait: bool = False,
    reports: bool = True,
    today: date | None = None,
    on_step: Step | None = None,
    on_progress: Progress | None = None,
) -> RunRecord:
    """Run one cycle and return its record (status success, partial or skipped). Errors are logged, then raised."""
    step = on_step or (lambda _message: None)
    log = RunLog(paths)
    now = clock.china_now()
    run = RunRecord.start("refresh", ingest.name, now=now, day=today or now.date())
    run.forced = force
    with run_logging(paths) as logger:

        def say(message: str) -> None:
            logger.info(message)
            step(message)

        tenths = {"last": -1}

        def progress(done: int, total: int, item: str) -> None:
            tenth = done * 10 // max(total, 1)
            if tenth != tenths["last"]:  # every 10 %: a backfill of hours shows its pace in the log file
                tenths["last"] = tenth
                logger.info(f"progress: {done}/{total} ({item})")
            if on_progress:
                on_progress(done, total, item)

        try:
            with refresh_lock(paths, "refresh", wait=wait, on_wait=say):
                log.append(run)
                say(f"refresh {run.run_id}: source {ingest.name}, day {run.trading_day}{' (forced)' if force else ''}")
                _cycle(paths, ingest, run, log, reports=reports, say=say, on_progress=progress)
        except LeasewatchError as exc:
            status = {SourceBlockedError: "blocked", WarehouseLocked: "locked"}.get(type(exc), "failed")
            if isinstance(exc, DataTestFailed):
                from pipeline.build.models import data_test_names

                run.data_tests = {name: len(exc.failures.get(name, ())) for name in data_test_names()}
            run.finish(status, exc.exit_code, exc.message)
            logger.error(f"{status}: {exc}")
            with suppress(LeasewatchError):  # a full disk must not hide the error that brought us here
                log.append(run)
            raise
        except BaseException as exc:
            interrupted = isinstance(exc, KeyboardInterrupt)
            run.finish("failed", 130 if interrupted else 70, f"{type(exc).__name__}: {_first_line(exc)}")
            # The standard traceback (file, line, code) helps a bug report; it never shows local variables.
            logger.error(f"failed: {run.message}", exc_info=not interrupted)
            with suppress(LeasewatchError):
                log.append(run)
            raise
        logger.info(f"{run.status}: {run.message}")
        log.append(run)
    return run


def _cycle(paths: Paths, ingest: Ingest, run: RunRecord, log: RunLog, *, reports: bool, say: Step, on_progress) -> None:
    from pipeline.build.run import build
    from pipeline.extract.ingest import TradingCalendar

    started = time.perf_counter()
    calendar = TradingCalendar()
    day = date.fromisoformat(run.trading_day)
    trading = calendar.is_session(day)
    run.warnings += calendar.warnings
    for warning in calendar.warnings:
        say(f"warning: {warning}")
    if not trading and not run.forced:
        message = f"{day} is not a trading day of the Shanghai exchange; nothing fetched (--force runs anyway)"
        run.finish("skipped", 0, message)
        return

    store = RawStore(paths.raw_dir)
    tidy.remove_orphans(store)
    say("verifying raw files")
    problems = store.verify()
    run.quarantined = [_described(p) for p in problems]
    for problem in problems:
        say(f"warning: quarantined corrupt raw file {problem.path} ({problem.describe()}); fetching it again")
    before = _payloads(store)

    say(f"ingest from {ingest.name}")
    report = ingest.run(store, on_progress, say)
    run.upstream_calls = report.calls
    run.http_requests = ingest.http_requests()
    run.payloads_added = len(_payloads(store) - before)
    run.failures = dict(report.failures)
    run.warnings += report.warnings
    pending = report.pending_change  # a board change of more than 10 % the ingest did not apply
    for problem in problems:
        if not store.holds(problem.path):
            symbol = str(problem.args.get("symbol", problem.function))
            run.failures[symbol] = f"raw file {problem.path} was corrupt ({problem.reason}) and was not fetched again"
    if (small := tidy.small_packs(store)) >= AUTO_COMPACT_AT:  # about a week of daily runs: merge them, under the lock
        compacted = tidy.compact(store)
        say(f"compacted the raw layer: {compacted.files_before:,} → {compacted.files_after:,} files ({small:,} small)")
        run.warnings += [f"quarantined raw file {p.path} while compacting: {p.describe()}" for p in compacted.problems]
    log.append(run)

    say("build")
    result = build(paths, on_step=say, store=store)  # the manifest and the pack index as the ingest left them
    run.data_tests = result.data_tests
    run.rows_changed = result.rows_changed
    run.status_changes = [{k: str(v) for k, v in change.items()} for change in result.status_changes] \
        if result.status_changes is not None else None
    run.warehouse = result.generation.name if result.generation else None
    run.warnings += result.warnings
    run.quarantined += [_described(p) for p in result.quarantined]

    if reports:
        say("reports")
        from pipeline.reports import write_reports

        # every report for the latest period at the warehouse's benchmarks and assumptions
        run.reports = [str(p) for p in write_reports(paths, REPORT_FORMAT)]

    changed = sum(m["changed"] + m["removed"] for m in (result.rows_changed or {}).values())
    summary = (
        f"{run.upstream_calls} upstream calls, {run.payloads_added} new raw payloads, {len(result.data_tests)} data tests "
        f"passed, {changed} mart rows changed, {len(run.reports)} reports, {time.perf_counter() - started:.1f} s"
    )
    if run.failures or pending:
        parts = [f"{len(run.failures)} symbols failed ({', '.join(sorted(run.failures)[:10])})"] if run.failures else []
        if pending:
            parts.append(f"a membership change of more than 10 % was not applied ({pending})")
        run.finish("partial", 10, f"partial: {'; '.join(parts)}; their previous data is kept; {summary}")
    else:
        run.finish("success", 0, summary)


def rollback(paths: Paths, *, on_step: Step | None = None) -> RunRecord:
    """Put the previous warehouse back and log it as a run."""
    from pipeline.build.publish import rollback as swap_back

    step = on_step or (lambda _message: None)
    log = RunLog(paths)
    run = RunRecord.start("rollback")
    with run_logging(paths) as logger:
        try:
            result = swap_back(paths)
        except LeasewatchError as exc:
            status = "locked" if isinstance(exc, WarehouseLocked) else "failed"
            run.finish(status, exc.exit_code, exc.message)
            logger.error(f"rollback {status}: {exc}")
            with suppress(LeasewatchError):
                log.append(run)
            raise
        run.warehouse = result.restored.name
        run.warnings = result.warnings
        for warning in result.warnings:
            logger.warning(warning)
        replaced = result.replaced.name if result.replaced else "a warehouse that was not kept"
        run.finish("success", 0, f"restored {result.restored.name}, replacing {replaced}")
        logger.info(f"rollback: {run.message}")
        step(run.message)
        log.append(run)
    return run


def _described(problem) -> dict:
    return {"path": problem.path, "reason": problem.reason, "function": problem.function, "args": problem.args}


def _payloads(store: RawStore) -> set[str]:
    return {r.path for r in store.records()}


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else ""
