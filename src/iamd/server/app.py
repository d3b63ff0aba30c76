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
from iamd.auth.sigv4 import HttpRequest
from iamd.errors import RequestEntityTooLarge, ServiceError
from iamd.operation import RequestMeta
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
        http_request = _http_request(request, body)
        try:
            incoming = receive(http_request, request_id)
        except ServiceError as error:
            return _http_response(error_response(error, request_id, claimed_service(http_request)))
        meta = _request_meta(request)
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
        server.trail.close()  # what is still batched is written before the store closes
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


def _request_meta(request: Request) -> RequestMeta:
    return RequestMeta(
        source_ip=request.client.host if request.client else "127.0.0.1",
        user_agent=request.headers.get("user-agent", ""),
        secure_transport=request.url.scheme == "https",
    )


def _http_request(request: Request, body: bytes) -> HttpRequest:
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
        body=body,
    )
