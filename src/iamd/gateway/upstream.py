"""The upstream: where allowed requests go, re-signed with the gateway's own credentials.

In: the method, the path and query the gateway decided on (never the client's
spelling), the client's headers and the verified body. Out: the upstream's streamed
response. The client's authorization (its signature, session token, date, payload
claim) and hop-by-hop headers never travel on; the request is signed anew with
``--upstream-access-key-id``/``--upstream-secret-access-key`` (the signature botocore's
S3 signer gives, computed by `upstream_sigv4`; the payload as ``UNSIGNED-PAYLOAD``
unless the body's SHA-256 is known and verified) or, without them, sent unsigned.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime
from urllib.parse import quote

import httpx

from iamd.gateway.upstream_client import (
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_POOL_WAIT,
    UpstreamClient,
    UpstreamResponse,
)
from iamd.gateway.upstream_sigv4 import UpstreamCredentials, signed_headers

__all__ = ["Upstream", "UpstreamCredentials", "forwarded_headers", "response_headers"]

UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"

# Never forwarded: the client's authorization, and what belongs to one hop only.
DROPPED_HEADERS = frozenset(
    {
        "authorization",
        "host",
        "x-amz-date",
        "x-amz-content-sha256",
        "x-amz-security-token",
        "x-amz-decoded-content-length",
        "x-amz-trailer",
        "x-amz-expected-bucket-owner",
        "x-amz-source-expected-bucket-owner",
        "content-length",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "upgrade",
        "expect",
    }
)
HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade"}
)


class Upstream:
    """One upstream service: a pooled client for forwards (`upstream_client`), and a
    blocking one for the few questions a decision asks it (a bucket's existence, tags)."""

    def __init__(
        self,
        url: str,
        credentials: UpstreamCredentials | None,
        *,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
    ) -> None:
        self.url = url.rstrip("/")
        self.credentials = credentials
        self.client = UpstreamClient(
            connect_timeout=10.0, read_timeout=60.0, max_connections=max_connections
        )
        # The decision's few questions (a bucket's existence, an object's tags) have a
        # pool of their own, held to the same cap.
        limits = httpx.Limits(
            max_connections=max_connections, max_keepalive_connections=min(50, max_connections)
        )
        timeout = httpx.Timeout(60.0, connect=10.0, pool=DEFAULT_POOL_WAIT)
        self.sync_client = httpx.Client(limits=limits, timeout=timeout)

    def request_url(self, path: str, params: Mapping[str, str]) -> str:
        query = "&".join(
            f"{quote(name, safe='-_.~')}={quote(value, safe='-_.~')}"
            for name, value in params.items()
        )
        return self.url + path + (f"?{query}" if query else "")

    def headers_for(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        *,
        content_length: int | None,
        payload: str = UNSIGNED_PAYLOAD,
        added: Mapping[str, str] | None = None,
    ) -> dict[str, str]:
        """The client's headers, minus its authorization, plus the ``added`` ones the
        gateway sets for the body it sends (its checksum, its framing), signed."""
        forwarded = {name: value for name, value in headers.items() if name not in DROPPED_HEADERS}
        _drop_aws_chunked(forwarded)
        for name, value in (added or {}).items():
            earlier = forwarded.get(name) if name == "content-encoding" else None
            forwarded[name] = f"{value}, {earlier}" if earlier else value
        if content_length is not None:
            forwarded["content-length"] = str(content_length)
        if self.credentials is None:
            return forwarded
        # The wall clock, not the gateway's: the upstream holds the signature to real time.
        now = datetime.now(UTC)
        return signed_headers(method, url, forwarded, self.credentials, payload=payload, now=now)

    async def send(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes | AsyncIterator[bytes] | None,
    ) -> UpstreamResponse:
        return await self.client.send(method, url, headers, body)

    async def close(self) -> None:
        await self.client.aclose()
        self.sync_client.close()


def _drop_aws_chunked(headers: dict[str, str]) -> None:
    """``Content-Encoding: aws-chunked`` describes the client's framing, undone here."""
    encoding = headers.get("content-encoding")
    if encoding is None:
        return
    kept = [e.strip() for e in encoding.split(",") if e.strip() and e.strip() != "aws-chunked"]
    if kept:
        headers["content-encoding"] = ", ".join(kept)
    else:
        del headers["content-encoding"]


def forwarded_headers(response: UpstreamResponse) -> dict[str, str]:
    """The upstream's response headers a client may see (no hop-by-hop ones)."""
    return {name: value for name, value in response.headers.items() if name not in HOP_BY_HOP}


def response_headers(response: httpx.Response) -> dict[str, str]:
    """The upstream's response headers a client may see (no hop-by-hop ones)."""
    kept: dict[str, str] = {}
    for name, value in response.headers.multi_items():
        lowered = name.lower()
        if lowered in HOP_BY_HOP:
            continue
        kept[lowered] = f"{kept[lowered]}, {value}" if lowered in kept else value
    return kept
