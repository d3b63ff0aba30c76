"""A role session, once its trust policy has said yes: credentials and AWS's answer.

In: a `RoleSession` — the role, the session's name and length, its session policies,
tags, source identity, MFA time and, for federation, the provider it came through.
Out: the members every AssumeRole* answer shares (``Credentials``,
``AssumedRoleUser``, ``PackedPolicySize`` when policies or tags were passed,
``SourceIdentity`` when set). The role's last use is recorded, as GetRole reports it
(to the minute, like an access key's: a burst of AssumeRole calls is not a burst of
writes).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from iamd.arn import assumed_role_arn
from iamd.auth.caller import ROLE_SESSION, Session
from iamd.operation import OperationContext, Output
from iamd.store import roles
from iamd.store.roles import Role
from iamd.sts.credentials import Identity, expiry, issue
from iamd.sts.session_policies import SessionPolicies, packed_policy_size
from iamd.sts.session_tags import NO_TAGS_REQUESTED, SessionTags
from iamd.sts.trust import role_arn_of


@dataclass(frozen=True)
class RoleSession:
    role: Role
    session_name: str
    duration_seconds: int
    policies: SessionPolicies
    tags: SessionTags = NO_TAGS_REQUESTED
    source_identity: str | None = None
    mfa_at: datetime | None = None
    provider_arn: str | None = None


def issue_role_session(ctx: OperationContext, request: RoleSession) -> Output:
    """Credentials for the role session, and the AssumeRole* members that describe it."""
    role = request.role
    packed = packed_policy_size(request.policies, request.tags.requested)
    credentials = issue(ctx.sealer, _identity(request), _session(ctx, request))
    if roles.needs_last_used_update(role.last_used_at, role.last_used_region, ctx.now, ctx.region):
        roles.record_role_use(ctx.conn, role.role_id, ctx.now, ctx.region)
    output: Output = {
        "Credentials": credentials,
        "AssumedRoleUser": {
            "AssumedRoleId": f"{role.role_id}:{request.session_name}",
            "Arn": assumed_role_arn(
                role.account_id, role.name, request.session_name, partition=ctx.partition
            ),
        },
    }
    if request.policies.were_passed or request.tags.requested:
        output["PackedPolicySize"] = packed
    if request.source_identity:
        output["SourceIdentity"] = request.source_identity
    return output


def _identity(request: RoleSession) -> Identity:
    role = request.role
    return Identity(
        account_id=role.account_id,
        kind=ROLE_SESSION,
        entity_id=role.role_id,
        name=role.name,
        path=role.path,
        session_name=request.session_name,
    )


def _session(ctx: OperationContext, request: RoleSession) -> Session:
    return Session(
        origin=ROLE_SESSION,
        issued_at=ctx.now,
        expires_at=expiry(ctx.now, request.duration_seconds),
        parent_arn=role_arn_of(request.role, ctx.partition),
        policy_texts=request.policies.texts,
        policy_arns=request.policies.arns,
        tags=request.tags.tags,
        transitive_tag_keys=request.tags.transitive_keys,
        source_identity=request.source_identity,
        mfa_at=request.mfa_at,
        provider_arn=request.provider_arn,
    )
