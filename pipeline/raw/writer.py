"""The write-behind thread of RawStore.deferred_writes: payload writes in submission order, off the fetch loop."""

from __future__ import annotations

import queue
import threading
from typing import Callable


class Writer:
    """One background thread running the stores' deferred writes in submission order. The queue is short, so
    frames waiting to be written never hold much memory and a reader never waits long."""

    def __init__(self, depth: int = 8):
        self._jobs: queue.Queue = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._pending: dict[str, int] = {}  # payload path → writes of it not yet done
        self._done = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="raw-writer", daemon=True)
        self._thread.start()

    def submit(self, path: str, job: Callable[[], None]) -> None:
        self._raise()
        with self._done:
            self._pending[path] = self._pending.get(path, 0) + 1
        self._jobs.put((path, job))

    def wait(self) -> None:
        self._jobs.join()
        self._raise()

    def wait_for(self, path: str) -> None:
        with self._done:
            self._done.wait_for(lambda: not self._pending.get(path))
        self._raise()

    def close(self, *, raise_errors: bool) -> None:
        self._jobs.join()
        self._jobs.put(None)
        self._thread.join()
        if raise_errors:
            self._raise()

    def _raise(self) -> None:
        if self._error is not None:  # stays set: every later put fails too, as it would writing synchronously
            raise self._error

    def _run(self) -> None:
        while True:
            item = self._jobs.get()
            try:
                if item is None:
                    return
                if self._error is None:  # after a failure, later writes are dropped: the manifest stays in order
                    item[1]()
            except BaseException as exc:  # handed to the submitting thread
                self._error = exc
            finally:
                if item is not None:
                    with self._done:
                        self._pending[item[0]] -= 1
                        self._done.notify_all()
                self._jobs.task_done()
