"""The S3 gateway's decisions on the audit trail, as CloudTrail data events.

One event per request the gateway decides: allowed (with the statements that allowed
each check), denied (with the statement that denied, or that nothing allowed), or
refused before a decision (a signature that does not verify: no caller, the error
code). The event is queued on the process's trail once the decision's transaction
has closed (an allowed request's, most often, once its answer has gone out: see
`s3_app.Answering`); data events are never part of a store write, so they are always
batched.
"""

from __future__ import annotations

import logging

from iamd.audit.data_plane import DataPlaneRequest, data_plane_event
from iamd.auth.sigv4_parse import claimed_key_id
from iamd.authz.journal import Journal
from iamd.gateway.s3_authn import ANONYMOUS_REGION, S3Caller
from iamd.gateway.s3_authorize import bucket_arn, object_arn
from iamd.gateway.s3_errors import S3Error
from iamd.gateway.s3_request import S3Gateway, S3Request
from iamd.store import buckets

log = logging.getLogger("iamd.gateway")

SERVICE = "s3"
# S3 operations that change nothing: the trail's ``readOnly``.
_READ_PREFIXES = ("Get", "List", "Head")


def record_refusal(gateway: S3Gateway, request: S3Request, error: S3Error) -> None:
    """Queue the event of a request refused before its caller was known.

    It goes to the account of the key it named (if one has it) and the bucket's owner.
    """
    if not gateway.trail.enabled:
        return
    key_id, claimed, owner = _attribution(gateway, request)
    record_decision(gateway, request, None, owner, Journal(), error, (key_id, claimed))


def record_decision(
    gateway: S3Gateway,
    request: S3Request,
    s3_caller: S3Caller | None,
    owner: str | None,
    journal: Journal,
    error: S3Error | None = None,
    claim: tuple[str | None, str | None] = (None, None),
) -> None:
    """Queue the request's data event: who, which action on what, the decision and why.

    ``claim``: the key id an unverified request named, and that key's account.
    """
    if not gateway.trail.enabled:
        return
    signed = s3_caller.signed if s3_caller is not None else None
    caller = s3_caller.caller if s3_caller is not None else None
    key_id = signed.access_key_id if signed is not None else claim[0]
    resource_arn, resource_type = _resource(request, caller.partition if caller else "aws")
    name = request.operation.name
    event = DataPlaneRequest(
        service=SERVICE,
        action=journal.evaluations[0].action if journal.evaluations else f"s3:{name}",
        resource_arn=resource_arn,
        resource_type=resource_type,
        when=request.now,
        region=signed.region if signed is not None else ANONYMOUS_REGION,
        meta=request.meta,
        request_id=request.request_id,
        journal=journal,
        caller=None if caller is None or caller.is_anonymous else caller,
        access_key_id=key_id,
        read_only=name.startswith(_READ_PREFIXES),
        resource_account=owner,
        request_parameters=_parameters(request),
        error_code=error.code if error is not None else None,
        error_message=error.message if error is not None else None,
        additional={"operation": name},
        claimed_account=claim[1],
    )
    gateway.trail.record_later(data_plane_event(event))


def _resource(request: S3Request, partition: str) -> tuple[str, str]:
    bucket, key = request.address.bucket, request.address.key
    if bucket is None:  # ListBuckets: the account's buckets, no one resource
        return "*", "AWS::S3::Bucket"
    if key is None:
        return bucket_arn(partition, bucket), "AWS::S3::Bucket"
    return object_arn(partition, bucket, key), "AWS::S3::Object"


def _parameters(request: S3Request) -> dict[str, str]:
    """S3's ``requestParameters``: the bucket, the key and the Host the request named."""
    found = {"Host": request.head.headers.get("host", "")}
    if request.address.bucket is not None:
        found["bucketName"] = request.address.bucket
    if request.address.key is not None:
        found["key"] = request.address.key
    return found


def _attribution(
    gateway: S3Gateway, request: S3Request
) -> tuple[str | None, str | None, str | None]:
    """The key id the request named, that key's account, and the bucket's owner."""
    key_id = claimed_key_id(request.head)
    claimed = gateway.trail.claimed_account(key_id) if key_id else None
    name = request.address.bucket
    try:
        with gateway.db.transaction(write=False) as conn:
            bucket = buckets.find_bucket(conn, name) if name is not None else None
    except Exception:  # a name no row can have (U+0000 on PostgreSQL): nobody's
        log.warning("could not attribute refused request %s", request.request_id)
        bucket = None
    return key_id, claimed, bucket.account_id if bucket is not None else None
