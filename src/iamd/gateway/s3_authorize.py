"""May the caller do this to this bucket or object: every action an S3 request needs.

In: the authenticated caller, the operation (its actions), the address, the bucket's
record (owner and policy) and the request's condition keys. Out: the first denying
`Decision`, or None when every (action, resource) the request needs is allowed.

Decided by `iamd.authz.authorize.decide_access` — the same compiled identity,
boundary and session policies as IAM's own endpoint — with the bucket policy as the
resource-based policy and the bucket's owner as the resource's account, so a caller
from another account needs both its own policies and the bucket policy, as in AWS
(S3 User Guide, "How Amazon S3 authorizes a request").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection

from iamd.auth.caller import Caller
from iamd.auth.origin import RequestMeta
from iamd.authz.authorize import decide_access, resource_policy
from iamd.authz.context_keys import ContextKeys, request_keys
from iamd.authz.journal import Evaluation, Journal
from iamd.authz.principal_policies import policies_for
from iamd.policy import Decision
from iamd.policy.context import KeyResolver
from iamd.store.buckets import Bucket


@dataclass(frozen=True)
class GatewayCall:
    """A data-plane request, as authorization reads it (`iamd.authz.call.CallContext`)."""

    conn: Connection
    caller: Caller
    now: datetime
    region: str
    meta: RequestMeta = field(default_factory=RequestMeta)
    # The decisions made for this request, for its data event on the audit trail.
    journal: Journal = field(default_factory=Journal, compare=False)

    @property
    def account_id(self) -> str:
        return self.caller.account_id


@dataclass(frozen=True)
class Check:
    """One action on one resource that the request needs."""

    action: str
    resource_arn: str
    keys: ContextKeys
    resolver: KeyResolver | None = None


def first_denial(
    call: GatewayCall, checks: Sequence[Check], bucket: Bucket | None
) -> Decision | None:
    """The first check the caller's policies and the bucket policy do not allow."""
    policies = policies_for(call)
    base = request_keys(call, {})
    policy = resource_policy(bucket.policy, bucket.name) if bucket and bucket.policy else None
    owner = bucket.account_id if bucket is not None else None
    for check in checks:
        decision = decide_access(
            call,
            check.action,
            check.resource_arn,
            {**base, **check.keys},
            policies=policies,
            resolver=check.resolver,
            resource_policy=policy,
            resource_account=owner,
        )
        origins = policies.origins
        call.journal.add(
            Evaluation(
                check.action,
                check.resource_arn,
                decision.allowed,
                decision=decision,
                origins=origins,
            )
        )
        if not decision.allowed:
            return decision
    return None


def bucket_arn(partition: str, bucket: str) -> str:
    return f"arn:{partition}:s3:::{bucket}"


def object_arn(partition: str, bucket: str, key: str) -> str:
    return f"arn:{partition}:s3:::{bucket}/{key}"


def tag_resolver(fetch: Callable[[], Mapping[str, str]]) -> KeyResolver:
    """``s3:ExistingObjectTag/<key>``, fetched once, on first use by any policy."""
    loaded: dict[str, str] | None = None

    def resolve(key: str) -> str | None:
        nonlocal loaded
        prefix, slash, tag_key = key.partition("/")
        if not slash or prefix != "s3:existingobjecttag":
            return None
        if loaded is None:
            loaded = {name.lower(): value for name, value in fetch().items()}
        return loaded.get(tag_key)

    return resolve
