"""Bodies held to their signed claim: nothing past a forged byte, not even the last piece."""

from __future__ import annotations

import asyncio
import base64
import hashlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from iamd.auth.chunks import AwsChunks, SignatureChain
from iamd.auth.sigv4 import signing_key
from iamd.gateway.body import ChunkedCheck, Sha256Check, UnsignedCheck, read_all, verified
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


# S3 API Reference, "Signature calculations for trailing headers": the 66,560 bytes of
# 'a' in a 64 KB and a 1 KB chunk, then a CRC32C trailer, signed with the example key.
EXAMPLE_SEED = "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e"
EXAMPLE_CHUNKS = (
    "b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2",
    "1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7",
    "2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992",
)
EXAMPLE_TRAILER = b"x-amz-checksum-crc32c:sOO8/Q==\r\n"
EXAMPLE_TRAILER_SIGNATURE = "d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435"


def example_body(
    trailer: bytes = EXAMPLE_TRAILER, signature: str = EXAMPLE_TRAILER_SIGNATURE
) -> bytes:
    return (
        f"10000;chunk-signature={EXAMPLE_CHUNKS[0]}\r\n".encode() + b"a" * 65536 + b"\r\n"
        + f"400;chunk-signature={EXAMPLE_CHUNKS[1]}\r\n".encode() + b"a" * 1024 + b"\r\n"
        + f"0;chunk-signature={EXAMPLE_CHUNKS[2]}\r\n".encode()
        + trailer + f"x-amz-trailer-signature:{signature}\r\n\r\n".encode()
    )  # fmt: skip


def example_check(trailer: str = "x-amz-checksum-crc32c") -> ChunkedCheck:
    key = signing_key("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "20130524", "us-east-1", "s3")
    chain = SignatureChain(
        key,
        request_time=datetime(2013, 5, 24, tzinfo=UTC),
        scope=SignatureChain.scope_of("20130524", "us-east-1", "s3"),
        seed_signature=EXAMPLE_SEED,
    )
    return ChunkedCheck(AwsChunks(decoded_length=66560, chain=chain, trailer=trailer), trailer)


def outcome(check: ChunkedCheck, body: bytes, piece: int = 4096) -> tuple[bytes, str]:
    """(the data released, the error code or "") of a body fed in pieces."""
    parts = [body[start : start + piece] for start in range(0, len(body), piece)]
    released = asyncio.run(collect(verified(pieces(*parts), check)))
    if released and not released[-1].startswith(b"a"):
        return b"".join(released[:-1]), released[-1].decode()
    return b"".join(released), ""


@pytest.mark.parametrize("piece", [1, 100, 4096, 70000])
def test_aws_signed_trailer_example_verifies_in_pieces_of_any_size(piece: int) -> None:
    assert outcome(example_check(), example_body(), piece) == (b"a" * 66560, "")


def test_a_blank_line_between_the_final_chunk_and_the_trailer_is_taken() -> None:
    body = example_body(trailer=b"\r\n" + EXAMPLE_TRAILER)
    assert outcome(example_check(), body) == (b"a" * 66560, "")


def test_a_changed_trailer_signature_releases_all_but_the_last_piece() -> None:
    released, code = outcome(example_check(), example_body(signature="0" * 64))
    assert code == "SignatureDoesNotMatch"
    assert len(released) < 66560


def test_a_checksum_the_trailer_signature_does_not_cover_is_refused() -> None:
    forged = b"x-amz-checksum-crc32c:AAAAAA==\r\n"
    released, code = outcome(example_check(), example_body(trailer=forged))
    assert code == "SignatureDoesNotMatch" and len(released) < 66560


@pytest.mark.parametrize(
    "trailer,code",
    [
        (b"x-amz-checksum-crc32:sOO8/Q==\r\n", "MalformedTrailerError"),  # not the one declared
        (b"x-amz-checksum-crc32c sOO8/Q==\r\n", "MalformedTrailerError"),
        (b"", "MalformedTrailerError"),  # the declared trailer never comes
    ],
)
def test_malformed_or_undeclared_trailers_are_refused(trailer: bytes, code: str) -> None:
    released, found = outcome(example_check(), example_body(trailer=trailer))
    assert found == code and len(released) < 66560


def unsigned_body(data: bytes, trailer: str, value: str) -> bytes:
    return b"%x\r\n" % len(data) + data + f"\r\n0\r\n{trailer}:{value}\r\n\r\n".encode()


def unsigned_check(trailer: str, length: int) -> ChunkedCheck:
    return ChunkedCheck(AwsChunks(decoded_length=length, chain=None, trailer=trailer), trailer)


# CRC64NVME of "hello": the value S3 reports for it (also in versitygw's AWS captures).
@pytest.mark.parametrize(
    "algorithm,value",
    [
        ("crc32", "NhCmhg=="),
        ("crc32c", "mnG7TA=="),
        ("crc64nvme", "M3eFcAZSQlc="),
        ("sha1", base64.b64encode(hashlib.sha1(b"hello").digest()).decode()),
        ("sha256", base64.b64encode(hashlib.sha256(b"hello").digest()).decode()),
    ],
)
def test_each_algorithm_checks_an_unsigned_trailer(algorithm: str, value: str) -> None:
    trailer = f"x-amz-checksum-{algorithm}"
    check = unsigned_check(trailer, 5)
    released = asyncio.run(
        collect(verified(pieces(unsigned_body(b"hello", trailer, value)), check))
    )
    assert released == [b"hello"]
    check = unsigned_check(trailer, 5)
    released = asyncio.run(
        collect(verified(pieces(unsigned_body(b"hellO", trailer, value)), check))
    )
    assert released == [b"BadDigest"]


@pytest.mark.parametrize(
    "value,code",
    [
        ("AAAA", b"InvalidRequest"),  # three bytes: not a CRC32C
        ("AAAAAAAAAAA=", b"InvalidRequest"),  # eight
        ("A===", b"InvalidRequest"),  # not base64 at all
        ("not base64!", b"MalformedTrailerError"),  # not even a header value
    ],
)
def test_a_checksum_value_of_the_wrong_shape_is_refused(value: str, code: bytes) -> None:
    trailer = "x-amz-checksum-crc32c"
    body = unsigned_body(b"hello", trailer, value)
    released = asyncio.run(collect(verified(pieces(body), unsigned_check(trailer, 5))))
    assert released == [code]
