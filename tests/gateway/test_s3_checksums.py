"""Checksums in aws-chunked trailers, as boto3 and the AWS CLI send them over HTTPS and as
chunk-signing SDKs send them signed (``STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER``).

Every algorithm S3 takes arrives upstream intact; a body whose checksum or trailer
signature does not hold gets S3's error and leaves no object behind.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from gateway_support import GatewayProcess, aws_cli, send_raw
from iamd.gateway.checksums import checksum_for
from support import REGION, RootCredential

SIGNED_TRAILER = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
# S3's ChecksumAlgorithm values botocore can compute (MD5 it does not offer).
BOTOCORE_ALGORITHMS = [
    "CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256", "SHA512", "XXHASH64", "XXHASH3",
    "XXHASH128",
]  # fmt: skip
REQUIRED = ["CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"]


@pytest.fixture
def credential(account: RootCredential) -> tuple[str, str]:
    return account.access_key_id, account.secret_access_key


@pytest.fixture
def bucket(s3_client: Callable[..., Any], credential: tuple[str, str]) -> str:
    name = "iamd-" + secrets.token_hex(6)
    s3_client(*credential).create_bucket(Bucket=name)
    return name


def stored(upstream: Any, bucket: str, key: str) -> bytes | None:
    try:
        return bytes(upstream.get_object(Bucket=bucket, Key=key)["Body"].read())
    except ClientError:
        return None


def header(sent: dict[str, Any], name: str) -> str:
    value = {k.lower(): v for k, v in sent.items()}[name]
    return value.decode() if isinstance(value, bytes) else str(value)


@pytest.mark.parametrize("algorithm", BOTOCORE_ALGORITHMS)
def test_boto3_sends_each_checksum_as_a_trailer_and_the_object_arrives(
    https_client: Any, bucket: str, upstream: Any, algorithm: str
) -> None:
    data = secrets.token_bytes(70_000)
    https_client.put_object(Bucket=bucket, Key="k", Body=data, ChecksumAlgorithm=algorithm)
    sent = https_client.sent[-1]
    assert header(sent, "x-amz-content-sha256") == UNSIGNED_TRAILER
    assert header(sent, "x-amz-trailer") == f"x-amz-checksum-{algorithm.lower()}"
    assert stored(upstream, bucket, "k") == data


def test_a_large_part_streams_through_with_its_trailer_checked(
    https_client: Any, bucket: str, upstream: Any
) -> None:
    data = secrets.token_bytes(5 * 1024 * 1024 + 1000)
    upload = https_client.create_multipart_upload(Bucket=bucket, Key="big")["UploadId"]
    part = https_client.upload_part(
        Bucket=bucket, Key="big", UploadId=upload, PartNumber=1, Body=data,
        ChecksumAlgorithm="CRC64NVME",
    )  # fmt: skip
    assert header(https_client.sent[-1], "x-amz-trailer") == "x-amz-checksum-crc64nvme"
    https_client.complete_multipart_upload(
        Bucket=bucket, Key="big", UploadId=upload,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]},
    )  # fmt: skip
    assert stored(upstream, bucket, "big") == data


@pytest.mark.parametrize("algorithm", REQUIRED)
def test_the_aws_cli_sends_each_checksum_as_a_trailer_and_the_object_arrives(
    tls_gateway: Any, credential: tuple[str, str], bucket: str, upstream: Any,
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, algorithm: str,
) -> None:  # fmt: skip
    monkeypatch.setenv("AWS_CA_BUNDLE", str(tls_gateway.certificate))
    source = tmp_path / "object.bin"
    source.write_bytes(secrets.token_bytes(200_000))
    run = aws_cli(
        tls_gateway, *credential, "--debug", "s3api", "put-object", "--bucket", bucket,
        "--key", "cli", "--body", str(source), "--checksum-algorithm", algorithm,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    assert UNSIGNED_TRAILER in run.stderr
    assert f"x-amz-checksum-{algorithm.lower()}" in run.stderr
    assert stored(upstream, bucket, "cli") == source.read_bytes()


def test_aws_s3_cp_with_a_checksum_algorithm(
    tls_gateway: Any, credential: tuple[str, str], bucket: str, upstream: Any,
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("AWS_CA_BUNDLE", str(tls_gateway.certificate))
    source = tmp_path / "copied.bin"
    source.write_bytes(secrets.token_bytes(300_000))
    run = aws_cli(
        tls_gateway, *credential, "s3", "cp", str(source), f"s3://{bucket}/copied.bin",
        "--checksum-algorithm", "CRC32C",
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert stored(upstream, bucket, "copied.bin") == source.read_bytes()


# Hand-built requests: what an SDK that signs its chunks sends, and what no SDK should.


def signing_key(secret: str, day: str) -> bytes:
    key = f"AWS4{secret}".encode()
    for part in (day, REGION, "s3", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


class _Claim(S3SigV4Auth):  # type: ignore[misc]
    def __init__(self, credentials: Credentials, claim: str) -> None:
        super().__init__(credentials, "s3", REGION)
        self._claim = claim

    def payload(self, request: AWSRequest) -> str:
        return self._claim


def upload_headers(
    credential: tuple[str, str], host: str, path: str, claim: str, trailer: str, data: bytes,
    encoded: int,
) -> dict[str, str]:  # fmt: skip
    request = AWSRequest(
        method="PUT",
        url=f"http://{host}{path}",
        headers={
            "content-encoding": "aws-chunked",
            "x-amz-trailer": trailer,
            "x-amz-decoded-content-length": str(len(data)),
            "content-length": str(encoded),
        },
        data=b"",
    )
    _Claim(Credentials(*credential), claim).add_auth(request)
    return {"Host": host, **request.headers}


def signed_trailer_body(
    key: bytes, seed: str, amz_date: str, data: bytes, trailer: str, value: str,
    *, forge_trailer_signature: bool = False,
) -> bytes:  # fmt: skip
    """aws-chunked with chunk signatures and a signed trailer, from AWS's definition."""
    scope = f"{amz_date[:8]}/{REGION}/s3/aws4_request"
    empty = hashlib.sha256(b"").hexdigest()

    def sign(algorithm: str, previous: str, hashed: str) -> str:
        text = "\n".join([algorithm, amz_date, scope, previous, hashed])
        return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()

    previous, encoded = seed, b""
    pieces = [data[start : start + 65536] for start in range(0, len(data), 65536)]
    for piece in [*pieces, b""]:
        hashed = f"{empty}\n{hashlib.sha256(piece).hexdigest()}"
        previous = sign("AWS4-HMAC-SHA256-PAYLOAD", previous, hashed)
        encoded += f"{len(piece):x};chunk-signature={previous}\r\n".encode() + piece
        encoded += b"\r\n" if piece else b""
    canonical = hashlib.sha256(f"{trailer}:{value}\n".encode()).hexdigest()
    signature = sign("AWS4-HMAC-SHA256-TRAILER", previous, canonical)
    if forge_trailer_signature:
        signature = signature[::-1]
    return encoded + f"{trailer}:{value}\r\nx-amz-trailer-signature:{signature}\r\n\r\n".encode()


