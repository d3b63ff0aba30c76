"""The HTTP/1.1 client the S3 gateway forwards with: h11 over asyncio streams, pooled.

Why not httpx: measured against moto's S3 server (bench/gateway_profile.py), its async
stack — httpcore over anyio, with a cancel scope around every read and write — cost a
small GET several times the request's own time, most of the gateway's added latency.
This client does only what a forward needs: one request on a kept-alive connection
(or a new one, TCP or TLS), its body sent as it is produced, the response streamed.

In: the method, an absolute URL as the gateway built it (sent as it is, never
re-encoded), headers and a body (bytes, an async iterator of bytes, or none). Out: an
`UpstreamResponse`; the connection goes back to the pool when its exchange ended
cleanly, and is closed otherwise. A body whose iterator raises (a failed check) is
never completed: its connection is closed mid-request, so the upstream drops it.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import h11

MAX_IDLE_PER_ORIGIN = 32
_READ_BYTES = 65536


class UpstreamError(Exception):
    """The upstream could not be reached, broke off, or did not speak HTTP/1.1."""


@dataclass(frozen=True)
class _Origin:
    scheme: str
    host: str
    port: int


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.protocol = h11.Connection(h11.CLIENT)
        self.loop = asyncio.get_running_loop()

    def is_reusable(self) -> bool:
        return (
            self.loop is asyncio.get_running_loop()
            and not self.reader.at_eof()
            and not self.writer.is_closing()
        )

    def close(self) -> None:
        self.writer.close()


class UpstreamResponse:
    """The upstream's answer: status and headers read, the body still to come."""

    def __init__(
        self, client: UpstreamClient, origin: _Origin, connection: _Connection, head: h11.Response
    ) -> None:
        self.status_code = head.status_code
        self.headers: dict[str, str] = {}
        for raw_name, raw_value in head.headers:
            name, value = raw_name.decode("latin-1"), raw_value.decode("latin-1")
            self.headers[name] = f"{self.headers[name]}, {value}" if name in self.headers else value
        self._client = client
        self._origin = origin
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
        self._client.release(self._origin, connection)


class UpstreamClient:
    """Connections to the upstream, kept alive between requests when it allows."""

    def __init__(
        self,
        *,
        connect_timeout: float = 10.0,
        read_timeout: float = 60.0,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._idle: dict[_Origin, list[_Connection]] = {}
        self._tls = tls or ssl.create_default_context()  # the system's trusted CAs

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
        connection, was_idle = await self._connection_to(origin)
        try:
            head = await self._exchange(connection, request, body)
        except UpstreamError:
            # A kept-alive connection the upstream closed meanwhile: once more on a new
            # one, when the body can be sent again (a stream cannot) and sending twice
            # changes nothing (not POST).
            can_repeat = method != "POST" and (body is None or isinstance(body, bytes))
            if not was_idle or not can_repeat:
                raise
            connection, _ = await self._connection_to(origin, reuse=False)
            head = await self._exchange(connection, request, body)
        return UpstreamResponse(self, origin, connection, head)

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
                async with asyncio.timeout(self._read_timeout):
                    data = await connection.reader.read(_READ_BYTES)
            except (OSError, TimeoutError) as error:
                raise UpstreamError(f"reading from the upstream failed: {error!r}") from error
            protocol.receive_data(data)

    def release(self, origin: _Origin, connection: _Connection) -> None:
        protocol = connection.protocol
        if protocol.our_state is h11.DONE and protocol.their_state is h11.DONE:
            protocol.start_next_cycle()
            idle = self._idle.setdefault(origin, [])
            if len(idle) < MAX_IDLE_PER_ORIGIN:
                idle.append(connection)
                return
        connection.close()

    async def aclose(self) -> None:
        for idle in self._idle.values():
            for connection in idle:
                connection.close()
        self._idle.clear()

    async def _connection_to(
        self, origin: _Origin, *, reuse: bool = True
    ) -> tuple[_Connection, bool]:
        """A connection to ``origin``, and whether it is a kept-alive one."""
        idle = self._idle.get(origin, []) if reuse else []
        while idle:
            connection = idle.pop()
            if connection.is_reusable():
                return connection, True
            connection.close()
        tls = self._tls if origin.scheme == "https" else None
        try:
            async with asyncio.timeout(self._connect_timeout):
                reader, writer = await asyncio.open_connection(
                    origin.host, origin.port, ssl=tls, limit=_READ_BYTES * 4
                )
        except (OSError, TimeoutError) as error:
            raise UpstreamError(f"connecting to the upstream failed: {error!r}") from error
        return _Connection(reader, writer), False

    async def _send(
        self,
        connection: _Connection,
        request: h11.Request,
        body: bytes | AsyncIterator[bytes] | None,
    ) -> None:
        protocol, writer = connection.protocol, connection.writer
        try:
            writer.write(protocol.send(request))
            if isinstance(body, bytes):
                writer.write(protocol.send(h11.Data(data=body)))
            elif body is not None:
                async for piece in body:
                    writer.write(protocol.send(h11.Data(data=piece)))
                    await writer.drain()
            writer.write(protocol.send(h11.EndOfMessage()))
            await writer.drain()
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
