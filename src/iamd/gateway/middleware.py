"""iamd inside your Python service: ``authorize(request) → AccessDecision`` and an ASGI
middleware, with the gateway's semantics and no proxy in between.

A service that shares iamd's store (``data_dir`` or ``database_url``) builds one
`IamdAuthorizer` for its API (`Api`: id, stage, owning account, region, resource
policy) and asks it about each SigV4-signed request (service ``execute-api``): who
signed it, and whether ``execute-api:Invoke`` on the request's ARN is allowed — the
same decision `iamd gateway --service execute-api` and forward-auth make, with the
statement that decided it. `IamdMiddleware` does that for every HTTP request of an ASGI
app: it answers 401/403 with API Gateway's JSON errors, and passes allowed requests on
with the `AccessDecision` in ``scope["state"]["iamd"]`` and the ``X-Iamd-*`` headers
(any the client sent are removed first).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from starlette.concurrency import run_in_threadpool

from iamd.audit.trail import Trail
from iamd.auth.asgi_request import http_request, request_meta
from iamd.auth.caller import Caller
from iamd.auth.origin import RequestMeta
from iamd.auth.sigv4 import HttpRequest
from iamd.clock import Clock, SystemClock
from iamd.gateway.api_authorize import Api, Invocation, evaluate_invocation
from iamd.gateway.api_errors import ApiError, access_denied
from iamd.gateway.principal_headers import principal_headers
from iamd.policy import MatchedStatement, access_denied_message
from iamd.store.database import Database, sqlite_url
from iamd.store.sealing import Sealer, load_master_key

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MAX_BODY_BYTES = 10 * 1024 * 1024
DATABASE_FILE = "iamd.sqlite3"


@dataclass(frozen=True)
class AccessDecision:
    """What iamd says of one request: who, allowed or not, and why."""

    allowed: bool
    caller: Caller | None = None  # None: the request is not authenticated
    statement: MatchedStatement | None = None  # the statement that decided, if one did
    reasons: tuple[str, ...] = ()
    error: ApiError | None = field(default=None, compare=False)  # API Gateway's, if refused

    @property
    def principal_arn(self) -> str | None:
        return self.caller.arn if self.caller is not None else None


class IamdAuthorizer:
    """Decides requests to one API against a shared iamd store."""

    def __init__(
        self,
        db: Database,
        sealer: Sealer,
        api: Api,
        clock: Clock | None = None,
        trail: Trail | None = None,
    ) -> None:
        self.db = db
        self.sealer = sealer
        self.api = api
        self.clock = clock or SystemClock()
        self.trail = trail  # where decisions are recorded, as data events; None: nowhere

    @classmethod
    def open(
        cls,
        api: Api,
        *,
        data_dir: str | Path = "./iamd-data",
        database_url: str | None = None,
        audit_trail: bool = False,
    ) -> IamdAuthorizer:
        """Open the store ``iamd serve`` keeps (it must have started once: it migrates).

        ``audit_trail``: record every decision on the store's audit trail, as the
        gateway does (call `close` before the process ends, to write what is pending).
        """
        directory = Path(data_dir)
        url = database_url or sqlite_url(str(directory.resolve() / DATABASE_FILE))
        db, clock = Database(url), SystemClock()
        db.follow_versions()
        trail = Trail(db, clock) if audit_trail else None
        return cls(db, Sealer(load_master_key(directory)), api, clock, trail)

    def close(self) -> None:
        """Write the decisions still pending on the trail, and let the store go."""
        if self.trail is not None:
            self.trail.close()
        self.db.dispose()

    def authorize(self, request: HttpRequest, meta: RequestMeta | None = None) -> AccessDecision:
        """The decision on a signed request (its body included, if it has one)."""
        try:
            path = unquote(request.path, errors="strict")
        except UnicodeDecodeError:
            return AccessDecision(False, error=ApiError("BadRequestException", 400, "Bad path"))
        invocation = Invocation(request, path, meta or RequestMeta(), self.clock.now())
        try:
            outcome = evaluate_invocation(self.db, self.sealer, self.api, invocation, self.trail)
        except ApiError as refused:
            return AccessDecision(False, error=refused, reasons=(refused.message,))
        decision = outcome.decision
        statement = decision.matched[0] if decision.matched else None
        error = None if decision.allowed else access_denied(access_denied_message(decision))
        return AccessDecision(
            decision.allowed, outcome.caller, statement, decision.reasons, error=error
        )


class IamdMiddleware:
    """Only requests iamd allows reach ``app``; each carries its `AccessDecision`."""

    def __init__(self, app: ASGIApp, authorizer: IamdAuthorizer) -> None:
        self.app = app
        self.authorizer = authorizer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        if body is None:
            too_large = ApiError("RequestTooLargeException", 413, "Request Too Long")
            await _reject(send, too_large, too_large.status)
            return
        head = http_request(scope, body)
        result = await run_in_threadpool(self.authorizer.authorize, head, request_meta(scope))
        if not result.allowed or result.caller is None:
            assert result.error is not None
            await _reject(send, result.error, 401 if result.caller is None else 403)
            return
        await self.app(_allowed_scope(scope, result, result.caller), _replay(body), send)


def _allowed_scope(scope: Scope, result: AccessDecision, caller: Caller) -> Scope:
    headers = [
        (name, value)
        for name, value in scope["headers"]
        if not name.decode("latin-1").lower().startswith("x-iamd-")
    ]
    headers += [
        (name.lower().encode("latin-1"), value.encode("latin-1"))
        for name, value in principal_headers(caller).items()
    ]
    state = dict(scope.get("state") or {})
    state["iamd"] = result
    return {**scope, "headers": headers, "state": state}


async def _read_body(receive: Receive) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks)
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


async def _reject(send: Send, error: ApiError, status: int) -> None:
    body = json.dumps({error.key: error.message}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"x-amzn-errortype", error.error_type.encode()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


__all__ = ["AccessDecision", "Api", "IamdAuthorizer", "IamdMiddleware"]
