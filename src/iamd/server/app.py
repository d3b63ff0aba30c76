"""The ASGI application: one endpoint for IAM and STS, a health check, and the OpenID
documents of the outbound federation issuers (`iamd.sts.issuer`).

Other front ends (the console) are mounted by whoever composes the process
(`iamd.cli.asgi`), so this package never imports a layer above it.

Starlette hands each request's bytes to `pipeline.handle`, which is synchronous.
Most operations take well under a millisecond (SQLite in process, a few indexed
queries), and handing them to a worker thread costs more than running them: they
run on the event loop. Operations that hash passwords (argon2 takes tens of
milliseconds by design) go to the thread pool so they never stall the loop.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from iamd import ids
from iamd.auth.asgi_request import http_request as asgi_http_request
from iamd.auth.asgi_request import request_meta
from iamd.errors import MethodNotAllowed, RequestEntityTooLarge, ServiceError
from iamd.server.edge import ClientDisconnect, client_gone, every_method, read_body, xml_error
from iamd.server.pipeline import (
    MAX_BODY_BYTES,
    Server,
    answer,
    receive,
    refuse_unread,
)
from iamd.server.pipeline import Response as PipelineResponse
from iamd.sts import issuer


def create_app(server: Server, mounts: Sequence[BaseRoute] = ()) -> Starlette:
    """The API endpoint and health check, with ``mounts`` (the console) routed first."""

    async def endpoint(request: Request) -> Response:
        if request.method not in API_METHODS:
            return xml_error(MethodNotAllowed(METHOD_NOT_ALLOWED), headers={"Allow": "GET, POST"})
        try:
            body = await read_body(request, MAX_BODY_BYTES)
        except ClientDisconnect:
            return client_gone(request)
        if body is None:
            return xml_error(
                RequestEntityTooLarge("Request body exceeds the maximum allowed size.")
            )
        request_id = ids.request_id()
        http_request = asgi_http_request(request.scope, body)
        meta = request_meta(request.scope)
        try:
            incoming = receive(http_request, request_id)
        except ServiceError as error:
            refused = refuse_unread(server, http_request, request_id, meta, error)
            return _http_response(refused)
        if incoming.action in SLOW_ACTIONS:
            return _http_response(await run_in_threadpool(answer, server, incoming, meta))
        return _http_response(answer(server, incoming, meta))

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

    return Starlette(routes=routes, lifespan=lifespan, exception_handlers={404: unrouted})


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


def _http_response(answer: PipelineResponse) -> Response:
    return Response(
        answer.body,
        status_code=answer.status,
        media_type=answer.content_type,
        headers={"x-amzn-RequestId": answer.request_id},
    )
