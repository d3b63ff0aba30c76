"""A connection's small writes in one turn of the event loop, sent as one.

uvicorn writes a response's head as soon as the app sends it, then the body as a
second write: two ``send`` calls, two trips through the kernel's TCP stack, and
(on loopback) two wake-ups of the client for one small answer. `CoalescedWrites`
stands between uvicorn and the socket's transport: a write is held until the end of
the loop's turn (`asyncio.loop.call_soon`), and whatever else the turn writes joins
it, so the head and body the app sends one after the other leave together.
The protocol sends what is held as soon as a response is complete (rather than
behind whatever else the turn scheduled), and when the client's end closes (the
transport closes itself then), so an answer written just before that still leaves.

What is held never grows past `HOLD_AT_MOST` bytes (a larger write goes out at once,
after what is held), so a streamed body still meets the transport's flow control as
it did; closing sends what is held first; aborting drops it, as an abort drops the
transport's own buffer.
"""

from __future__ import annotations

import asyncio
from typing import Any

HOLD_AT_MOST = 64 * 1024


class CoalescedWrites:
    """A transport whose writes in one turn of the event loop go out as one."""

    def __init__(self, transport: asyncio.WriteTransport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._held: list[bytes] = []
        self._held_size = 0

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not data:
            return
        if not self._held:
            self._loop.call_soon(self.send_held)
        self._held.append(bytes(data))
        self._held_size += len(data)
        if self._held_size >= HOLD_AT_MOST:
            self.send_held()

    def writelines(self, pieces: Any) -> None:
        for piece in pieces:
            self.write(piece)

    def write_eof(self) -> None:
        self.send_held()  # the end of what is written follows it, never comes before
        self._transport.write_eof()

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + self._held_size

    def close(self) -> None:
        self.send_held()
        self._transport.close()

    def abort(self) -> None:
        self._held.clear()
        self._held_size = 0
        self._transport.abort()

    def send_held(self) -> None:
        if not self._held:
            return
        data = self._held[0] if len(self._held) == 1 else b"".join(self._held)
        self._held.clear()
        self._held_size = 0
        if not self._transport.is_closing():
            self._transport.write(data)

    def __getattr__(self, name: str) -> Any:
        # Everything else (reading's pause and resume, extra info, is_closing) is the
        # transport's own.
        return getattr(self._transport, name)
