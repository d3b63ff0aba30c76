"""What AssumeRoleWithWebIdentity and AssumeRoleWithSAML share once a token is verified.

In: the role ARN, the identity provider's ARN, the claims as condition keys and the
request's session members. Out: the role session's answer (`role_sessions`), after
the role's trust policy has allowed the provider — as a ``Federated`` principal,
the only kind of principal these unsigned calls have — to take the role, and to tag
the session when the token carries tags. A role that does not exist, or whose trust
policy says no, is AWS's "Not authorized to perform sts:AssumeRoleWith…".
"""

from __future__ import annotations

from dataclasses import dataclass

from iamd.authz.context_keys import ContextKeys, request_keys
from iamd.errors import AccessDenied
from iamd.operation import OperationContext, Output, Params
from iamd.policy import Principal, RequestContext
from iamd.store.roles import Role
from iamd.sts.role_sessions import RoleSession, issue_role_session
from iamd.sts.session_policies import read_session_policies
from iamd.sts.session_tags import NO_TAGS_REQUESTED, SessionTags, tag_context
from iamd.sts.trust import (
    decide_trust,
    find_role,
    note_missing_role,
    note_trust,
    role_arn_of,
    role_tags,
    session_duration,
)


@dataclass(frozen=True)
class FederatedRequest:
    action: str  # "sts:AssumeRoleWithWebIdentity" or "sts:AssumeRoleWithSAML"
    provider_arn: str
    session_name: str
    claims: ContextKeys  # the token's claims as condition keys
    tags: SessionTags = NO_TAGS_REQUESTED
    source_identity: str | None = None


def federated_role(ctx: OperationContext, role_arn: str, action: str) -> Role:
    role = find_role(ctx.conn, role_arn)
    if role is None:
        note_missing_role(ctx, action, role_arn)
        raise AccessDenied(f"Not authorized to perform {action}")
    return role


def assume_federated(
    ctx: OperationContext, params: Params, role: Role, request: FederatedRequest
) -> Output:
    """Check the trust policy for the provider, then issue the role session."""
    policies = read_session_policies(ctx.conn, params)
    _check_trust(ctx, role, request)
    session = RoleSession(
        role=role,
        session_name=request.session_name,
        duration_seconds=session_duration(params, role, is_chained=False),
        policies=policies,
        tags=request.tags,
        source_identity=request.source_identity,
        provider_arn=request.provider_arn,
    )
    return issue_role_session(ctx, session)


def _check_trust(ctx: OperationContext, role: Role, request: FederatedRequest) -> None:
    principal = Principal(arn=request.provider_arn, account_id=role.account_id, kind="federated")
    role_arn = role_arn_of(role, ctx.partition)
    context = request_keys(ctx, {})
    context.update(request.claims)
    context.update(tag_context(request.tags.requested, request.tags.transitive_keys))
    context["sts:RoleSessionName"] = request.session_name
    context["aws:FederatedProvider"] = request.provider_arn
    actions = [request.action] + (["sts:TagSession"] if request.tags.is_tagging else [])
    for action in actions:
        tags = role_tags(ctx.conn, role)
        request_context = RequestContext(principal, action, role_arn, context, resolver=tags)
        decision = decide_trust(request_context, role)
        note_trust(ctx, decision)
        if not decision.allowed:
            raise AccessDenied(f"Not authorized to perform {request.action}")
