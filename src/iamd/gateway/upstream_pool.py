"""One upstream origin's connections, at most `limit` of them open at once.

In: asks for a connection (from any event loop), connections given back after a clean
exchange, and connections closed (`discard`, once each). Out: an idle connection of
the asking loop, or leave to open a new one while fewer than `limit` are open (opening
counts as open); past that the caller waits, first come first served, for one to come
back or close — at most `wait_seconds`, then `UpstreamBusy`. Idle connections count
as open: they are sockets the upstream holds too.

A spare (`reserve_spare`): a connection opened ahead of need for one loop, at most
one opening at a time and none while that loop has an idle one or anyone waits; it
counts as open from its reservation, and goes idle like any other once connected.
Only a request that may be sent twice takes one (``take_spare``): a spare the
upstream closed while it sat idle is then retried on a new connection.

Why not an `asyncio.Semaphore`: it belongs to one event loop, and one client serves
several (the gateway's own, a test's `asyncio.run`, the in-process middleware's
threads). The count is kept under a thread lock, and a waiter's future is settled on
its own loop (`call_soon_threadsafe`).
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar


class UpstreamBusy(Exception):
    """Every connection the pool may open stayed in use for as long as a request waits."""


class Pooled(Protocol):
    @property
    def loop(self) -> asyncio.AbstractEventLoop: ...
    @property
    def is_spare(self) -> bool: ...  # opened ahead of need, not used yet
    def is_reusable(self) -> bool: ...
    def close(self) -> None: ...


C = TypeVar("C", bound=Pooled)


@dataclass(eq=False)
class _Waiter(Generic[C]):
    loop: asyncio.AbstractEventLoop
    # settled with a connection handed over, or None: leave to open one
    future: asyncio.Future[C | None] = field(repr=False)


class OriginPool(Generic[C]):
    def __init__(self, limit: int, *, max_idle: int, wait_seconds: float) -> None:
        self._limit = limit
        self._max_idle = max_idle
        self._wait_seconds = wait_seconds
        self._lock = threading.Lock()
        self._open = 0
        self._idle: list[C] = []
        self._waiters: deque[_Waiter[C]] = deque()
        self._spares_opening: set[asyncio.AbstractEventLoop] = set()

    @property
    def open_count(self) -> int:
        return self._open

    async def acquire(self, *, reuse: bool = True, take_spare: bool = True) -> C | None:
        """An idle connection of this loop, or None: open one (it is counted already)."""
        loop = asyncio.get_running_loop()
        stale: list[C] = []
        with self._lock:
            connection = self._take_idle(stale, take_spare=take_spare) if reuse else None
            granted = connection is None and self._open < self._limit
            if connection is None and not granted:  # a spare it may not take holds a place
                stale.extend(self._take_spare_of(loop))
            if granted:
                self._open += 1
            waiter = None
            if connection is None and not granted:
                waiter = _Waiter[C](loop, loop.create_future())
                self._waiters.append(waiter)
        for each in stale:  # outside the lock: each close gives its place on
            each.close()
        if waiter is None:
            return connection
        return await self._wait(waiter)

    def _take_idle(self, stale: list[C], *, take_spare: bool) -> C | None:
        for index in range(len(self._idle) - 1, -1, -1):
            connection = self._idle[index]
            if not connection.is_reusable():
                stale.append(self._idle.pop(index))
            elif take_spare or not connection.is_spare:
                return self._idle.pop(index)
        return None

    def _take_spare_of(self, loop: asyncio.AbstractEventLoop) -> list[C]:
        """One of ``loop``'s idle spares taken out of the pool (to be closed), if any."""
        for index, idle in enumerate(self._idle):
            if idle.is_spare and idle.loop is loop:
                return [self._idle.pop(index)]
        return []

    def reserve_spare(self, loop: asyncio.AbstractEventLoop) -> bool:
        """May ``loop`` open a spare now? If so its place is counted: `spare_opened` next."""
        with self._lock:
            if (
                self._waiters
                or self._open >= self._limit
                or loop in self._spares_opening
                or any(idle.loop is loop for idle in self._idle)
            ):
                return False
            self._open += 1
            self._spares_opening.add(loop)
            return True

    def spare_opened(self, loop: asyncio.AbstractEventLoop, spare: C | None) -> None:
        """The spare ``loop`` reserved: connected (idle from now on), or None: it failed."""
        with self._lock:
            self._spares_opening.discard(loop)
        if spare is None:
            self.discard()
        else:
            self.give_back(spare)

    async def _wait(self, waiter: _Waiter[C]) -> C | None:
        try:
            async with asyncio.timeout(self._wait_seconds):
                return await waiter.future
        except BaseException as error:
            with self._lock:
                was_waiting = waiter in self._waiters
                if was_waiting:
                    self._waiters.remove(waiter)
            future = waiter.future
            if not was_waiting and future.done() and not future.cancelled():
                self._hand_on(future.result())  # settled as the wait ended: pass it on
            if isinstance(error, TimeoutError):
                raise UpstreamBusy("no upstream connection came free in time") from None
            raise

    def give_back(self, connection: C) -> None:
        """A connection whose exchange ended cleanly: to the first waiter, or idle."""
        with self._lock:
            first = self._waiters[0] if self._waiters else None
            if first is not None and first.loop is connection.loop:
                self._waiters.popleft()
            elif first is None and len(self._idle) < self._max_idle:
                self._idle.append(connection)
                return
        if first is not None and first.loop is connection.loop:
            self._settle(first, connection)
        else:  # of no use to the waiter's loop, or one idle too many: its place goes on
            connection.close()

    def discard(self) -> None:
        """A connection closed (or never opened): its place to the first waiter, or free."""
        with self._lock:
            if not self._waiters:
                self._open -= 1
                return
            first = self._waiters.popleft()
        self._settle(first, None)

    def close_idle(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()

    def _settle(self, waiter: _Waiter[C], handed: C | None) -> None:
        try:
            waiter.loop.call_soon_threadsafe(self._resolve, waiter, handed)
        except RuntimeError:  # its loop has closed: nobody waits there any more
            self._hand_on(handed)

    def _resolve(self, waiter: _Waiter[C], handed: C | None) -> None:
        """On the waiter's loop: give it what it was handed, unless it stopped waiting."""
        if waiter.future.done():
            self._hand_on(handed)
        else:
            waiter.future.set_result(handed)

    def _hand_on(self, handed: C | None) -> None:
        if handed is None:
            self.discard()
        else:
            self.give_back(handed)
