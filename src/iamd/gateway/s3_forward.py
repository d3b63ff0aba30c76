"""Sending an allowed S3 request on to the upstream, and its answer back.

In: the admitted request (its decision already made) and the client's body stream.
Out: the upstream's response, streamed. The body goes on verified (`body.verified`):
a body up to `VERIFY_FIRST_BYTES` is read and checked whole before the upstream is
contacted at all; a larger one streams with its last piece held back until its check
passes. The S3 checksum the body was held to goes on with it (`upstream_checksum`),
so the upstream stores it as S3 would. Bucket ownership follows the upstream's
answers: CreateBucket claims the name for the caller's account first (refusing a
name another account holds, or one the upstream already has) and gives it back if the
upstream refuses; DeleteBucket forgets the bucket once the upstream deleted it.
ListBuckets shows only the caller's buckets.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, replace

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from iamd.gateway import delete_objects
from iamd.gateway.body import (
    CHUNKED_PAYLOADS,
    TRAILER_PAYLOAD,
    TRAILER_PAYLOADS,
    UNSIGNED_PAYLOAD,
    read_all,
    verified,
)
from iamd.gateway.buckets_list import only_buckets_of
from iamd.gateway.checksums import is_checksum_header
from iamd.gateway.copy_source import canonical_copy_source, copy_source
from iamd.gateway.declared_checksum import SDK_ALGORITHM, DeclaredChecksumCheck
from iamd.gateway.s3_authn import decoded_length
from iamd.gateway.s3_checks import refused_deletions
from iamd.gateway.s3_errors import S3Error
from iamd.gateway.s3_request import Admitted, S3Gateway
from iamd.gateway.store_threads import off_loop
from iamd.gateway.upstream import forwarded_headers
from iamd.gateway.upstream_checksum import (
    checksum_headers,
    encoded_length,
    trailer_headers,
    with_trailer,
)
from iamd.gateway.upstream_client import UpstreamResponse
from iamd.store import buckets

VERIFY_FIRST_BYTES = 1024 * 1024
MAX_LIST_BYTES = 16 * 1024 * 1024
SMALL_RESPONSE_BYTES = 64 * 1024


async def forward(
    gateway: S3Gateway, admitted: Admitted, request: Request, body: bytes | None
) -> Response:
    located = admitted.request
    name = located.operation.name
    claimed = False
    if name == "CreateBucket":
        claimed = await off_loop(_claim, gateway, admitted)
    try:
        response = await _send(gateway, admitted, request, body)
    except BaseException:
        if claimed:
            await off_loop(_forget, gateway, admitted)
        raise
    status = response.status_code
    if (name == "CreateBucket" and claimed and status >= 300) or (
        name == "DeleteBucket" and status < 300
    ):
        await off_loop(_forget, gateway, admitted)
    headers = forwarded_headers(response)
    if name == "ListBuckets" and status == 200:
        document = await _read_capped(response)
        owned = await off_loop(_owned, gateway, admitted)
        headers.pop("content-length", None)
        return Response(only_buckets_of(document, owned), status, headers)
    if _is_small(response):  # no streaming machinery for what one read holds
        content = await response.aread()
        await response.aclose()
        return Response(content, status, headers)
    return StreamingResponse(
        response.aiter_raw(), status, headers, background=BackgroundTask(response.aclose)
    )


def _is_small(response: UpstreamResponse) -> bool:
    length = response.headers.get("content-length", "")
    encoded = "content-encoding" in response.headers
    return length.isdigit() and int(length) <= SMALL_RESPONSE_BYTES and not encoded


@dataclass(frozen=True)
class _Outgoing:
    """What goes upstream: the body (or its verified stream), its length, its payload
    claim, and the headers the gateway sets for it (its checksum, its framing)."""

    content: bytes | AsyncIterator[bytes]
    length: int | None
    payload: str
    headers: dict[str, str]


async def _send(
    gateway: S3Gateway,
    admitted: Admitted,
    request: Request,
    body: bytes | None,
    *,
    rewritten: bool = False,
) -> UpstreamResponse:
    located = admitted.request
    headers = dict(located.head.headers)
    if "x-amz-copy-source" in headers:
        source = copy_source(headers["x-amz-copy-source"])
        headers["x-amz-copy-source"] = canonical_copy_source(source)
    outgoing = await _body(admitted, request, body, rewritten=rewritten)
    if _carries_checksum(admitted):  # the upstream is told the checksum the gateway verified
        headers = _without_checksums(headers)
    upstream = gateway.upstream
    url = upstream.request_url(located.address.upstream_path(), located.params)
    method = located.head.method
    signed = upstream.headers_for(
        method,
        url,
        headers,
        content_length=outgoing.length,
        payload=outgoing.payload,
        added=outgoing.headers,
    )
    return await upstream.send(method, url, signed, outgoing.content or None)


def _carries_checksum(admitted: Admitted) -> bool:
    s3_caller = admitted.s3_caller
    return s3_caller.payload in TRAILER_PAYLOADS or isinstance(
        s3_caller.check, DeclaredChecksumCheck
    )


def _without_checksums(headers: dict[str, str]) -> dict[str, str]:
    return {
        name: value
        for name, value in headers.items()
        if not is_checksum_header(name) and name != SDK_ALGORITHM
    }


async def _body(
    admitted: Admitted, request: Request, body: bytes | None, *, rewritten: bool
) -> _Outgoing:
    check, claim = admitted.s3_caller.check, admitted.s3_caller.payload
    head = admitted.request.head
    length = len(body) if body is not None else _declared_length(head.headers, claim, head.method)
    if body is None and (length is None or length <= VERIFY_FIRST_BYTES):
        body = await read_all(request.stream(), check, VERIFY_FIRST_BYTES)
    # A signed SHA-256 goes on with the body, so an upstream that checks payloads checks
    # it once more; an unsigned or chunk-signed body goes on as UNSIGNED-PAYLOAD.
    upstream_claim = claim if _is_hash(claim) else UNSIGNED_PAYLOAD
    checksum = None if rewritten else check.checksum()  # a rewritten body has none yet
    added = checksum_headers(checksum) if checksum is not None else {}
    if body is not None:
        return _Outgoing(body, length, upstream_claim, added)
    stream = verified(request.stream(), check)
    if claim not in TRAILER_PAYLOADS:
        return _Outgoing(stream, length, upstream_claim, added)
    # A trailer's checksum is known only at the body's end: it goes on as a trailer too.
    trailer = head.headers["x-amz-trailer"].strip().lower()
    assert length is not None  # an aws-chunked body declares its decoded length
    return _Outgoing(
        with_trailer(stream, check, length),
        encoded_length(trailer, length),
        TRAILER_PAYLOAD,
        trailer_headers(trailer, length),
    )


def _is_hash(claim: str) -> bool:
    return claim != UNSIGNED_PAYLOAD and claim not in CHUNKED_PAYLOADS


def _declared_length(headers: Mapping[str, str], claim: str, method: str) -> int | None:
    if claim in CHUNKED_PAYLOADS:
        return decoded_length(headers)
    value = headers.get("content-length")
    if value is not None:
        if not value.isdigit():
            raise S3Error("InvalidArgument", 400, "Content-Length is not a number.")
        return int(value)
    if "transfer-encoding" in headers and method in ("PUT", "POST"):
        raise S3Error(
            "MissingContentLength", 411, "You must provide the Content-Length HTTP header."
        )
    return None


async def _read_capped(response: UpstreamResponse) -> bytes:
    pieces: list[bytes] = []
    size = 0
    async for piece in response.aiter_raw():
        size += len(piece)
        if size > MAX_LIST_BYTES:
            await response.aclose()
            raise S3Error("InternalError", 500, "The upstream's bucket list is too large.")
        pieces.append(piece)
    await response.aclose()
    return b"".join(pieces)


def _bucket_taken() -> S3Error:
    return S3Error(
        "BucketAlreadyExists",
        409,
        "The requested bucket name is not available. The bucket namespace is shared by all "
        "users of the system. Please select a different name and try again.",
    )


def _claim(gateway: S3Gateway, admitted: Admitted) -> bool:
    """Claim the name for the caller's account; False when it already owns it."""
    name = admitted.request.address.bucket
    account_id = admitted.s3_caller.caller.account_id
    assert name is not None
    if admitted.bucket is not None:
        if admitted.bucket.account_id != account_id:
            raise _bucket_taken()
        return False
    if _exists_upstream(gateway, name):
        raise _bucket_taken()
    with gateway.db.transaction() as conn:
        if not buckets.claim_bucket(conn, name, account_id, admitted.request.now):
            raise _bucket_taken()
    return True


