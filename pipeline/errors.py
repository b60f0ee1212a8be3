"""One error hierarchy. Each error names what failed and how to fix it; only the CLI turns them into exit codes."""

from __future__ import annotations

import errno


class LeasewatchError(Exception):
    """Base class: a message for the user, plus an optional remedy line."""

    exit_code = 1

    def __init__(self, message: str, remedy: str | None = None):
        super().__init__(message)
        self.message = message
        self.remedy = remedy

    def __str__(self) -> str:
        return f"{self.message} ({self.remedy})" if self.remedy else self.message


# One class per failure a user can act on, each with its exit code: the declarations below repeat one shape on
# purpose (a docstring and an exit_code), which `duplicates` reports; folding them into a factory would hide the
# hierarchy from readers and type checkers.
class UsageError(LeasewatchError):
    """Bad input from the user: an unknown code, a malformed period, a bad path or format."""

    exit_code = 2


class SourceBlockedError(LeasewatchError):
    """The upstream refuses us (circuit breaker open). Everything fetched so far is kept."""

    exit_code = 3


class SchemaDriftError(LeasewatchError):
    """An upstream frame lacks required columns or renamed them."""

    exit_code = 4


class EmptyResultError(LeasewatchError):
    """An upstream call returned nothing where data must exist."""

    exit_code = 4


class NothingDisclosed(LeasewatchError):
    """Upstream answered, and the answer is that the firm discloses nothing here (no 主营构成 table, no filing
    schedule for the period yet, no quote record). Not a retry and not a failure: ingest stores the answer as
    an empty payload flagged `no_disclosure`, so the daily plan does not ask again before the next filing."""

    exit_code = 4


class UnsupportedLayout(LeasewatchError):
    """The firm's statements use EastMoney's bank, insurer or broker layout (ORG_TYPE is not 通用): other field
    sets whose lines leasewatch's models do not define. The firm is marked unsupported, never filled with zeros."""

    exit_code = 4


class DataTestFailed(LeasewatchError):
    """A data test returned offending rows; the previous warehouse stays in place."""

    exit_code = 5

    def __init__(self, message: str, remedy: str | None = None, failures: dict | None = None):
        super().__init__(message, remedy)
        self.failures = failures or {}


class WarehouseMissing(LeasewatchError):
    """No warehouse has been built yet."""

    exit_code = 6


class WarehouseLocked(LeasewatchError):
    """Another process holds the lock (a refresh is running)."""

    exit_code = 7


class StorageError(LeasewatchError):
    """The data or reports directory cannot be written (permissions, disk full)."""

    exit_code = 8


# The operating system's refusals that mean "the disk or the directory will not take the write", not a bug: they are
# StorageErrors wherever they surface, as an OSError or inside a DuckDB error's text (DuckDB reports the disk in
# IOException, in TransactionException "Failed to commit" and in others; only the strerror text is stable).
STORAGE_ERRNOS = {errno.ENOSPC: "No space left on device", errno.EDQUOT: "Disk quota exceeded",
                  errno.EROFS: "Read-only file system", errno.EIO: "Input/output error", errno.EFBIG: "File too large",
                  errno.EACCES: "Permission denied", errno.EPERM: "Operation not permitted"}
FREE_SPACE_HINT = "free disk space (df -h shows it) or fix the permissions, then rerun; nothing stored before was changed"


def exception_chain(exc: BaseException | None):
    """`exc`, then the exception it was raised from or while handling, and so on (each once)."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def storage_reason(exc: BaseException | None) -> str | None:
    """What the disk refused, when `exc` (or an exception it was raised from) is a storage failure; else None.
    DuckDB's exceptions carry no errno, so their message is read for the operating system's strerror text."""
    for link in exception_chain(exc):
        if isinstance(link, StorageError):
            return link.message
        if isinstance(link, OSError) and link.errno in STORAGE_ERRNOS:
            where = f" ({link.filename})" if link.filename else ""
            return f"{link.strerror or STORAGE_ERRNOS[link.errno]}{where}"
        if not isinstance(link, OSError) and type(link).__module__.startswith(("duckdb", "_duckdb")):
            text = str(link)
            if any(words in text for words in STORAGE_ERRNOS.values()):
                return text.strip().splitlines()[0]
    return None


def storage_error(where: str, exc: BaseException, remedy: str = FREE_SPACE_HINT) -> StorageError:
    """"cannot write <where>: <what the disk refused>" (or, for another failure, its strerror or first line)."""
    reason = storage_reason(exc) or getattr(exc, "strerror", None) or str(exc).strip().splitlines()[0]
    return StorageError(f"cannot write {where}: {reason}", remedy)


def as_storage_error(exc: BaseException, where: str) -> StorageError | None:
    """`exc` as the StorageError it is ("cannot write <where>: <reason>"), or None when it is not one."""
    if isinstance(exc, StorageError):
        return exc
    return storage_error(where, exc) if storage_reason(exc) else None


class QueryError(LeasewatchError):
    """An analyst query failed: malformed SQL, unknown table, or an attempt to write."""

    exit_code = 9


class PartialFailure(LeasewatchError):
    """Some symbols failed; their previous data is kept and the rest was updated."""

    exit_code = 10


INTERNAL_ERROR_EXIT = 70  # an exception that is not a LeasewatchError: always a bug
INTERRUPTED_EXIT = 130  # Ctrl-C (SIGINT)

# The one exit-code table: the CLI maps errors by their `exit_code`, the scheduler comments and the README's
# table are checked against this one (tests/test_ops_schedule.py).
EXIT_CODES: tuple[tuple[int, str, str], ...] = (
    (0, "success", "refreshed (or skipped: not a Shanghai trading day)"),
    (LeasewatchError.exit_code, "error", "any other failure, with its message: e.g. an empty raw layer, a model that fails"),
    (UsageError.exit_code, "usage", "bad arguments, a bad path, or data that cannot be mixed (sample and live)"),
    (SourceBlockedError.exit_code, "source blocked", "the upstream refuses us (circuit breaker); everything fetched so far is kept"),
    (SchemaDriftError.exit_code, "schema drift / empty", "akshare's output changed shape (a field renamed, added or dropped: 'Length mismatch') or came back empty where data must exist (an income statement, a board)"),
    (DataTestFailed.exit_code, "data tests failed", "the new warehouse failed its data tests; the previous one is kept"),
    (WarehouseMissing.exit_code, "warehouse missing", "nothing built yet (query, export, rollback)"),
    (WarehouseLocked.exit_code, "lock held", "another refresh, build or rollback is running"),
    (StorageError.exit_code, "storage", "the data or reports directory cannot be written (permissions, disk full)"),
    (QueryError.exit_code, "query", "a query failed or tried to write"),
    (PartialFailure.exit_code, "partial", "some symbols failed or a corrupt raw file could not be refetched; their previous data is kept"),
    (INTERNAL_ERROR_EXIT, "internal", "a bug: rerun with LEASEWATCH_DEBUG=1 for the traceback and report it"),
    (INTERRUPTED_EXIT, "interrupted", "Ctrl-C; everything stored so far is kept"),
)
