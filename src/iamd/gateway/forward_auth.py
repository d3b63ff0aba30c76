"""Forward-auth: iamd deciding for the proxies people already run.

nginx ``auth_request``, Traefik ``ForwardAuth`` and Envoy's HTTP ``ext_authz`` ask an
authorization service about each request before they forward it; this is that service,
with execute-api semantics (`api_authorize`): the request must be SigV4-signed with
service ``execute-api``, and ``execute-api:Invoke`` on its ARN must be allowed. The
answer is 200 with who called (``X-Iamd-*``, for the proxy to pass on), 401 when the
request is not authenticated, 403 when it is denied.

Each proxy says what the original request was in its own conventional headers:

- nginx: ``X-Original-Method`` and ``X-Original-URI`` (set in the auth location), the
  host in ``X-Original-Host``, the client in ``X-Real-IP``;
- Traefik: ``X-Forwarded-Method``, ``X-Forwarded-Uri``, ``X-Forwarded-Host``,
  ``X-Forwarded-For``;
- Envoy: the check request itself carries the original method, path (after
  ``path_prefix``), query and headers.

The one limit: no proxy sends the body, so only signatures that do not cover one can
be checked — ``UNSIGNED-PAYLOAD``, or a request without a body. Any other payload
hash fails verification: a signed body cannot be checked, so it is not trusted.

On ``iamd serve`` the API is named in the path (``/_iamd/forward-auth/<region>/
<account>/<api-id>/<stage>``, ``/_iamd/ext-authz/<region>/<account>/<api-id>/<stage>/
<original path>``); on ``iamd gateway --service execute-api`` it is the gateway's own
API, resource policy included (``/_iamd/forward-auth``, ``/_iamd/ext-authz/<path>``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import unquote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from iamd.audit.trail import Trail
from iamd.auth.origin import RequestMeta
from iamd.auth.sigv4 import HttpRequest
from iamd.clock import Clock
from iamd.gateway.api_authorize import Api, Invocation, authorize_invocation
from iamd.gateway.api_errors import ApiError
from iamd.gateway.principal_headers import principal_headers
from iamd.gateway.request_head import http_head
from iamd.gateway.routes import every_method
from iamd.store.database import Database
from iamd.store.sealing import Sealer

FORWARD_AUTH_PATH = "/_iamd/forward-auth"
EXT_AUTHZ_PATH = "/_iamd/ext-authz"
# Denials are 403; every failure to authenticate (or to say what the request was) 401.
_DENIALS = frozenset({"AccessDeniedException", "ForbiddenException"})


@dataclass(frozen=True)
class Authorizer:
    db: Database
    sealer: Sealer
    clock: Clock
    trail: Trail | None = None  # where its decisions are recorded, if anywhere


def forward_auth_routes(authorizer: Authorizer, api: Api | None = None) -> list[BaseRoute]:
    """The forward-auth and ext_authz endpoints: for ``api``, or for the API in the path."""

    async def forward_auth(request: Request) -> Response:
        return await _answer(authorizer, _api(api, request), request, envoy_path=None)

    async def ext_authz(request: Request) -> Response:
        path = "/" + request.path_params["rest"]
        return await _answer(authorizer, _api(api, request), request, envoy_path=path)

    named = "" if api is not None else "/{region}/{account_id}/{api_id}/{stage}"
    return [
        Route(FORWARD_AUTH_PATH + named, every_method(forward_auth)),
        Route(EXT_AUTHZ_PATH + named + "/{rest:path}", every_method(ext_authz)),
    ]


def _api(api: Api | None, request: Request) -> Api:
    if api is not None:
        return api
    params = request.path_params
    return Api(params["api_id"], params["stage"], params["account_id"], params["region"])


async def _answer(
    authorizer: Authorizer, api: Api, request: Request, *, envoy_path: str | None
) -> Response:
    try:
        original = original_request(http_head(request), envoy_path=envoy_path)
        invocation = Invocation(
            original, _decoded(original.path), _meta(request), authorizer.clock.now()
        )
        caller = await run_in_threadpool(
            authorize_invocation,
            authorizer.db,
            authorizer.sealer,
            api,
            invocation,
            authorizer.trail,
        )
    except ApiError as error:
        status = 403 if error.error_type in _DENIALS else 401
        headers = {"x-amzn-ErrorType": error.error_type}
        return Response(error.body(), status, headers, "application/json")
    return Response(b"", 200, principal_headers(caller))


def original_request(head: HttpRequest, *, envoy_path: str | None) -> HttpRequest:
    """The request the proxy asks about, from its conventional headers (module doc)."""
    headers = dict(head.headers)
    if envoy_path is not None:
        return replace(head, path=envoy_path, headers=headers)
    method = headers.get("x-original-method") or headers.get("x-forwarded-method")
    uri = headers.get("x-original-uri") or headers.get("x-forwarded-uri")
    if not method or not uri:
        raise ApiError(
            "MissingAuthenticationTokenException",
            401,
            "Forward-auth needs the original method and URI "
            "(X-Original-Method and X-Original-URI, or X-Forwarded-Method and X-Forwarded-Uri).",
        )
    host = headers.get("x-original-host") or headers.get("x-forwarded-host")
    if host:
        headers["host"] = host
    path, _, query = uri.partition("?")
    return HttpRequest(method.upper(), path, query, headers, b"")


def _decoded(raw_path: str) -> str:
    try:
        path = unquote(raw_path, errors="strict")
    except UnicodeDecodeError:
        raise ApiError("BadRequestException", 400, "Invalid request path") from None
    if not path.startswith("/") or any(s in (".", "..") for s in path.split("/")):
        raise ApiError("BadRequestException", 400, "Invalid request path")
    return path


def _meta(request: Request) -> RequestMeta:
    """The original client: the proxy's X-Real-IP, else the address it appended last."""
    headers = request.headers
    forwarded = headers.get("x-forwarded-for", "")
    source = headers.get("x-real-ip") or forwarded.rsplit(",", 1)[-1].strip()
    proto = headers.get("x-forwarded-proto", request.url.scheme)
    return RequestMeta(
        source_ip=source or (request.client.host if request.client else "127.0.0.1"),
        user_agent=headers.get("user-agent", ""),
        secure_transport=proto == "https",
    )
