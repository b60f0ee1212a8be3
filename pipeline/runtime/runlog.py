"""The run log and log files.

    data/ops/runs.jsonl        one JSON line per state change of a run; loaded into every new warehouse as
                               `ops.runs`, so history survives swaps and rollbacks
    data/logs/leasewatch.log   the steps of each run, rotated by size
"""

from __future__ import annotations

import json
import logging
import os
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime
from logging.handlers import RotatingFileHandler
from typing import Iterator

from pipeline import clock
from pipeline.config import Paths
from pipeline.display import sql_quote
from pipeline.errors import StorageError
from pipeline.runtime.lock import ops_dir

RUNS_FILE = "runs.jsonl"
LOG_FILE = "leasewatch.log"
LOG_MAX_BYTES = 1_000_000
LOG_BACKUPS = 10



RUNS_DESCRIPTION = (
    "One row per scheduled or manual run (refresh, rollback): what it fetched, built and reported. Times are China "
    "time. The run that built this warehouse shows status 'running'; its final line is in data/ops/runs.jsonl and "
    "in the next warehouse."
)
# name, DuckDB type, description: the `ops.runs` table and its COMMENT ON statements.
RUNS_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("run_id", "VARCHAR", "start time (to the microsecond) and pid, unique per run"),
    ("command", "VARCHAR", "refresh or rollback"),
    ("source", "VARCHAR", "akshare, sample (or a test source); empty for rollback"),
    ("status", "VARCHAR", "running, success, partial, skipped, blocked, failed, locked or interrupted (killed mid-run)"),
    ("exit_code", "INTEGER", "the process exit code (0 success, 10 partial, 3 blocked, 5 data tests, 7 locked, …)"),
    ("started_at", "TIMESTAMP", "start, China time"),
    ("ended_at", "TIMESTAMP", "end, China time; NULL while running"),
    ("trading_day", "DATE", "the China calendar day of the run"),
    ("forced", "BOOLEAN", "true when --force ran it on a non-trading day"),
    ("upstream_calls", "INTEGER", "source function calls (akshare functions, or sample frames)"),
    ("http_requests", "INTEGER", "HTTP requests akshare made; NULL for the sample"),
    ("payloads_added", "INTEGER", "new raw payloads stored (0 when nothing changed upstream)"),
    ("failures", "JSON", "failures by symbol: {code: message}"),
    ("warnings", "JSON", "warnings as a list of strings (calendar, membership, quarantined files)"),
    ("quarantined", "JSON", "corrupt raw payloads moved to quarantine in this run, with the reason"),
    ("rows_changed", "JSON", "per mart: {rows, changed (new or modified rows), removed} against the previous warehouse"),
    ("data_tests", "JSON", "per data test: offending rows (0 = passed)"),
    ("warehouse", "VARCHAR", "the warehouse file built or restored (under data/warehouses)"),
    ("reports", "JSON", "report files written"),
    ("message", "VARCHAR", "the summary or the error of the run"),
    ("pid", "INTEGER", "process id"),
)


@dataclass
class RunRecord:
    """One run, as logged in data/ops/runs.jsonl and loaded into `ops.runs`."""

    run_id: str
    command: str
    source: str
    started_at: str
    trading_day: str
    pid: int
    status: str = "running"
    exit_code: int | None = None
    ended_at: str | None = None
    forced: bool = False
    upstream_calls: int | None = None
    http_requests: int | None = None
    payloads_added: int | None = None
    failures: dict = field(default_factory=dict)
    warnings: list = field(default_factory=list)
    quarantined: list = field(default_factory=list)
    rows_changed: dict | None = None
    data_tests: dict | None = None
    warehouse: str | None = None
    reports: list = field(default_factory=list)
    message: str = ""
    status_changes: list | None = None  # marts.status_changes rows new since the previous build (None: first build)

    @classmethod
    def start(cls, command: str, source: str = "", *, now: datetime | None = None, day: date | None = None) -> "RunRecord":
        now = now or clock.china_now()
        return cls(
            run_id=f"{now:%Y%m%dT%H%M%S.%f}-{os.getpid()}",  # microseconds: one process may run several
            command=command,
            source=source,
            started_at=now.replace(microsecond=0).isoformat(),
            trading_day=(day or now.date()).isoformat(),
            pid=os.getpid(),
        )

    def finish(self, status: str, exit_code: int, message: str = "") -> "RunRecord":
        self.status, self.exit_code = status, exit_code
        self.message = message or self.message
        self.ended_at = clock.china_now().replace(microsecond=0).isoformat()
        return self


