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

import json
import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
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
from iamd.auth.authenticate import authenticate_with
from iamd.auth.caller import Caller
from iamd.auth.origin import RequestMeta
from iamd.auth.sigv4 import HttpRequest, check_request_time, read_signature, verify_signature
from iamd.authz.authorize import decide_access, resource_policy
from iamd.authz.context_keys import request_keys
from iamd.clock import Clock
from iamd.errors import ServiceError
from iamd.gateway.api_errors import (
    FORBIDDEN,
    MISSING_TOKEN,
    ApiError,
    access_denied,
    from_auth_error,
)
from iamd.gateway.principal_headers import principal_headers, without_claims
from iamd.gateway.request_head import http_head, request_meta
from iamd.gateway.s3_authorize import GatewayCall
from iamd.gateway.upstream import HOP_BY_HOP, response_headers
from iamd.policy import Decision, access_denied_message
from iamd.store.access_keys import record_key_use
from iamd.store.database import Database
from iamd.store.sealing import Sealer

log = logging.getLogger("iamd.gateway")

SERVICE = "execute-api"
MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit
MAX_HEADER_BYTES = 10 * 1024
HEALTH_PATH = "/_iamd/health"
METHODS = ["GET", "PUT", "POST", "DELETE", "HEAD", "PATCH", "OPTIONS"]
# The client's authorization is for the gateway; it never travels on.
DROPPED = frozenset(
    {"authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256", "host"}
    | HOP_BY_HOP
    | {"content-length", "expect", "proxy-authorization"}
)


@dataclass(frozen=True)
class Api:
    """The API this gateway fronts, as API Gateway would name it."""

    api_id: str
    stage: str
    account_id: str
    region: str = "us-east-1"
    policy: str | None = None  # the API's resource policy, validated at start

    def arn(self, partition: str, method: str, path: str) -> str:
        return (
            f"arn:{partition}:execute-api:{self.region}:{self.account_id}:"
            f"{self.api_id}/{self.stage}/{method}{path}"
        )


def expanded_policy(text: str, api: Api) -> str:
    """API Gateway's shorthand ``execute-api:/stage/METHOD/path`` as the API's full ARNs."""
    document = json.loads(text)
    prefix = f"arn:aws:execute-api:{api.region}:{api.account_id}:{api.api_id}/"
    statements = document.get("Statement")
    for statement in statements if isinstance(statements, list) else [statements]:
        if not isinstance(statement, dict):
            continue
        for element in ("Resource", "NotResource"):
            value = statement.get(element)
            if isinstance(value, str):
                statement[element] = _expanded(value, prefix)
            elif isinstance(value, list):
                statement[element] = [_expanded(item, prefix) for item in value]
    return json.dumps(document)


def _expanded(resource: object, prefix: str) -> object:
    if isinstance(resource, str) and resource.startswith("execute-api:/"):
        return prefix + resource.removeprefix("execute-api:/")
    return resource


@dataclass(frozen=True)
class ApiGateway:
    db: Database
    sealer: Sealer
    clock: Clock
    upstream_url: str
    api: Api
    client: httpx.AsyncClient


@dataclass(frozen=True)
class _Invocation:
    head: HttpRequest  # with its body
    path: str  # the path after the stage, decoded: the ARN's last part
    upstream_path: str  # the same, as sent (still encoded)
    meta: RequestMeta
    now: datetime


def create_api_app(gateway: ApiGateway) -> Starlette:
    async def endpoint(request: Request) -> Response:
        request_id = ids.request_id()
        try:
            return await _answer(gateway, request)
        except ApiError as error:
            return error_response(error, request_id)
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
        gateway.db.dispose()

    routes = [
        Route(HEALTH_PATH, health, methods=["GET"]),
        Route("/{path:path}", endpoint, methods=METHODS),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


def error_response(error: ApiError, request_id: str) -> Response:
    headers = {"x-amzn-RequestId": request_id, "x-amzn-ErrorType": error.error_type}
    return Response(error.body(), error.status, headers, "application/json")


async def _answer(gateway: ApiGateway, request: Request) -> Response:
    invocation = await _read(gateway, request)
    caller = await run_in_threadpool(_authorize, gateway, invocation)
    return await _forward(gateway, invocation, caller)


async def _read(gateway: ApiGateway, request: Request) -> _Invocation:
    head = http_head(request)
    if sum(len(name) + len(value) for name, value in head.headers.items()) > MAX_HEADER_BYTES:
        raise ApiError("RequestHeaderFieldsTooLarge", 431, "Request Header Fields Too Large")
    upstream_path = _after_stage(head.path, gateway.api.stage)
    path = _decoded(upstream_path)
    body = await _body(request)
    now = gateway.clock.now()
    return _Invocation(replace(head, body=body), path, upstream_path, request_meta(request), now)


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
    """Authenticate the signed request, then decide execute-api:Invoke on its ARN."""
    head, api = invocation.head, gateway.api
    try:
        signed = read_signature(head, (SERVICE,))
        if signed is None:
            raise MISSING_TOKEN
        check_request_time(signed, invocation.now)
        if signed.region != api.region:
            raise ApiError(
                "InvalidSignatureException",
                403,
                f"Credential should be scoped to a valid region, not '{signed.region}'. ",
            )
        with gateway.db.transaction(write=False) as conn:
            authenticated = authenticate_with(
                conn,
                gateway.sealer,
                signed,
                invocation.now,
                lambda secret: verify_signature(head, signed, secret),
            )
            caller = authenticated.caller
            call = GatewayCall(conn, caller, invocation.now, api.region, invocation.meta)
            decision = _decide(call, api, head.method, invocation.path, head.headers)
    except ServiceError as error:
        raise from_auth_error(error) from None
    record_key_use(gateway.db, authenticated.key, invocation.now, SERVICE, api.region)
    if not decision.allowed:
        raise access_denied(access_denied_message(decision))
    return caller


def _decide(
    call: GatewayCall, api: Api, method: str, path: str, headers: Mapping[str, str]
) -> Decision:
    keys = dict(request_keys(call, {}))
    if "referer" in headers:
        keys["aws:Referer"] = headers["referer"]
    policy = resource_policy(api.policy, f"api:{api.api_id}") if api.policy else None
    return decide_access(
        call,
        f"{SERVICE}:Invoke",
        api.arn(call.caller.partition, method, path),
        keys,
        resource_policy=policy,
        resource_account=api.account_id,
    )


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
