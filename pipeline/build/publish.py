"""Publishing builds: the kept warehouses under data/warehouses/, the atomic swap that makes one live, the publish
log that records it (publish_log.py), rollback, pruning, and what changed since the previous one. Callers hold the
data directory's lock (build and rollback do)."""

from __future__ import annotations

import errno
import filecmp
import os
import shutil
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from pipeline.build import publish_log
from pipeline.build.publish_log import Digest
from pipeline.config import Paths
from pipeline.display import sql_quote
from pipeline import errors
from pipeline.errors import StorageError, WarehouseMissing
from pipeline.raw.files import process_alive
from pipeline.runtime.lock import refresh_lock

KEEP_WAREHOUSES = 3  # builds kept in data/warehouses for rollback, the live one included
GENERATION = "leasewatch-{stamp}.duckdb"
GENERATION_GLOB = "leasewatch-*.duckdb"
BUILDING_PREFIX = ".building-"
SWAP_GLOB = ".swap-*.duckdb"
ORPHANED_WAL = "{generation}.orphaned-{seq}.wal"  # a client's unsaved changes to `generation`, moved aside by a swap


class WarehouseChanged(StorageError):
    """A kept warehouse is not the file its build published (written through the live path, or damaged)."""


def storage_error(paths: Paths, exc: Exception) -> StorageError:
    return errors.storage_error(f"the warehouse in {paths.warehouses_dir}", exc,
                                "free disk space (df -h) or fix permissions; the previous warehouse is untouched")


@dataclass
class Rollback:
    restored: Path  # the kept warehouse that is live again
    replaced: Path | None  # the one it replaced (still kept until the next build prunes it)
    warnings: list[str]


def rollback(paths: Paths) -> Rollback:
    """Put back the warehouse that was live before the live one, as the publish log says; refuse one whose bytes
    changed since it was published."""
    with refresh_lock(paths, "rollback"):
        if not paths.warehouse.exists():
            raise WarehouseMissing(f"no warehouse at {paths.warehouse}", "build one first: leasewatch refresh")
        try:
            notes = reconcile(paths)
            live = publish_log.stack(publish_log.entries(paths.warehouses_dir))
            current = live.pop()
            while live and (live[-1].generation == current.generation
                            or not (paths.warehouses_dir / live[-1].generation).is_file()):
                live.pop()  # pruned (the log names it, the disk no longer has it), or the live one itself
            if not live:
                raise WarehouseMissing(
                    f"no warehouse older than the live one is kept in {paths.warehouses_dir}",
                    f"the last {KEEP_WAREHOUSES} builds are kept; rebuild instead: leasewatch build",
                )
            target = live[-1]
            path = paths.warehouses_dir / target.generation
            if (why := publish_log.changed(path, target, full=True)) is not None:
                raise WarehouseChanged(
                    f"the kept warehouse {path} changed after it was published ({why}): rolling back to it would "
                    "publish data no build made",
                    "rebuild instead: leasewatch build --full (delete that file to roll back past it)",
                )
            notes += swap_in(paths, path, "rollback", Digest(target.sha256, target.bytes, target.mtime_ns))
        except OSError as exc:
            raise storage_error(paths, exc) from exc
        return Rollback(path, paths.warehouses_dir / current.generation, notes)


def generations(paths: Paths) -> list[Path]:
    """Kept warehouses that went live and are still rollback targets, oldest first, the live one last: the publish
    log's stack (see publish_log.py), files that exist only."""
    folder = paths.warehouses_dir
    if not folder.is_dir():
        return []
    names = list(dict.fromkeys(e.generation for e in publish_log.stack(publish_log.entries(folder))))
    return [folder / name for name in names if (folder / name).is_file()]


TAKE_OVER_MIN_KEEP = 3  # a build may take a kept warehouse over only when another stays a rollback target meanwhile


