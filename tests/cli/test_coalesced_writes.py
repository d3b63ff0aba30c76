"""A connection's writes in one turn of the event loop leave as one send; nothing held
is lost or reordered, whether the server closes, the client's end closes, or a large
body streams."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

from iamd.cli.coalesced_writes import HOLD_AT_MOST, CoalescedWrites


class Recorder(asyncio.Protocol):
    def __init__(self) -> None:
        self.received: list[bytes] = []
        self.closed = asyncio.Event()

    def data_received(self, data: bytes) -> None:
        self.received.append(data)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed.set()


class CountingTransport:
    """The real transport, counting the writes that reach it."""

    def __init__(self, transport: Any) -> None:
        self.transport = transport
        self.writes: list[int] = []

    def write(self, data: bytes) -> None:
        self.writes.append(len(data))
        self.transport.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.transport, name)


async def _pair() -> tuple[CountingTransport, asyncio.StreamReader, Any]:
    """A server-side transport (counted) and the client's reader, over a real socket."""
    loop = asyncio.get_running_loop()
    ours, theirs = socket.socketpair()
    transport, _ = await loop.connect_accepted_socket(asyncio.Protocol, ours)
    reader, writer = await asyncio.open_connection(sock=theirs)
    return CountingTransport(transport), reader, writer


def test_a_head_and_body_written_in_one_turn_leave_as_one_send() -> None:
    async def scenario() -> None:
        counted, reader, writer = await _pair()
        coalesced = CoalescedWrites(counted, asyncio.get_running_loop())  # type: ignore[arg-type]
        coalesced.write(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n")
        coalesced.write(b"hello")
        coalesced.write(b"")
        assert counted.writes == []  # held until the turn ends
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        assert counted.writes == [43]
        coalesced.write(bytearray(b"again"))
        coalesced.close()  # sends what is held, then closes
        assert counted.writes == [43, 5]
        assert await reader.read() == b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloagain"
        writer.close()

    asyncio.run(scenario())


def test_a_large_write_goes_out_at_once_after_what_is_held() -> None:
    async def scenario() -> None:
        counted, reader, writer = await _pair()
        coalesced = CoalescedWrites(counted, asyncio.get_running_loop())  # type: ignore[arg-type]
        big = b"b" * HOLD_AT_MOST
        coalesced.write(b"head")
        coalesced.write(big)
        assert counted.writes == [4 + HOLD_AT_MOST]  # not held for the turn
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        assert counted.writes == [4 + HOLD_AT_MOST]  # and not sent twice
        coalesced.close()
        assert await reader.read() == b"head" + big
        writer.close()

    asyncio.run(scenario())


def test_an_abort_drops_what_is_held_as_the_transport_drops_its_buffer() -> None:
    async def scenario() -> None:
        counted, reader, writer = await _pair()
        coalesced = CoalescedWrites(counted, asyncio.get_running_loop())  # type: ignore[arg-type]
        coalesced.write(b"never sent")
        coalesced.abort()
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        assert counted.writes == []
        assert await reader.read() == b""
        writer.close()

    asyncio.run(scenario())


def test_every_way_of_writing_keeps_the_order_of_the_bytes() -> None:
    async def scenario() -> None:
        counted, reader, writer = await _pair()
        coalesced = CoalescedWrites(counted, asyncio.get_running_loop())  # type: ignore[arg-type]
        coalesced.write(b"one ")
        coalesced.writelines([b"two ", memoryview(b"three ")])
        assert coalesced.get_write_buffer_size() == len(b"one two three ")
        coalesced.write_eof()  # after what is held, not before it
        assert await reader.read() == b"one two three "
        coalesced.close()
        writer.close()

    asyncio.run(scenario())
