"""The object a copy reads: ``x-amz-copy-source: /bucket/key?versionId=…`` (URL-encoded).

In: the header's value. Out: bucket, key and version, validated like any address (a
copy must not read through ``..`` either), or S3's InvalidArgument.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, unquote

from iamd.gateway.s3_address import locate
from iamd.gateway.s3_errors import invalid_argument


@dataclass(frozen=True)
class CopySource:
    bucket: str
    key: str
    version_id: str | None


def copy_source(value: str) -> CopySource:
    path, _, query = value.partition("?")
    version_id = None
    if query:
        name, equals, version = query.partition("=")
        if name != "versionId" or not equals or not version:
            raise _invalid(value)
        version_id = unquote(version)
    path = path if path.startswith("/") else "/" + path
    # The header is URL-encoded (botocore) or raw (some clients): encoding what is not
    # already an escape gives one form to locate.
    address = locate("", quote(path, safe="/%"), ())
    if address.bucket is None or address.key is None:
        raise _invalid(value)
    return CopySource(address.bucket, address.key, version_id)


def _invalid(value: str) -> Exception:
    return invalid_argument(
        "Copy Source must mention the source bucket and key: sourcebucket/sourcekey",
        "x-amz-copy-source",
        value,
    )


def canonical_copy_source(source: CopySource) -> str:
    """The copy source as forwarded: the gateway's reading of it, encoded its own way."""
    path = f"/{source.bucket}/{quote(source.key, safe='/~')}"
    return path + (f"?versionId={quote(source.version_id, safe='')}" if source.version_id else "")
