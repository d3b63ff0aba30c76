"""The forwarding client's cap on connections, against a real server that counts them:
never more open than allowed, requests past the cap wait their turn (from any event
loop) or fail with `UpstreamBusy` once they waited too long, and no place is lost."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable

import pytest

from iamd.gateway.upstream_client import UpstreamBusy, UpstreamClient


class SlowServer:
    """An HTTP/1.1 server on its own thread that answers after ``delay`` seconds and
    counts the connections open to it at once."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.open = 0
        self.most_open = 0
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._loop = asyncio.new_event_loop()
        threading.Thread(target=self._run, daemon=True).start()
        self._ready.wait(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(asyncio.start_server(self._serve, "127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/object"
        self._ready.set()
        self._loop.run_forever()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with self._lock:
            self.open += 1
            self.most_open = max(self.most_open, self.open)
        try:
            while await reader.readuntil(b"\r\n\r\n"):
                await asyncio.sleep(self.delay)
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            with self._lock:
                self.open -= 1
            writer.close()

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)

    async def _shutdown(self) -> None:
        """End every connection still served (idle ones a client kept), cleanly."""
        current = asyncio.current_task()
        serving = [task for task in asyncio.all_tasks() if task is not current]
        for task in serving:
            task.cancel()
        await asyncio.gather(*serving, return_exceptions=True)


@pytest.fixture
def slow_server() -> SlowServer:
    server = SlowServer(delay=0.05)
    yield server  # type: ignore[misc]
    server.stop()


async def get(client: UpstreamClient, url: str) -> bytes:
    response = await client.send("GET", url, {}, None)
    return await response.aread()


def run(work: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(work())  # type: ignore[arg-type]


def test_many_concurrent_requests_share_the_allowed_connections(slow_server: SlowServer) -> None:
    client = UpstreamClient(max_connections=2)

    async def work() -> None:
        answers = await asyncio.gather(*(get(client, slow_server.url) for _ in range(20)))
        assert answers == [b"ok"] * 20
        assert client.open_connections(slow_server.url) <= 2
        await client.aclose()

    run(work)
    assert slow_server.most_open == 2


def test_event_loops_on_several_threads_share_one_cap(slow_server: SlowServer) -> None:
    client = UpstreamClient(max_connections=2)
    answers: list[bytes] = []
    all_done = threading.Barrier(4)

    def thread_work() -> None:
        async def work() -> None:
            answers.extend(await asyncio.gather(*(get(client, slow_server.url) for _ in range(5))))
            await asyncio.to_thread(all_done.wait, 20)  # every loop lives until all are done

        run(work)

    threads = [threading.Thread(target=thread_work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert answers == [b"ok"] * 20
    assert slow_server.most_open <= 2


def test_connections_left_idle_by_an_ended_loop_give_their_places_on(
    slow_server: SlowServer,
) -> None:
    client = UpstreamClient(max_connections=1)

    async def once() -> None:
        assert await get(client, slow_server.url) == b"ok"

    run(once)  # its loop ends with the one connection idle
    run(once)
    assert client.open_connections(slow_server.url) == 1


def test_a_request_that_waits_too_long_is_busy_and_the_next_one_is_served() -> None:
    server = SlowServer(delay=0.5)
    client = UpstreamClient(max_connections=1, pool_wait=0.1)

    async def work() -> None:
        first = asyncio.create_task(get(client, server.url))
        await asyncio.sleep(0.05)
        with pytest.raises(UpstreamBusy):
            await get(client, server.url)
        assert await first == b"ok"
        assert await get(client, server.url) == b"ok"
        await client.aclose()

    try:
        run(work)
    finally:
        server.stop()
    assert server.most_open == 1


def test_a_cancelled_waiter_gives_up_no_place(slow_server: SlowServer) -> None:
    client = UpstreamClient(max_connections=1)

    async def work() -> None:
        first = asyncio.create_task(get(client, slow_server.url))
        await asyncio.sleep(0.01)
        waiting = asyncio.create_task(get(client, slow_server.url))
        await asyncio.sleep(0.01)
        waiting.cancel()
        assert await first == b"ok"
        assert await asyncio.wait_for(get(client, slow_server.url), 5) == b"ok"
        await client.aclose()
        await asyncio.sleep(0.01)  # a closed socket gives its place on at the loop's next turn
        assert client.open_connections(slow_server.url) == 0

    run(work)
    assert slow_server.most_open == 1
