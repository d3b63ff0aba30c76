"""``aws-chunked`` bodies with chunk signatures, verified as they stream.

A body sent as ``STREAMING-AWS4-HMAC-SHA256-PAYLOAD`` (S3 API Reference, "Transferring
payload in multiple chunks") is a series of ``<hex size>;chunk-signature=<sig>\\r\\n
<data>\\r\\n`` ending with a chunk of size 0. Each chunk's signature is an HMAC, under
the request's signing key, over its data's hash and the previous signature — the first
chained to the request's own (the seed) — so no chunk can be swapped, dropped,
reordered or appended.

In: bytes as they arrive (`feed`). Out: only the data of chunks whose signature has
been checked; `finish` raises unless the final chunk came and the decoded length is
the one declared. A chunk is never released before its signature matches, and none may
be larger than `MAX_CHUNK_BYTES`, so memory stays bounded whatever the body's size.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import datetime

from iamd.auth.sigv4 import signature
from iamd.auth.sigv4_parse import TERMINATOR, amz_date
from iamd.errors import SignatureDoesNotMatch

CHUNK_ALGORITHM = "AWS4-HMAC-SHA256-PAYLOAD"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
MAX_CHUNK_BYTES = 16 * 1024 * 1024
_MAX_HEADER_BYTES = 4096
_HEADER = re.compile(rb"([0-9a-fA-F]{1,8});chunk-signature=([0-9a-f]{64})", re.ASCII)


class ChunkFormatError(ValueError):
    """The body is not well-formed aws-chunked data (or says more than it carries)."""


class SignedChunks:
    """An incremental aws-chunked decoder that releases only verified chunk data."""

    def __init__(
        self,
        key: bytes,
        *,
        request_time: datetime,
        scope: str,
        seed_signature: str,
        decoded_length: int,
    ) -> None:
        self._key = key
        self._prefix = f"{CHUNK_ALGORITHM}\n{amz_date(request_time)}\n{scope}\n"
        self._previous = seed_signature
        self._expected_length = decoded_length
        self._released = 0
        self._buffer = bytearray()
        self._is_done = False

    @staticmethod
    def scope_of(scope_date: str, region: str, service: str) -> str:
        return f"{scope_date}/{region}/{service}/{TERMINATOR}"

    def feed(self, data: bytes) -> list[bytes]:
        """Take more of the body; return the data of every chunk now complete and verified."""
        if self._is_done and data:
            raise ChunkFormatError("data after the final chunk")
        self._buffer += data
        released: list[bytes] = []
        while not self._is_done:
            chunk = self._next_chunk()
            if chunk is None:
                break
            if chunk:
                released.append(chunk)
        return released

    def finish(self) -> None:
        """Raise unless the final chunk arrived and the data was as long as declared."""
        if not self._is_done or self._buffer:
            raise ChunkFormatError("the body ended before its final chunk")

    def _next_chunk(self) -> bytes | None:
        end_of_header = self._buffer.find(b"\r\n")
        if end_of_header < 0:
            if len(self._buffer) > _MAX_HEADER_BYTES:
                raise ChunkFormatError("a chunk header is too long")
            return None
        match = _HEADER.fullmatch(bytes(self._buffer[:end_of_header]))
        if match is None:
            raise ChunkFormatError("a chunk header is malformed")
        size = int(match.group(1), 16)
        if size > MAX_CHUNK_BYTES:
            raise ChunkFormatError("a chunk is larger than allowed")
        start = end_of_header + 2
        if len(self._buffer) < start + size + 2:
            return None
        data = bytes(self._buffer[start : start + size])
        if self._buffer[start + size : start + size + 2] != b"\r\n":
            raise ChunkFormatError("a chunk's data does not end where its size says")
        del self._buffer[: start + size + 2]
        self._check(data, match.group(2).decode("ascii"))
        return data

    def _check(self, data: bytes, provided: str) -> None:
        text = f"{self._prefix}{self._previous}\n{EMPTY_SHA256}\n{hashlib.sha256(data).hexdigest()}"
        expected = signature(self._key, text)
        if not hmac.compare_digest(expected, provided):
            raise SignatureDoesNotMatch("The chunk signature does not match.")
        self._previous = expected
        self._released += len(data)
        if self._released > self._expected_length:
            raise ChunkFormatError("the chunks carry more data than declared")
        if not data:
            if self._released != self._expected_length:
                raise ChunkFormatError("the chunks carry less data than declared")
            self._is_done = True


_PLAIN_HEADER = re.compile(rb"[0-9a-fA-F]{1,8}", re.ASCII)
_TRAILER = re.compile(rb"([A-Za-z0-9-]{1,64}):([A-Za-z0-9+/=]{1,128})", re.ASCII)
_MAX_TRAILERS = 4


class TrailerChunks:
    """aws-chunked data without chunk signatures, ending in trailer headers.

    ``STREAMING-UNSIGNED-PAYLOAD-TRAILER`` (what current SDKs send over HTTPS): the data
    is not signed at all, only checksummed, the checksum coming after the data as a
    trailer (``x-amz-checksum-crc32:…``). This decoder releases data as chunks complete
    and keeps the trailers for the caller to check the checksum against; `finish`
    raises unless the final chunk, the trailers and the declared length all came.
    """

    def __init__(self, *, decoded_length: int) -> None:
        self._expected_length = decoded_length
        self._released = 0
        self._buffer = bytearray()
        self._in_trailers = False
        self._is_done = False
        self.trailers: dict[str, str] = {}

    def feed(self, data: bytes) -> list[bytes]:
        if self._is_done and data:
            raise ChunkFormatError("data after the trailers")
        self._buffer += data
        released: list[bytes] = []
        while not self._is_done:
            line_end = self._buffer.find(b"\r\n")
            if line_end < 0:
                if len(self._buffer) > _MAX_HEADER_BYTES:
                    raise ChunkFormatError("a chunk header is too long")
                break
            line = bytes(self._buffer[:line_end])
            if self._in_trailers:
                del self._buffer[: line_end + 2]
                self._trailer(line)
                continue
            chunk = self._chunk(line, line_end)
            if chunk is None:
                break
            released.append(chunk)
        return [chunk for chunk in released if chunk]

    def finish(self) -> None:
        if not self._is_done or self._buffer:
            raise ChunkFormatError("the body ended before its trailers")

    def _chunk(self, line: bytes, line_end: int) -> bytes | None:
        if _PLAIN_HEADER.fullmatch(line) is None:
            raise ChunkFormatError("a chunk header is malformed")
        size = int(line, 16)
        if size == 0:
            del self._buffer[: line_end + 2]
            if self._released != self._expected_length:
                raise ChunkFormatError("the chunks carry less data than declared")
            self._in_trailers = True
            return b""
        if size > MAX_CHUNK_BYTES:
            raise ChunkFormatError("a chunk is larger than allowed")
        start = line_end + 2
        if len(self._buffer) < start + size + 2:
            return None
        if self._buffer[start + size : start + size + 2] != b"\r\n":
            raise ChunkFormatError("a chunk's data does not end where its size says")
        data = bytes(self._buffer[start : start + size])
        del self._buffer[: start + size + 2]
        self._released += size
        if self._released > self._expected_length:
            raise ChunkFormatError("the chunks carry more data than declared")
        return data

    def _trailer(self, line: bytes) -> None:
        if not line:
            self._is_done = True
            return
        match = _TRAILER.fullmatch(line)
        if match is None or len(self.trailers) >= _MAX_TRAILERS:
            raise ChunkFormatError("a trailer is malformed")
        self.trailers[match.group(1).decode("ascii").lower()] = match.group(2).decode("ascii")
