"""The forward's signature is botocore's, header for header, over generated requests."""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import UTC, datetime
from unittest import mock
from urllib.parse import quote

import pytest
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from iamd.gateway.upstream import Upstream
from iamd.gateway.upstream_checksum import checksum_headers, trailer_headers
from iamd.gateway.upstream_sigv4 import UpstreamCredentials, signed_headers

NOW = datetime(2026, 12, 4, 22, 15, 7, 123456, tzinfo=UTC)
CREDENTIALS = UpstreamCredentials("AKIAUPSTREAM0000TEST", "up/secret+key=0123456789", "eu-west-3")
ORIGINS = (
    "http://127.0.0.1:9000",
    "http://LocalHost:9000",
    "http://s3.example.com:80",
    "https://S3.Example.com",
    "https://s3.example.com:443",
    "https://s3.example.com:8443",
    "http://[::1]:9000",
    "http://user:pw@127.0.0.1:9000",
)
KEY_PIECES = (
    "a",
    "photos/2026",
    "a b",
    "ä/ö/ü",
    "日本語",
    "emoji-🙂",
    "plus+sign",
    "per%cent",
    "tilde~x",
    "../up",
    "./here",
    "double//slash",
    "trailing/",
    "q?mark",
    "hash#frag",
    "amp&eq=",
    "semi;colon",
    "!*'()",
    "space at end ",
)
QUERY_PARAMS = (
    {},
    {"acl": ""},
    {"uploads": ""},
    {"tagging": "", "versionId": "v 1/2+3"},
    {"list-type": "2", "prefix": "a b/ä", "delimiter": "/", "max-keys": "1000"},
    {"partNumber": "7", "uploadId": "Zz~_.-%2F"},
    {"response-content-disposition": 'attachment; filename="x y.txt"'},
    {"b": "2", "a": "2", "A": "1", "a-": "0"},
)
HEADER_CHOICES = (
    ("content-type", "application/octet-stream"),
    ("content-type", "  text/plain;   charset=utf-8  "),
    ("content-md5", "1B2M2Y8AsgTpgAmY7PhCfg=="),
    ("range", "bytes=0-99"),
    ("x-amz-meta-color", "blue   and\tgreen"),
    ("x-amz-meta-empty", ""),
    ("X-Amz-Meta-Mixed-Case", "Value"),
    ("x-amz-acl", "public-read"),
    ("x-amz-tagging", "a=1&b=2"),
    ("x-amz-copy-source", "/src-bucket/a%20b?versionId=v1"),
    ("x-amz-storage-class", "STANDARD_IA"),
    ("user-agent", "aws-cli/2.15 Python/3.11"),
    ("x-amzn-trace-id", "Root=1-abc"),
    ("traceparent", "00-abc-def-01"),
    ("baggage", "k=v"),
    ("if-match", '"etag"'),
    ("cache-control", "no-cache"),
    ("date", "Thu, 03 Dec 2026 10:00:00 GMT"),
    ("x-amz-security-token", "a-token"),
)
# What `Upstream.headers_for` keeps and adds, before it signs (made once: each opens pools).
UNSIGNING = {origin: Upstream(origin, None) for origin in ORIGINS}
PAYLOADS = (
    "UNSIGNED-PAYLOAD",
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
)


class _Botocore(S3SigV4Auth):  # type: ignore[misc]
    """botocore's S3 signer, told the payload claim, as the gateway signed before."""

    def __init__(self, payload: str) -> None:
        credentials = Credentials(CREDENTIALS.access_key_id, CREDENTIALS.secret_access_key)
        super().__init__(credentials, "s3", CREDENTIALS.region)
        self._payload = payload

    def payload(self, request: AWSRequest) -> str:
        return self._payload


def botocore_headers(
    method: str, url: str, headers: Mapping[str, str], payload: str
) -> list[tuple[str, str]]:
    request = AWSRequest(method=method, url=url, headers=dict(headers))
    clock = mock.patch("botocore.auth.get_current_datetime", return_value=NOW.replace(tzinfo=None))
    with clock:
        _Botocore(payload).add_auth(request)
    return [(name, str(value)) for name, value in request.headers.items()]


def iamd_headers(
    method: str, url: str, headers: Mapping[str, str], payload: str
) -> list[tuple[str, str]]:
    sent = signed_headers(method, url, headers, CREDENTIALS, payload=payload, now=NOW)
    return list(sent.items())


def generated_request(rng: random.Random) -> tuple[str, str, dict[str, str], str]:
    """A forward as `Upstream.headers_for` prepares it: the URL it builds, the headers
    it keeps of a client's, and what the gateway adds for the body."""
    upstream = UNSIGNING[rng.choice(ORIGINS)]
    method = rng.choice(("GET", "HEAD", "PUT", "POST", "DELETE", "get"))
    key = "/".join(rng.choice(KEY_PIECES) for _ in range(rng.randint(0, 3)))
    path = "/bucket" + (f"/{key}" if key else rng.choice(("", "/")))
    url = upstream.request_url(quote(path, safe="/~"), rng.choice(QUERY_PARAMS))
    client = dict(rng.sample(HEADER_CHOICES, rng.randint(0, 6)))
    payload = rng.choice(PAYLOADS)
    added: dict[str, str] = {}
    if payload == "STREAMING-UNSIGNED-PAYLOAD-TRAILER":
        added = trailer_headers("x-amz-checksum-crc32", rng.randint(0, 10**9))
    elif rng.random() < 0.3:
        added = checksum_headers(
            ("x-amz-checksum-sha256", "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")
        )
    length = rng.choice((None, 0, 1024))
    forwarded = upstream.headers_for(
        method, url, client, content_length=length, payload=payload, added=added
    )
    return method, url, forwarded, payload


@pytest.mark.parametrize("seed", range(40))
def test_the_signature_and_headers_are_botocores_for_generated_requests(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(25):
        method, url, headers, payload = generated_request(rng)
        assert iamd_headers(method, url, headers, payload) == botocore_headers(
            method, url, headers, payload
        ), (method, url, headers, payload)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9000",
        "http://127.0.0.1:9000/",
        "http://127.0.0.1:9000/b/k?a=1&a=0&b&c=",
        "http://127.0.0.1:9000/b/k?z=%2F&y=a+b&x=%7E",
        "http://127.0.0.1:9000/b/%2e%2e/k%2Fx",
        "http://127.0.0.1:9000/b/a%20b/./../c",
    ],
)
def test_raw_paths_and_queries_are_signed_as_the_url_has_them(url: str) -> None:
    headers = {"x-amz-meta-a": "1", "Content-Type": "text/plain"}
    for payload in PAYLOADS:
        assert iamd_headers("GET", url, headers, payload) == botocore_headers(
            "GET", url, headers, payload
        )


def test_repeated_names_in_two_spellings_are_joined_as_botocore_joins_them() -> None:
    headers = {"x-amz-meta-a": " 1 ", "X-Amz-Meta-A": "2  3", "Date": "x", "X-Amz-Date": "y"}
    url = "http://127.0.0.1:9000/b/k"
    assert iamd_headers("PUT", url, headers, "UNSIGNED-PAYLOAD") == botocore_headers(
        "PUT", url, headers, "UNSIGNED-PAYLOAD"
    )
