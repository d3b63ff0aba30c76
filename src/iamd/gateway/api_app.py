"""``iamd gateway --service execute-api``: IAM authorization for your own HTTP API.

As API Gateway's ``AWS_IAM`` authorization: the client signs with service
``execute-api`` (``curl --aws-sigv4``, botocore's SigV4Auth, any SDK's signer); the
request ``METHOD /<stage>/<path>`` is the action ``execute-api:Invoke`` on
``arn:aws:execute-api:<region>:<account>:<api-id>/<stage>/<METHOD>/<path>``, decided
over the caller's policies and the API's resource policy (``--resource-policy``), the
API's account (``--account-id``) as the resource's owner — so another account needs
both, and a Deny on ``aws:SourceIp`` refuses whoever it names. Allowed requests go to
the upstream without the stage, without the client's signature, and with who called
in ``X-Iamd-*`` headers (`principal_headers`), which are stripped from the client's.

The signature covers the body's hash, so the body is read first (capped at API
Gateway's 10 MB) and only then authenticated; nothing reaches the upstream before
the decision.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from urllib.parse import unquote

import httpx
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from iamd import ids
from iamd.audit.trail import Trail, disabled_trail
from iamd.auth.caller import Caller
from iamd.auth.origin import RequestMeta
from iamd.auth.sigv4 import HttpRequest
from iamd.clock import Clock
from iamd.gateway.api_authorize import Api, Invocation, authorize_invocation
from iamd.gateway.api_errors import (
    FORBIDDEN,
    ApiError,
)
from iamd.gateway.forward_auth import Authorizer, forward_auth_routes
from iamd.gateway.principal_headers import principal_headers, without_claims
from iamd.gateway.request_head import has_body, http_head, request_meta
from iamd.gateway.routes import every_method
from iamd.gateway.upstream import HOP_BY_HOP, response_headers
from iamd.store.database import Database
from iamd.store.sealing import Sealer

log = logging.getLogger("iamd.gateway")

MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit
MAX_HEADER_BYTES = 10 * 1024
HEALTH_PATH = "/_iamd/health"
# The client's authorization is for the gateway; it never travels on.
DROPPED = frozenset(
    {"authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256", "host"}
    | HOP_BY_HOP
    | {"content-length", "expect", "proxy-authorization"}
)


@dataclass(frozen=True)
class ApiGateway:
    db: Database
    sealer: Sealer
    clock: Clock
    upstream_url: str
    api: Api
    client: httpx.AsyncClient
    trail: Trail = field(default_factory=disabled_trail)


@dataclass(frozen=True)
class _Invocation:
    head: HttpRequest  # with its body
    path: str  # the path after the stage, decoded: the ARN's last part
    upstream_path: str  # the same, as sent (still encoded)
    meta: RequestMeta
    now: datetime
    request_id: str


def create_api_app(gateway: ApiGateway) -> Starlette:
    async def endpoint(request: Request) -> Response:
        request_id = ids.request_id()
        try:
            return await _answer(gateway, request, request_id)
        except ApiError as error:
            # Refused before its body was read, a request must not leave it on a kept-alive
            # connection (see s3_app._has_body).
            return error_response(error, request_id, close=has_body(request))
        except ClientDisconnect:
            return error_response(ApiError("BadRequestException", 400, "Bad request"), request_id)
        except httpx.HTTPError:
            log.warning("upstream request %s failed", request_id, exc_info=True)
            return error_response(ApiError("BadGatewayException", 502, "Bad Gateway"), request_id)
        except Exception:
            log.exception("request %s failed", request_id)
            failure = ApiError("InternalServerErrorException", 500, "Internal server error")
            return error_response(failure, request_id)

    async def health(request: Request) -> Response:
        return PlainTextResponse("ok")

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await gateway.client.aclose()
        gateway.trail.close()  # what is pending, durably, before the store goes
        gateway.db.dispose()

    authorizer = Authorizer(gateway.db, gateway.sealer, gateway.clock, gateway.trail)
    routes = [
        Route(HEALTH_PATH, health, methods=["GET"]),
        *forward_auth_routes(authorizer, gateway.api),
        # Every method: one API Gateway has no method for is its 403, not a plain 405.
        Route("/{path:path}", every_method(endpoint)),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


def error_response(error: ApiError, request_id: str, *, close: bool = False) -> Response:
    headers = {"x-amzn-RequestId": request_id, "x-amzn-ErrorType": error.error_type}
    if close:
        headers["connection"] = "close"
    return Response(error.body(), error.status, headers, "application/json")


def malformed_http(status_hint: int, reason: str) -> Response:
    """API Gateway's error for a request that is not HTTP/1.1 as the server reads it."""
    return error_response(ApiError("BadRequestException", 400, reason), ids.request_id())


async def _answer(gateway: ApiGateway, request: Request, request_id: str) -> Response:
    invocation = await _read(gateway, request, request_id)
    caller = await run_in_threadpool(_authorize, gateway, invocation)
    return await _forward(gateway, invocation, caller)


async def _read(gateway: ApiGateway, request: Request, request_id: str) -> _Invocation:
    head = http_head(request)
    if sum(len(name) + len(value) for name, value in head.headers.items()) > MAX_HEADER_BYTES:
        raise ApiError("RequestHeaderFieldsTooLarge", 431, "Request Header Fields Too Large")
    upstream_path = _after_stage(head.path, gateway.api.stage)
    path = _decoded(upstream_path)
    body = await _body(request)
    now = gateway.clock.now()
    meta = request_meta(request)
    return _Invocation(replace(head, body=body), path, upstream_path, meta, now, request_id)


def _after_stage(raw_path: str, stage: str) -> str:
    """The path after ``/<stage>``: API Gateway answers 403 for any other stage."""
    prefix = f"/{stage}"
    if raw_path == prefix:
        return "/"
    if not raw_path.startswith(prefix + "/"):
        raise FORBIDDEN
    return raw_path[len(prefix) :]


def _decoded(encoded: str) -> str:
    try:
        path = unquote(encoded, errors="strict")
    except UnicodeDecodeError:
        raise ApiError("BadRequestException", 400, "Invalid request path") from None
    segments = path.split("/")
    if any(s in (".", "..") for s in segments) or any(ord(c) < 0x20 or c == "\x7f" for c in path):
        raise ApiError("BadRequestException", 400, "Invalid request path")
    return path


async def _body(request: Request) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise ApiError("RequestTooLargeException", 413, "Request Too Long")
        chunks.append(chunk)
    return b"".join(chunks)


def _authorize(gateway: ApiGateway, invocation: _Invocation) -> Caller:
    request = Invocation(
        invocation.head, invocation.path, invocation.meta, invocation.now, invocation.request_id
    )
    return authorize_invocation(gateway.db, gateway.sealer, gateway.api, request, gateway.trail)


async def _forward(gateway: ApiGateway, invocation: _Invocation, caller: Caller) -> Response:
    head = invocation.head
    headers = {
        name: value for name, value in without_claims(head.headers).items() if name not in DROPPED
    }
    headers.update(principal_headers(caller))
    url = gateway.upstream_url.rstrip("/") + invocation.upstream_path
    if head.query_string:
        url += "?" + head.query_string
    request = gateway.client.build_request(
        head.method, httpx.URL(url), headers=headers, content=head.body or None
    )
    response = await gateway.client.send(request, stream=True)
    return StreamingResponse(
        response.aiter_raw(),
        response.status_code,
        response_headers(response),
        background=BackgroundTask(response.aclose),
    )
