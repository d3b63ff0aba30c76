"""The forwarding client against real sockets: kept-alive connections are reused, a body
whose check fails never completes its request, and an unreachable upstream is an error."""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from iamd.gateway.upstream_client import UpstreamClient, UpstreamError


class Recorder:
    """A keep-alive HTTP/1.1 server that records each connection's requests."""

    def __init__(self, *, close: bool = False) -> None:
        self.connections: list[list[bytes]] = []
        self.close = close

    async def before_answer(self, connection: int) -> None:
        """Called before the ``connection``-th connection (from 0) answers a request."""

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        requests: list[bytes] = []
        connection = len(self.connections)
        self.connections.append(requests)
        try:
            while head := await reader.readuntil(b"\r\n\r\n"):
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                body = await reader.readexactly(length)
                requests.append(head.split(b" ", 2)[1] + b" " + body)
                answer = b"ok:" + body
                await self.before_answer(connection)
                extra = b"Connection: close\r\n" if self.close else b""
                writer.write(
                    b"HTTP/1.1 200 OK\r\n" + extra
                    + b"Content-Length: %d\r\n\r\n" % len(answer) + answer
                )  # fmt: skip
                await writer.drain()
                if self.close:
                    break
        except asyncio.IncompleteReadError as error:
            if error.partial:  # a clean close between requests is no incomplete request
                requests.append(b"<incomplete>")
        except ConnectionError:
            requests.append(b"<incomplete>")
        writer.close()


def with_server(
    recorder: Recorder,
    work: Callable[[UpstreamClient, str], Awaitable[None]],
    *,
    max_connections: int = 100,
) -> None:
    async def main() -> None:
        server = await asyncio.start_server(recorder.serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        client = UpstreamClient(
            connect_timeout=5, read_timeout=5, max_connections=max_connections, pool_wait=2
        )
        try:
            await work(client, f"http://127.0.0.1:{port}")
        finally:
            await client.aclose()
            await asyncio.sleep(0.05)  # the server sees a spare the client closed end
            server.close()
            await server.wait_closed()

    asyncio.run(main())


async def spare_opened(client: UpstreamClient) -> None:
    """Wait until the client's spare connection is open (and the server has taken it)."""
    pool = next(iter(client._pools.values()))
    for _ in range(500):
        if any(idle.is_spare for idle in pool._idle):
            break
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.05)


def test_a_kept_alive_connection_carries_the_next_requests() -> None:
    recorder = Recorder()

    async def work(client: UpstreamClient, base: str) -> None:
        for number in range(3):
            response = await client.send("PUT", f"{base}/b/k{number}?x=%2F", {}, b"body")
            assert response.status_code == 200
            assert await response.aread() == b"ok:body"
            await response.aclose()

    with_server(recorder, work)
    assert recorder.connections == [[b"/b/k0?x=%2F body", b"/b/k1?x=%2F body", b"/b/k2?x=%2F body"]]


def test_an_upstream_that_closes_gets_a_new_connection_each_time() -> None:
    recorder = Recorder(close=True)

    async def work(client: UpstreamClient, base: str) -> None:
        for _ in range(2):
            response = await client.send("GET", f"{base}/b", {}, None)
            assert await response.aread() == b"ok:"
            await spare_opened(client)  # the client's next request comes later

    with_server(recorder, work)
    # The second went on the spare opened after the first; the last spare was never used.
    assert recorder.connections == [[b"/b "], [b"/b "], []]


class SlowOnSpare(Recorder):
    """Closes after each answer, and answers on its second connection (the first
    spare) only once a third has connected, or after a second."""

    def __init__(self) -> None:
        super().__init__(close=True)
        self.connected_before_answer = 0

    async def before_answer(self, connection: int) -> None:
        if connection == 1:
            for _ in range(100):
                if len(self.connections) >= 3:
                    break
                await asyncio.sleep(0.01)
            self.connected_before_answer = len(self.connections)


def test_a_taken_spare_is_replaced_while_its_answer_is_awaited() -> None:
    """The next forward's spare connects during this one's wait, not after its answer."""
    recorder = SlowOnSpare()

    async def work(client: UpstreamClient, base: str) -> None:
        for _ in range(2):
            response = await client.send("GET", f"{base}/b", {}, None)
            assert await response.aread() == b"ok:"
            await spare_opened(client)

    with_server(recorder, work)
    assert recorder.connected_before_answer == 3
    assert recorder.connections == [[b"/b "], [b"/b "], []]


def test_no_connection_is_opened_before_a_request_is_sent() -> None:
    recorder = Recorder(close=True)

    async def work(client: UpstreamClient, base: str) -> None:
        await asyncio.sleep(0.1)
        assert recorder.connections == [] and client.open_connections(base) == 0
        response = await client.send("GET", f"{base}/b", {}, None)
        assert await response.aread() == b"ok:"
        await spare_opened(client)
        assert client.open_connections(base) == 1  # the spare, for the next forward

    with_server(recorder, work)
    assert recorder.connections == [[b"/b "], []]


def test_a_request_that_cannot_be_sent_twice_takes_no_spare() -> None:
    recorder = Recorder(close=True)

    async def body() -> AsyncIterator[bytes]:
        yield b"streamed"

    async def work(client: UpstreamClient, base: str) -> None:
        response = await client.send("GET", f"{base}/a", {}, None)
        assert await response.aread() == b"ok:"
        await spare_opened(client)
        for method, content in (("POST", b"posted!!"), ("PUT", body())):
            response = await client.send(method, f"{base}/b", {"content-length": "8"}, content)
            assert (await response.aread()).startswith(b"ok:")
        await asyncio.sleep(0.1)

    with_server(recorder, work)
    assert recorder.connections == [[b"/a "], [], [b"/b posted!!"], [b"/b streamed"]]


