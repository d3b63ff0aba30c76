"""An ASGI request's head as authentication reads it: ``HttpRequest`` and ``RequestMeta``.

In: the ASGI scope (and a body, when one has been read). Out: the raw path and query
as sent, header names lower-cased with repeated headers joined by commas, and where
the request came from. Every front end (the IAM endpoint, the gateways, the
middleware) reads requests through these two functions, so all of them sign-check the
same bytes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from iamd.auth.origin import RequestMeta
from iamd.auth.sigv4_parse import HttpRequest


def http_request(scope: Mapping[str, Any], body: bytes = b"") -> HttpRequest:
    headers: dict[str, str] = {}
    for raw_name, raw_value in scope["headers"]:
        name = raw_name.decode("latin-1").lower()
        value = raw_value.decode("latin-1")
        headers[name] = f"{headers[name]},{value}" if name in headers else value
    raw_path = scope.get("raw_path") or scope["path"].encode()
    return HttpRequest(
        method=scope["method"],
        path=raw_path.decode("latin-1"),
        query_string=scope.get("query_string", b"").decode("latin-1"),
        headers=headers,
        body=body,
    )


def request_meta(scope: Mapping[str, Any]) -> RequestMeta:
    client = scope.get("client")
    wanted = {b"user-agent": "", b"host": "localhost"}
    for name, value in scope["headers"]:
        if name.lower() in wanted:
            wanted[name.lower()] = value.decode("latin-1")
    return RequestMeta(
        source_ip=client[0] if client else "127.0.0.1",
        user_agent=wanted[b"user-agent"],
        secure_transport=scope.get("scheme") == "https",
        host=wanted[b"host"],
    )
