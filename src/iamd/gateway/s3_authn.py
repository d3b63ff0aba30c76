"""Who is calling S3 through the gateway: SigV4 as S3 defines it → the `Caller`.

In: the request's head (no body yet), the store and the clock. Out: `S3Caller` — the
caller (anonymous when the request carries no signature: only a bucket policy naming
``"*"`` can then allow anything), how it signed, the payload claim its signature
covers, and the body check that holds the body to that claim — or S3's error.

The order is S3's: the signature's syntax, the payload claim, the request time (a
presigned URL's own expiry, else 15 minutes of skew), then the key and the signature
(`iamd.auth.authenticate.authenticate_with`, the same lookups as IAM's endpoint: a
long-term key's user or root, or a session token's principal).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection

from iamd.arn import partition_for_region
from iamd.auth.authenticate import Authenticated, authenticate_with
from iamd.auth.caller import Caller, anonymous_caller
from iamd.auth.chunks import AwsChunks, SignatureChain
from iamd.auth.sigv4 import HttpRequest, SignedRequest, read_signature
from iamd.auth.sigv4_parse import amz_date
from iamd.auth.sigv4_s3 import verify_s3_signature
from iamd.errors import ServiceError
from iamd.gateway.body import (
    CHUNKED_PAYLOADS,
    SIGNED_TRAILER_PAYLOAD,
    STREAMING_PAYLOAD,
    TRAILER_PAYLOAD,
    TRAILER_PAYLOADS,
    UNSIGNED_PAYLOAD,
    ChunkedCheck,
    PayloadCheck,
    Sha256Check,
    UnsignedCheck,
)
from iamd.gateway.checksums import is_checksum_header
from iamd.gateway.s3_errors import (
    S3Error,
    access_denied,
    from_auth_error,
    invalid_argument,
    malformed_trailer,
)
from iamd.store.sealing import Sealer

MAX_SKEW = timedelta(minutes=15)
MAX_PRESIGNED_EXPIRES = 604_800
_SHA256_HEX = re.compile(r"[0-9a-fA-F]{64}", re.ASCII)
_DECIMAL = re.compile(r"\d{1,19}", re.ASCII)
ANONYMOUS_REGION = "us-east-1"


@dataclass(frozen=True)
class S3Caller:
    caller: Caller
    signed: SignedRequest | None  # None: an anonymous request
    payload: str  # the payload claim the signature covers
    check: PayloadCheck
    used: Authenticated | None  # what signed (a long-term key, a role), for its last use


def read_s3_signature(head: HttpRequest) -> SignedRequest | None:
    """The request's signature claim (S3's errors for a malformed one)."""
    try:
        return read_signature(head, ("s3",))
    except ServiceError as error:
        presigned = "X-Amz-Signature" in head.query_string or "X-Amz-Algorithm" in head.query_string
        raise from_auth_error(error, "", presigned=presigned) from None


def authenticate_s3(
    conn: Connection,
    sealer: Sealer,
    head: HttpRequest,
    signed: SignedRequest | None,
    now: datetime,
) -> S3Caller:
    """Authenticate the request's head; the body is checked later, as it streams."""
    payload = payload_claim(head, signed)
    if signed is None:
        caller = anonymous_caller(partition=partition_for_region(ANONYMOUS_REGION))
        return S3Caller(caller, None, payload, _check_for(payload, head, None, None), None)
    check_s3_request_time(signed, now)
    keys: list[bytes] = []

    def verify(secret: str) -> None:
        keys.append(verify_s3_signature(head, signed, secret, payload))

    try:
        authenticated = authenticate_with(conn, sealer, signed, now, verify)
    except ServiceError as error:
        raise from_auth_error(error, signed.access_key_id, presigned=signed.is_presigned) from None
    check = _check_for(payload, head, signed, keys[0])
    return S3Caller(authenticated.caller, signed, payload, check, authenticated)


