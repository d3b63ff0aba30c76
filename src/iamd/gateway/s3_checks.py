"""Admitting an S3 request: authenticate it, find its bucket, and decide every check.

In: an `S3Request` (and, for the operations whose body is part of the decision, the
verified body). Out: `Admitted`, or S3's error — NoSuchBucket for a bucket no account
owns, AccessDenied with AWS's reasons for the first (action, resource) the caller's
policies and the bucket policy do not allow. The checks: the operation's own
action(s) on the addressed bucket or object; for DeleteObjects s3:DeleteObject on each
object the body names; for a copy, s3:GetObject on its source.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import partial

from sqlalchemy import Connection

from iamd.auth.authenticate import record_use
from iamd.authz.journal import BY_ROOT, Evaluation, Journal
from iamd.gateway import bucket_policies, s3_bodies
from iamd.gateway.body import TRAILER_PAYLOAD
from iamd.gateway.copy_source import copy_source
from iamd.gateway.declared_checksum import DeclaredChecksumCheck, declared_checksum
from iamd.gateway.object_tags import fetch_tags
from iamd.gateway.s3_authn import (
    ANONYMOUS_REGION,
    S3Caller,
    authenticate_s3,
    read_s3_signature,
)
from iamd.gateway.s3_authorize import (
    Check,
    GatewayCall,
    bucket_arn,
    first_denial,
    object_arn,
    tag_resolver,
)
from iamd.gateway.s3_errors import S3Error, access_denied
from iamd.gateway.s3_events import record_decision, record_refusal
from iamd.gateway.s3_keys import Signing, s3_keys
from iamd.gateway.s3_operations import ANSWERED_HERE, header_actions
from iamd.gateway.s3_request import Admitted, S3Gateway, S3Request
from iamd.policy import access_denied_message
from iamd.policy.context import KeyResolver
from iamd.store import buckets
from iamd.store.versioned import read_once

# An event to queue on the trail as the request is answered.
Recording = Callable[[], None]

# S3 takes an unsigned body with a trailing checksum only where the body is the object.
TRAILER_OPERATIONS = frozenset({"PutObject", "UploadPart"})


def admit(gateway: S3Gateway, request: S3Request) -> Admitted:
    """Authenticate the caller and read the bucket's record."""
    with (
        _refusals_recorded(gateway, request),
        gateway.db.transaction(write=False, savepoints=False) as conn,
    ):
        admitted = _admit(gateway, conn, request)
    _record_use(gateway, admitted)
    return admitted


def admit_and_authorize(
    gateway: S3Gateway, request: S3Request, answered: list[Recording] | None = None
) -> Admitted:
    """`admit` and `authorize` (for a request whose body decides nothing), in one read.

    With ``answered``, an allowed request's event is not queued here but added to it,
    for the caller to queue as it answers (`s3_app.Answering`): building it is then
    no part of a small answer's latency. A refusal's event is queued here, as raised.
    """
    with (
        _refusals_recorded(gateway, request),
        gateway.db.transaction(write=False, savepoints=False) as conn,
        read_once(),  # the key's versions, read once for its caller's policies too
    ):
        admitted = _admit(gateway, conn, request)
        decided = _decide(gateway, conn, admitted, None)
    _record_use(gateway, admitted)
    _settle(gateway, admitted, decided, answered)
    return admitted


def authorize(gateway: S3Gateway, admitted: Admitted, body: bytes | None) -> None:
    """Raise S3's AccessDenied unless every check the request needs is allowed."""
    with gateway.db.transaction(write=False, savepoints=False) as conn:
        decided = _decide(gateway, conn, admitted, body)
    _settle(gateway, admitted, decided)


@contextmanager
def _refusals_recorded(gateway: S3Gateway, request: S3Request) -> Iterator[None]:
    """A request refused before its caller is known (its signature) is an event too."""
    try:
        yield
    except S3Error as error:
        record_refusal(gateway, request, error)
        raise


