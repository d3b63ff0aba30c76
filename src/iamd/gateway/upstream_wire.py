"""One upstream socket's bytes, on asyncio's Protocol callbacks rather than its streams.

Why not `asyncio.open_connection`: measured against moto's S3 server, a small GET over
streams (a StreamReader, a StreamWriter, and an `asyncio.timeout` around each read)
cost the gateway about twice the CPU time of `http.client` for the same exchange. This
keeps only what the forwarding client uses: the bytes received, up to a limit past
which the socket is not read until they are taken (a slow client holds no more than
that of a download); room to write, waited for when the kernel's buffer is full; the
upstream's end of the stream; and a read timeout, armed only while a read waits.

In: the transport's callbacks. Out: `read` (at most ``max_read`` bytes, b"" at the
end, `TimeoutError` past the timeout, or the error the socket broke with) and `drain`
(`ConnectionResetError` once the socket is gone), as `asyncio.StreamReader.read` and
`asyncio.StreamWriter.drain` behave.
"""

from __future__ import annotations

import asyncio
from typing import cast


class Wire(asyncio.Protocol):
    def __init__(self, loop: asyncio.AbstractEventLoop, *, limit: int, over_tls: bool) -> None:
        self.loop = loop
        self.transport: asyncio.Transport | None = None
        self._limit = limit
        self._over_tls = over_tls
        self._received = bytearray()
        self._at_end = False
        self._broken: BaseException | None = None  # the error the socket closed with
        self._lost = False
        self._reading_paused = False
        self._read_waiter: asyncio.Future[None] | None = None
        self._write_waiter: asyncio.Future[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # A stream connection's transport: uvloop's is one without subclassing it.
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self._received += data
        if len(self._received) > self._limit and not self._reading_paused:
            assert self.transport is not None
            self._reading_paused = True
            self.transport.pause_reading()
        self._wake_reader()

    def eof_received(self) -> bool:
        self._at_end = True
        self._wake_reader()
        # Half-open, as a stream keeps it: a body still being sent can go on until the
        # upstream's answer is read. TLS cannot be half-open.
        return not self._over_tls

    def connection_lost(self, exc: Exception | None) -> None:
        self._lost = True
        self._at_end = True
        self._broken = exc
        self._wake_reader()
        self.resume_writing()  # a drain waiting finds the socket gone

    def pause_writing(self) -> None:
        if self._write_waiter is None:
            self._write_waiter = self.loop.create_future()

    def resume_writing(self) -> None:
        waiter, self._write_waiter = self._write_waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def at_end(self) -> bool:
        """The upstream ended its stream (or the socket closed) and every byte was read."""
        return self._at_end and not self._received

    async def read(self, max_read: int, timeout: float) -> bytes:
        if not self._received and not self._at_end:
            waiter = self._read_waiter = self.loop.create_future()
            timer = self.loop.call_later(timeout, _time_out, waiter)
            try:
                await waiter
            finally:
                timer.cancel()
                self._read_waiter = None
        if self._broken is not None:
            raise self._broken
        if not self._received:
            return b""
        data = bytes(self._received[:max_read])
        del self._received[:max_read]
        if self._reading_paused and len(self._received) <= self._limit:
            assert self.transport is not None
            self._reading_paused = False
            self.transport.resume_reading()
        return data

    async def drain(self) -> None:
        assert self.transport is not None
        if self.transport.is_closing():  # a failed write: its connection_lost runs first
            await asyncio.sleep(0)
        waiter = self._write_waiter
        if waiter is not None:
            await waiter
        if self._lost:
            raise ConnectionResetError("Connection lost")

    def _wake_reader(self) -> None:
        waiter = self._read_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)


def _time_out(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError())
