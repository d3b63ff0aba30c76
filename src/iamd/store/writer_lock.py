"""One SQLite writer at a time across processes, handed over without polling.

SQLite lets one transaction write at a time. A writer that finds the lock taken waits
in SQLite's busy handler, which sleeps in growing steps (1 ms, 2 ms, 5 ms … up to
100 ms) and retries; with several worker processes writing, most of a write's time
was spent asleep after the lock had already been released. Here the writers of every
process sharing a database file queue on an advisory lock of a file beside it
(`flock`, which wakes a waiter the moment the holder lets go), then take SQLite's own
lock, which is then free. SQLite's busy timeout stays as the backstop for any writer
that does not queue here.

Only where `fcntl` exists (every POSIX system); elsewhere writers fall back to SQLite's
busy handler alone.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None  # type: ignore[assignment]


class WriterLock:
    """The writers' queue for one database file, shared by threads and processes."""

    def __init__(self, database_path: str) -> None:
        self._path = f"{database_path}-writer.lock"
        self._threads = threading.RLock()  # flock is per process: threads queue here
        self._depth = 0
        self._fd: int | None = None
        self._pid = 0  # the process that opened _fd: a forked child opens its own

    @contextmanager
    def held(self) -> Iterator[None]:
        with self._threads:
            self._depth += 1
            try:
                if self._depth == 1:
                    self._lock_file()
                yield
            finally:
                self._depth -= 1
                if self._depth == 0:
                    self._unlock_file()

    def _lock_file(self) -> None:
        if fcntl is None:
            return
        if self._fd is None or self._pid != os.getpid():
            self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            self._pid = os.getpid()
        fcntl.flock(self._fd, fcntl.LOCK_EX)

    def _unlock_file(self) -> None:
        if fcntl is not None and self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
