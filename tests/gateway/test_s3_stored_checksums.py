"""The checksum a client sends with an object reaches the upstream, which stores it.

Through the gateway, boto3 sends a checksum as a header over HTTP and as an aws-chunked
trailer over HTTPS; either way the gateway verifies it, and the upstream (moto's S3
server) then returns it for GetObject and HeadObject with ``ChecksumMode=ENABLED``,
as S3 does. A checksum that does not match, or cannot be one, gets S3's error and
nothing is stored.
"""

from __future__ import annotations

import base64
import secrets
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from gateway_support import GatewayProcess, aws_cli, recording, signed_request
from iamd.gateway.checksums import checksum_for
from support import RootCredential

ALGORITHMS = [
    "CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256", "SHA512", "XXHASH64", "XXHASH3",
    "XXHASH128",
]  # fmt: skip
STREAMED = 3 * 1024 * 1024 + 17  # past the size the gateway reads whole before forwarding


@pytest.fixture
def credential(account: RootCredential) -> tuple[str, str]:
    return account.access_key_id, account.secret_access_key


@pytest.fixture
def http_client(s3_client: Callable[..., Any], credential: tuple[str, str]) -> Any:
    """boto3 over plain HTTP, which sends its checksum as a header."""
    return recording(s3_client(*credential))


@pytest.fixture
def bucket(http_client: Any) -> str:
    name = "iamd-" + secrets.token_hex(6)
    http_client.create_bucket(Bucket=name)
    return name


def checksum_of(algorithm: str, data: bytes) -> str:
    checksum = checksum_for(f"x-amz-checksum-{algorithm.lower()}")
    checksum.update(data)
    return base64.b64encode(checksum.digest()).decode()


def text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def assert_stored(
    client: Any, upstream: Any, bucket: str, key: str, algorithm: str, data: bytes
) -> None:
    """GetObject and HeadObject with ChecksumMode, through the gateway and straight from
    the upstream, return the object's checksum (and boto3 validates the body against it)."""
    expected = checksum_of(algorithm, data)
    got = client.get_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
    assert got[f"Checksum{algorithm}"] == expected
    assert got["Body"].read() == data
    head = client.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
    assert head[f"Checksum{algorithm}"] == expected
    direct = upstream.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
    assert direct[f"Checksum{algorithm}"] == expected


def nothing_stored(upstream: Any, bucket: str, key: str) -> bool:
    try:
        upstream.head_object(Bucket=bucket, Key=key)
    except ClientError as error:
        return error.response["Error"]["Code"] == "404"
    return False


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_a_header_checksum_of_each_algorithm_is_stored_and_returned(
    http_client: Any, bucket: str, upstream: Any, algorithm: str
) -> None:
    data = secrets.token_bytes(70_000)
    put = http_client.put_object(Bucket=bucket, Key="h", Body=data, ChecksumAlgorithm=algorithm)
    sent = http_client.sent[-1]
    assert text(sent[f"x-amz-checksum-{algorithm.lower()}"]) == checksum_of(algorithm, data)
    assert "x-amz-trailer" not in sent
    assert put[f"Checksum{algorithm}"] == checksum_of(algorithm, data)
    assert_stored(http_client, upstream, bucket, "h", algorithm, data)


@pytest.mark.parametrize("algorithm", ["CRC32C", "SHA256"])
def test_a_header_checksum_of_a_streamed_body_is_stored(
    http_client: Any, bucket: str, upstream: Any, algorithm: str
) -> None:
    data = secrets.token_bytes(STREAMED)
    http_client.put_object(Bucket=bucket, Key="big", Body=data, ChecksumAlgorithm=algorithm)
    assert_stored(http_client, upstream, bucket, "big", algorithm, data)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_a_trailer_checksum_of_a_streamed_body_is_stored_and_returned(
    https_client: Any, bucket: str, upstream: Any, algorithm: str
) -> None:
    data = secrets.token_bytes(STREAMED)
    https_client.put_object(Bucket=bucket, Key="t", Body=data, ChecksumAlgorithm=algorithm)
    sent = https_client.sent[-1]
    assert text(sent["x-amz-content-sha256"]) == "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
    assert text(sent["x-amz-trailer"]) == f"x-amz-checksum-{algorithm.lower()}"
    assert_stored(https_client, upstream, bucket, "t", algorithm, data)


def test_boto3s_default_crc32_trailer_on_a_small_body_is_stored(
    https_client: Any, bucket: str, upstream: Any
) -> None:
    data = b"small and checked"
    https_client.put_object(Bucket=bucket, Key="default", Body=data)
    assert text(https_client.sent[-1]["x-amz-trailer"]) == "x-amz-checksum-crc32"
    assert_stored(https_client, upstream, bucket, "default", "CRC32", data)


