"""Where a request points: path-style and virtual-hosted-style, and the names refused."""

from __future__ import annotations

import pytest

from iamd.gateway.s3_address import S3Address, locate
from iamd.gateway.s3_errors import S3Error

DOMAINS = ("localhost", "s3.example.test")


@pytest.mark.parametrize(
    "host,path,expected",
    [
        ("127.0.0.1:9000", "/", S3Address(None, None)),
        ("127.0.0.1:9000", "/bucket", S3Address("bucket", None)),
        ("127.0.0.1:9000", "/bucket/", S3Address("bucket", None)),
        ("localhost:9000", "/bucket/a/b%20c.txt", S3Address("bucket", "a/b c.txt")),
        ("bucket.localhost:9000", "/", S3Address("bucket", None, True)),
        ("bucket.localhost", "/other/key", S3Address("bucket", "other/key", True)),
        ("my.bucket.s3.example.test", "/k%2Fk", S3Address("my.bucket", "k/k", True)),
        ("127.0.0.1", "/bucket/a//b", S3Address("bucket", "a//b")),
    ],
)
def test_addresses(host: str, path: str, expected: S3Address) -> None:
    assert locate(host, path, DOMAINS) == expected


def test_the_upstream_is_always_asked_path_style_for_the_address_decided() -> None:
    address = locate("victim.localhost", "/attacker/secret", DOMAINS)
    assert address.upstream_path() == "/victim/attacker/secret"
    assert locate("h", "/bkt/a%3Fb%23c", DOMAINS).upstream_path() == "/bkt/a%3Fb%23c"


@pytest.mark.parametrize(
    "host,path,code",
    [
        ("h", "/bucket/../other/key", "InvalidArgument"),
        ("h", "/bucket/a/%2e%2e/b", "InvalidArgument"),
        ("h", "/bucket/./a", "InvalidArgument"),
        ("h", "/bucket/a%00b", "InvalidArgument"),
        ("h", "/Bucket/key", "InvalidBucketName"),
        ("h", "/b/key", "InvalidBucketName"),
        ("h", "/192.168.1.1/key", "InvalidBucketName"),
        ("h", "/bucket..name/key", "InvalidBucketName"),
        ("h", "//key", "InvalidBucketName"),
        ("Evil_Bucket.localhost", "/key", "InvalidBucketName"),
        ("h", "/bucket/" + "k" * 1025, "KeyTooLongError"),
        ("h", "/bucket/%ff", "InvalidArgument"),
        ("h", "bucket/key", "InvalidArgument"),
    ],
)
def test_refused_names(host: str, path: str, code: str) -> None:
    with pytest.raises(S3Error) as caught:
        locate(host, path, DOMAINS)
    assert caught.value.code == code
