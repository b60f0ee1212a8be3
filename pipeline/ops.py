"""Operations: the refresh lock, the run log (`ops.runs`), log files, exit codes and scheduler entries.

State that must outlive any one warehouse file lives under `data/ops/`:
    refresh.lock        a kernel file lock (filelock) held by the running refresh, build or rollback
    refresh.lock.json   who holds it: pid, command, start time (for the "another refresh is running" message)
    runs.jsonl          the run log, one JSON line per state change of a run; loaded into every new
                        warehouse as `ops.runs`, so history survives swaps and rollbacks
Log files go to `data/logs/leasewatch.log`, rotated by size.
"""

from __future__ import annotations

import json
import logging
import os
import shlex
import threading
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import Callable, Iterator

from pipeline.config import Paths
from pipeline.errors import StorageError, WarehouseLocked

OPS_DIR = "ops"
LOCK_FILE = "refresh.lock"
RUNS_FILE = "runs.jsonl"
LOG_FILE = "leasewatch.log"
LOG_MAX_BYTES = 1_000_000
LOG_BACKUPS = 10
SCHEDULE_AT = "18:30"  # China time: the exchanges close at 15:00 and EastMoney's evening data settles by then
CHINA_TZ = "Asia/Shanghai"

# The exit codes a scheduler sees (pipeline/errors.py defines them; cli.py adds 70 and 130). The README's table
# is checked against this one (tests/test_ops_schedule.py).
EXIT_CODES: tuple[tuple[int, str, str], ...] = (
    (0, "success", "refreshed (or skipped: not a Shanghai trading day)"),
    (1, "error", "any other failure, with its message: e.g. an empty raw layer, a model that fails"),
    (2, "usage", "bad arguments, a bad path, or data that cannot be mixed (sample and live)"),
    (3, "source blocked", "the upstream refuses us (circuit breaker); everything fetched so far is kept"),
    (4, "schema drift / empty", "akshare's output changed shape or came back empty where data must exist"),
    (5, "data tests failed", "the new warehouse failed its data tests; the previous one is kept"),
    (6, "warehouse missing", "nothing built yet (query, export, rollback)"),
    (7, "lock held", "another refresh, build or rollback is running"),
    (8, "storage", "the data or reports directory cannot be written (permissions, disk full)"),
    (9, "query", "a query failed or tried to write"),
    (10, "partial", "some symbols failed or a corrupt raw file could not be refetched; their previous data is kept"),
    (70, "internal", "a bug: rerun with LEASEWATCH_DEBUG=1 for the traceback and report it"),
    (130, "interrupted", "Ctrl-C; everything stored so far is kept"),
)


def china_now() -> datetime:
    """Wall-clock time in China (naive): trading days, filings and the schedule follow it."""
    from pipeline.sources.akshare_source import china_now as now

    return now()


def ops_dir(paths: Paths) -> Path:
    return paths.data_dir / OPS_DIR


# -- The lock --------------------------------------------------------------------------------------------

_held = threading.local()  # lock files this thread holds, so a refresh can call build() under its own lock


@dataclass(frozen=True)
class Holder:
    pid: int | None
    command: str
    since: str

    def describe(self) -> str:
        pid = self.pid if self.pid is not None else "unknown"
        return f"another {self.command} is running (pid {pid}, since {self.since})"


