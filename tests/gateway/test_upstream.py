"""What the upstream is sent: the client's authorization gone, the request signed anew."""

from __future__ import annotations

from datetime import UTC, datetime

from iamd.auth.sigv4 import HttpRequest, read_signature
from iamd.auth.sigv4_s3 import verify_s3_signature
from iamd.gateway.upstream import Upstream, UpstreamCredentials

CLIENT_HEADERS = {
    "authorization": "AWS4-HMAC-SHA256 Credential=AKIACLIENT/...",
    "x-amz-security-token": "client-token",
    "x-amz-date": "20200101T000000Z",
    "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
    "x-amz-decoded-content-length": "5",
    "content-encoding": "aws-chunked,gzip",
    "x-amz-meta-color": "blue",
    "host": "client.example",
    "connection": "keep-alive",
}


def test_the_upstream_signature_verifies_with_the_upstream_secret() -> None:
    upstream = Upstream("http://127.0.0.1:9000", UpstreamCredentials("AKIAUP", "up-secret"))
    url = upstream.request_url("/bucket/a%20b.txt", {"versionId": "v 1", "acl": ""})
    headers = upstream.headers_for("PUT", url, CLIENT_HEADERS, content_length=5)
    lowered = {name.lower(): value for name, value in headers.items()}
    assert "x-amz-security-token" not in lowered and "connection" not in lowered
    assert lowered["content-encoding"] == "gzip"
    assert lowered["x-amz-meta-color"] == "blue"
    assert lowered["x-amz-content-sha256"] == "UNSIGNED-PAYLOAD"
    lowered["host"] = "127.0.0.1:9000"
    path, _, query = url.removeprefix("http://127.0.0.1:9000").partition("?")
    request = HttpRequest("PUT", path, query, lowered, b"")
    signed = read_signature(request, ("s3",))
    assert signed is not None and signed.access_key_id == "AKIAUP"
    verify_s3_signature(request, signed, "up-secret", "UNSIGNED-PAYLOAD")
    assert abs((datetime.now(UTC) - signed.request_time).total_seconds()) < 60


def test_without_credentials_nothing_of_the_clients_authorization_is_sent() -> None:
    upstream = Upstream("http://127.0.0.1:9000", None)
    headers = upstream.headers_for(
        "GET", "http://127.0.0.1:9000/b/k", CLIENT_HEADERS, content_length=None
    )
    assert {name.lower() for name in headers} == {"content-encoding", "x-amz-meta-color"}