def payload_claim(head: HttpRequest, signed: SignedRequest | None) -> str:
    """What the signature says of the body: a SHA-256, unsigned, or chunk-signed."""
    claimed = head.headers.get("x-amz-content-sha256")
    if (signed is not None and signed.is_presigned) or (signed is None and claimed is None):
        return UNSIGNED_PAYLOAD
    if claimed is None:
        raise S3Error(
            "InvalidRequest",
            400,
            "Missing required header for this request: x-amz-content-sha256",
        )
    if claimed == UNSIGNED_PAYLOAD or _SHA256_HEX.fullmatch(claimed):
        return claimed
    if claimed in CHUNKED_PAYLOADS:
        if claimed in (STREAMING_PAYLOAD, SIGNED_TRAILER_PAYLOAD) and signed is None:
            raise access_denied("Chunk signatures need a signed request.")
        if claimed in TRAILER_PAYLOADS:
            _check_declared_trailer(head.headers.get("x-amz-trailer", ""))
        return claimed
    if claimed.startswith("STREAMING-"):
        raise S3Error(
            "NotImplemented",
            501,
            f"A header you provided implies functionality that is not implemented: {claimed}",
            Header="x-amz-content-sha256",
        )
    raise invalid_argument(
        "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, "
        "or a valid sha256 value.",
        "x-amz-content-sha256",
        claimed,
    )


def _check_declared_trailer(trailer: str) -> None:
    """A trailer must be one checksum S3 knows: nothing else would hold the data to it."""
    if not is_checksum_header(trailer.strip().lower()):
        raise malformed_trailer()


def check_s3_request_time(signed: SignedRequest, now: datetime) -> None:
    """A presigned URL lives X-Amz-Expires seconds; a signed header, 15 minutes of skew."""
    if not signed.is_presigned:
        if abs(now - signed.request_time) > MAX_SKEW:
            raise S3Error(
                "RequestTimeTooSkewed",
                403,
                "The difference between the request time and the current time is too large.",
                RequestTime=amz_date(signed.request_time),
                ServerTime=amz_date(now),
                MaxAllowedSkewMilliseconds="900000",
            )
        return
    expires = signed.expires_seconds
    if expires is None:
        raise S3Error(
            "AuthorizationQueryParametersError",
            400,
            "Query-string authentication version 4 requires the X-Amz-Algorithm, "
            "X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and "
            "X-Amz-Expires parameters.",
        )
    if expires > MAX_PRESIGNED_EXPIRES or expires < 1:
        raise S3Error(
            "AuthorizationQueryParametersError",
            400,
            "X-Amz-Expires must be less than a week (in seconds); that is, the given "
            "X-Amz-Expires must be less than 604800 seconds",
        )
    if now < signed.request_time - MAX_SKEW:
        raise access_denied("Request is not valid yet")
    if now > signed.request_time + timedelta(seconds=expires):
        raise S3Error(
            "AccessDenied",
            403,
            "Request has expired",
            **{"X-Amz-Expires": str(expires)},
            Expires=amz_date(signed.request_time + timedelta(seconds=expires)),
            ServerTime=amz_date(now),
        )


def _check_for(
    payload: str, head: HttpRequest, signed: SignedRequest | None, key: bytes | None
) -> PayloadCheck:
    if payload == UNSIGNED_PAYLOAD:
        return UnsignedCheck()
    if payload not in CHUNKED_PAYLOADS:
        return Sha256Check(payload)
    chain = None
    if payload != TRAILER_PAYLOAD:  # chunk-signed
        assert signed is not None and key is not None
        chain = SignatureChain(
            key,
            request_time=signed.request_time,
            scope=SignatureChain.scope_of(signed.scope_date, signed.region, signed.service),
            seed_signature=signed.signature,
        )
    trailer = head.headers["x-amz-trailer"].strip().lower() if payload in TRAILER_PAYLOADS else None
    chunks = AwsChunks(decoded_length=decoded_length(head.headers), chain=chain, trailer=trailer)
    return ChunkedCheck(chunks, trailer)


def decoded_length(headers: Mapping[str, str]) -> int:
    """The length an aws-chunked body decodes to, which S3 requires up front."""
    value = headers.get("x-amz-decoded-content-length", "")
    if not _DECIMAL.fullmatch(value):
        raise S3Error(
            "MissingContentLength", 411, "You must provide the Content-Length HTTP header."
        )
    return int(value)
