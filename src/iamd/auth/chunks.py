"""``aws-chunked`` bodies, decoded and verified as they stream.

Three framings (S3 API Reference, "Transferring payload in multiple chunks" and
"Signature calculations for trailing headers"), one decoder:

- ``STREAMING-AWS4-HMAC-SHA256-PAYLOAD``: ``<hex size>;chunk-signature=<sig>\\r\\n
  <data>\\r\\n`` chunks, ending with a chunk of size 0 and an empty line. Each chunk's
  signature is an HMAC, under the request's signing key, over its data's hash and the
  previous signature — the first chained to the request's own (the seed) — so no chunk
  can be swapped, dropped, reordered or appended.
- ``STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER``: the same chunks, then after the size-0
  chunk the trailing headers (the checksum the header ``x-amz-trailer`` declared) and
  ``x-amz-trailer-signature``, an HMAC over the trailers chained to the last chunk's.
- ``STREAMING-UNSIGNED-PAYLOAD-TRAILER``: ``<hex size>\\r\\n<data>\\r\\n`` chunks, nothing
  signed, then the declared trailer; only the checksum holds the data to anything.

In: bytes as they arrive (`feed`). Out: only the data of chunks whose signature (if
any) has been checked, and the trailers (`trailers`) for the caller to check the
checksum against; `finish` raises unless the final chunk, the trailers it promised and
the declared length all came. No chunk may be larger than `MAX_CHUNK_BYTES` and no
line longer than a few KB, so memory stays bounded whatever the body's size.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from datetime import datetime

from iamd.auth.sigv4 import signature
from iamd.auth.sigv4_parse import TERMINATOR, amz_date
from iamd.errors import SignatureDoesNotMatch

CHUNK_ALGORITHM = "AWS4-HMAC-SHA256-PAYLOAD"
TRAILER_ALGORITHM = "AWS4-HMAC-SHA256-TRAILER"
TRAILER_SIGNATURE = "x-amz-trailer-signature"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
MAX_CHUNK_BYTES = 16 * 1024 * 1024
_MAX_LINE_BYTES = 4096
_SIGNED_HEADER = re.compile(rb"([0-9a-fA-F]{1,8});chunk-signature=([0-9a-f]{64})", re.ASCII)
_PLAIN_HEADER = re.compile(rb"([0-9a-fA-F]{1,8})", re.ASCII)
# A trailer line: a header name, then its value (AWS takes blanks around either side).
_TRAILER = re.compile(rb"([A-Za-z0-9-]{1,64})[ \t]*:[ \t]*([A-Za-z0-9+/=]{1,128})[ \t]*", re.ASCII)


class ChunkFormatError(ValueError):
    """The body is not well-formed aws-chunked data (or says more than it carries)."""


class TrailerFormatError(ChunkFormatError):
    """The trailing headers are malformed, missing, or not the ones declared."""


class SignatureChain:
    """The signatures of one request's chunks and trailer, each chained to the one before."""

    def __init__(
        self, key: bytes, *, request_time: datetime, scope: str, seed_signature: str
    ) -> None:
        self._key = key
        self._date_and_scope = f"{amz_date(request_time)}\n{scope}\n"
        self._previous = seed_signature

    @staticmethod
    def scope_of(scope_date: str, region: str, service: str) -> str:
        return f"{scope_date}/{region}/{service}/{TERMINATOR}"

    def check_chunk(self, data: bytes, provided: str) -> None:
        digest = hashlib.sha256(data).hexdigest()
        self._check(f"{CHUNK_ALGORITHM}\n", f"{EMPTY_SHA256}\n{digest}", provided)

    def check_trailer(self, trailers: Mapping[str, str], provided: str) -> None:
        """The trailer's signature: over its headers, canonical (sorted, ``name:value\\n``)."""
        canonical = "".join(f"{name}:{trailers[name]}\n" for name in sorted(trailers))
        digest = hashlib.sha256(canonical.encode("ascii")).hexdigest()
        self._check(f"{TRAILER_ALGORITHM}\n", digest, provided)

    def _check(self, algorithm: str, hashed: str, provided: str) -> None:
        text = f"{algorithm}{self._date_and_scope}{self._previous}\n{hashed}"
        expected = signature(self._key, text)
        if not hmac.compare_digest(expected, provided):
            raise SignatureDoesNotMatch("The chunk signature does not match.")
        self._previous = expected


