"""The HTTP/1.1 client the S3 gateway forwards with: h11 over asyncio Protocols, pooled.

Why not httpx: measured against moto's S3 server (bench/gateway_profile.py), its async
stack — httpcore over anyio, with a cancel scope around every read and write — cost a
small GET several times the request's own time, most of the gateway's added latency.
Nor asyncio's streams, for the same reason on a smaller scale: the socket's bytes come
through `upstream_wire`'s Protocol callbacks. This client does only what a forward
needs: one request on a kept-alive connection (or a new one, TCP or TLS), its body
sent as it is produced, the response streamed.

In: the method, an absolute URL as the gateway built it (sent as it is, never
re-encoded), headers and a body (bytes, an async iterator of bytes, or none). Out: an
`UpstreamResponse`; the connection goes back to the pool when its exchange ended
cleanly, and is closed otherwise. A body whose iterator raises (a failed check) is
never completed: its connection is closed mid-request, so the upstream drops it.

At most ``max_connections`` are open to one origin (`upstream_pool`); a request past
that waits up to ``pool_wait`` seconds for one, then fails with `UpstreamBusy`.

An upstream that closes the connection after each answer (moto's S3 server) would
make every forward wait for a connect. So when one does, after an exchange that
ended cleanly, a spare connection to it is opened in the background for the next
forward, and when a forward takes that spare, the next one connects at once, while
the upstream works on the answer, rather than after it: only ever for a forwarded
request — one the gateway allowed — so no refused request causes even a connect to
the upstream. A spare goes only to a request that may be sent twice; if the upstream
closed it meanwhile, the request is sent again on a new connection, as on any
kept-alive one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import ssl
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import h11

from iamd.gateway.upstream_pool import OriginPool, UpstreamBusy
from iamd.gateway.upstream_wire import Wire

__all__ = ["UpstreamBusy", "UpstreamClient", "UpstreamError", "UpstreamResponse"]

log = logging.getLogger("iamd.gateway")

MAX_IDLE_PER_ORIGIN = 32
DEFAULT_MAX_CONNECTIONS = 100
DEFAULT_POOL_WAIT = 10.0
_READ_BYTES = 65536
_HELD_BYTES = _READ_BYTES * 8  # received and not yet taken, before the socket is not read


class UpstreamError(Exception):
    """The upstream could not be reached, broke off, or did not speak HTTP/1.1."""


@dataclass(frozen=True)
class _Origin:
    scheme: str
    host: str
    port: int


class _Connection:
    def __init__(
        self,
        transport: asyncio.Transport,
        wire: Wire,
        origin: _Origin,
        pool: OriginPool[_Connection],
        *,
        is_spare: bool = False,
    ):
        self.transport = transport
        self.wire = wire
        self.protocol = h11.Connection(h11.CLIENT)
        self.loop = wire.loop
        self.origin = origin
        self.pool = pool
        self.is_spare = is_spare
        self._is_closed = False

    def is_reusable(self) -> bool:
        return (
            self.loop is asyncio.get_running_loop()
            and not self.wire.at_end()
            and not self.transport.is_closing()
        )

    def close(self) -> None:
        """Close the socket and give its place in the pool on (once, however often called)."""
        if self._is_closed:
            return
        self._is_closed = True
        try:
            if self.loop is _running_loop():
                self._close_here()
            else:  # a transport is closed by its own loop
                self.loop.call_soon_threadsafe(self._close_here)
        except RuntimeError:  # its loop has ended: the upstream is told the socket is done
            with contextlib.suppress(OSError):
                self.transport.get_extra_info("socket").shutdown(socket.SHUT_RDWR)
            self.pool.discard()

    def _close_here(self) -> None:
        """On its loop: the socket closes at the loop's next turn, and only then (the
        callbacks run in order) does its place go on, so the cap holds at every moment."""
        self.transport.abort()
        self.loop.call_soon(self.pool.discard)


class UpstreamResponse:
    """The upstream's answer: status and headers read, the body still to come."""

    def __init__(self, client: UpstreamClient, connection: _Connection, head: h11.Response) -> None:
        self.status_code = head.status_code
        self.headers: dict[str, str] = {}
        for raw_name, raw_value in head.headers:
            name, value = raw_name.decode("latin-1"), raw_value.decode("latin-1")
            self.headers[name] = f"{self.headers[name]}, {value}" if name in self.headers else value
        self._client = client
        self._connection: _Connection | None = connection

    async def aiter_raw(self) -> AsyncIterator[bytes]:
        """The body's bytes as they arrive (transfer coding undone, content coding kept)."""
        connection = self._connection
        if connection is None:
            return
        while True:
            event = await self._client.next_event(connection)
            if isinstance(event, h11.Data):
                yield bytes(event.data)
            elif isinstance(event, h11.EndOfMessage):
                self._release(connection)
                return
            else:
                raise UpstreamError(f"unexpected {type(event).__name__} in a response body")

    async def aread(self) -> bytes:
        return b"".join([piece async for piece in self.aiter_raw()])

    async def aclose(self) -> None:
        """Give the connection back if the body was read to its end; else close it."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _release(self, connection: _Connection) -> None:
        self._connection = None
        self._client.release(connection)


class UpstreamClient:
    """Connections to the upstream, kept alive between requests when it allows."""

    def __init__(
        self,
        *,
        connect_timeout: float = 10.0,
        read_timeout: float = 60.0,
        tls: ssl.SSLContext | None = None,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        pool_wait: float = DEFAULT_POOL_WAIT,
    ) -> None:
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._max_connections = max_connections
        self._pool_wait = pool_wait
        self._pools: dict[_Origin, OriginPool[_Connection]] = {}
        self._tls = tls or ssl.create_default_context()  # the system's trusted CAs
        self._spares: set[asyncio.Task[None]] = set()  # held: a loop keeps tasks weakly

    async def send(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes | AsyncIterator[bytes] | None,
    ) -> UpstreamResponse:
        parts = urlsplit(url)
        origin = _origin_of(parts.scheme, parts.hostname or "", parts.port)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            request = h11.Request(
                method=method, target=target, headers=_head(parts.netloc, headers, body)
            )
        except h11.ProtocolError as error:  # a header h11 will not send
            raise UpstreamError(str(error)) from error
        # Sent twice, when the first connection turns out closed, only if the body can be
        # sent again (a stream cannot) and sending twice changes nothing (not POST).
        can_repeat = method != "POST" and (body is None or isinstance(body, bytes))
        connection, was_idle = await self._connection_to(origin, take_spare=can_repeat)
        try:
            head = await self._exchange(connection, request, body)
        except UpstreamError:
            # A kept-alive connection or a spare the upstream closed meanwhile.
            if not was_idle or not can_repeat:
                raise
            connection, _ = await self._connection_to(origin, reuse=False)
            head = await self._exchange(connection, request, body)
        return UpstreamResponse(self, connection, head)

    async def _exchange(
        self,
        connection: _Connection,
        request: h11.Request,
        body: bytes | AsyncIterator[bytes] | None,
    ) -> h11.Response:
        """Send the request and read its answer's head; close the connection if either fails."""
        try:
            await self._send(connection, request, body)
            return await self._response_head(connection)
        except BaseException:
            connection.close()
            raise

    async def next_event(self, connection: _Connection) -> h11.Event:
        protocol = connection.protocol
        while True:
            try:
                event = protocol.next_event()
            except h11.ProtocolError as error:
                raise UpstreamError(str(error)) from error
            if isinstance(event, h11.Event):
                return event
            if event is h11.PAUSED:
                raise UpstreamError("the upstream sent more than one response")
            try:
                data = await connection.wire.read(_READ_BYTES, self._read_timeout)
            except (OSError, TimeoutError) as error:
                raise UpstreamError(f"reading from the upstream failed: {error!r}") from error
            protocol.receive_data(data)

    def release(self, connection: _Connection) -> None:
        protocol = connection.protocol
        if protocol.our_state is h11.DONE and protocol.their_state is h11.DONE:
            protocol.start_next_cycle()
            connection.pool.give_back(connection)
        else:  # the upstream closes after each answer: the next forward's connection, now
            connection.close()
            self._open_spare(connection.origin, connection.pool)

    def _open_spare(self, origin: _Origin, pool: OriginPool[_Connection]) -> None:
        loop = asyncio.get_running_loop()
        if not pool.reserve_spare(loop):
            return
        task = loop.create_task(self._connect_spare(origin, pool))
        self._spares.add(task)
        task.add_done_callback(self._spares.discard)

    async def _connect_spare(self, origin: _Origin, pool: OriginPool[_Connection]) -> None:
        loop = asyncio.get_running_loop()
        spare = None
        try:
            spare = await self._connect(origin, pool, is_spare=True)
        except UpstreamError:  # the next forward connects itself, and reports what fails
            log.debug("a spare connection to the upstream failed", exc_info=True)
        finally:
            pool.spare_opened(loop, spare)

    def open_connections(self, url: str) -> int:
        """How many connections to ``url``'s origin are open (or opening) now."""
        parts = urlsplit(url)
        pool = self._pools.get(_origin_of(parts.scheme, parts.hostname or "", parts.port))
        return pool.open_count if pool is not None else 0

    async def aclose(self) -> None:
        loop = asyncio.get_running_loop()
        for task in [task for task in self._spares if task.get_loop() is loop]:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for pool in list(self._pools.values()):
            pool.close_idle()

    def _pool_for(self, origin: _Origin) -> OriginPool[_Connection]:
        pool = self._pools.get(origin)
        if pool is None:
            fresh = OriginPool[_Connection](
                self._max_connections, max_idle=MAX_IDLE_PER_ORIGIN, wait_seconds=self._pool_wait
            )
            pool = self._pools.setdefault(origin, fresh)  # atomic: one pool per origin
        return pool

    async def _connection_to(
        self, origin: _Origin, *, reuse: bool = True, take_spare: bool = True
    ) -> tuple[_Connection, bool]:
        """A connection to ``origin``, and whether it is a kept-alive one or a spare."""
        pool = self._pool_for(origin)
        idle = await pool.acquire(reuse=reuse, take_spare=take_spare)
        if idle is not None:
            if idle.is_spare:
                # A spare means the upstream closes after each answer: the next one
                # connects while this request's answer is awaited, not after it.
                idle.is_spare = False
                self._open_spare(origin, pool)
            return idle, True
        try:
            return await self._connect(origin, pool), False
        except BaseException:
            pool.discard()  # its place, counted when granted, goes on
            raise

    async def _connect(
        self, origin: _Origin, pool: OriginPool[_Connection], *, is_spare: bool = False
    ) -> _Connection:
        """A new connection (its place in ``pool`` already counted)."""
        tls = self._tls if origin.scheme == "https" else None
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(self._connect_timeout):
                transport, wire = await loop.create_connection(
                    lambda: Wire(loop, limit=_HELD_BYTES, over_tls=tls is not None),
                    origin.host,
                    origin.port,
                    ssl=tls,
                )
        except (OSError, TimeoutError) as error:
            raise UpstreamError(f"connecting to the upstream failed: {error!r}") from error
        return _Connection(transport, wire, origin, pool, is_spare=is_spare)

    async def _send(
        self,
        connection: _Connection,
        request: h11.Request,
        body: bytes | AsyncIterator[bytes] | None,
    ) -> None:
        protocol, transport, wire = connection.protocol, connection.transport, connection.wire
        try:
            transport.write(protocol.send(request))
            if isinstance(body, bytes):
                transport.write(protocol.send(h11.Data(data=body)))
            elif body is not None:
                async for piece in body:
                    transport.write(protocol.send(h11.Data(data=piece)))
                    await wire.drain()
            transport.write(protocol.send(h11.EndOfMessage()))
            await wire.drain()
        except h11.ProtocolError as error:
            raise UpstreamError(str(error)) from error
        except OSError:
            # The upstream stopped reading: it may have answered already (an error before
            # the whole body, as S3 does), so its answer is read; if none came, that fails.
            pass

    async def _response_head(self, connection: _Connection) -> h11.Response:
        while True:
            event = await self.next_event(connection)
            if isinstance(event, h11.Response):
                return event
            if not isinstance(event, h11.InformationalResponse):
                raise UpstreamError(f"unexpected {type(event).__name__} before a response")


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _origin_of(scheme: str, host: str, port: int | None) -> _Origin:
    if scheme not in ("http", "https") or not host:
        raise UpstreamError(f"not an HTTP URL: {scheme}://{host}")
    return _Origin(scheme, host, port or (443 if scheme == "https" else 80))


def _head(
    netloc: str, headers: Mapping[str, str], body: bytes | AsyncIterator[bytes] | None
) -> list[tuple[str, str]]:
    """The request's headers with its Host, and a framing for a body of unknown length."""
    head = [("host", netloc), *headers.items()]
    names = {name.lower() for name in headers}
    if isinstance(body, bytes) and "content-length" not in names:
        head.append(("content-length", str(len(body))))
    elif body is not None and "content-length" not in names:
        head.append(("transfer-encoding", "chunked"))
    return head
