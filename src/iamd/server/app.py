"""The ASGI application: one endpoint for IAM and STS, a health check, and the OpenID
documents of the outbound federation issuers (`iamd.sts.issuer`).

Other front ends (the console) are mounted by whoever composes the process
(`iamd.cli.asgi`), so this package never imports a layer above it.

Each request's bytes go to the pipeline (`receive`, `answer`), which is synchronous.
Most operations take well under a millisecond (SQLite in process, a few indexed
queries), and handing them to a worker thread costs more than running them: they
run on the event loop. Operations that hash passwords (argon2 takes tens of
milliseconds by design) go to the thread pool so they never stall the loop. A write
that finds another thread of the process writing (the audit trail's batch, which
holds SQLite's one write lock for a few milliseconds five times a second) waits for
it as a coroutine, so the loop answers reads meanwhile instead of stalling with it.

Requests to ``/``, where every client sends its API calls, reach the endpoint
straight from the server (`ApiFirst`); Starlette's routing and middleware, a fifth
of a cheap read's CPU, serve every other path, and the endpoint answers there too
when no other route matches. Both ways run the same code and send the same bytes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from functools import cache
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import Receive, Scope, Send

from iamd import ids
from iamd.auth.asgi_request import http_request as asgi_http_request
from iamd.auth.asgi_request import request_meta
from iamd.errors import MethodNotAllowed, RequestEntityTooLarge, ServiceError
from iamd.server.edge import ClientDisconnect, client_gone, every_method, read_body, xml_error
from iamd.server.pipeline import (
    MAX_BODY_BYTES,
    Server,
    answer,
    refuse_unread,
    writes,
)
from iamd.server.pipeline import Response as PipelineResponse
from iamd.server.pipeline import receive as receive_call
from iamd.sts import issuer


def create_app(server: Server, mounts: Sequence[BaseRoute] = ()) -> ApiFirst:
    """The API endpoint and health check, with ``mounts`` (the console) routed first."""
    api = ApiEndpoint(server)

    async def endpoint(request: Request) -> Response:
        return await api.respond(request.scope, request.receive)

    async def health(request: Request) -> Response:
        return PlainTextResponse("ok")

    async def issuer_discovery(request: Request) -> Response:
        with server.db.transaction(write=False) as conn:
            document = issuer.discovery_document(conn, request.path_params["issuer_id"])
        return _json_or_404(document)

    async def issuer_keys(request: Request) -> Response:
        with server.db.transaction(write=False) as conn:
            keys = issuer.key_set(conn, request.path_params["issuer_id"], server.clock.now())
        return _json_or_404(keys)

    issuer_root = "/outbound-federation/{issuer_id}"
    routes = [
        Route("/healthz", health, methods=["GET"]),
        Route(issuer_root + issuer.DISCOVERY_PATH, issuer_discovery, methods=["GET"]),
        Route(issuer_root + issuer.JWKS_PATH, issuer_keys, methods=["GET"]),
        *mounts,
        # Every method reaches the endpoint, so that even a refusal is AWS's XML.
        Route("/{path:path}", every_method(endpoint)),
    ]

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        server.trail.close()  # what is still batched is written before the store closes
        server.db.dispose()

    async def unrouted(request: Request, _: Exception) -> Response:
        # A path no route pattern matches (Starlette's ".*" stops at a newline, say
        # "/%0A") is an API request like any other, not Starlette's plain-text 404.
        return await endpoint(request)

    routed = Starlette(routes=routes, lifespan=lifespan, exception_handlers={404: unrouted})
    return ApiFirst(api, routed)


class ApiEndpoint:
    """The IAM/STS endpoint: a request's bytes in, the pipeline's answer out."""

    def __init__(self, server: Server) -> None:
        self._server = server

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self.respond(scope, receive)
        await response(scope, receive, send)

    async def respond(self, scope: Scope, receive: Receive) -> Response:
        if scope["method"] not in API_METHODS:
            return xml_error(MethodNotAllowed(METHOD_NOT_ALLOWED), headers={"Allow": "GET, POST"})
        try:
            body = await read_body(receive, MAX_BODY_BYTES)
        except ClientDisconnect:
            return client_gone(Request(scope))
        if body is None:
            return xml_error(
                RequestEntityTooLarge("Request body exceeds the maximum allowed size.")
            )
        server = self._server
        request_id = ids.request_id()
        http_request = asgi_http_request(scope, body)
        meta = request_meta(scope)
        try:
            incoming = receive_call(http_request, request_id)
        except ServiceError as error:
            return ApiResponse(refuse_unread(server, http_request, request_id, meta, error))
        if incoming.action in SLOW_ACTIONS:
            return ApiResponse(await run_in_threadpool(answer, server, incoming, meta))
        if writes(incoming.action):  # not on the loop's thread while another writes
            await server.db.writers_released()
        return ApiResponse(answer(server, incoming, meta))


class ApiFirst:
    """``/`` straight to the API endpoint; every other path, and lifespan, to ``routed``."""

    def __init__(self, api: ApiEndpoint, routed: Starlette) -> None:
        self.api = api
        self.routed = routed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/":
            await self.api(scope, receive, send)
        else:
            await self.routed(scope, receive, send)


# The Query protocol's methods (Starlette answers HEAD as GET, without the body).
API_METHODS = frozenset({"GET", "HEAD", "POST"})
METHOD_NOT_ALLOWED = "The requested method is not allowed: use GET or POST."


def _json_or_404(document: dict[str, Any] | None) -> Response:
    if document is None:
        return PlainTextResponse("Not Found", status_code=404)
    return JSONResponse(document, headers={"Cache-Control": "max-age=300"})


# Operations that hash a password with argon2, may fetch an OIDC issuer's keys, or
# canonicalize and verify XML signatures (tens of milliseconds for a large Response):
# they run on the thread pool, chosen by the parsed Action (never by searching bytes).
SLOW_ACTIONS = frozenset(
    {
        "CreateLoginProfile",
        "UpdateLoginProfile",
        "ChangePassword",
        "AssumeRoleWithWebIdentity",
        "AssumeRoleWithSAML",
    }
)


class ApiResponse(Response):
    """The pipeline's answer with the head Starlette would give it, built directly.

    Starlette's `Response` would lower-case the header names, add the length, and add
    a charset to a ``text/`` type; these are those same bytes, without its general
    header handling on every request.
    """

    def __init__(self, answer: PipelineResponse) -> None:
        self.status_code = answer.status
        self.body = answer.body
        self.background = None
        self.raw_headers = [
            (b"x-amzn-requestid", answer.request_id.encode("latin-1")),
            (b"content-length", str(len(answer.body)).encode("latin-1")),
            (b"content-type", _content_type_header(answer.content_type)),
        ]


@cache
def _content_type_header(media_type: str) -> bytes:
    if media_type.startswith("text/") and "charset=" not in media_type.lower():
        media_type += "; charset=utf-8"
    return media_type.encode("latin-1")
