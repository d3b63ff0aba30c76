"""An S3 request through the gateway, as it moves from read to admitted.

`S3Gateway` is what every request shares (the store, the master key, the clock, the
upstream, the virtual-hosting domains, the audit trail). `read_request` reads a
request's head into an `S3Request` — address, query, operation — before anyone is
trusted; once its caller is authenticated it becomes `Admitted`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from starlette.requests import Request

from iamd.audit.trail import Trail, disabled_trail
from iamd.auth.origin import RequestMeta
from iamd.auth.sigv4 import HttpRequest
from iamd.auth.sigv4_parse import query_pairs
from iamd.clock import Clock
from iamd.gateway.request_head import MAX_HEADER_BYTES, header_bytes, http_head, request_meta
from iamd.gateway.s3_address import S3Address, locate
from iamd.gateway.s3_authn import S3Caller
from iamd.gateway.s3_errors import S3Error, invalid_argument
from iamd.gateway.s3_operations import Level, S3Operation, operation_of
from iamd.gateway.upstream import Upstream
from iamd.store.buckets import Bucket
from iamd.store.database import Database
from iamd.store.sealing import Sealer

# The query parameters of a presigned URL: the signature, never an operation's input.
PRESIGN_PARAMS = frozenset(
    {
        "X-Amz-Algorithm",
        "X-Amz-Credential",
        "X-Amz-Date",
        "X-Amz-Expires",
        "X-Amz-SignedHeaders",
        "X-Amz-Signature",
        "X-Amz-Security-Token",
    }
)


@dataclass(frozen=True)
class S3Gateway:
    db: Database
    sealer: Sealer
    clock: Clock
    upstream: Upstream
    domains: tuple[str, ...] = ("localhost",)
    trail: Trail = field(default_factory=disabled_trail)


@dataclass(frozen=True)
class S3Request:
    """A request read and located, before anyone is trusted."""

    head: HttpRequest
    address: S3Address
    params: dict[str, str]
    operation: S3Operation
    meta: RequestMeta
    now: datetime
    request_id: str  # the id of S3's answer, and of the request's event on the trail


@dataclass(frozen=True)
class Admitted:
    """A request whose caller is authenticated, with its bucket's record as it stood."""

    request: S3Request
    s3_caller: S3Caller
    bucket: Bucket | None


def read_request(gateway: S3Gateway, request: Request, request_id: str) -> S3Request:
    head = http_head(request)
    if header_bytes(head) > MAX_HEADER_BYTES:
        raise S3Error(
            "RequestHeaderSectionTooLarge",
            400,
            "Your request header section exceeds the maximum allowed size.",
        )
    _refuse_signature_v2(head)
    address = locate(head.headers.get("host", ""), head.path, gateway.domains)
    params = operation_params(head.query_string)
    operation = operation_of(head.method, level_of(address), params, head.headers)
    meta, now = request_meta(request), gateway.clock.now()
    return S3Request(head, address, params, operation, meta, now, request_id)


def _refuse_signature_v2(head: HttpRequest) -> None:
    """Signature Version 2 (``AWS key:signature``, ``?AWSAccessKeyId=``) is not taken."""
    authorization = head.headers.get("authorization", "")
    if authorization.startswith("AWS ") or "AWSAccessKeyId=" in head.query_string:
        raise S3Error(
            "InvalidRequest",
            400,
            "The authorization mechanism you have provided is not supported. "
            "Please use AWS4-HMAC-SHA256.",
        )


def level_of(address: S3Address) -> Level:
    if address.bucket is None:
        return "service"
    return "bucket" if address.key is None else "object"


def operation_params(query_string: str) -> dict[str, str]:
    """The query's parameters but the signature's; a repeated name is refused.

    The upstream might read the last of two values where the decision read the first.
    """
    params: dict[str, str] = {}
    for name, value in query_pairs(query_string):
        if name in params:
            raise invalid_argument("A query parameter is repeated.", name, value)
        params[name] = value
    return {name: value for name, value in params.items() if name not in PRESIGN_PARAMS}
