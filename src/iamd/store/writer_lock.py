"""One SQLite writer at a time across processes, handed over without polling.

SQLite lets one transaction write at a time. A writer that finds the lock taken waits
in SQLite's busy handler, which sleeps in growing steps (1 ms, 2 ms, 5 ms … up to
100 ms) and retries; with several worker processes writing, most of a write's time
was spent asleep after the lock had already been released. Here the writers of every
process sharing a database file queue on an advisory lock of a file beside it
(`flock`, which wakes a waiter the moment the holder lets go), then take SQLite's own
lock, which is then free. SQLite's busy timeout stays as the backstop for any writer
that does not queue here.

An event loop about to write asks first (`released`) whether another thread of its
process holds the lock — the audit trail's batch, a write handed to the thread
pool — and if so waits for it as a coroutine: taking the lock there would block the
loop, and every connection it serves, until that transaction commits. Another
process's hold is not seen (the file lock cannot be watched without blocking); a
writer may still wait for one on the loop, as before.

Only where `fcntl` exists (every POSIX system); elsewhere writers fall back to SQLite's
busy handler alone.
"""

from __future__ import annotations

import asyncio
import contextlib
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
        # The thread of this process that holds the lock (or waits for the file's), and
        # the event loops waiting for it to let go; both under `_watch`.
        self._holder: int | None = None
        self._waiting: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []
        self._watch = threading.Lock()

    @contextmanager
    def held(self) -> Iterator[None]:
        with self._threads:
            self._depth += 1
            try:
                if self._depth == 1:
                    self._set_holder(threading.get_ident())
                    self._lock_file()
                yield
            finally:
                self._depth -= 1
                if self._depth == 0:
                    self._unlock_file()
                    self._set_holder(None)

    async def released(self) -> None:
        """Return once no other thread of this process holds the lock (at once if none)."""
        with self._watch:
            holder = self._holder
            if holder is None or holder == threading.get_ident():
                return
            loop = asyncio.get_running_loop()
            let_go: asyncio.Future[None] = loop.create_future()
            self._waiting.append((loop, let_go))
        await let_go

    def _set_holder(self, thread: int | None) -> None:
        """Note who holds the lock now; when no one does, wake the loops waiting for that."""
        with self._watch:
            self._holder = thread
            if thread is not None:
                return
            waiting, self._waiting = self._waiting, []
        for loop, let_go in waiting:
            with contextlib.suppress(RuntimeError):  # that loop has closed meanwhile
                loop.call_soon_threadsafe(_resolve, let_go)

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


def _resolve(let_go: asyncio.Future[None]) -> None:
    if not let_go.done():  # not cancelled meanwhile
        let_go.set_result(None)
