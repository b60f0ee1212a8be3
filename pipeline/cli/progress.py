"""Progress on stderr, never on stdout (a pipe consumes stdout): a rich bar on a terminal, plain one-line
steps every 10 % under cron or with --quiet."""

from __future__ import annotations

import sys
import time
from typing import Callable

Progress = Callable[[int, int, str], None]


def progress(label: str, *, quiet: bool = False) -> Progress:
    """A `(done, total, item)` callback for a stage's long loop."""
    if sys.stderr.isatty() and not quiet:
        return _Bar(label)
    return _Steps(label)


class _Bar:
    """rich's bar with counts and an ETA; a new pass (done going down: the sample's second vintage) restarts it."""

    def __init__(self, label: str):
        self.label = label
        self.bar = None
        self.task = None
        self.done = 0

    def __call__(self, done: int, total: int, item: str) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        if self.bar is None or done < self.done:
            self._close()
            self.bar = Progress(
                TextColumn(f"{self.label}"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[item]:<10}"),
                TextColumn("ETA"), TimeRemainingColumn(), console=Console(file=sys.stderr), transient=False,
            )
            self.bar.start()
            self.task = self.bar.add_task(self.label, total=total, item="")
        self.done = done
        self.bar.update(self.task, completed=done, total=total, item=item)
        if done >= total:
            self._close()

    def _close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


class _Steps:
    """One plain line every 10 % and at the end: 'firms: 54/108 (990054), elapsed 3s, ETA 3s'."""

    def __init__(self, label: str):
        self.label = label
        self.last = -1
        self.started = time.monotonic()
        self.done = 0

    def __call__(self, done: int, total: int, item: str) -> None:
        if done < self.done:
            self.last, self.started = -1, time.monotonic()
        self.done = done
        elapsed = time.monotonic() - self.started
        eta = duration(elapsed / done * (total - done)) if 0 < done < total else "0s"
        tenth = done * 10 // max(total, 1)
        if tenth != self.last or done == total:
            self.last = tenth
            sys.stderr.write(f"{self.label}: {done}/{total} ({item}), elapsed {duration(elapsed)}, ETA {eta}\n")
            sys.stderr.flush()


def duration(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"
