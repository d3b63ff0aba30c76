"""SigV4 request verification for IAM and STS, the inverse of botocore's signer.

`read_signature` (in `sigv4_parse`) turns an `HttpRequest` into the `SignedRequest` it
claims to be; `check_request_time` holds it to AWS's 15-minute window; `verify_signature`
recomputes the signature with the caller's secret through the same named steps as
botocore's `SigV4Auth` — `canonical_request`, `string_to_sign`, `signing_key`,
`signature` — and compares in constant time. Every failure is an `iamd.errors` class
carrying AWS's message.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime, timedelta
from functools import lru_cache
from urllib.parse import quote

from iamd.auth.sigv4_parse import (
    ALGORITHM,
    TERMINATOR,
    HttpRequest,
    SignedRequest,
    amz_date,
    query_pairs,
    read_signature,
)
from iamd.errors import IncompleteSignature, SignatureDoesNotMatch

__all__ = [
    "HttpRequest",
    "SignedRequest",
    "canonical_request",
    "check_request_time",
    "read_signature",
    "signature",
    "signing_key",
    "string_to_sign",
    "verify_signature",
]

MAX_SKEW = timedelta(minutes=15)
MAX_PRESIGNED_EXPIRES = 604_800
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
SIGNATURE_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. "
    "Consult the service documentation for details."
)
EXPIRES_TOO_LONG = (
    "X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires "
    f"must be less than {MAX_PRESIGNED_EXPIRES} seconds"
)
_UNRESERVED = "-_.~"


def check_request_time(signed: SignedRequest, now: datetime) -> None:
    """Reject a request signed more than 15 minutes before or after `now` (aware UTC)."""
    # INVARIANT: like STS, iamd holds presigned URLs to the same 15 minutes around
    # X-Amz-Date whatever X-Amz-Expires says; it only refuses more than a week.
    if signed.is_presigned and (signed.expires_seconds or 0) > MAX_PRESIGNED_EXPIRES:
        raise IncompleteSignature(EXPIRES_TOO_LONG)
    earliest, latest = now - MAX_SKEW, now + MAX_SKEW
    if signed.request_time < earliest:
        raise SignatureDoesNotMatch(
            f"Signature expired: {amz_date(signed.request_time)} is now earlier than "
            f"{amz_date(earliest)} ({amz_date(now)} - 15 min.)"
        )
    if signed.request_time > latest:
        raise SignatureDoesNotMatch(
            f"Signature not yet current: {amz_date(signed.request_time)} is still later than "
            f"{amz_date(latest)} ({amz_date(now)} + 15 min.)"
        )


def verify_signature(request: HttpRequest, signed: SignedRequest, secret_access_key: str) -> None:
    """Recompute the request's signature with the secret; raise unless it matches."""
    key = signing_key(secret_access_key, signed.scope_date, signed.region, signed.service)
    expected = signature(key, string_to_sign(signed, canonical_request(request, signed)))
    provided = signed.signature.encode("utf-8", "replace")
    is_match = hmac.compare_digest(expected.encode("ascii"), provided)
    if not (is_match and _is_payload_hash_honest(request)):
        raise SignatureDoesNotMatch(SIGNATURE_MISMATCH)


def canonical_request(request: HttpRequest, signed: SignedRequest) -> str:
    """SigV4's canonical request, as botocore's SigV4Auth builds it for non-S3 services."""
    return canonical_request_of(
        request, signed, uri=canonical_uri(request.path), payload=payload_hash(request)
    )


def canonical_request_of(
    request: HttpRequest, signed: SignedRequest, *, uri: str, payload: str
) -> str:
    """The canonical request over a given canonical URI and payload hash (S3 differs in both)."""
    return "\n".join(
        (
            request.method.upper(),
            uri,
            canonical_query_string(request.query_string, is_presigned=signed.is_presigned),
            canonical_headers(request.headers, signed.signed_headers),
            ";".join(signed.signed_headers),
            payload,
        )
    )


def canonical_uri(raw_path: str) -> str:
    """The path with dot segments and empty segments removed, URI-encoded once more."""
    segments: list[str] = []
    for segment in raw_path.split("/"):
        if segment == "..":
            if segments:
                segments.pop()
        elif segment and segment != ".":
            segments.append(segment)
    trailing = "/" if raw_path.endswith("/") and segments else ""
    return quote("/" + "/".join(segments) + trailing, safe="/~")


def canonical_query_string(query_string: str, *, is_presigned: bool) -> str:
    """Names and values URI-encoded, sorted; a presigned URL's X-Amz-Signature left out."""
    encoded = sorted(
        (quote(name, safe=_UNRESERVED), quote(value, safe=_UNRESERVED))
        for name, value in query_pairs(query_string)
        if not (is_presigned and name == "X-Amz-Signature")
    )
    return "&".join(f"{name}={value}" for name, value in encoded)


def canonical_headers(headers: Mapping[str, str], signed_headers: tuple[str, ...]) -> str:
    """One `name:value` line per signed header, values trimmed and inner spaces collapsed."""
    return "".join(f"{name}:{' '.join(headers[name].split())}\n" for name in signed_headers)


def payload_hash(request: HttpRequest) -> str:
    """The payload hash the client signed: X-Amz-Content-SHA256 if sent, else the body's."""
    claimed = request.headers.get("x-amz-content-sha256")
    return claimed if claimed is not None else hashlib.sha256(request.body).hexdigest()


def string_to_sign(signed: SignedRequest, canonical: str) -> str:
    """The algorithm, the request time, the credential scope and the canonical request's hash."""
    scope = f"{signed.scope_date}/{signed.region}/{signed.service}/{TERMINATOR}"
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return f"{ALGORITHM}\n{amz_date(signed.request_time)}\n{scope}\n{digest}"


@lru_cache(maxsize=1024)
def signing_key(secret_access_key: str, scope_date: str, region: str, service: str) -> bytes:
    """The key derived from the secret for one day, region and service (cached: four HMACs)."""
    key = _hmac(f"AWS4{secret_access_key}".encode(), scope_date)
    for part in (region, service, TERMINATOR):
        key = _hmac(key, part)
    return key


def signature(key: bytes, text_to_sign: str) -> str:
    """The hex HMAC-SHA256 of the string to sign under the signing key."""
    return hmac.new(key, text_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()


def _is_payload_hash_honest(request: HttpRequest) -> bool:
    # A signed X-Amz-Content-SHA256 stands in for the body in the canonical request, so
    # it must be the body's real hash or a swapped body would pass; UNSIGNED-PAYLOAD is
    # only accepted where there is nothing to sign (a presigned GET).
    claimed = request.headers.get("x-amz-content-sha256")
    if claimed is None:
        return True
    if claimed == UNSIGNED_PAYLOAD:
        return not request.body
    return claimed.lower() == hashlib.sha256(request.body).hexdigest()
