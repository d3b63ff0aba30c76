"""The checksum a request's headers declare for its body, held to the body as it streams.

In: the request's head (an ``x-amz-checksum-<algorithm>`` header, any of S3's
algorithms in `checksums`), its operation and payload claim, then the body's pieces as
the payload check releases them. Out: `declared_checksum` — the header and the digest
it carries, or None, or S3's InvalidRequest for a header that cannot be one;
`DeclaredChecksumCheck`, a `PayloadCheck` around the payload's own that holds back the
last piece until the body's checksum is the declared one (S3's BadDigest otherwise),
so an upstream never receives all of a body that does not match.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from iamd.gateway import checksums
from iamd.gateway.body import TRAILER_PAYLOADS, PayloadCheck, hold_last
from iamd.gateway.s3_errors import S3Error

# Its checksum headers describe the object its parts make, not the request's body.
WHOLE_OBJECT_OPERATIONS = frozenset({"CompleteMultipartUpload"})
BODY_METHODS = frozenset({"PUT", "POST"})
SDK_ALGORITHM = "x-amz-sdk-checksum-algorithm"


@dataclass(frozen=True)
class DeclaredChecksum:
    header: str  # x-amz-checksum-crc32, …
    digest: bytes


def declared_checksum(
    headers: Mapping[str, str], method: str, operation: str, payload: str
) -> DeclaredChecksum | None:
    """The body checksum the headers declare (lower-case names), checked for form."""
    names = [name for name in headers if checksums.is_checksum_header(name)]
    if not names or method not in BODY_METHODS or operation in WHOLE_OBJECT_OPERATIONS:
        return None
    if len(names) > 1 or payload in TRAILER_PAYLOADS:
        raise S3Error(
            "InvalidRequest",
            400,
            "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.",
        )
    header = names[0]
    algorithm = headers.get(SDK_ALGORITHM)
    if algorithm is not None and algorithm.upper() != checksums.algorithm_of(header):
        raise S3Error("InvalidRequest", 400, f"Value for {SDK_ALGORITHM} header is invalid.")
    return DeclaredChecksum(header, checksums.decoded(header, headers[header], where="header"))


class DeclaredChecksumCheck:
    """The inner check's pieces, the last held back until the declared checksum matches."""

    def __init__(self, inner: PayloadCheck, declared: DeclaredChecksum) -> None:
        self._inner = inner
        self._declared = declared
        self._checksum = checksums.checksum_for(declared.header)
        self._held = b""

    def update(self, data: bytes) -> list[bytes]:
        released, self._held = hold_last(self._inner.update(data), self._checksum, self._held)
        return released

    def finish(self) -> bytes:
        last = self._inner.finish()
        self._checksum.update(last)
        header = self._declared.header
        checksums.verify_digest(header, self._declared.digest, self._checksum.digest())
        return self._held + last

    def checksum(self) -> tuple[str, str] | None:
        return self._declared.header, checksums.encoded(self._declared.digest)