class RunLog:
    """The append-only run log under data/ops; the last line of a run is its current state."""

    def __init__(self, paths: Paths):
        self.path = ops_dir(paths) / RUNS_FILE

    def append(self, run: RunRecord) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(asdict(run), ensure_ascii=False, default=str) + "\n")
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:
            raise StorageError(
                f"cannot write the run log {self.path}: {exc.strerror or exc}",
                "free disk space or fix the permissions of the data directory",
            ) from exc

    def runs(self) -> list[RunRecord]:
        """Each run once, in start order. A run left 'running' by another process was killed: 'interrupted'."""
        if not self.path.exists():
            return []
        known = {f.name for f in fields(RunRecord)}
        latest: dict[str, RunRecord] = {}
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                data = json.loads(line)
                run = RunRecord(**{k: v for k, v in data.items() if k in known})
            except (json.JSONDecodeError, TypeError):
                continue  # a torn line from a killed run; its earlier line stands
            latest[run.run_id] = run
        out = sorted(latest.values(), key=lambda r: (r.started_at, r.run_id))
        for run in out:
            # Runs of one data directory hold the lock, so only this process can still be running one.
            if run.status == "running" and run.pid != os.getpid():
                run.status = "interrupted"
        return out


def write_runs_table(con, paths: Paths) -> int:
    """Create `ops.runs` in a warehouse being built from the run log, with its table and column comments."""
    columns = ", ".join(f"{name} {kind}" for name, kind, _ in RUNS_COLUMNS)
    con.execute(f"create table ops.runs ({columns})")
    rows = [_row(run) for run in RunLog(paths).runs()]
    if rows:
        placeholders = ", ".join("?" for _ in RUNS_COLUMNS)
        con.executemany(f"insert into ops.runs values ({placeholders})", rows)
    con.execute(f"comment on table ops.runs is '{sql_quote(RUNS_DESCRIPTION)}'")
    for name, _, description in RUNS_COLUMNS:
        con.execute(f"comment on column ops.runs.{name} is '{sql_quote(description)}'")
    return len(rows)


def _row(run: RunRecord) -> list:
    data = asdict(run)
    return [
        json.dumps(data[name], ensure_ascii=False) if kind == "JSON" and data[name] is not None else data[name]
        for name, kind, _ in RUNS_COLUMNS
    ]





@contextmanager
def run_logging(paths: Paths) -> Iterator[logging.Logger]:
    """A logger writing to data/logs/leasewatch.log (rotated by size) for the duration of one run.

    Only messages and, for internal errors, the standard traceback are written: never local variables."""
    logger = logging.getLogger("leasewatch.run")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        paths.logs_dir.mkdir(parents=True, exist_ok=True)
        handler = RotatingFileHandler(
            paths.logs_dir / LOG_FILE, maxBytes=LOG_MAX_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8"
        )
    except OSError as exc:
        raise StorageError(
            f"cannot write the log directory {paths.logs_dir}: {exc.strerror or exc}",
            "free disk space or fix the permissions of the data directory",
        ) from exc
    formatter = logging.Formatter("%(asctime)s pid=%(process)d %(levelname)s %(message)s", "%Y-%m-%d %H:%M:%S%z")
    handler.setFormatter(formatter)
    logger.addHandler(handler)
    try:
        yield logger
    finally:
        logger.removeHandler(handler)
        handler.close()


