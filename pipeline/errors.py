"""One error hierarchy. Each error names what failed and how to fix it; only the CLI turns them into exit codes."""

from __future__ import annotations


class LeasewatchError(Exception):
    """Base class: a message for the user, plus an optional remedy line."""

    exit_code = 1

    def __init__(self, message: str, remedy: str | None = None):
        super().__init__(message)
        self.message = message
        self.remedy = remedy

    def __str__(self) -> str:
        return f"{self.message} ({self.remedy})" if self.remedy else self.message


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


class QueryError(LeasewatchError):
    """An analyst query failed: malformed SQL, unknown table, or an attempt to write."""

    exit_code = 9


class PartialFailure(LeasewatchError):
    """Some symbols failed; their previous data is kept and the rest was updated."""

    exit_code = 10