def checksum_of(trailer: str, data: bytes) -> str:
    checksum = checksum_for(trailer)
    checksum.update(data)
    return base64.b64encode(checksum.digest()).decode()


def send_signed_trailer(
    gateway: GatewayProcess, credential: tuple[str, str], path: str, data: bytes,
    trailer: str, value: str, *, forge_trailer_signature: bool = False,
) -> Any:  # fmt: skip
    host = f"127.0.0.1:{gateway.port}"
    probe = signed_trailer_body(b"k" * 32, "0" * 64, "20130524T000000Z", data, trailer, value)
    headers = upload_headers(credential, host, path, SIGNED_TRAILER, trailer, data, len(probe))
    seed = headers["Authorization"].rsplit("Signature=", 1)[1]
    amz_date = headers["X-Amz-Date"]
    key = signing_key(credential[1], amz_date[:8])
    body = signed_trailer_body(
        key, seed, amz_date, data, trailer, value, forge_trailer_signature=forge_trailer_signature
    )
    assert len(body) == len(probe)
    return send_raw(gateway, "PUT", path, headers, body)


def code_of(body: bytes) -> str:
    return body.split(b"<Code>", 1)[1].split(b"</Code>", 1)[0].decode()


@pytest.mark.parametrize("algorithm", REQUIRED)
def test_a_signed_trailer_of_each_algorithm_is_verified_and_the_object_arrives(
    s3_gateway: GatewayProcess, credential: tuple[str, str], bucket: str, upstream: Any,
    algorithm: str,
) -> None:  # fmt: skip
    data, trailer = secrets.token_bytes(70_000), f"x-amz-checksum-{algorithm.lower()}"
    answer = send_signed_trailer(
        s3_gateway, credential, f"/{bucket}/signed", data, trailer, checksum_of(trailer, data)
    )
    assert answer.status == 200, answer.body
    assert stored(upstream, bucket, "signed") == data


