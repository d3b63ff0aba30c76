"""A request body checked against what the signature says of it, as it streams.

The signature covers a payload claim, not the body (`iamd.auth.sigv4_s3`); this module
holds the body to the claim. In: the claim and the body's chunks as they arrive. Out:
the body's bytes, released only when it is safe to release them:

- a SHA-256 claim: every chunk but the last goes on at once and the last is held back
  until the whole body's hash matches, so an upstream that is sent a forged body never
  receives all of it (it sees a request cut short, which it drops);
- ``STREAMING-AWS4-HMAC-SHA256-PAYLOAD``: a chunk's data goes on only after its chunk
  signature matched (`iamd.auth.chunks`), decoded from aws-chunked;
- ``STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER`` and ``STREAMING-UNSIGNED-PAYLOAD-
  TRAILER``: decoded from aws-chunked (chunk signatures checked, for the first), the
  last piece held back until the trailer's signature (for the first) and the checksum
  it carries (`checksums`: any of S3's algorithms) match;
- ``UNSIGNED-PAYLOAD``: the body as it comes (the signer chose not to cover it).

`read_all` reads a small body whole before anything is decided or forwarded, for the
operations whose body is part of the decision.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Protocol

from iamd.auth.chunks import AwsChunks, ChunkFormatError, TrailerFormatError
from iamd.errors import SignatureDoesNotMatch
from iamd.gateway import checksums
from iamd.gateway.checksums import checksum_for
from iamd.gateway.s3_errors import SIGNATURE_MISMATCH, S3Error, malformed_trailer

UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
STREAMING_PAYLOAD = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
SIGNED_TRAILER_PAYLOAD = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
TRAILER_PAYLOAD = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
# The claims whose body is aws-chunked; the last two end in a trailer (x-amz-trailer).
CHUNKED_PAYLOADS = frozenset({STREAMING_PAYLOAD, SIGNED_TRAILER_PAYLOAD, TRAILER_PAYLOAD})
TRAILER_PAYLOADS = frozenset({SIGNED_TRAILER_PAYLOAD, TRAILER_PAYLOAD})


class PayloadCheck(Protocol):
    def update(self, data: bytes) -> list[bytes]: ...
    def finish(self) -> bytes: ...

    def checksum(self) -> tuple[str, str] | None:
        """The S3 checksum the body is held to, as (header, base64 value): a declared
        header's from the start, a trailer's once `finish` has verified it."""
        ...


class Sha256Check:
    """Holds back the last piece until the body's SHA-256 is the one signed."""

    def __init__(self, claimed_hex: str) -> None:
        self._claimed = claimed_hex.lower()
        self._hash = hashlib.sha256()
        self._held = b""

    def update(self, data: bytes) -> list[bytes]:
        # INVARIANT: the held piece is never empty while data has come, or an empty
        # read (Starlette ends every stream with one) would release the real last piece.
        if not data:
            return []
        self._hash.update(data)
        released, self._held = self._held, data
        return [released] if released else []

    def finish(self) -> bytes:
        if not hmac.compare_digest(self._hash.hexdigest(), self._claimed):
            raise S3Error(
                "XAmzContentSHA256Mismatch",
                400,
                "The provided 'x-amz-content-sha256' header does not match what was computed.",
                ClientComputedContentSHA256=self._claimed,
                S3ComputedContentSHA256=self._hash.hexdigest(),
            )
        return self._held

    def checksum(self) -> tuple[str, str] | None:
        return None


class UnsignedCheck:
    def update(self, data: bytes) -> list[bytes]:
        return [data] if data else []

    def finish(self) -> bytes:
        return b""

    def checksum(self) -> tuple[str, str] | None:
        return None


class ChunkedCheck:
    """aws-chunked data, released as its chunks are verified (`iamd.auth.chunks`).

    With a trailer, the last piece is held back until the trailer (its signature, when
    the chunks are signed, and the checksum it carries) has been checked against the
    data, so an upstream never receives all of a body whose trailer fails.
    """

    def __init__(self, chunks: AwsChunks, trailer: str | None) -> None:
        self._chunks = chunks
        self._trailer = trailer
        self._checksum = checksum_for(trailer) if trailer is not None else None
        self._held = b""
        self._verified: tuple[str, str] | None = None

    def update(self, data: bytes) -> list[bytes]:
        with _decoding_errors():
            pieces = self._chunks.feed(data)
        if self._checksum is None:
            return pieces
        released, self._held = hold_last(pieces, self._checksum, self._held)
        return released

    def finish(self) -> bytes:
        with _decoding_errors():
            self._chunks.finish()
        if self._trailer is not None and self._checksum is not None:
            claimed = self._chunks.trailers[self._trailer]
            digest = self._checksum.digest()
            checksums.verify(self._trailer, claimed, digest)
            self._verified = (self._trailer, checksums.encoded(digest))
        return self._held

    def checksum(self) -> tuple[str, str] | None:
        return self._verified


def hold_last(
    pieces: list[bytes], checksum: checksums.Checksum, held: bytes
) -> tuple[list[bytes], bytes]:
    """Feed ``pieces`` to ``checksum``; release all but the newest piece, kept back (with
    what was ``held`` before) until the whole body's checksum is known to match."""
    released = []
    for piece in pieces:
        checksum.update(piece)
        if held:
            released.append(held)
        held = piece
    return released, held


@contextmanager
def _decoding_errors() -> Iterator[None]:
    """The decoder's errors, as S3's."""
    try:
        yield
    except SignatureDoesNotMatch:
        raise S3Error("SignatureDoesNotMatch", 403, SIGNATURE_MISMATCH) from None
    except TrailerFormatError:
        raise malformed_trailer() from None
    except ChunkFormatError as error:
        raise S3Error("IncompleteBody", 400, f"The request body is malformed: {error}.") from None


async def verified(stream: AsyncIterator[bytes], check: PayloadCheck) -> AsyncIterator[bytes]:
    """The body's bytes, each released only once it is safe to (see the module's rules)."""
    async for data in stream:
        if not data:
            continue
        for piece in check.update(data):
            yield piece
    last = check.finish()
    if last:
        yield last


async def read_all(stream: AsyncIterator[bytes], check: PayloadCheck, limit: int) -> bytes:
    """The whole body, verified, or S3's error once it grows past ``limit`` bytes."""
    pieces: list[bytes] = []
    size = 0
    async for piece in verified(stream, check):
        size += len(piece)
        if size > limit:
            raise S3Error("MaxMessageLengthExceeded", 400, "Your request was too big.")
        pieces.append(piece)
    return b"".join(pieces)
