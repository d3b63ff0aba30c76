"""PutBucketPolicy, GetBucketPolicy and DeleteBucketPolicy, answered by the gateway.

Bucket policies live in iamd's store (`iamd.store.buckets`), beside the identity
policies they are decided with, so every gateway and server sharing the store sees a
change on its next request. In: the bucket's record, the caller and, for Put, the
verified body. Out: S3's answer (204, or 200 with the policy) or S3's error.

As in S3: only the bucket owner's account may manage the policy (another account gets
MethodNotAllowed, whatever the policy says); the owner's root user may always do so,
so a policy that denies everyone cannot lock the bucket for good; a policy must be
valid resource-policy JSON of at most 20 KB, name only this bucket's ARNs and only S3
actions, and every IAM user or role it names must exist (and is bound to who it was,
see `iamd.store.principal_refs`).
"""

from __future__ import annotations

from sqlalchemy import Connection

from iamd.arn import parse_arn
from iamd.auth.caller import Caller
from iamd.errors import MalformedPolicyDocument
from iamd.gateway.s3_errors import S3Error
from iamd.policy import PolicyDocument, validate_policy
from iamd.store import buckets, principal_refs
from iamd.store.buckets import Bucket

MAX_POLICY_BYTES = 20 * 1024


def owner_only(caller: Caller, bucket: Bucket) -> None:
    """Another account may not manage a bucket's policy, even if the policy would allow."""
    if caller.account_id != bucket.account_id:
        raise S3Error(
            "MethodNotAllowed",
            405,
            "The specified method is not allowed against this resource.",
            Method="PUT",
            ResourceType="BUCKETPOLICY",
        )


def put_policy(conn: Connection, bucket: Bucket, body: bytes) -> None:
    text = _text(body)
    document = _validated(text)
    _check_resources(document, bucket.name)
    _check_actions(document)
    if principal_refs.missing_principal(conn, text) is not None:
        raise _malformed("Invalid principal in policy")
    buckets.set_policy(conn, bucket.name, text)


def get_policy(bucket: Bucket) -> bytes:
    if bucket.policy is None:
        raise no_such_policy(bucket.name)
    return bucket.policy.encode()


def delete_policy(conn: Connection, bucket: Bucket) -> None:
    buckets.set_policy(conn, bucket.name, None)


def no_such_policy(name: str) -> S3Error:
    return S3Error("NoSuchBucketPolicy", 404, "The bucket policy does not exist", BucketName=name)


def _malformed(message: str) -> S3Error:
    return S3Error("MalformedPolicy", 400, message)


def _text(body: bytes) -> str:
    if len(body) > MAX_POLICY_BYTES:
        raise _malformed("Policies must be less than 20 KB")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise _malformed("Policies must be valid UTF-8") from None


def _validated(text: str) -> PolicyDocument:
    try:
        return validate_policy(text, "resource")
    except MalformedPolicyDocument as error:
        raise _malformed(error.message) from None


def _check_resources(document: PolicyDocument, bucket: str) -> None:
    for statement in document.statements:
        for resource in (statement.resource or ()) + (statement.not_resource or ()):
            arn = parse_arn(resource)
            inside = arn is not None and arn.service == "s3" and not arn.account
            name = arn.resource.split("/", 1)[0] if arn is not None else ""
            if not inside or name != bucket:
                raise _malformed("Policy has invalid resource")


def _check_actions(document: PolicyDocument) -> None:
    for statement in document.statements:
        for action in (statement.action or ()) + (statement.not_action or ()):
            if action != "*" and not action.lower().startswith("s3:"):
                raise _malformed("Policy has invalid action")
