"""``iamd gateway --service s3``: S3 requests authenticated and authorized by iamd.

One request, in S3's order: the head is read (size-capped) → the address (bucket and
key, `s3_address`) and the operation (`s3_operations`, failing closed) → the signature
(`s3_authn`) → the bucket's record → every (action, resource) the operation needs,
decided over the caller's policies and the bucket policy (`s3_checks`) → bucket
policies answered here (`bucket_policies`), everything else forwarded to the upstream
re-signed (`s3_forward`), the body verified as it streams (`body`). Every refusal is
S3's XML error with the request id; nothing unauthenticated or unauthorized, and no
body that fails its check, completes a request to the upstream.

The store and the policy engine are synchronous: writes, body-sized decisions and,
on PostgreSQL, every decision run on the gateway's threads (`store_threads`), so a
slow database never stalls the event loop that streams bodies; on SQLite a request's
own decision runs on the loop. An allowed request's trail event is queued as it is
answered (`Answering`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import httpx
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from iamd import ids
from iamd.gateway import bucket_policies
from iamd.gateway.body import read_all
from iamd.gateway.request_head import has_body
from iamd.gateway.s3_checks import Recording, admit, admit_and_authorize, authorize
from iamd.gateway.s3_errors import S3Error, not_implemented
from iamd.gateway.s3_forward import forward, forward_delete_objects
from iamd.gateway.s3_operations import ANSWERED_HERE, BUFFERED
from iamd.gateway.s3_request import Admitted, S3Gateway, S3Request, read_request
from iamd.gateway.store_threads import off_loop
from iamd.gateway.upstream_client import UpstreamBusy, UpstreamError

log = logging.getLogger("iamd.gateway")

# Bodies the decision reads (DeleteObjects' keys, a bucket policy) are read whole, to this.
MAX_BUFFERED_BODY = 2 * 1024 * 1024
# Not a valid bucket name, so never a bucket's path.
HEALTH_PATH = "/_iamd/health"


def create_s3_app(gateway: S3Gateway) -> S3First:
    async def endpoint(request: Request, answered: list[Recording]) -> Response:
        request_id = ids.request_id()
        try:
            return await _answer(gateway, request, request_id, answered)
        except S3Error as error:
            return error_response(error, request_id, close=has_body(request))
        except ClientDisconnect:
            incomplete = S3Error("IncompleteBody", 400, "The request body is incomplete.")
            return error_response(incomplete, request_id)
        except UpstreamBusy:  # every connection --upstream-max-connections allows is busy
            busy = S3Error("SlowDown", 503, "Please reduce your request rate.")
            return error_response(busy, request_id)
        except (httpx.HTTPError, UpstreamError):
            log.warning("upstream request %s failed", request_id, exc_info=True)
            unavailable = S3Error("ServiceUnavailable", 503, "The upstream is unavailable.")
            return error_response(unavailable, request_id)
        except Exception:
            log.exception("request %s failed", request_id)
            internal = S3Error("InternalError", 500, "We encountered an internal error.")
            return error_response(internal, request_id)

    async def health(request: Request) -> Response:
        return PlainTextResponse("ok")

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await gateway.upstream.close()
        gateway.trail.close()  # what is pending, durably, before the store goes
        gateway.db.dispose()

    routes = [Route(HEALTH_PATH, health, methods=["GET"])]
    return S3First(Answering(endpoint), Starlette(routes=routes, lifespan=lifespan))


class Answering:
    """The S3 endpoint as an ASGI app: every method (the operation table answers those
    S3 does not take, in S3's XML), and the events the endpoint left in ``answered``
    queued on the event loop's next turn. A small answer has gone out by then (its
    writes never wait in this turn); a streamed one is still going, and its event
    waits for none of it: the trail's bound on what a crash can lose holds."""

    def __init__(self, endpoint: Callable[[Request, list[Recording]], Awaitable[Response]]):
        self._endpoint = endpoint

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        answered: list[Recording] = []
        try:
            response = await self._endpoint(Request(scope, receive, send), answered)
        finally:
            if answered:
                asyncio.get_running_loop().call_soon(_queue, answered)
        await response(scope, receive, send)


def _queue(answered: list[Recording]) -> None:
    for recording in answered:
        recording()


class S3First:
    """Every request straight to the S3 endpoint; the health check, and lifespan, to
    ``routed``. Starlette's middleware and router cost a small GET more than this test
    does, and the endpoint answers every error itself, in S3's shape."""

    def __init__(self, s3: ASGIApp, routed: Starlette) -> None:
        self.s3 = s3
        self.routed = routed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] != HEALTH_PATH:
            await self.s3(scope, receive, send)
        else:
            await self.routed(scope, receive, send)


def error_response(error: S3Error, request_id: str, *, close: bool = False) -> Response:
    headers = {"x-amz-request-id": request_id, "x-amz-id-2": request_id}
    if close:
        headers["connection"] = "close"
    return Response(error.xml(request_id), error.status, headers, "application/xml")


def malformed_http(status_hint: int, reason: str) -> Response:
    """S3's error for a request that is not HTTP/1.1 as the server reads it."""
    if status_hint == 431:
        error = S3Error("RequestHeaderSectionTooLarge", 400, reason)
    elif status_hint == 501:
        error = not_implemented("Transfer-Encoding")
    else:
        error = S3Error("InvalidRequest", 400, reason)
    return error_response(error, ids.request_id())


async def _answer(
    gateway: S3Gateway, request: Request, request_id: str, answered: list[Recording]
) -> Response:
    located = read_request(gateway, request, request_id)
    name = located.operation.name
    if name in BUFFERED:
        admitted = await off_loop(admit, gateway, located)
        body = await read_all(request.stream(), admitted.s3_caller.check, MAX_BUFFERED_BODY)
        await off_loop(authorize, gateway, admitted, body)
    else:
        admitted = await _admitted_and_authorized(gateway, located, answered)
        body = None
    if name in ANSWERED_HERE:
        if body is None:
            body = await read_all(request.stream(), admitted.s3_caller.check, MAX_BUFFERED_BODY)
        return await off_loop(_answer_here, gateway, admitted, body)
    if name == "DeleteObjects":
        assert body is not None
        return await forward_delete_objects(gateway, admitted, request, body)
    return await forward(gateway, admitted, request, body)


async def _admitted_and_authorized(
    gateway: S3Gateway, located: S3Request, answered: list[Recording]
) -> Admitted:
    """On SQLite on the loop: a statement or two read from a local file and a decision,
    which hold the interpreter's lock on a thread as much as here, where the hop to a
    thread and back cost a small GET more than they do (bench/README.md, the gateway).
    On PostgreSQL on a thread: its reads wait on the network, and the loop goes on."""
    if gateway.db.is_sqlite:
        return admit_and_authorize(gateway, located, answered)
    return await off_loop(admit_and_authorize, gateway, located, answered)


def _answer_here(gateway: S3Gateway, admitted: Admitted, body: bytes) -> Response:
    bucket = admitted.bucket
    assert bucket is not None
    name = admitted.request.operation.name
    headers = {"x-amz-request-id": admitted.request.request_id}
    if name == "GetBucketPolicy":
        return Response(bucket_policies.get_policy(bucket), 200, headers, "application/json")
    with gateway.db.transaction() as conn:
        if name == "PutBucketPolicy":
            bucket_policies.put_policy(conn, bucket, body)
        else:
            bucket_policies.delete_policy(conn, bucket)
    return Response(b"", 204, headers)