def test_a_spare_that_holds_the_last_place_gives_it_to_a_request_that_cannot_take_it() -> None:
    recorder = Recorder(close=True)
    go_on = asyncio.Event()

    async def stalled() -> AsyncIterator[bytes]:
        await go_on.wait()
        yield b"streamed"

    async def work(client: UpstreamClient, base: str) -> None:
        response = await client.send("GET", f"{base}/a", {}, None)
        assert await response.aread() == b"ok:"
        await spare_opened(client)  # it holds one of the two places, the upload the other
        upload = asyncio.create_task(
            client.send("PUT", f"{base}/up", {"content-length": "8"}, stalled())
        )
        await asyncio.sleep(0.1)
        response = await client.send("POST", f"{base}/b", {}, b"posted")  # not after 2 s: busy
        assert await response.aread() == b"ok:posted"
        go_on.set()
        assert await (await upload).aread() == b"ok:streamed"

    with_server(recorder, work, max_connections=2)
    assert [b"/b posted"] in recorder.connections and [] in recorder.connections


def test_a_spare_the_upstream_closed_is_replaced_for_a_repeatable_request() -> None:
    recorder = Recorder(close=True)

    async def work(client: UpstreamClient, base: str) -> None:
        response = await client.send("GET", f"{base}/a", {}, None)
        assert await response.aread() == b"ok:"
        await spare_opened(client)
        (spare,) = next(iter(client._pools.values()))._idle
        assert spare.is_spare
        spare.transport.abort()  # dead, though it still looks usable when taken
        spare.is_reusable = lambda: True
        response = await client.send("GET", f"{base}/b", {}, None)
        assert await response.aread() == b"ok:"

    with_server(recorder, work)
    assert [requests for requests in recorder.connections if requests] == [[b"/a "], [b"/b "]]


def test_a_body_whose_check_fails_never_completes_its_request() -> None:
    recorder = Recorder()

    async def forged() -> AsyncIterator[bytes]:
        yield b"first half "
        raise ValueError("the check failed")

    async def work(client: UpstreamClient, base: str) -> None:
        with pytest.raises(ValueError):
            await client.send("PUT", f"{base}/b/k", {"content-length": "20"}, forged())
        await asyncio.sleep(0.2)  # the server sees the connection end

    with_server(recorder, work)
    assert recorder.connections == [[b"<incomplete>"]]


def test_an_unreachable_upstream_is_an_upstream_error() -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]

    async def main() -> None:
        with pytest.raises(UpstreamError):
            await UpstreamClient().send("GET", f"http://127.0.0.1:{port}/", {}, None)

    asyncio.run(main())


def test_an_unread_response_closes_its_connection_rather_than_reuse_it() -> None:
    recorder = Recorder()

    async def work(client: UpstreamClient, base: str) -> None:
        response = await client.send("GET", f"{base}/a", {}, None)
        await response.aclose()  # the body never read: the connection cannot be trusted
        response = await client.send("GET", f"{base}/b", {}, None)
        assert await response.aread() == b"ok:"

    with_server(recorder, work)
    assert len(recorder.connections) == 2


def test_a_kept_alive_connection_the_upstream_dropped_is_replaced_for_a_repeatable_request() -> (
    None
):
    recorder = Recorder()

    async def work(client: UpstreamClient, base: str) -> None:
        response = await client.send("GET", f"{base}/a", {}, None)
        assert await response.aread() == b"ok:"
        (idle,) = next(iter(client._pools.values()))._idle
        idle.transport.abort()  # as if the upstream had timed the connection out
        idle.wire.eof_received()
        response = await client.send("PUT", f"{base}/b", {}, b"again")
        assert await response.aread() == b"ok:again"

    with_server(recorder, work)
    assert [requests[:1] for requests in recorder.connections] == [[b"/a "], [b"/b again"]]


def test_an_answer_sent_before_the_whole_body_is_read_is_the_answer() -> None:
    async def refuse(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 7\r\n\r\ntoo big")
        await writer.drain()
        while await reader.read(65536):  # a lingering close: the rest is read and dropped
            pass
        writer.close()

    async def endless() -> AsyncIterator[bytes]:
        for _ in range(64):
            yield b"x" * 65536
            await asyncio.sleep(0)

    async def main() -> None:
        server = await asyncio.start_server(refuse, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        client = UpstreamClient(connect_timeout=5, read_timeout=5)
        response = await client.send(
            "PUT", f"http://127.0.0.1:{port}/b/k", {"content-length": str(64 * 65536)}, endless()
        )
        assert (response.status_code, await response.aread()) == (400, b"too big")
        server.close()

    asyncio.run(main())


def test_an_https_upstream_is_reached_over_verified_tls(tls_gateway: Any) -> None:
    trusted = ssl.create_default_context(cafile=str(tls_gateway.certificate))

    async def main() -> None:
        client = UpstreamClient(tls=trusted)
        response = await client.send("GET", f"{tls_gateway.endpoint}/_iamd/health", {}, None)
        assert (response.status_code, await response.aread()) == (200, b"ok")
        await client.aclose()
        with pytest.raises(UpstreamError):  # a certificate nothing vouches for
            await UpstreamClient().send("GET", f"{tls_gateway.endpoint}/_iamd/health", {}, None)

    asyncio.run(main())
