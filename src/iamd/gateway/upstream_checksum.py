"""How a body's verified S3 checksum travels on to the upstream, so it stores it.

In: the checksum the gateway held the body to (`body.PayloadCheck.checksum`: a header
the client declared, or a trailer it sent) and the verified body. Out: what goes
upstream with the body:

- a checksum known before the body is sent (a declared header, or a trailer of a body
  read whole): the header ``x-amz-checksum-<algorithm>`` with the verified value;
- a trailer of a body that streams: the body framed as aws-chunked with an unsigned
  trailer (``STREAMING-UNSIGNED-PAYLOAD-TRAILER``, as botocore sends it over HTTPS) in
  chunks of `CHUNK_BYTES`, the trailer written only once the client's checksum has
  been verified. The framing is fixed, so its length is known up front and the
  upstream gets a Content-Length.

Both also say ``x-amz-sdk-checksum-algorithm``: S3 takes it with either form, and some
S3-compatible stores (moto's) keep a checksum only when it is there.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from iamd.gateway import checksums
from iamd.gateway.body import PayloadCheck
from iamd.gateway.s3_errors import S3Error

CHUNK_BYTES = 64 * 1024
SDK_ALGORITHM = "x-amz-sdk-checksum-algorithm"


def checksum_headers(checksum: tuple[str, str]) -> dict[str, str]:
    """The headers that carry a checksum known before the body is sent."""
    header, value = checksum
    return {header: value, SDK_ALGORITHM: checksums.algorithm_of(header)}


def trailer_headers(trailer: str, decoded_length: int) -> dict[str, str]:
    """The framing headers of a body sent with `with_trailer` (Content-Encoding merged later)."""
    return {
        "content-encoding": "aws-chunked",
        "x-amz-decoded-content-length": str(decoded_length),
        "x-amz-trailer": trailer,
        SDK_ALGORITHM: checksums.algorithm_of(trailer),
    }


def encoded_length(trailer: str, decoded_length: int) -> int:
    """The length of `with_trailer`'s framing of ``decoded_length`` bytes."""
    full, rest = divmod(decoded_length, CHUNK_BYTES)
    length = full * _chunk_length(CHUNK_BYTES)
    if rest:
        length += _chunk_length(rest)
    digest_size = checksums.DIGEST_SIZES[trailer.removeprefix(checksums.PREFIX)]
    value_length = 4 * -(-digest_size // 3)  # base64, padded
    return length + len(b"0\r\n") + len(trailer) + 1 + value_length + len(b"\r\n\r\n")


def _chunk_length(size: int) -> int:
    return len(f"{size:x}\r\n") + size + 2


async def with_trailer(
    data: AsyncIterator[bytes], check: PayloadCheck, decoded_length: int
) -> AsyncIterator[bytes]:
    """The verified ``data`` as aws-chunked, ending in the checksum ``check`` verified."""
    pending = bytearray()
    sent = 0
    async for piece in data:
        pending += piece
        while len(pending) >= CHUNK_BYTES:
            yield _chunk(bytes(pending[:CHUNK_BYTES]))
            del pending[:CHUNK_BYTES]
            sent += CHUNK_BYTES
    checksum = check.checksum()
    # INVARIANT: the payload check ends the data only after the trailer verified, and
    # only with as many bytes as x-amz-decoded-content-length declared.
    if checksum is None or sent + len(pending) != decoded_length:
        raise S3Error("IncompleteBody", 400, "The request body is incomplete.")
    if pending:
        yield _chunk(bytes(pending))
    header, value = checksum
    yield f"0\r\n{header}:{value}\r\n\r\n".encode("ascii")


def _chunk(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode("ascii") + data + b"\r\n"
