"""The ASGI application: one endpoint for IAM and STS, plus a health check.

Starlette hands each request's bytes to `pipeline.handle`, which is synchronous.
Most operations take well under a millisecond (SQLite in process, a few indexed
queries), and handing them to a worker thread costs more than running them: they
run on the event loop. Operations that hash passwords (argon2 takes tens of
milliseconds by design) go to the thread pool so they never stall the loop.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route

from iamd import ids
from iamd.auth.sigv4 import HttpRequest
from iamd.console.app import create_console_app
from iamd.errors import MethodNotAllowed, RequestEntityTooLarge, ServiceError
from iamd.operation import RequestMeta
from iamd.protocol import serialize_error
from iamd.server.edge import ClientDisconnect, client_gone, every_method, read_body
from iamd.server.pipeline import MAX_BODY_BYTES, XML_CONTENT_TYPE, Server, handle


def create_app(server: Server) -> Starlette:
    async def endpoint(request: Request) -> Response:
        if request.method not in API_METHODS:
            return _error(MethodNotAllowed(METHOD_NOT_ALLOWED), headers={"Allow": "GET, POST"})
        try:
            body = await read_body(request, MAX_BODY_BYTES)
        except ClientDisconnect:
            return client_gone(request)
        if body is None:
            return _error(RequestEntityTooLarge("Request body exceeds the maximum allowed size."))
        http_request = _http_request(request, body)
        meta = _request_meta(request)
        if _is_slow(http_request):
            answer = await run_in_threadpool(handle, server, http_request, meta)
        else:
            answer = handle(server, http_request, meta)
        return Response(
            answer.body,
            status_code=answer.status,
            media_type=answer.content_type,
            headers={"x-amzn-RequestId": answer.request_id},
        )

    async def health(request: Request) -> Response:
        return PlainTextResponse("ok")

    async def console_home(request: Request) -> Response:
        return RedirectResponse("/console/", status_code=308)

    routes = [
        Route("/healthz", health, methods=["GET"]),
        Route("/console", console_home, methods=["GET"]),
        Mount("/console", app=create_console_app(server)),
        # Every method reaches the endpoint, so that even a refusal is AWS's XML.
        Route("/{path:path}", every_method(endpoint)),
    ]

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        server.db.dispose()

    async def unrouted(request: Request, _: Exception) -> Response:
        # A path no route pattern matches (Starlette's ".*" stops at a newline, say
        # "/%0A") is an API request like any other, not Starlette's plain-text 404.
        return await endpoint(request)

    return Starlette(routes=routes, lifespan=lifespan, exception_handlers={404: unrouted})


# The Query protocol's methods (Starlette answers HEAD as GET, without the body).
API_METHODS = frozenset({"GET", "HEAD", "POST"})
METHOD_NOT_ALLOWED = "The requested method is not allowed: use GET or POST."

# Operations that hash a password with argon2, or may fetch an OIDC issuer's keys.
SLOW_ACTIONS = (
    b"Action=CreateLoginProfile",
    b"Action=UpdateLoginProfile",
    b"Action=ChangePassword",
    b"Action=AssumeRoleWithWebIdentity",
)


def _is_slow(request: HttpRequest) -> bool:
    """Whether the request names a slow action (a false positive only costs a thread hop)."""
    raw = request.body + request.query_string.encode()
    return any(action in raw for action in SLOW_ACTIONS)


def _error(error: ServiceError, *, headers: dict[str, str] | None = None) -> Response:
    """AWS's XML error envelope for a request refused before the pipeline reads it."""
    request_id = ids.request_id()
    status, body = serialize_error(error, request_id)
    return Response(
        body,
        status_code=status,
        media_type=XML_CONTENT_TYPE,
        headers={"x-amzn-RequestId": request_id, **(headers or {})},
    )


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
