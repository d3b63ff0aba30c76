"""A request body checked against what the signature says of it, as it streams.

The signature covers a payload claim, not the body (`iamd.auth.sigv4_s3`); this module
holds the body to the claim. In: the claim and the body's chunks as they arrive. Out:
the body's bytes, released only when it is safe to release them:

- a SHA-256 claim: every chunk but the last goes on at once and the last is held back
  until the whole body's hash matches, so an upstream that is sent a forged body never
  receives all of it (it sees a request cut short, which it drops);
- ``STREAMING-AWS4-HMAC-SHA256-PAYLOAD``: a chunk's data goes on only after its chunk
  signature matched (`iamd.auth.chunks`), decoded from aws-chunked;
- ``STREAMING-UNSIGNED-PAYLOAD-TRAILER``: decoded from aws-chunked, the last piece held
  back until the trailing checksum (CRC32, SHA-1 or SHA-256) matches;
- ``UNSIGNED-PAYLOAD``: the body as it comes (the signer chose not to cover it).

`read_all` reads a small body whole before anything is decided or forwarded, for the
operations whose body is part of the decision.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import zlib
from collections.abc import AsyncIterator, Callable
from typing import Protocol

from iamd.auth.chunks import ChunkFormatError, SignedChunks, TrailerChunks
from iamd.errors import SignatureDoesNotMatch
from iamd.gateway.s3_errors import SIGNATURE_MISMATCH, S3Error

UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
STREAMING_PAYLOAD = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
TRAILER_PAYLOAD = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
# The trailing checksums the gateway can check itself (CRC32C and CRC64NVME need
# libraries iamd does not carry: a body sent with them is refused, not passed unchecked).
CHECKSUMS: dict[str, Callable[[], _Checksum]] = {}


class PayloadCheck(Protocol):
    def update(self, data: bytes) -> list[bytes]: ...
    def finish(self) -> bytes: ...


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


class UnsignedCheck:
    def update(self, data: bytes) -> list[bytes]:
        return [data] if data else []

    def finish(self) -> bytes:
        return b""


class ChunkSignatureCheck:
    """aws-chunked data, released chunk by chunk once each chunk signature holds."""

    def __init__(self, chunks: SignedChunks) -> None:
        self._chunks = chunks

    def update(self, data: bytes) -> list[bytes]:
        try:
            return self._chunks.feed(data)
        except SignatureDoesNotMatch:
            raise S3Error("SignatureDoesNotMatch", 403, SIGNATURE_MISMATCH) from None
        except ChunkFormatError as error:
            raise S3Error(
                "IncompleteBody", 400, f"The request body is malformed: {error}."
            ) from None

    def finish(self) -> bytes:
        try:
            self._chunks.finish()
        except ChunkFormatError as error:
            raise S3Error(
                "IncompleteBody", 400, f"The request body is malformed: {error}."
            ) from None
        return b""


class _Checksum(Protocol):
    def update(self, data: bytes) -> None: ...
    def digest(self) -> bytes: ...


class _Crc32:
    def __init__(self) -> None:
        self._value = 0

    def update(self, data: bytes) -> None:
        self._value = zlib.crc32(data, self._value)

    def digest(self) -> bytes:
        return self._value.to_bytes(4, "big")


CHECKSUMS.update(
    {
        "x-amz-checksum-crc32": _Crc32,
        "x-amz-checksum-sha1": lambda: hashlib.sha1(),
        "x-amz-checksum-sha256": lambda: hashlib.sha256(),
    }
)


class TrailerChecksumCheck:
    """Unsigned aws-chunked data whose trailing checksum must match before the last piece goes."""

    def __init__(self, chunks: TrailerChunks, trailer: str) -> None:
        self._chunks = chunks
        self._trailer = trailer
        self._checksum = CHECKSUMS[trailer]()
        self._held = b""

    def update(self, data: bytes) -> list[bytes]:
        try:
            pieces = self._chunks.feed(data)
        except ChunkFormatError as error:
            raise _incomplete(error) from None
        released = []
        for piece in pieces:
            self._checksum.update(piece)
            if self._held:
                released.append(self._held)
            self._held = piece
        return released

    def finish(self) -> bytes:
        try:
            self._chunks.finish()
        except ChunkFormatError as error:
            raise _incomplete(error) from None
        claimed = self._chunks.trailers.get(self._trailer)
        computed = base64.b64encode(self._checksum.digest()).decode()
        if claimed is None or not hmac.compare_digest(claimed, computed):
            raise S3Error(
                "BadDigest",
                400,
                f"The {self._trailer.removeprefix('x-amz-checksum-').upper()} you specified "
                "did not match the calculated checksum.",
            )
        return self._held


def _incomplete(error: ChunkFormatError) -> S3Error:
    return S3Error("IncompleteBody", 400, f"The request body is malformed: {error}.")


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
