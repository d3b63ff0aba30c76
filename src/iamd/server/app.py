"""The ASGI application: one endpoint for IAM and STS, plus a health check.

Starlette hands each request's bytes to `pipeline.handle`, which is synchronous
(SQLAlchemy Core, argon2) and so runs in the thread pool, never on the event loop.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from iamd.auth.sigv4 import HttpRequest
from iamd.errors import RequestEntityTooLarge
from iamd.server.pipeline import MAX_BODY_BYTES, Server, handle


def create_app(server: Server) -> Starlette:
    async def endpoint(request: Request) -> Response:
        body = await _read_body(request)
        if body is None:
            error = RequestEntityTooLarge("Request body exceeds the maximum allowed size.")
            return PlainTextResponse(error.message, status_code=error.status)
        answer = await run_in_threadpool(handle, server, _http_request(request, body))
        return Response(
            answer.body,
            status_code=answer.status,
            media_type=answer.content_type,
            headers={"x-amzn-RequestId": answer.request_id},
        )

    async def health(request: Request) -> Response:
        return PlainTextResponse("ok")

    routes = [
        Route("/healthz", health, methods=["GET"]),
        Route("/{path:path}", endpoint, methods=["GET", "POST"]),
    ]

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        server.db.dispose()

    return Starlette(routes=routes, lifespan=lifespan)


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