def reusable(paths: Paths, keep: int) -> list[tuple[Path, publish_log.Entry]]:
    """Kept warehouses that the pruning after the next publish deletes anyway, newest first, each with the publish
    log's entry for it: an incremental build may take one over and bring it up to date in place instead of copying
    the live warehouse (base.py; it checks the entry's SHA-256 first). Only rollback targets below the newest
    `keep - 1`, and only with `keep` ≥ 3, so that a build failing after taking one over still leaves a rollback
    target; never the live one, a file another name links to (it would change with it), one whose size or
    modification time differ from the published ones, or one this process has open (DuckDB's lock, which keeps
    other processes out, does not bar the process that holds it)."""
    folder = paths.warehouses_dir
    if keep < TAKE_OVER_MIN_KEEP or not folder.is_dir():
        return []
    latest = {e.generation: e for e in publish_log.stack(publish_log.entries(folder))}
    stack = generations(paths)
    live = current_generation(paths, stack)
    doomed = stack[: len(stack) - (keep - 1)]
    held = _open_here()
    out = []
    for path in reversed(doomed):
        stat = os.stat(path)
        if (path == live or stat.st_nlink != 1 or (stat.st_dev, stat.st_ino) in held
                or not publish_log.unchanged_stat(path, latest[path.name])):
            continue
        out.append((path, latest[path.name]))
    return out


def _open_here() -> set[tuple[int, int]]:
    """(device, inode) of every file this process has open (Linux's /proc; elsewhere nothing is known)."""
    fds = Path("/proc/self/fd")
    out = set()
    try:
        entries = list(fds.iterdir())
    except OSError:
        return out
    for fd in entries:
        try:
            stat = fd.stat()
        except OSError:  # closed meanwhile (the listing's own descriptor)
            continue
        out.add((stat.st_dev, stat.st_ino))
    return out


def current_generation(paths: Paths, kept: list[Path] | None = None) -> Path | None:
    """The kept warehouse the live file is: a hard link to it, or a byte-identical copy where links fail."""
    if not paths.warehouse.exists():
        return None
    kept = sorted(paths.warehouses_dir.glob(GENERATION_GLOB)) if kept is None else kept
    for candidate in kept:
        if os.path.samefile(candidate, paths.warehouse):
            return candidate
    size = paths.warehouse.stat().st_size
    for candidate in reversed(kept):
        if candidate.stat().st_size == size and filecmp.cmp(candidate, paths.warehouse, shallow=False):
            return candidate
    return None


def warehouses_dir(paths: Paths) -> Path:
    """The build directory, made and probed, with builds left by a killed process removed (we hold the lock)."""
    folder = paths.warehouses_dir
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise StorageError(
            f"the data directory {paths.data_dir} is not writable: {exc.strerror or exc}",
            "choose another with --data-dir or LEASEWATCH_DATA_DIR, or fix its permissions",
        ) from exc
    for stale in folder.glob(f"{BUILDING_PREFIX}*"):
        stale.unlink(missing_ok=True)
    return folder


def build_stamp(moment: datetime | None = None) -> str:
    return (moment or datetime.now(timezone.utc)).strftime("%Y%m%dT%H%M%S%fZ")


def new_generation(paths: Paths, moment: datetime | None = None) -> Path:
    """A name for a new kept warehouse that no file has (a clock set back could repeat a stamp)."""
    stamp = build_stamp(moment)
    path = paths.warehouses_dir / GENERATION.format(stamp=stamp)
    while path.exists():
        stamp += "-"
        path = paths.warehouses_dir / GENERATION.format(stamp=stamp)
    return path