@contextmanager
def refresh_lock(
    paths: Paths, command: str, *, wait: bool = False, on_wait: Callable[[str], None] | None = None
) -> Iterator[None]:
    """Hold the data directory's refresh lock. Raises WarehouseLocked at once when another process holds it,
    or waits for it with `wait`. Re-entrant within one thread (a refresh builds under its own lock)."""
    import filelock

    lock_path = ops_dir(paths) / LOCK_FILE
    held: set = getattr(_held, "paths", set())
    _held.paths = held
    if lock_path in held:
        yield
        return
    try:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        lock = filelock.FileLock(lock_path)
        try:
            lock.acquire(timeout=0)
        except filelock.Timeout:
            holder = lock_holder(paths)
            if not wait:
                raise WarehouseLocked(
                    holder.describe(),
                    "let it finish, or rerun with --wait; the lock is freed automatically when that process ends",
                ) from None
            if on_wait:
                on_wait(f"waiting: {holder.describe()}")
            lock.acquire()
    except OSError as exc:
        raise StorageError(
            f"cannot create the lock file {lock_path}: {exc.strerror or exc}",
            "fix the permissions of the data directory or choose another with --data-dir",
        ) from exc
    held.add(lock_path)
    try:
        try:
            _write_json(_sidecar(paths), {"pid": os.getpid(), "command": command, "since": _now_text()})
        except OSError as exc:
            raise StorageError(
                f"cannot write {_sidecar(paths)}: {exc.strerror or exc}", "free disk space or fix permissions"
            ) from exc
        yield
    finally:
        held.discard(lock_path)
        _sidecar(paths).unlink(missing_ok=True)
        lock.release()


def lock_holder(paths: Paths) -> Holder:
    """Who holds the lock, from its sidecar; the sidecar may lag the lock by an instant, hence the defaults."""
    try:
        data = json.loads(_sidecar(paths).read_text(encoding="utf-8"))
        return Holder(int(data["pid"]), str(data.get("command", "refresh")), str(data.get("since", "unknown")))
    except (OSError, ValueError, KeyError, TypeError):
        return Holder(None, "refresh", "an unknown time")


def _sidecar(paths: Paths) -> Path:
    return ops_dir(paths) / f"{LOCK_FILE}.json"


# -- The run log -----------------------------------------------------------------------------------------

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
    ("payloads_added", "INTEGER", "new raw files stored (0 when nothing changed upstream)"),
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

    @classmethod
    def start(cls, command: str, source: str = "", *, now: datetime | None = None, day: date | None = None) -> "RunRecord":
        now = now or china_now()
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
        self.ended_at = china_now().replace(microsecond=0).isoformat()
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
    con.execute(f"comment on table ops.runs is '{_quote(RUNS_DESCRIPTION)}'")
    for name, _, description in RUNS_COLUMNS:
        con.execute(f"comment on column ops.runs.{name} is '{_quote(description)}'")
    return len(rows)


def _row(run: RunRecord) -> list:
    data = asdict(run)
    return [
        json.dumps(data[name], ensure_ascii=False) if kind == "JSON" and data[name] is not None else data[name]
        for name, kind, _ in RUNS_COLUMNS
    ]


# -- Log files -------------------------------------------------------------------------------------------


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


# -- Scheduler entries -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScheduleTarget:
    executable: Path  # the venv's leasewatch
    data_dir: Path
    reports_dir: Path
    at: str = SCHEDULE_AT  # HH:MM, China time

    def command(self) -> str:
        args = [str(self.executable), "--data-dir", str(self.data_dir), "--reports-dir", str(self.reports_dir)]
        return " ".join(shlex.quote(a) for a in args) + " refresh --source akshare"


def parse_at(text: str) -> tuple[int, int]:
    """'18:30' → (18, 30); raises ValueError on anything else."""
    hours, _, minutes = text.partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise ValueError(text)
    h, m = int(hours), int(minutes)
    if not (0 <= h < 24 and 0 <= m < 60):
        raise ValueError(text)
    return h, m


