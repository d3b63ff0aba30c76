"""Hostile and malformed S3 requests get S3's errors and never reach the upstream.

Each test checks the upstream afterwards: nothing was written there. Bodies are
checked against their signature as they stream: a chunk signature that fails midway,
or a body whose hash is not the signed one, leaves no object behind.
"""

from __future__ import annotations

import hashlib
import io
import secrets
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError
from botocore.httpchecksum import AwsChunkedWrapper, Crc32Checksum

from gateway_support import (
    STREAMING,
    GatewayProcess,
    chunked_body,
    seed_of,
    send_raw,
    signed_request,
    streaming_headers,
)
from support import RootCredential

TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
SIGNED_TRAILER = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"


@pytest.fixture
def credential(account: RootCredential) -> tuple[str, str]:
    return account.access_key_id, account.secret_access_key


@pytest.fixture
def bucket(s3_client: Callable[..., Any], credential: tuple[str, str]) -> str:
    name = "iamd-" + secrets.token_hex(6)
    s3_client(*credential).create_bucket(Bucket=name)
    return name


def absent(upstream: Any, bucket: str, key: str) -> bool:
    try:
        upstream.head_object(Bucket=bucket, Key=key)
    except ClientError:
        return True
    return False


def code_of(body: bytes) -> str:
    return body.split(b"<Code>", 1)[1].split(b"</Code>", 1)[0].decode()


@pytest.mark.parametrize("size", [70_000, 3 * 1024 * 1024])
def test_chunk_signed_uploads_stream_through(
    s3_gateway: GatewayProcess, credential: tuple[str, str], bucket: str, upstream: Any, size: int
) -> None:
    data = secrets.token_bytes(size)
    chunks = [data[i : i + 65536] for i in range(0, size, 65536)]
    host, path = f"127.0.0.1:{s3_gateway.port}", f"/{bucket}/chunked.bin"
    probe = streaming_headers(credential, host, path, size, 0)
    seed, date = seed_of(probe)
    encoded = chunked_body(credential[1], seed, date, "us-east-1", chunks)
    headers = streaming_headers(credential, host, path, size, sum(map(len, encoded)))
    seed, date = seed_of(headers)
    encoded = chunked_body(credential[1], seed, date, "us-east-1", chunks)
    answer = send_raw(s3_gateway, "PUT", path, headers, iter(encoded))
    assert answer.status == 200, answer.body
    stored = upstream.get_object(Bucket=bucket, Key="chunked.bin")["Body"].read()
    assert hashlib.sha256(stored).digest() == hashlib.sha256(data).digest()


@pytest.mark.parametrize("size", [70_000, 3 * 1024 * 1024])
def test_a_chunk_signature_mismatch_midway_leaves_nothing_upstream(
    s3_gateway: GatewayProcess, credential: tuple[str, str], bucket: str, upstream: Any, size: int
) -> None:
    data = secrets.token_bytes(size)
    chunks = [data[i : i + 65536] for i in range(0, size, 65536)]
    host, path = f"127.0.0.1:{s3_gateway.port}", f"/{bucket}/tampered.bin"
    length = sum(
        map(len, chunked_body(credential[1], "0" * 64, "20260101T000000Z", "us-east-1", chunks))
    )
    headers = streaming_headers(credential, host, path, size, length)
    seed, date = seed_of(headers)
    encoded = chunked_body(credential[1], seed, date, "us-east-1", chunks)
    middle = len(encoded) // 2
    encoded[middle] = encoded[middle].replace(b"\r\n", b"\r\n\x00", 1)[: len(encoded[middle])]
    answer = send_raw(s3_gateway, "PUT", path, headers, iter(encoded))
    assert answer.status in (400, 403), answer.body
    assert code_of(answer.body) in ("SignatureDoesNotMatch", "IncompleteBody")
    assert absent(upstream, bucket, "tampered.bin")


@pytest.mark.parametrize("size", [1000, 3 * 1024 * 1024])
def test_a_body_that_is_not_the_signed_one_leaves_nothing_upstream(
    s3_gateway: GatewayProcess, credential: tuple[str, str], bucket: str, upstream: Any, size: int
) -> None:
    signed_for = secrets.token_bytes(size)
    sent = b"X" + signed_for[1:]
    answer = signed_request(
        s3_gateway, credential, "PUT", f"/{bucket}/swapped.bin",
        payload=hashlib.sha256(signed_for).hexdigest(), body=sent,
        headers={"content-length": str(size)},
    )  # fmt: skip
    assert answer.status == 400 and code_of(answer.body) == "XAmzContentSHA256Mismatch"
    assert absent(upstream, bucket, "swapped.bin")


