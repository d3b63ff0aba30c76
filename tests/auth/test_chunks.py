"""aws-chunked bodies: AWS's published example verifies, and every tampering is refused
before the tampered chunk's data is released."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from iamd.auth.chunks import ChunkFormatError, SignedChunks
from iamd.auth.sigv4 import HttpRequest, read_signature
from iamd.auth.sigv4_s3 import verify_s3_signature
from iamd.errors import SignatureDoesNotMatch

# S3 API Reference, "Signature calculation: transfer payload in multiple chunks":
# a 66,560-byte object of 'a' in a 64 KB and a 1 KB chunk.
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
SEED = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
CHUNK_SIGNATURES = (
    "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
    "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
    "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9",
)
HEADERS = {
    "host": "s3.amazonaws.com",
    "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
    "content-encoding": "aws-chunked",
    "content-length": "66824",
    "x-amz-date": "20130524T000000Z",
    "x-amz-decoded-content-length": "66560",
    "x-amz-storage-class": "REDUCED_REDUNDANCY",
    "authorization": "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/"
    "aws4_request,SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;"
    f"x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,Signature={SEED}",
}


def body(data: tuple[bytes, bytes] = (b"a" * 65536, b"a" * 1024)) -> bytes:
    first, second = data
    return (
        f"10000;chunk-signature={CHUNK_SIGNATURES[0]}\r\n".encode() + first + b"\r\n"
        + f"400;chunk-signature={CHUNK_SIGNATURES[1]}\r\n".encode() + second + b"\r\n"
        + f"0;chunk-signature={CHUNK_SIGNATURES[2]}\r\n\r\n".encode()
    )  # fmt: skip


def decoder(decoded_length: int = 66560) -> SignedChunks:
    request = HttpRequest("PUT", "/examplebucket/chunkObject.txt", "", HEADERS, b"")
    signed = read_signature(request, ("s3",))
    assert signed is not None
    key = verify_s3_signature(request, signed, SECRET, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
    return SignedChunks(
        key,
        request_time=datetime(2013, 5, 24, tzinfo=UTC),
        scope=SignedChunks.scope_of("20130524", "us-east-1", "s3"),
        seed_signature=SEED,
        decoded_length=decoded_length,
    )


@pytest.mark.parametrize("piece", [1, 7, 1000, 70000])
def test_aws_example_decodes_in_pieces_of_any_size(piece: int) -> None:
    chunks, data, released = decoder(), body(), []
    for start in range(0, len(data), piece):
        released += chunks.feed(data[start : start + piece])
    chunks.finish()
    assert b"".join(released) == b"a" * 66560


def test_a_changed_byte_in_the_second_chunk_is_refused_after_only_the_first_is_released() -> None:
    chunks = decoder()
    tampered = body((b"a" * 65536, b"b" + b"a" * 1023))
    released = chunks.feed(tampered[:65700])
    assert b"".join(released) == b"a" * 65536
    with pytest.raises(SignatureDoesNotMatch):
        chunks.feed(tampered[65700:])


def test_a_dropped_final_chunk_is_an_incomplete_body() -> None:
    chunks = decoder()
    data = body()
    chunks.feed(data[: data.index(b"0;chunk-signature")])
    with pytest.raises(ChunkFormatError):
        chunks.finish()


def test_a_declared_length_the_chunks_do_not_match_is_refused() -> None:
    with pytest.raises(ChunkFormatError):
        decoder(decoded_length=100).feed(body())


@pytest.mark.parametrize(
    "header",
    [b"zz;chunk-signature=" + b"0" * 64, b"10000;chunk-signature=short", b"10000", b"1" * 5000],
)
def test_malformed_chunk_headers_are_refused(header: bytes) -> None:
    with pytest.raises(ChunkFormatError):
        decoder().feed(header + b"\r\n")


def test_a_chunk_larger_than_the_cap_is_refused_before_it_is_buffered() -> None:
    with pytest.raises(ChunkFormatError):
        decoder().feed(b"7fffffff;chunk-signature=" + b"0" * 64 + b"\r\n")