def cron_entry(target: ScheduleTarget, local_zone: str | None = None) -> str:
    """A crontab block: CRON_TZ=Asia/Shanghai for cronie, and the same moment in this machine's zone for crons
    that ignore CRON_TZ (Debian's and Ubuntu's)."""
    hour, minute = parse_at(target.at)
    logs = target.data_dir / "logs"
    # The shell opens cron.log before leasewatch runs, so its directory must exist first.
    line = f"mkdir -p {shlex.quote(str(logs))} && {target.command()} >> {shlex.quote(str(logs / 'cron.log'))} 2>&1"
    zone, local_hour, local_minute, shift, has_dst = _in_local_zone(hour, minute, local_zone)
    days = _weekdays(shift)
    dst_note = " This zone has daylight saving time, so that line drifts by an hour part of the year." if has_dst else ""
    return "\n".join(
        [
            f"# leasewatch: refresh after the Shanghai close, Monday to Friday at {target.at} China time. The command",
            "# itself skips exchange holidays (exchange_calendars XSHG); --wait is off, so a run that finds the previous",
            "# one still going exits with code 7. Codes: 0 ok, 10 partial, 3 source blocked, 5 data tests failed (old",
            f"# warehouse kept), 7 lock held. Steps: {target.data_dir / 'logs' / LOG_FILE} (rotated); cron.log gets",
            "# only each run's outcome, warnings and errors (a few lines a day).",
            "# CRON_TZ is honoured by cronie (RHEL, Fedora, Arch). Debian's and Ubuntu's cron ignore it: there, use the",
            f"# commented line instead, which is the same moment in this machine's zone ({zone}).{dst_note}",
            f"CRON_TZ={CHINA_TZ}",
            f"{minute} {hour} * * 1-5 {line}",
            f"# {local_minute} {local_hour} * * {days} {line}",
        ]
    )


def systemd_units(target: ScheduleTarget, user: str) -> str:
    """A oneshot service and a timer (OnCalendar with a time zone needs systemd ≥ 235)."""
    hour, minute = parse_at(target.at)
    return "\n".join(
        [
            "# /etc/systemd/system/leasewatch-refresh.service",
            "[Unit]",
            "Description=leasewatch daily refresh (akshare -> raw layer -> warehouse -> reports)",
            "Wants=network-online.target",
            "After=network-online.target",
            "",
            "[Service]",
            "Type=oneshot",
            f"User={user}",
            f"ExecStart={target.command()}",
            f"# Output goes to the journal (journalctl -u leasewatch-refresh); the run log is {target.data_dir / 'logs' / LOG_FILE}.",
            "# Exit codes: 0 ok, 10 partial, 3 source blocked, 5 data tests failed (old warehouse kept), 7 lock held.",
            "",
            "# /etc/systemd/system/leasewatch-refresh.timer",
            "[Unit]",
            "Description=leasewatch refresh after the Shanghai close (the command skips exchange holidays)",
            "",
            "[Timer]",
            f"OnCalendar=Mon..Fri *-*-* {hour:02d}:{minute:02d}:00 {CHINA_TZ}",
            "Persistent=true",
            "",
            "[Install]",
            "WantedBy=timers.target",
            "",
            "# Install: sudo systemctl daemon-reload && sudo systemctl enable --now leasewatch-refresh.timer",
        ]
    )


def _weekdays(shift: int) -> str:
    """Cron's Monday-to-Friday (1-5, Sunday = 0) moved by `shift` days."""
    first, last = (1 + shift) % 7, (5 + shift) % 7
    return f"{first}-{last}" if first <= last else f"{first}-6,0-{last}"


def _in_local_zone(hour: int, minute: int, zone_name: str | None) -> tuple[str, int, int, int, bool]:
    """China time HH:MM in the local zone: (zone, hour, minute, day shift, whether the zone has DST)."""
    from zoneinfo import ZoneInfo

    china = ZoneInfo(CHINA_TZ)
    local = ZoneInfo(zone_name) if zone_name else datetime.now().astimezone().tzinfo
    name = zone_name or datetime.now().astimezone().tzname() or "local"
    monday = datetime(2025, 1, 6, hour, minute, tzinfo=china)
    there = monday.astimezone(local)
    offsets = {datetime(2025, m, 15, tzinfo=local).utcoffset() for m in (1, 7)}
    return name, there.hour, there.minute, (there.date() - monday.date()).days, len(offsets) > 1


# -- Helpers ---------------------------------------------------------------------------------------------


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    tmp.write_text(json.dumps(data), encoding="utf-8")
    os.replace(tmp, path)


def _now_text() -> str:
    return china_now().replace(microsecond=0).isoformat(sep=" ") + " China time"


def _quote(text: str) -> str:
    return text.replace("'", "''")