def _exists_upstream(gateway: S3Gateway, name: str) -> bool:
    upstream = gateway.upstream
    url = upstream.request_url(f"/{name}", {})
    headers = upstream.headers_for("HEAD", url, {}, content_length=None)
    return upstream.sync_client.head(url, headers=headers).status_code != 404


def _forget(gateway: S3Gateway, admitted: Admitted) -> None:
    name = admitted.request.address.bucket
    assert name is not None
    with gateway.db.transaction() as conn:
        buckets.forget_bucket(conn, name)


def _owned(gateway: S3Gateway, admitted: Admitted) -> set[str]:
    with gateway.db.transaction(write=False, savepoints=False) as conn:
        return buckets.buckets_of(conn, admitted.s3_caller.caller.account_id)


async def forward_delete_objects(
    gateway: S3Gateway, admitted: Admitted, request: Request, body: bytes
) -> Response:
    """DeleteObjects: the allowed objects forwarded, the refused ones reported as errors."""
    refused = await off_loop(refused_deletions, gateway, admitted, body)
    if not refused:
        return await forward(gateway, admitted, request, body)
    remaining = delete_objects.without(body, refused)
    if remaining is None:
        return Response(
            delete_objects.with_refusals(None, refused), 200, media_type="application/xml"
        )
    head = admitted.request.head
    rewritten = replace(head, headers=delete_objects.headers_for(head.headers, remaining))
    admitted = replace(admitted, request=replace(admitted.request, head=rewritten))
    response = await _send(gateway, admitted, request, remaining, rewritten=True)
    document = await _read_capped(response)
    headers = forwarded_headers(response)
    headers.pop("content-length", None)
    if response.status_code != 200:
        return Response(document, response.status_code, headers)
    return Response(delete_objects.with_refusals(document, refused), 200, headers)
