"""The ASGI application: one endpoint for IAM and STS, plus a health check.

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

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from iamd import ids
from iamd.auth.asgi_request import http_request as asgi_http_request
from iamd.auth.asgi_request import request_meta
from iamd.errors import RequestEntityTooLarge, ServiceError
from iamd.server.pipeline import (
    MAX_BODY_BYTES,
    Server,
    answer,
    claimed_service,
    error_response,
    receive,
)
from iamd.server.pipeline import Response as PipelineResponse


def create_app(server: Server, mounts: Sequence[BaseRoute] = ()) -> Starlette:
    """The API endpoint and health check, with ``mounts`` (the console) routed first."""

    async def endpoint(request: Request) -> Response:
        body = await _read_body(request)
        if body is None:
            error = RequestEntityTooLarge("Request body exceeds the maximum allowed size.")
            return PlainTextResponse(error.message, status_code=error.status)
        request_id = ids.request_id()
        http_request = asgi_http_request(request.scope, body)
        try:
            incoming = receive(http_request, request_id)
        except ServiceError as error:
            return _http_response(error_response(error, request_id, claimed_service(http_request)))
        meta = request_meta(request.scope)
        if incoming.action in SLOW_ACTIONS:
            return _http_response(await run_in_threadpool(answer, server, incoming, meta))
        return _http_response(answer(server, incoming, meta))

    async def health(request: Request) -> Response:
        return PlainTextResponse("ok")

    routes = [
        Route("/healthz", health, methods=["GET"]),
        *mounts,
        Route("/{path:path}", endpoint, methods=["GET", "POST"]),
    ]

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        server.db.dispose()

    return Starlette(routes=routes, lifespan=lifespan)


# Operations that hash a password with argon2, or may fetch an OIDC issuer's keys: they
# run on the thread pool, chosen by the parsed Action (never by searching raw bytes).
SLOW_ACTIONS = frozenset(
    {"CreateLoginProfile", "UpdateLoginProfile", "ChangePassword", "AssumeRoleWithWebIdentity"}
)


def _http_response(answer: PipelineResponse) -> Response:
    return Response(
        answer.body,
        status_code=answer.status,
        media_type=answer.content_type,
        headers={"x-amzn-RequestId": answer.request_id},
    )


async def _read_body(request: Request) -> bytes | None:
    """The body, or None once it grows past the cap (read no further than that)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)