def test_a_malformed_authorization_header_is_refused(
    s3_gateway: GatewayProcess, bucket: str, upstream: Any
) -> None:
    for authorization in (
        "AWS4-HMAC-SHA256 Credential=AKIA/20260101/us-east-1/s3/aws4_request",
        "AWS4-HMAC-SHA256 garbage",
        "AWS4-HMAC-SHA256 Credential=AKIAX/2026/us-east-1/iam/aws4_request, "
        "SignedHeaders=host, Signature=00",
    ):
        answer = send_raw(
            s3_gateway, "PUT", f"/{bucket}/m",
            {"Host": f"127.0.0.1:{s3_gateway.port}", "Authorization": authorization,
             "x-amz-date": "20260101T000000Z", "x-amz-content-sha256": "UNSIGNED-PAYLOAD",
             "Content-Length": "1"},
            b"m",
        )  # fmt: skip
        assert answer.status == 400, answer.body
        assert code_of(answer.body) == "AuthorizationHeaderMalformed"
    assert absent(upstream, bucket, "m")


def test_oversized_headers_are_refused(
    s3_gateway: GatewayProcess, credential: tuple[str, str], bucket: str, upstream: Any
) -> None:
    answer = signed_request(
        s3_gateway, credential, "PUT", f"/{bucket}/big",
        headers={"x-amz-meta-big": "x" * 9000, "content-length": "1"}, body=b"b",
    )  # fmt: skip
    assert answer.status in (400, 431)
    assert absent(upstream, bucket, "big")


def test_path_traversal_in_keys_is_refused(
    s3_gateway: GatewayProcess, credential: tuple[str, str], bucket: str, upstream: Any,
    s3_client: Callable[..., Any],
) -> None:  # fmt: skip
    victim = "iamd-" + secrets.token_hex(6)
    upstream.create_bucket(Bucket=victim)
    for path in (f"/{bucket}/../{victim}/x", f"/{bucket}/a/%2e%2e/%2e%2e/{victim}/x"):
        answer = signed_request(
            s3_gateway, credential, "PUT", path, body=b"x", headers={"content-length": "1"}
        )
        assert answer.status == 400, (path, answer.body)
    assert absent(upstream, victim, "x")


def test_host_and_path_naming_different_buckets_address_the_host_bucket(
    s3_gateway: GatewayProcess, credential: tuple[str, str], bucket: str, upstream: Any,
) -> None:  # fmt: skip
    victim = "iamd-" + secrets.token_hex(6)
    upstream.create_bucket(Bucket=victim)
    upstream.put_object(Bucket=victim, Key="secret", Body=b"s")
    answer = signed_request(
        s3_gateway,
        credential,
        "GET",
        f"/{victim}/secret",
        host=f"{bucket}.localhost:{s3_gateway.port}",
    )
    # virtual-hosted: the key is "<victim>/secret" in the caller's own bucket
    assert answer.status == 404 and code_of(answer.body) == "NoSuchKey"
    upstream.put_object(Bucket=bucket, Key=f"{victim}/secret", Body=b"mine")
    answer = signed_request(
        s3_gateway,
        credential,
        "GET",
        f"/{victim}/secret",
        host=f"{bucket}.localhost:{s3_gateway.port}",
    )
    assert answer.status == 200 and answer.body == b"mine"


def test_repeated_query_parameters_and_unknown_subresources_are_refused(
    s3_gateway: GatewayProcess, credential: tuple[str, str], bucket: str
) -> None:
    answer = signed_request(s3_gateway, credential, "GET", f"/{bucket}/k?versionId=a&versionId=b")
    assert answer.status == 400 and code_of(answer.body) == "InvalidArgument"
    answer = signed_request(s3_gateway, credential, "GET", f"/{bucket}?notasubresource")
    assert answer.status == 501 and code_of(answer.body) == "NotImplemented"