@pytest.mark.parametrize("size", [70_000, 3 * 1024 * 1024])
def test_a_signed_trailer_with_the_wrong_checksum_is_bad_digest_and_nothing_is_stored(
    s3_gateway: GatewayProcess, credential: tuple[str, str], bucket: str, upstream: Any,
    size: int,
) -> None:  # fmt: skip
    data, trailer = secrets.token_bytes(size), "x-amz-checksum-crc64nvme"
    wrong = checksum_of(trailer, data[:-1] + bytes([data[-1] ^ 1]))  # never the data itself
    answer = send_signed_trailer(s3_gateway, credential, f"/{bucket}/bad", data, trailer, wrong)
    assert answer.status == 400 and code_of(answer.body) == "BadDigest"
    assert b"The CRC64NVME you specified did not match the calculated checksum." in answer.body
    assert stored(upstream, bucket, "bad") is None


@pytest.mark.parametrize("size", [70_000, 3 * 1024 * 1024])
def test_a_wrong_trailer_signature_is_refused_and_nothing_is_stored(
    s3_gateway: GatewayProcess, credential: tuple[str, str], bucket: str, upstream: Any,
    size: int,
) -> None:  # fmt: skip
    data, trailer = secrets.token_bytes(size), "x-amz-checksum-crc32c"
    answer = send_signed_trailer(
        s3_gateway, credential, f"/{bucket}/forged", data, trailer, checksum_of(trailer, data),
        forge_trailer_signature=True,
    )  # fmt: skip
    assert answer.status == 403 and code_of(answer.body) == "SignatureDoesNotMatch"
    assert stored(upstream, bucket, "forged") is None


def test_an_unsigned_trailer_with_the_wrong_crc64nvme_is_bad_digest_and_nothing_is_stored(
    s3_gateway: GatewayProcess, credential: tuple[str, str], bucket: str, upstream: Any
) -> None:
    data, trailer = secrets.token_bytes(3 * 1024 * 1024), "x-amz-checksum-crc64nvme"
    wrong = checksum_of(trailer, b"something else")
    body = (
        b"%x\r\n" % len(data) + data + f"\r\n0\r\n{trailer}:{wrong}\r\n\r\n".encode()
    )  # one chunk: botocore's framing, sized freely
    host = f"127.0.0.1:{s3_gateway.port}"
    path = f"/{bucket}/unsigned"
    headers = upload_headers(credential, host, path, UNSIGNED_TRAILER, trailer, data, len(body))
    answer = send_raw(s3_gateway, "PUT", path, headers, body)
    assert answer.status == 400 and code_of(answer.body) == "BadDigest"
    assert stored(upstream, bucket, "unsigned") is None


def test_boto3_reads_bad_digest_for_a_body_changed_after_its_checksum(
    tls_gateway: Any, credential: tuple[str, str], bucket: str, upstream: Any
) -> None:
    client = boto3.client(
        "s3", endpoint_url=tls_gateway.endpoint, region_name=REGION,
        aws_access_key_id=credential[0], aws_secret_access_key=credential[1],
        verify=str(tls_gateway.certificate), config=Config(s3={"addressing_style": "path"}),
    )  # fmt: skip

    def corrupt(request: AWSRequest, **_: Any) -> None:
        body = request.body.read() if hasattr(request.body, "read") else request.body
        request.body = body.replace(b"hello", b"jello", 1)
        if "Transfer-Encoding" not in request.headers:  # with awscrt, botocore streams
            request.headers["Content-Length"] = str(len(request.body))

    client.meta.events.register("before-send.s3.PutObject", corrupt)
    with pytest.raises(ClientError) as caught:
        client.put_object(Bucket=bucket, Key="c", Body=b"hello" * 100, ChecksumAlgorithm="CRC32C")
    assert caught.value.response["Error"]["Code"] == "BadDigest"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert stored(upstream, bucket, "c") is None


def test_an_unsigned_trailer_is_taken_only_for_object_data(
    s3_gateway: GatewayProcess, credential: tuple[str, str], bucket: str, upstream: Any
) -> None:
    upstream.put_object(Bucket=bucket, Key="tagged", Body=b"x")
    document = b"<Tagging><TagSet><Tag><Key>a</Key><Value>b</Value></Tag></TagSet></Tagging>"
    trailer = "x-amz-checksum-crc32"
    value = checksum_of(trailer, document)
    body = b"%x\r\n" % len(document) + document + f"\r\n0\r\n{trailer}:{value}\r\n\r\n".encode()
    host, path = f"127.0.0.1:{s3_gateway.port}", f"/{bucket}/tagged?tagging"
    headers = upload_headers(credential, host, path, UNSIGNED_TRAILER, trailer, document, len(body))
    answer = send_raw(s3_gateway, "PUT", path, headers, body)
    assert answer.status == 400 and code_of(answer.body) == "InvalidRequest"
    assert b"The value of x-amz-content-sha256 header is invalid." in answer.body
    assert upstream.get_object_tagging(Bucket=bucket, Key="tagged")["TagSet"] == []
