"""SigV4 as S3 checks it: the path as sent, and the payload hash the client claims.

S3's canonical request differs from IAM's in two places (S3 API Reference, "Signature
Calculations for the Authorization Header"): the canonical URI is the request's path
as it was sent — encoded once, never normalized — and the payload line is the value
of ``X-Amz-Content-SHA256`` (``UNSIGNED-PAYLOAD`` for a presigned URL), not a hash the
server computes. So the signature is checked from the headers alone, before any of
the body is read; whether the body is what the claim says is checked as it streams
(`iamd.auth.chunks` for ``STREAMING-AWS4-HMAC-SHA256-PAYLOAD``).

In: the request's head, its `SignedRequest`, the caller's secret and the payload
claim. Out: the signing key (chunk signatures are chained from it), or
``SignatureDoesNotMatch``.
"""

from __future__ import annotations

import hmac

from iamd.auth.sigv4 import (
    SIGNATURE_MISMATCH,
    HttpRequest,
    SignedRequest,
    canonical_request_of,
    signature,
    signing_key,
    string_to_sign,
)
from iamd.errors import SignatureDoesNotMatch


def verify_s3_signature(
    request: HttpRequest, signed: SignedRequest, secret_access_key: str, payload: str
) -> bytes:
    """Check the signature over S3's canonical request; return the signing key."""
    key = signing_key(secret_access_key, signed.scope_date, signed.region, signed.service)
    canonical = s3_canonical_request(request, signed, payload)
    expected = signature(key, string_to_sign(signed, canonical))
    provided = signed.signature.encode("utf-8", "replace")
    if not hmac.compare_digest(expected.encode("ascii"), provided):
        raise SignatureDoesNotMatch(SIGNATURE_MISMATCH)
    return key


def s3_canonical_request(request: HttpRequest, signed: SignedRequest, payload: str) -> str:
    """The canonical request as botocore's S3SigV4Auth builds it."""
    return canonical_request_of(request, signed, uri=request.path or "/", payload=payload)