def reconcile(paths: Paths) -> list[str]:
    """Bring the publish log up to what is live, before a build or a rollback reads it:
    - a log missing while warehouses are kept (they were kept before the log existed): each is adopted, in the
      order of the build times in their names, the only order there is, and the live one last;
    - a live file that is no kept warehouse (built before warehouses were kept, or its kept file deleted): kept
      and adopted, unless the log's live entry says it is not the file published (changed in place where links
      fail: live_changed reports it);
    - a live warehouse that is not the log's last (a build killed between its swap and its line): adopted.
    Returns notes for the user."""
    folder = paths.warehouses_dir
    if not paths.warehouse.exists():
        return []
    notes = []
    log = publish_log.entries(folder)
    kept = sorted(folder.glob(GENERATION_GLOB)) if folder.is_dir() else []
    live = current_generation(paths, kept)
    if not log and kept:
        earlier = [k for k in kept if k != live]
        for old in earlier:
            publish_log.append(folder, "adopt", old, publish_log.digest(old))
        if earlier:
            notes.append(f"no publish log in {folder}: {len(earlier)} kept warehouse(s) were taken in by the build "
                         "time in their names")
    if live is None:
        top = publish_log.stack(log)
        if top and publish_log.changed(paths.warehouse, top[-1]) is not None:
            return notes  # the live file is not what the log says went live: changed (live_changed reports it)
        folder.mkdir(parents=True, exist_ok=True)
        built = datetime.fromtimestamp(paths.warehouse.stat().st_mtime, timezone.utc)
        live = new_generation(paths, built)
        _link_or_copy(paths.warehouse, live)
    top = publish_log.stack(publish_log.entries(folder))
    if top and top[-1].generation != live.name:
        below = [e for e in top[:-1] if e.generation == live.name]
        if below:  # a rollback killed (or unable to write its line) after its swap: the live one is below the top
            publish_log.append(folder, "rollback", live, Digest(below[-1].sha256, below[-1].bytes, below[-1].mtime_ns))
            return notes
    if not top or top[-1].generation != live.name:
        publish_log.append(folder, "adopt", live, publish_log.digest(live))
    return notes


def changed_generations(paths: Paths, *, full: bool = False) -> tuple[int, list[str]]:
    """How many kept warehouses the publish log names (its stack, the live one included) and, described, each that
    is not the file its build published; hashed with `full`, else only those whose size or time differ (see
    publish_log.changed). Nothing is changed or deleted: rollback refuses such a file, a build does not start from
    it, and pruning removes it in its turn."""
    folder = paths.warehouses_dir
    latest = {e.generation: e for e in publish_log.stack(publish_log.entries(folder))}
    checked, out = 0, []
    for name, entry in latest.items():
        path = folder / name
        if not path.is_file():
            continue
        checked += 1
        if (why := publish_log.changed(path, entry, full=full)) is not None:
            out.append(f"the kept warehouse {path} changed after it was published ({why})")
    return checked, out


def live_changed(paths: Paths) -> str | None:
    """Why the live warehouse is not the file its build published, or None (also when nothing is live or the log
    does not name it yet). A cheap stat comparison; the bytes are hashed only when it differs."""
    if not paths.warehouse.exists():
        return None
    top = publish_log.stack(publish_log.entries(paths.warehouses_dir))
    if not top:
        return None
    return publish_log.changed(paths.warehouse, top[-1])