def _admit(gateway: S3Gateway, conn: Connection, request: S3Request) -> Admitted:
    signed = read_s3_signature(request.head)
    name = request.address.bucket
    s3_caller = authenticate_s3(conn, gateway.sealer, request.head, signed, request.now)
    if s3_caller.payload == TRAILER_PAYLOAD and request.operation.name not in TRAILER_OPERATIONS:
        raise S3Error("InvalidRequest", 400, "The value of x-amz-content-sha256 header is invalid.")
    s3_caller = _held_to_declared_checksum(request, s3_caller)
    bucket = buckets.find_bucket(conn, name) if name is not None else None
    if name is not None and bucket is None and request.operation.name != "CreateBucket":
        raise S3Error("NoSuchBucket", 404, "The specified bucket does not exist", BucketName=name)
    return Admitted(request, s3_caller, bucket)


def _held_to_declared_checksum(request: S3Request, s3_caller: S3Caller) -> S3Caller:
    """The body held to its ``x-amz-checksum-*`` header too, when it declares one."""
    head = request.head
    declared = declared_checksum(
        head.headers, head.method, request.operation.name, s3_caller.payload
    )
    if declared is None:
        return s3_caller
    return replace(s3_caller, check=DeclaredChecksumCheck(s3_caller.check, declared))


def _record_use(gateway: S3Gateway, admitted: Admitted) -> None:
    signed, used = admitted.s3_caller.signed, admitted.s3_caller.used
    if signed is not None and used is not None:
        record_use(gateway.db, used, admitted.request.now, "s3", signed.region)


@dataclass(frozen=True)
class _Decided:
    """What deciding a request found: its evaluations, and the refusal if any."""

    journal: Journal
    refusal: S3Error | None
    recorded: bool = True  # False: decided object by object later (DeleteObjects)


def _settle(
    gateway: S3Gateway,
    admitted: Admitted,
    decided: _Decided,
    answered: list[Recording] | None = None,
) -> None:
    """Put the decision on the trail (its transaction closed), then refuse if it refused.

    An allowed decision goes to ``answered`` instead, when there is one.
    """
    if decided.recorded:
        owner = admitted.bucket.account_id if admitted.bucket is not None else None
        recording = partial(
            record_decision,
            gateway,
            admitted.request,
            admitted.s3_caller,
            owner,
            decided.journal,
            decided.refusal,
        )
        if answered is not None and decided.refusal is None:
            answered.append(recording)
        else:
            recording()
    if decided.refusal is not None:
        raise decided.refusal


def _decide(
    gateway: S3Gateway, conn: Connection, admitted: Admitted, body: bytes | None
) -> _Decided:
    request, caller = admitted.request, admitted.s3_caller.caller
    call = GatewayCall(conn, caller, request.now, _region(admitted), request.meta)
    try:
        _authorize(gateway, call, admitted, body)
    except S3Error as refusal:
        return _Decided(call.journal, refusal)
    return _Decided(call.journal, None, recorded=request.operation.name != "DeleteObjects")


def _authorize(
    gateway: S3Gateway, call: GatewayCall, admitted: Admitted, body: bytes | None
) -> None:
    request, caller, bucket = admitted.request, admitted.s3_caller.caller, admitted.bucket
    if request.operation.name == "CreateBucket":
        # Created for the caller's own account; a name held by another is refused when
        # it is claimed (BucketAlreadyExists), not decided against the holder's policy.
        bucket = None
    expected_owner = request.head.headers.get("x-amz-expected-bucket-owner")
    if expected_owner is not None and (bucket is None or bucket.account_id != expected_owner):
        raise access_denied()
    if request.operation.name in ANSWERED_HERE and bucket is not None:
        bucket_policies.owner_only(caller, bucket)
        if caller.is_root:  # S3: the owner's root user is never locked out of its policy
            call.journal.add(Evaluation(f"s3:{request.operation.name}", "*", True, BY_ROOT))
            return
    if bucket is not admitted.bucket:
        admitted = replace(admitted, bucket=bucket)
    checks = _checks(gateway, admitted, body)
    denial = first_denial(call, checks, bucket)
    if denial is not None:
        raise access_denied(access_denied_message(denial))


def _region(admitted: Admitted) -> str:
    """The region the request was signed for (``aws:RequestedRegion``)."""
    signed = admitted.s3_caller.signed
    return signed.region if signed is not None else ANONYMOUS_REGION


