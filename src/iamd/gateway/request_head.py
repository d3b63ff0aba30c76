"""The head of an HTTP request as the data plane reads it, before anyone is trusted.

In: Starlette's request. Out: an `HttpRequest` with an empty body (bodies stream, they
are never read here) — raw path and query as sent, header names lower-cased, repeated
headers joined — and the `RequestMeta` the network condition keys come from.
"""

from __future__ import annotations

from starlette.requests import Request

from iamd.auth.origin import RequestMeta
from iamd.auth.sigv4 import HttpRequest

# S3 refuses a request whose headers exceed 8 KB (RequestHeaderSectionTooLarge).
MAX_HEADER_BYTES = 8 * 1024


def http_head(request: Request) -> HttpRequest:
    headers: dict[str, str] = {}
    for raw_name, raw_value in request.scope["headers"]:
        name = raw_name.decode("latin-1").lower()
        value = raw_value.decode("latin-1")
        headers[name] = f"{headers[name]},{value}" if name in headers else value
    raw_path = request.scope.get("raw_path") or request.scope["path"].encode()
    return HttpRequest(
        method=request.method,
        path=raw_path.decode("latin-1"),
        query_string=request.scope["query_string"].decode("latin-1"),
        headers=headers,
        body=b"",
    )


def header_bytes(head: HttpRequest) -> int:
    return sum(len(name) + len(value) for name, value in head.headers.items())


def request_meta(request: Request) -> RequestMeta:
    return RequestMeta(
        source_ip=request.client.host if request.client else "127.0.0.1",
        user_agent=request.headers.get("user-agent", ""),
        secure_transport=request.url.scheme == "https",
    )


def has_body(request: Request) -> bool:
    """Does the request carry a body? Answered before reading it, its connection must close.

    A client that sent ``Expect: 100-continue`` and got an answer instead may still send
    the body; on a kept-alive connection those bytes would open the next request.
    """
    headers = request.headers
    return headers.get("content-length", "0") != "0" or "transfer-encoding" in headers
