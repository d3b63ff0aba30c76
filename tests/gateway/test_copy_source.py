"""The object a copy reads, read the way it is authorized and forwarded."""

from __future__ import annotations

import pytest

from iamd.gateway.copy_source import CopySource, canonical_copy_source, copy_source
from iamd.gateway.s3_errors import S3Error


@pytest.mark.parametrize(
    "header,expected",
    [
        ("/src-bucket/a/b.txt", CopySource("src-bucket", "a/b.txt", None)),
        ("src-bucket/a%20b.txt", CopySource("src-bucket", "a b.txt", None)),
        ("/src-bucket/k?versionId=v1", CopySource("src-bucket", "k", "v1")),
    ],
)
def test_copy_sources(header: str, expected: CopySource) -> None:
    assert copy_source(header) == expected


@pytest.mark.parametrize(
    "header",
    ["/src-bucket/../victim/k", "/src-bucket/a/%2e%2e/k", "/src-bucket", "/k?acl", "/Bad/k"],
)
def test_refused_copy_sources(header: str) -> None:
    with pytest.raises(S3Error):
        copy_source(header)


def test_the_forwarded_source_is_the_one_authorized() -> None:
    source = copy_source("src-bucket/a%2Fb c?versionId=v%3D1")
    assert source.version_id == "v=1"
    assert canonical_copy_source(source) == "/src-bucket/a/b%20c?versionId=v%3D1"
