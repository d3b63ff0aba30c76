"""Bodies held to their signed claim: nothing past a forged byte, not even the last piece."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator

import pytest

from iamd.gateway.body import Sha256Check, UnsignedCheck, read_all, verified
from iamd.gateway.s3_errors import S3Error


async def pieces(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


async def collect(stream: AsyncIterator[bytes]) -> list[bytes]:
    released = []
    try:
        async for piece in stream:
            released.append(piece)
    except S3Error as error:
        released.append(error.code.encode())
    return released


def test_a_matching_body_is_released_whole() -> None:
    check = Sha256Check(hashlib.sha256(b"abcdef").hexdigest())
    released = asyncio.run(collect(verified(pieces(b"ab", b"cd", b"ef", b""), check)))
    assert released == [b"ab", b"cd", b"ef"]


def test_a_forged_body_never_releases_its_last_piece_even_after_an_empty_read() -> None:
    check = Sha256Check(hashlib.sha256(b"abcdef").hexdigest())
    released = asyncio.run(collect(verified(pieces(b"ab", b"cd", b"eX", b""), check)))
    assert released == [b"ab", b"cd", b"XAmzContentSHA256Mismatch"]


def test_read_all_stops_at_its_limit() -> None:
    with pytest.raises(S3Error) as caught:
        asyncio.run(read_all(pieces(b"x" * 10, b"y" * 10), UnsignedCheck(), 15))
    assert caught.value.code == "MaxMessageLengthExceeded"
