"""The HTTP edge: what every endpoint on the port does before it reads a request.

`read_body(receive, limit)` returns the body, or None once it grows past ``limit``
(nothing more is read). A client that disconnects before its body is complete is not
an error of ours: `client_gone` logs one line and gives the answer nobody will read,
so a client cannot fill the log with tracebacks by hanging up. `every_method` lets an
endpoint answer any HTTP method itself (Starlette would answer a plain-text 405).
`xml_error` is AWS's XML error for a request refused before the pipeline reads it;
`malformed_http` is the one for bytes that are not an HTTP request at all, which the
HTTP server (`iamd.cli.http_edge`) answers before any app sees them.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import request_response
from starlette.types import ASGIApp, Receive, Scope, Send

from iamd import ids
from iamd.errors import InvalidQueryParameter, ServiceError
from iamd.protocol import serialize_error
from iamd.server.pipeline import XML_CONTENT_TYPE

__all__ = [
    "ClientDisconnect",
    "client_gone",
    "every_method",
    "malformed_http",
    "read_body",
    "xml_error",
]

log = logging.getLogger("iamd.request")

# No status reaches a client that has gone; this one says why, to whatever logs it.
CLIENT_CLOSED_REQUEST = 499


async def read_body(receive: Receive, limit: int) -> bytes | None:
    """The body, or None once it grows past ``limit`` bytes.

    Raises `ClientDisconnect` if the client leaves first, as Starlette's request does.
    """
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":  # http.disconnect
            raise ClientDisconnect()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def client_gone(request: Request) -> Response:
    """Log, in one line, a client that left mid-request; the answer goes nowhere."""
    client = request.client.host if request.client else "unknown"
    # %r: the path is the client's, and a %0A in it must not start a line of its own.
    log.info(
        "client %s disconnected before sending all of %s %r",
        client,
        request.method,
        request.url.path,
    )
    return Response(status_code=CLIENT_CLOSED_REQUEST)


def every_method(endpoint: Callable[[Request], Awaitable[Response]]) -> ASGIApp:
    """``endpoint`` as an ASGI app, which Starlette routes every HTTP method to.

    Starlette gives a plain function only GET (and HEAD) unless methods are listed,
    and answers any other method itself, in plain text.
    """
    return _AnyMethod(request_response(endpoint))


class _AnyMethod:
    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._app(scope, receive, send)


def xml_error(error: ServiceError, *, headers: dict[str, str] | None = None) -> Response:
    """AWS's XML error envelope for a request refused before the pipeline reads it."""
    request_id = ids.request_id()
    status, body = serialize_error(error, request_id)
    return Response(
        body,
        status_code=status,
        media_type=XML_CONTENT_TYPE,
        headers={"x-amzn-RequestId": request_id, **(headers or {})},
    )


def malformed_http(status_hint: int, reason: str) -> Response:
    """The answer to a request that is not HTTP/1.1 as the server reads it.

    IAM documents no HTTP-level error, so every such request gets the common error for
    a request that does not follow the Query protocol's standard, with its 400 (HTTP's
    own hint, 431 or 501, would be no AWS status for these).
    """
    return xml_error(InvalidQueryParameter(reason))