def _checks(gateway: S3Gateway, admitted: Admitted, body: bytes | None) -> list[Check]:
    """Every (action, resource, keys) the request needs, its own action first."""
    request = admitted.request
    operation, address = request.operation, request.address
    partition = admitted.s3_caller.caller.partition
    if operation.name == "DeleteObjects":  # decided object by object: refused_deletions
        return []
    if address.bucket is None:
        resource = "*"
    elif address.key is None:
        resource = bucket_arn(partition, address.bucket)
    else:
        resource = object_arn(partition, address.bucket, address.key)
    actions = operation.actions(has_version="versionId" in request.params)
    actions += header_actions(operation.name, request.head.headers)
    facts = _body_facts(admitted, body)
    resolver = None
    if address.key is not None:
        version = request.params.get("versionId")
        resolver = tag_resolver(lambda: fetch_tags(gateway.upstream, address, version))
    checks = [
        _check(admitted, action, resource, request.params, facts, resolver) for action in actions
    ]
    return checks + _copy_source_checks(admitted, partition)


@dataclass(frozen=True)
class _BodyFacts:
    """What a request's body or tagging header says that a condition may read."""

    request_tags: list[tuple[str, str]] | None = None
    location: str | None = None


def refused_deletions(
    gateway: S3Gateway, admitted: Admitted, body: bytes
) -> list[tuple[str, str | None]]:
    """The objects of a DeleteObjects the caller may not delete (S3 decides each alone).

    Each needs s3:DeleteObject (s3:DeleteObjectVersion for a version), and any governance
    bypass its headers ask for.
    """
    request, caller, bucket = admitted.request, admitted.s3_caller.caller, admitted.bucket
    assert request.address.bucket is not None
    bypass = header_actions("DeleteObjects", request.head.headers)
    region = _region(admitted)
    refused = []
    with gateway.db.transaction(write=False, savepoints=False) as conn:
        call = GatewayCall(conn, caller, request.now, region, request.meta)
        for key, version in s3_bodies.objects_to_delete(body):
            arn = object_arn(caller.partition, request.address.bucket, key)
            params = {"versionId": version} if version else {}
            action = "s3:DeleteObjectVersion" if version else "s3:DeleteObject"
            checks = [_check(admitted, a, arn, params) for a in (action, *bypass)]
            if first_denial(call, checks, bucket) is not None:
                refused.append((key, version))
    # One event for the request, with every object's evaluations: S3 decides each alone.
    owner = bucket.account_id if bucket is not None else None
    record_decision(gateway, request, admitted.s3_caller, owner, call.journal)
    return refused


def _body_facts(admitted: Admitted, body: bytes | None) -> _BodyFacts:
    request = admitted.request
    headers, name = request.head.headers, request.operation.name
    if name == "PutObjectTagging" and body is not None:
        return _BodyFacts(request_tags=s3_bodies.tag_set(body))
    if name == "CreateBucket" and body is not None:
        return _BodyFacts(location=s3_bodies.location_constraint(body))
    if "x-amz-tagging" in headers and name in ("PutObject", "CopyObject", "CreateMultipartUpload"):
        return _BodyFacts(request_tags=s3_bodies.header_tags(headers["x-amz-tagging"]))
    return _BodyFacts()


def _check(
    admitted: Admitted,
    action: str,
    resource: str,
    params: Mapping[str, str],
    facts: _BodyFacts | None = None,
    resolver: KeyResolver | None = None,
) -> Check:
    request, signed = admitted.request, admitted.s3_caller.signed
    signing = None if signed is None else Signing(signed.is_presigned, signed.request_time)
    owner = admitted.bucket.account_id if admitted.bucket is not None else None
    keys = s3_keys(
        action,
        headers=request.head.headers,
        params=params,
        signing=signing,
        now=request.now,
        owner=owner,
        request_tags=facts.request_tags if facts else None,
        location=facts.location if facts else None,
    )
    return Check(action, resource, keys, resolver)


def _copy_source_checks(admitted: Admitted, partition: str) -> list[Check]:
    """CopyObject and UploadPartCopy read their source: s3:GetObject on it too."""
    request = admitted.request
    if request.operation.name not in ("CopyObject", "UploadPartCopy"):
        return []
    source = copy_source(request.head.headers["x-amz-copy-source"])
    action = "s3:GetObjectVersion" if source.version_id else "s3:GetObject"
    params = {"versionId": source.version_id} if source.version_id else {}
    return [_check(admitted, action, object_arn(partition, source.bucket, source.key), params)]
