"""The writers' lock as an event loop sees it: `released` waits without blocking the loop.

An event loop about to write asks whether another thread of its process holds the
lock, and if so waits for it as a coroutine, so the loop's other tasks go on.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from iamd.store.writer_lock import WriterLock


@contextmanager
def held_by_another_thread(lock: WriterLock) -> Iterator[threading.Event]:
    """The lock held by a thread of its own until the yielded event is set."""
    holding, let_go = threading.Event(), threading.Event()
    failed: list[BaseException] = []

    def hold() -> None:
        try:
            with lock.held():
                holding.set()
                let_go.wait(10)
        except BaseException as error:  # letting go must not fail
            failed.append(error)

    thread = threading.Thread(target=hold)
    thread.start()
    assert holding.wait(5)
    try:
        yield let_go
    finally:
        let_go.set()
        thread.join(10)
        assert not thread.is_alive()
        assert failed == []


def test_a_free_lock_is_released_at_once(tmp_path: Path) -> None:
    lock = WriterLock(str(tmp_path / "iamd.sqlite3"))
    asyncio.run(asyncio.wait_for(lock.released(), 1))


def test_the_holding_thread_does_not_wait_for_itself(tmp_path: Path) -> None:
    lock = WriterLock(str(tmp_path / "iamd.sqlite3"))
    with lock.held():
        asyncio.run(asyncio.wait_for(lock.released(), 1))


def test_the_loop_runs_while_it_waits_for_another_thread(tmp_path: Path) -> None:
    lock = WriterLock(str(tmp_path / "iamd.sqlite3"))

    async def scenario(let_go: threading.Event) -> None:
        waiting = asyncio.create_task(lock.released())
        ticks = 0
        for _ in range(10):  # the loop's other work goes on meanwhile
            await asyncio.sleep(0.01)
            ticks += 1
        assert ticks == 10
        assert not waiting.done()
        let_go.set()
        await asyncio.wait_for(waiting, 5)

    with held_by_another_thread(lock) as let_go:
        asyncio.run(scenario(let_go))
    with lock.held():  # and it can be taken again
        pass


def test_a_closed_waiting_loop_does_not_trouble_the_holder(tmp_path: Path) -> None:
    lock = WriterLock(str(tmp_path / "iamd.sqlite3"))
    with held_by_another_thread(lock):
        loop = asyncio.new_event_loop()
        waiting = loop.create_task(lock.released())
        loop.run_until_complete(asyncio.sleep(0.01))  # it waits now
        waiting.cancel()
        loop.run_until_complete(asyncio.sleep(0))
        loop.close()
    # the holder let go without an error (`held_by_another_thread` joined it)
    assert waiting.cancelled()
    with lock.held():
        pass
