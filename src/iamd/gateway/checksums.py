"""The checksums S3 takes for an object's data, by the trailer header that carries them.

In: a trailer name (``x-amz-checksum-crc32c``), the data as it streams, and the value
the client sent (base64 of the big-endian digest). Out: nothing, or S3's error — an
``InvalidRequest`` for a value that is not a digest of the algorithm's size, a
``BadDigest`` for one that does not match the data.

The algorithms are S3's ``ChecksumAlgorithm`` (botocore's model): CRC32 from zlib, the
SHA family and MD5 from hashlib, and CRC32C, CRC64NVME and the XXHASH family from
``awscrt`` — AWS's own C runtime, the implementation botocore itself uses to send them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import zlib
from collections.abc import Callable
from typing import Protocol

from awscrt import checksums as crt

from iamd.gateway.s3_errors import S3Error

PREFIX = "x-amz-checksum-"


class Checksum(Protocol):
    def update(self, data: bytes) -> None: ...
    def digest(self) -> bytes: ...


class _Crc:
    """A CRC of ``size`` bytes, updated by ``step(data, running_value)``."""

    def __init__(self, step: Callable[[bytes, int], int], size: int) -> None:
        self._step = step
        self._size = size
        self._value = 0

    def update(self, data: bytes) -> None:
        self._value = int(self._step(data, self._value))

    def digest(self) -> bytes:
        return self._value.to_bytes(self._size, "big")


class _XXHash:
    def __init__(self, start: Callable[[], crt.XXHash]) -> None:
        self._hash = start()

    def update(self, data: bytes) -> None:
        self._hash.update(data)

    def digest(self) -> bytes:
        return bytes(self._hash.finalize())


ALGORITHMS: dict[str, Callable[[], Checksum]] = {
    "crc32": lambda: _Crc(zlib.crc32, 4),
    "crc32c": lambda: _Crc(crt.crc32c, 4),
    "crc64nvme": lambda: _Crc(crt.crc64nvme, 8),
    "sha1": lambda: hashlib.sha1(usedforsecurity=False),
    "sha256": lambda: hashlib.sha256(),
    "sha512": lambda: hashlib.sha512(),
    "md5": lambda: hashlib.md5(usedforsecurity=False),
    "xxhash64": lambda: _XXHash(crt.XXHash.new_xxhash64),
    "xxhash3": lambda: _XXHash(crt.XXHash.new_xxhash3_64),
    "xxhash128": lambda: _XXHash(crt.XXHash.new_xxhash3_128),
}
# INVARIANT: every algorithm's digest has a fixed size, so a value of another size is
# refused as invalid before it is compared.
DIGEST_SIZES = {name: len(start().digest()) for name, start in ALGORITHMS.items()}


def is_checksum_header(name: str) -> bool:
    return name.startswith(PREFIX) and name.removeprefix(PREFIX) in ALGORITHMS


def checksum_for(header: str) -> Checksum:
    """A running checksum for the trailer ``header`` (one `is_checksum_header` accepts)."""
    return ALGORITHMS[header.removeprefix(PREFIX)]()


def algorithm_of(header: str) -> str:
    """S3's name for the algorithm of a checksum header (``x-amz-checksum-crc32`` → CRC32)."""
    return header.removeprefix(PREFIX).upper()


def encoded(digest: bytes) -> str:
    """A digest as S3 carries it: base64 of its big-endian bytes."""
    return base64.b64encode(digest).decode("ascii")


def decoded(header: str, value: str, *, where: str = "trailing header") -> bytes:
    """The digest a checksum value carries, or S3's InvalidRequest if it cannot be one."""
    try:
        digest = base64.b64decode(value, validate=True)
    except binascii.Error:
        digest = b""
    if len(digest) != DIGEST_SIZES[header.removeprefix(PREFIX)]:
        raise S3Error("InvalidRequest", 400, f"Value for {header} {where} is invalid.")
    return digest


def verify(header: str, claimed: str, computed: bytes) -> None:
    """Raise S3's error unless ``claimed`` is the base64 of the ``computed`` digest."""
    verify_digest(header, decoded(header, claimed), computed)


def verify_digest(header: str, claimed: bytes, computed: bytes) -> None:
    """Raise S3's BadDigest unless the digest the client declared is the one computed."""
    if not hmac.compare_digest(claimed, computed):
        raise S3Error(
            "BadDigest",
            400,
            f"The {algorithm_of(header)} you specified did not match the calculated checksum.",
        )