def test_parts_keep_their_checksums_and_the_completed_object_has_its_own(
    https_client: Any, bucket: str, upstream: Any
) -> None:
    parts_data = [secrets.token_bytes(5 * 1024 * 1024), secrets.token_bytes(1000)]
    upload = https_client.create_multipart_upload(
        Bucket=bucket, Key="mp", ChecksumAlgorithm="CRC32"
    )["UploadId"]
    parts = []
    for number, data in enumerate(parts_data, start=1):
        part = https_client.upload_part(
            Bucket=bucket, Key="mp", UploadId=upload, PartNumber=number, Body=data,
            ChecksumAlgorithm="CRC32",
        )  # fmt: skip
        assert part["ChecksumCRC32"] == checksum_of("CRC32", data)
        checksum = part["ChecksumCRC32"]
        parts.append({"PartNumber": number, "ETag": part["ETag"], "ChecksumCRC32": checksum})
    https_client.complete_multipart_upload(
        Bucket=bucket, Key="mp", UploadId=upload, MultipartUpload={"Parts": parts}
    )
    # S3's composite checksum: the CRC32 of the parts' digests, with the parts' count.
    digests = b"".join(zlib.crc32(data).to_bytes(4, "big") for data in parts_data)
    composite = base64.b64encode(zlib.crc32(digests).to_bytes(4, "big")).decode()
    got = https_client.get_object(Bucket=bucket, Key="mp", ChecksumMode="ENABLED")
    assert got["ChecksumCRC32"] == f"{composite}-2"
    assert got["ChecksumType"] == "COMPOSITE"
    assert got["Body"].read() == b"".join(parts_data)


def test_the_aws_cli_stores_its_trailer_checksum(
    tls_gateway: Any, credential: tuple[str, str], bucket: str, upstream: Any,
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("AWS_CA_BUNDLE", str(tls_gateway.certificate))
    source = tmp_path / "object.bin"
    source.write_bytes(secrets.token_bytes(STREAMED))
    run = aws_cli(
        tls_gateway, *credential, "s3api", "put-object", "--bucket", bucket, "--key", "cli",
        "--body", str(source), "--checksum-algorithm", "CRC32C",
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    head = aws_cli(
        tls_gateway, *credential, "s3api", "head-object", "--bucket", bucket, "--key", "cli",
        "--checksum-mode", "ENABLED",
    )  # fmt: skip
    assert run.returncode == 0, head.stderr[-2000:]
    assert checksum_of("CRC32C", source.read_bytes()) in head.stdout


@pytest.mark.parametrize("size", [70_000, STREAMED])
def test_a_wrong_header_checksum_is_bad_digest_and_nothing_is_stored(
    http_client: Any, bucket: str, upstream: Any, size: int
) -> None:
    data = secrets.token_bytes(size)
    wrong = checksum_of("CRC32", data + b"!")
    with pytest.raises(ClientError) as caught:
        http_client.put_object(Bucket=bucket, Key="bad", Body=data, ChecksumCRC32=wrong)
    error = caught.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error["Error"]["Code"] == "BadDigest"
    assert error["Error"]["Message"] == (
        "The CRC32 you specified did not match the calculated checksum."
    )
    assert nothing_stored(upstream, bucket, "bad")


def test_a_header_value_that_is_no_digest_is_invalid_request(
    http_client: Any, bucket: str, upstream: Any
) -> None:
    with pytest.raises(ClientError) as caught:
        http_client.put_object(Bucket=bucket, Key="bad", Body=b"data", ChecksumSHA256="AAAA")
    error = caught.value.response["Error"]
    assert error["Code"] == "InvalidRequest"
    assert error["Message"] == "Value for x-amz-checksum-sha256 header is invalid."
    assert nothing_stored(upstream, bucket, "bad")


def test_two_checksum_headers_are_refused(
    s3_gateway: GatewayProcess, credential: tuple[str, str], bucket: str, upstream: Any
) -> None:
    data = b"two checksums"
    headers = {
        "x-amz-checksum-crc32": checksum_of("CRC32", data),
        "x-amz-checksum-sha1": checksum_of("SHA1", data),
    }
    answer = signed_request(
        s3_gateway, credential, "PUT", f"/{bucket}/two", headers=headers, body=data
    )
    assert answer.status == 400
    assert b"<Code>InvalidRequest</Code>" in answer.body
    assert b"Multiple checksum Types are not allowed." in answer.body
    assert nothing_stored(upstream, bucket, "two")


def test_an_algorithm_that_is_not_the_headers_is_refused(
    s3_gateway: GatewayProcess, credential: tuple[str, str], bucket: str, upstream: Any
) -> None:
    data = b"which algorithm"
    headers = {
        "x-amz-checksum-crc32": checksum_of("CRC32", data),
        "x-amz-sdk-checksum-algorithm": "SHA256",
    }
    answer = signed_request(
        s3_gateway, credential, "PUT", f"/{bucket}/alg", headers=headers, body=data
    )
    assert answer.status == 400
    assert b"Value for x-amz-sdk-checksum-algorithm header is invalid." in answer.body
    assert nothing_stored(upstream, bucket, "alg")