def swap_in(paths: Paths, generation: Path, event: str, digest: Digest) -> list[str]:
    """Make `generation` the live warehouse with one atomic rename, then record it in the publish log; open readers
    keep the file they opened.

    A write-ahead log beside the live file belongs to the file being replaced (a client that opened it for
    writing); DuckDB refuses to open the new file next to it ("WAL does not match"), so it is moved aside, named
    after the generation it belongs to (it goes when that one is pruned)."""
    staged = paths.data_dir / f".swap-{os.getpid()}.duckdb"
    staged.unlink(missing_ok=True)
    notes = []
    try:
        _link_or_copy(generation, staged)
        wal = paths.warehouse.with_name(paths.warehouse.name + ".wal")
        if wal.exists():
            replaced = current_generation(paths)
            log = publish_log.entries(paths.warehouses_dir)
            aside = paths.warehouses_dir / ORPHANED_WAL.format(
                generation=replaced.name if replaced else "unknown.duckdb", seq=(log[-1].seq + 1) if log else 1)
            os.replace(wal, aside)
            notes.append(
                f"a client had {paths.warehouse.name} open for writing; its unsaved changes ({wal.name}) were moved to "
                f"{aside}. Open the warehouse read-only (duckdb -readonly)"
            )
        os.replace(staged, paths.warehouse)
    finally:
        staged.unlink(missing_ok=True)
    try:
        publish_log.append(paths.warehouses_dir, event, generation, digest)
    except OSError as exc:  # it is live: the next build or rollback adopts it into the log (see reconcile)
        notes.append(f"{generation.name} is live but could not be recorded in {publish_log.LOG}: {exc.strerror or exc}; "
                     "the next build records it")
    return notes


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError as exc:
        # Filesystems without hard links (some network and FUSE mounts) get a copy: slower, same result.
        if exc.errno not in (errno.EXDEV, errno.EPERM, errno.ENOTSUP, errno.EMLINK):
            raise
        tmp = target.with_name(f"{target.name}.tmp{os.getpid()}")
        shutil.copy(source, tmp)  # with its read-only mode
        os.replace(tmp, target)


def prune(paths: Paths, keep: int) -> list[str]:
    """Keep the live warehouse and the newest `keep - 1` rollback targets of the publish log; delete every other
    kept warehouse: older targets, builds rolled back from, and builds that never went live (filed by a build killed
    before its swap). Also delete what kills and swaps leave: `.swap-*` files of dead processes, write-ahead logs of
    deleted warehouses (moved aside by a swap, or left beside them by a client). Failing to delete is a warning."""
    folder = paths.warehouses_dir
    stack = generations(paths)
    keepers = {p.name for p in stack[-max(keep, 1):]}
    live = current_generation(paths)
    if live is not None:
        keepers.add(live.name)
    doomed = [p for p in sorted(folder.glob(GENERATION_GLOB)) if p.name not in keepers]
    doomed += [p for p in folder.glob("*.wal") if _wal_owner(p.name) not in keepers]
    doomed += [p for p in paths.data_dir.glob(SWAP_GLOB) if not _alive_swap(p)]
    notes = []
    for old in doomed:
        try:
            old.unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:
            notes.append(f"could not delete the old warehouse file {old}: {exc.strerror or exc}")
    return notes


def _wal_owner(name: str) -> str:
    """The warehouse a write-ahead log in data/warehouses belongs to ('' for the unnamed ones of older releases)."""
    if ".orphaned-" in name:
        return name.split(".orphaned-", 1)[0]
    return name.removesuffix(".wal") if name.endswith(".duckdb.wal") else ""


def _alive_swap(path: Path) -> bool:
    pid = path.name.removeprefix(".swap-").removesuffix(".duckdb")
    return pid.isdigit() and int(pid) != os.getpid() and process_alive(int(pid))


