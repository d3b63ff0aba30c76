"""Where an S3 request points: the bucket and key, from the Host header and the path.

In: the Host header, the raw (still percent-encoded) path and the domains the gateway
serves virtual-hosted-style (``--domain``). Out: an `S3Address` — bucket and decoded
key — or S3's error. Virtual-hosted-style (``bucket.domain``) takes the bucket from the
host and the whole path as the key; anything else is path-style (``/bucket/key``).

The gateway authorizes this address and forwards exactly this address (path-style,
encoded by itself), never the client's spelling of it, so a Host that says one
bucket and a path that says another cannot be authorized as one and served as the
other. Keys whose segments are ``.`` or ``..`` are refused: a URL normalizer on the
way to the upstream would turn them into another object, even another bucket.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, unquote

from iamd.gateway.s3_errors import S3Error, invalid_argument

MAX_KEY_BYTES = 1024
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", re.ASCII)
_IP_LIKE = re.compile(r"\d+\.\d+\.\d+\.\d+", re.ASCII)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class S3Address:
    bucket: str | None  # None: the service itself (ListBuckets)
    key: str | None  # None: the bucket itself
    is_virtual_hosted: bool = False

    def upstream_path(self) -> str:
        """The path-style path the upstream is asked for, encoded as botocore encodes it."""
        if self.bucket is None:
            return "/"
        path = "/" + self.bucket
        if self.key is not None:
            path += "/" + quote(self.key, safe="/~")
        return path


def locate(host: str, raw_path: str, domains: tuple[str, ...]) -> S3Address:
    """The bucket and key a request names (S3's error for a name S3 would refuse)."""
    if not raw_path.startswith("/"):
        raise invalid_argument("The request path must begin with a slash.")
    hostname = host.rsplit(":", 1)[0].lower() if not host.startswith("[") else host.lower()
    for domain in domains:
        if hostname.endswith("." + domain):
            bucket = hostname[: -len(domain) - 1]
            return S3Address(_bucket(bucket), _key(raw_path[1:]), is_virtual_hosted=True)
    bucket_part, slash, key_part = raw_path[1:].partition("/")
    if not bucket_part:
        if slash:  # "//…": no bucket, yet more path
            raise _invalid_bucket("")
        return S3Address(None, None)
    return S3Address(_bucket(_decoded(bucket_part)), _key(key_part))


def _bucket(name: str) -> str:
    is_valid = (
        _BUCKET.fullmatch(name) is not None
        and ".." not in name
        and not _IP_LIKE.fullmatch(name)
        and ".-" not in name
        and "-." not in name
    )
    if not is_valid:
        raise _invalid_bucket(name)
    return name


def _invalid_bucket(name: str) -> S3Error:
    return S3Error("InvalidBucketName", 400, "The specified bucket is not valid.", BucketName=name)


def _key(encoded: str) -> str | None:
    if not encoded:
        return None
    key = _decoded(encoded)
    if len(key.encode()) > MAX_KEY_BYTES:
        raise S3Error("KeyTooLongError", 400, "Your key is too long")
    if _CONTROL.search(key) or any(segment in (".", "..") for segment in key.split("/")):
        raise invalid_argument("The object key is not allowed through this gateway.", "key", key)
    return key


def _decoded(encoded: str) -> str:
    try:
        return unquote(encoded, errors="strict")
    except UnicodeDecodeError:
        raise invalid_argument("The request path is not valid UTF-8.") from None