class AwsChunks:
    """An incremental aws-chunked decoder: chunk signatures when ``chain`` is given, and
    the trailer ``trailer`` (a header name) when the body declares one."""

    def __init__(
        self, *, decoded_length: int, chain: SignatureChain | None, trailer: str | None
    ) -> None:
        self._expected_length = decoded_length
        self._chain = chain
        self._trailer = trailer
        self._header = _PLAIN_HEADER if chain is None else _SIGNED_HEADER
        self._released = 0
        self._buffer = bytearray()
        self._in_trailers = False
        self._may_skip_blank = trailer is not None
        self._trailer_signature: str | None = None
        self._is_done = False
        self.trailers: dict[str, str] = {}

    def feed(self, data: bytes) -> list[bytes]:
        """Take more of the body; return the data of every chunk now complete and verified."""
        if self._is_done and data:
            raise ChunkFormatError("data after the end of the body")
        self._buffer += data
        released: list[bytes] = []
        while not self._is_done:
            line = self._next_line()
            if line is None:
                break
            if self._in_trailers:
                self._trailer_line(line)
                continue
            chunk = self._chunk(line)
            if chunk is None:
                break
            if chunk:
                released.append(chunk)
        return released

    def finish(self) -> None:
        """Raise unless the final chunk, its trailers and the declared length all came."""
        if not self._is_done and self._in_trailers and self._trailer is not None:
            # Trailers may end with the body, their final blank line left out.
            if self._buffer:
                self._trailer_line(bytes(self._buffer))
            self._end_of_trailers()
        if not self._is_done or self._buffer:
            raise ChunkFormatError("the body ended before its final chunk")

    def _next_line(self) -> bytes | None:
        end = self._buffer.find(b"\r\n")
        if end < 0:
            if len(self._buffer) > _MAX_LINE_BYTES:
                raise ChunkFormatError("a chunk header is too long")
            return None
        return bytes(self._buffer[:end])

    def _chunk(self, line: bytes) -> bytes | None:
        match = self._header.fullmatch(line)
        if match is None:
            raise ChunkFormatError("a chunk header is malformed")
        size = int(match.group(1), 16)
        if size > MAX_CHUNK_BYTES:
            raise ChunkFormatError("a chunk is larger than allowed")
        start = len(line) + 2
        if size == 0:  # its CRLF is the trailer section's end, read as a trailer line
            del self._buffer[:start]
            self._check_chunk(b"", match)
            self._in_trailers = True
            return b""
        if len(self._buffer) < start + size + 2:
            return None
        if self._buffer[start + size : start + size + 2] != b"\r\n":
            raise ChunkFormatError("a chunk's data does not end where its size says")
        data = bytes(self._buffer[start : start + size])
        del self._buffer[: start + size + 2]
        self._check_chunk(data, match)
        return data

    def _check_chunk(self, data: bytes, match: re.Match[bytes]) -> None:
        if self._chain is not None:
            self._chain.check_chunk(data, match.group(2).decode("ascii"))
        self._released += len(data)
        if self._released > self._expected_length:
            raise ChunkFormatError("the chunks carry more data than declared")
        if not data and self._released != self._expected_length:
            raise ChunkFormatError("the chunks carry less data than declared")

    def _trailer_line(self, line: bytes) -> None:
        del self._buffer[: len(line) + 2]
        if not line and self._may_skip_blank:
            self._may_skip_blank = False  # some signers end the size-0 chunk's data first
            return
        if not line:
            self._end_of_trailers()
            return
        if self._trailer is None:
            raise ChunkFormatError("a chunk's data does not end where its size says")
        self._may_skip_blank = False
        match = _TRAILER.fullmatch(line)
        if match is None:
            raise TrailerFormatError("a trailer is malformed")
        name, value = match.group(1).decode("ascii").lower(), match.group(2).decode("ascii")
        if name == TRAILER_SIGNATURE and self._chain is not None:
            if self._trailer_signature is not None:
                raise TrailerFormatError("the trailer is signed twice")
            self._trailer_signature = value
        elif name == self._trailer and name not in self.trailers:
            self.trailers[name] = value
        else:
            raise TrailerFormatError(f"the trailer {name} was not declared")

    def _end_of_trailers(self) -> None:
        if self._trailer is not None and self._trailer not in self.trailers:
            raise TrailerFormatError(f"the declared trailer {self._trailer} did not come")
        if self._trailer is not None and self._chain is not None:
            if self._trailer_signature is None:
                raise TrailerFormatError("the trailer is not signed")
            self._chain.check_trailer(self.trailers, self._trailer_signature)
        self._is_done = True


class SignedChunks(AwsChunks):
    """``STREAMING-AWS4-HMAC-SHA256-PAYLOAD``: chunk signatures, no trailer."""

    scope_of = staticmethod(SignatureChain.scope_of)

    def __init__(
        self,
        key: bytes,
        *,
        request_time: datetime,
        scope: str,
        seed_signature: str,
        decoded_length: int,
    ) -> None:
        chain = SignatureChain(
            key, request_time=request_time, scope=scope, seed_signature=seed_signature
        )
        super().__init__(decoded_length=decoded_length, chain=chain, trailer=None)