def trailer_upload(data: bytes, *, tamper: bool = False) -> tuple[dict[str, str], bytes]:
    """What botocore sends over HTTPS: aws-chunked data, a CRC32 trailer, nothing signed."""
    wrapper = AwsChunkedWrapper(
        io.BytesIO(data), checksum_cls=Crc32Checksum, checksum_name="x-amz-checksum-crc32",
        chunk_size=65536,
    )  # fmt: skip
    body = b"".join(wrapper)
    if tamper:
        body = body.replace(data[100:110], bytes(10), 1)
    headers = {
        "content-encoding": "aws-chunked",
        "x-amz-trailer": "x-amz-checksum-crc32",
        "x-amz-decoded-content-length": str(len(data)),
        "x-amz-sdk-checksum-algorithm": "CRC32",
        "content-length": str(len(body)),
    }
    return headers, body


@pytest.mark.parametrize("size", [70_000, 3 * 1024 * 1024])
def test_unsigned_payloads_with_a_checksum_trailer_stream_through(
    s3_gateway: GatewayProcess, credential: tuple[str, str], bucket: str, upstream: Any, size: int
) -> None:
    data = secrets.token_bytes(size)
    headers, body = trailer_upload(data)
    answer = signed_request(
        s3_gateway, credential, "PUT", f"/{bucket}/trailer.bin", payload=TRAILER,
        headers=headers, body=body,
    )  # fmt: skip
    assert answer.status == 200, answer.body
    assert upstream.get_object(Bucket=bucket, Key="trailer.bin")["Body"].read() == data


@pytest.mark.parametrize("size", [70_000, 3 * 1024 * 1024])
def test_a_trailer_checksum_mismatch_leaves_nothing_upstream(
    s3_gateway: GatewayProcess, credential: tuple[str, str], bucket: str, upstream: Any, size: int
) -> None:
    headers, body = trailer_upload(secrets.token_bytes(size), tamper=True)
    answer = signed_request(
        s3_gateway, credential, "PUT", f"/{bucket}/bad-trailer.bin", payload=TRAILER,
        headers=headers, body=body,
    )  # fmt: skip
    assert answer.status == 400 and code_of(answer.body) == "BadDigest"
    assert absent(upstream, bucket, "bad-trailer.bin")


@pytest.mark.parametrize(
    "payload,trailer,status,code",
    [
        (TRAILER, "", 400, "MalformedTrailerError"),
        (TRAILER, "x-amz-checksum-md4", 400, "MalformedTrailerError"),
        (SIGNED_TRAILER, "x-amz-meta-color", 400, "MalformedTrailerError"),
        ("STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD", "", 501, "NotImplemented"),
    ],
)
def test_payloads_that_cannot_be_checked_are_refused_rather_than_half_checked(
    s3_gateway: GatewayProcess, credential: tuple[str, str], bucket: str, upstream: Any,
    payload: str, trailer: str, status: int, code: str,
) -> None:  # fmt: skip
    headers = {"content-length": "1", "x-amz-trailer": trailer}
    answer = signed_request(
        s3_gateway, credential, "PUT", f"/{bucket}/t", payload=payload, body=b"x", headers=headers
    )
    assert (answer.status, code_of(answer.body)) == (status, code)
    assert absent(upstream, bucket, "t")


def test_a_chunk_signed_upload_without_a_decoded_length_is_refused(
    s3_gateway: GatewayProcess, credential: tuple[str, str], bucket: str
) -> None:
    answer = signed_request(
        s3_gateway, credential, "PUT", f"/{bucket}/c", payload=STREAMING, body=b"0\r\n\r\n",
        headers={"content-length": "5"},
    )  # fmt: skip
    assert answer.status == 411


def test_a_refused_upload_closes_its_connection_so_its_body_cannot_open_the_next_request(
    s3_gateway: GatewayProcess, bucket: str
) -> None:
    answer = send_raw(
        s3_gateway, "PUT", f"/{bucket}/k",
        {"Host": f"127.0.0.1:{s3_gateway.port}", "Content-Length": "3",
         "Expect": "100-continue"},
        b"GET",
    )  # fmt: skip
    assert answer.status == 403
    assert answer.headers.get("connection") == "close"


@pytest.mark.parametrize("method", ["PROPFIND", "TRACE"])
def test_a_method_s3_does_not_take_gets_s3s_method_not_allowed(
    s3_gateway: GatewayProcess, bucket: str, method: str
) -> None:
    host = f"127.0.0.1:{s3_gateway.port}"
    answer = send_raw(s3_gateway, method, f"/{bucket}/key", {"Host": host})
    assert answer.status == 405, answer.body
    assert code_of(answer.body) == "MethodNotAllowed", answer.body