def rows_changed(con, previous: Path, counts: dict[str, int],
                 scope: Callable[[str, str], str] | None = None) -> tuple[dict | None, str | None]:
    """Per mart: rows, rows new or modified since the previous warehouse, rows gone. A previous warehouse that
    cannot be opened (an analyst holds it open for writing) only costs the comparison, never the build.
    `scope` (an incremental build): (mart, table) → a query of the rows of that table the build recomputed; the rest
    are the previous warehouse's own, so only those are compared."""
    import duckdb

    marts = sorted(t for t in counts if t.startswith("marts."))
    if not previous.exists():
        return {t: {"rows": counts[t], "changed": counts[t], "removed": 0} for t in marts}, None
    try:
        con.execute(f"attach '{sql_quote(str(previous))}' as previous_ (read_only)")
    except duckdb.Error as exc:
        reason = str(exc).strip().splitlines()[0]
        return None, f"rows changed not computed: the previous warehouse could not be opened ({reason})"
    out = {}
    try:
        for table in marts:
            before = table_columns(con, "previous_", table)
            if not before:
                out[table] = {"rows": counts[table], "changed": counts[table], "removed": 0}
                continue
            # A mart whose columns or their types changed (a new model version) counts as replaced entirely.
            if before != table_columns(con, None, table):
                removed = con.execute(f"select count(*) from previous_.{table}").fetchone()[0]
                out[table] = {"rows": counts[table], "changed": counts[table], "removed": removed}
                continue
            # Rows are compared by a 64-bit hash of the whole row: EXCEPT ALL over hashes needs a fraction of the
            # memory of comparing the rows (the full market's daily valuation mart would not fit in 2 GiB); a
            # collision would hide one changed row in 2^64.
            rows = scope or (lambda _mart, source: f"select * from {source}")
            changed, removed = con.execute(
                f"""
                with now_ as (select hash(t) as h from ({rows(table, table)}) t),
                     before_ as (select hash(t) as h from ({rows(table, 'previous_.' + table)}) t)
                select (select count(*) from (from now_ except all from before_)),
                       (select count(*) from (from before_ except all from now_))
                """
            ).fetchone()
            out[table] = {"rows": counts[table], "changed": changed, "removed": removed}
    finally:
        con.execute("detach previous_")
    return out, None


STATUS_CHANGE_COLUMNS = ("code", "name", "period_end", "dimension", "previous_status", "status", "direction")


def new_status_changes(con, previous: Path) -> tuple[list[dict] | None, str | None]:
    """Rows of marts.status_changes the previous warehouse lacked (by code, period, dimension and status): who
    crossed a benchmark line since the last build, either way; and a note when they cannot be compared. None when
    there is nothing to compare with (a first build, a previous warehouse from before the mart, or one that cannot
    be opened), or when the benchmarks differ (a build with --gross/--net): a changed threshold moves statuses
    without any firm crossing anything, and the note says so."""
    import duckdb

    if not previous.exists():
        return None, None
    try:
        con.execute(f"attach '{sql_quote(str(previous))}' as previous_ (read_only)")
    except duckdb.Error:
        return None, None
    try:
        if not table_columns(con, "previous_", "marts.status_changes"):
            return None, None
        thresholds = "select metric, threshold from {}seeds.benchmarks order by metric"
        now, before = con.execute(thresholds.format("")).fetchall(), con.execute(thresholds.format("previous_.")).fetchall()
        if now != before:
            return None, (f"benchmarks changed since the last build ({_thresholds(before)} → {_thresholds(now)}): "
                          "status changes are not compared (marts.status_changes holds them at the new benchmarks)")
        key = "code, period_end, dimension, status"
        rows = con.execute(
            f"""
            select {', '.join(STATUS_CHANGE_COLUMNS)}
            from marts.status_changes
            where ({key}) not in (select ({key}) from previous_.marts.status_changes)
              and is_current_member
            order by period_end desc, dimension, code
            """
        ).fetchall()
    finally:
        con.execute("detach previous_")
    return [dict(zip(STATUS_CHANGE_COLUMNS, r)) for r in rows], None


def _thresholds(rows: list[tuple]) -> str:
    """[('gross_margin', 0.4), ('net_margin', 0.2)] → 'gross 40% / net 20%'."""
    return " / ".join(f"{metric.removesuffix('_margin')} {threshold:.0%}" for metric, threshold in rows)


def table_columns(con, database: str | None, table: str) -> list[tuple[str, str]]:
    """(column, type) of a table, in order, in an attached database or (None) the one being built."""
    schema, name = table.split(".", 1)
    where = "database_name = ?" if database else "database_name = current_database()"
    return con.execute(
        f"select column_name, data_type from duckdb_columns() where {where} and schema_name = ? and table_name = ? "
        "order by column_index",
        [database, schema, name] if database else [schema, name],
    ).fetchall()


def remove(path: Path) -> None:
    for p in (path, path.with_name(path.name + ".wal")):
        try:
            p.unlink()
        except FileNotFoundError:
            pass
