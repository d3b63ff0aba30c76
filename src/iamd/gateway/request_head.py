"""The head of an HTTP request as the data plane reads it, before anyone is trusted.

In: Starlette's request. Out: an `HttpRequest` with an empty body (bodies stream, they
are never read here) — raw path and query as sent, header names lower-cased, repeated
headers joined — and the `RequestMeta` the network condition keys come from.
"""

from __future__ import annotations

from starlette.requests import Request

from iamd.auth.asgi_request import http_request
from iamd.auth.asgi_request import request_meta as scope_meta
from iamd.auth.origin import RequestMeta
from iamd.auth.sigv4 import HttpRequest

# S3 refuses a request whose headers exceed 8 KB (RequestHeaderSectionTooLarge).
MAX_HEADER_BYTES = 8 * 1024


def http_head(request: Request) -> HttpRequest:
    return http_request(request.scope)


def header_bytes(head: HttpRequest) -> int:
    return sum(len(name) + len(value) for name, value in head.headers.items())


def request_meta(request: Request) -> RequestMeta:
    return scope_meta(request.scope)


def has_body(request: Request) -> bool:
    """Does the request carry a body? Answered before reading it, its connection must close.

    A client that sent ``Expect: 100-continue`` and got an answer instead may still send
    the body; on a kept-alive connection those bytes would open the next request.
    """
    headers = request.headers
    return headers.get("content-length", "0") != "0" or "transfer-encoding" in headers
