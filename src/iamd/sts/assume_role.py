"""AssumeRole: an IAM user or a role session takes on a role for a while.

In: ``RoleArn``, ``RoleSessionName`` and the optional ``DurationSeconds``,
``ExternalId``, ``SerialNumber``/``TokenCode``, ``Policy``/``PolicyArns``, ``Tags``/
``TransitiveTagKeys`` and ``SourceIdentity``. Out: ``Credentials``,
``AssumedRoleUser`` and, when policies or tags were passed, ``PackedPolicySize``.

The role's trust policy is evaluated by the engine together with the caller's own
policies (`iamd.sts.trust`): within one account a trust policy naming the caller is
enough, across accounts — or when it names only the caller's account — the caller's
identity policies must allow ``sts:AssumeRole`` on the role too. Session tags need
``sts:TagSession``, a new source identity ``sts:SetSourceIdentity``, both checked the
same way. The trust policy sees ``sts:ExternalId``, ``sts:RoleSessionName``,
``sts:SourceIdentity``, ``sts:TransitiveTagKeys``, ``aws:RequestTag/…``,
``aws:PrincipalTag/…`` and ``aws:MultiFactorAuthPresent`` (true with a valid code now,
or when the calling session was opened with one). A role session assuming a role is
role chaining: one hour at most, its transitive tags and source identity carried on.
"""

from __future__ import annotations

from datetime import datetime

from iamd.auth.caller import ROLE_SESSION, Session
from iamd.authz.context_keys import ContextKeys, request_keys
from iamd.authz.principal_policies import PrincipalPolicies, policies_for, principal_of
from iamd.errors import AccessDenied, InvalidParameterValue
from iamd.operation import OperationContext, OperationTable, Output, Params
from iamd.policy import RequestContext
from iamd.store.roles import Role
from iamd.sts.mfa import mfa_owner_id, proven_mfa
from iamd.sts.role_sessions import RoleSession, issue_role_session
from iamd.sts.session_policies import read_session_policies
from iamd.sts.session_tags import SessionTags, read_session_tags, tag_context
from iamd.sts.trust import (
    checked_role_arn,
    decide_trust,
    find_role,
    note_missing_role,
    note_trust,
    role_arn_of,
    role_tags,
    session_duration,
)

ROOT_MAY_NOT = "Roles may not be assumed by root accounts."
SOURCE_IDENTITY_FIXED = (
    "The source identity of the calling session cannot be changed in a role chain."
)


def assume_role(ctx: OperationContext, params: Params) -> Output:
    caller = ctx.caller
    if caller.is_root:
        raise AccessDenied(ROOT_MAY_NOT)
    checked_role_arn(params["RoleArn"])
    tags = read_session_tags(params, caller.session)
    policies = read_session_policies(ctx.conn, params)
    mfa_at = _mfa_time(ctx, params)
    source_identity = _source_identity(params, caller.session)
    role = find_role(ctx.conn, params["RoleArn"])
    if role is None:
        note_missing_role(ctx, "sts:AssumeRole", params["RoleArn"])
        raise AccessDenied(_denied(ctx, "sts:AssumeRole", params["RoleArn"]))
    _check_trust(ctx, params, role, tags, mfa_at)
    is_chained = caller.kind == ROLE_SESSION
    request = RoleSession(
        role=role,
        session_name=params["RoleSessionName"],
        duration_seconds=session_duration(params, role, is_chained=is_chained),
        policies=policies,
        tags=tags,
        source_identity=source_identity,
        mfa_at=mfa_at,
    )
    return issue_role_session(ctx, request)


def _mfa_time(ctx: OperationContext, params: Params) -> datetime | None:
    """MFA proven now, or carried by the calling session."""
    proven = proven_mfa(ctx, params, owner_id=mfa_owner_id(ctx))
    session = ctx.caller.session
    return proven or (session.mfa_at if session is not None else None)


def _source_identity(params: Params, session: Session | None) -> str | None:
    """The source identity is set once and then immutable along a role chain."""
    requested = params.get("SourceIdentity")
    inherited = session.source_identity if session is not None else None
    if inherited is not None and requested is not None and requested != inherited:
        raise InvalidParameterValue(SOURCE_IDENTITY_FIXED)
    return inherited or requested


def _check_trust(
    ctx: OperationContext, params: Params, role: Role, tags: SessionTags, mfa_at: datetime | None
) -> None:
    own = policies_for(ctx)
    role_arn = role_arn_of(role, ctx.partition)
    context = _trust_context(ctx, params, role_arn, tags, mfa_at)
    actions = ["sts:AssumeRole"]
    if tags.is_tagging:
        actions.append("sts:TagSession")
    if params.get("SourceIdentity") is not None:
        actions.append("sts:SetSourceIdentity")
    for action in actions:
        _require_allowed(ctx, own, role, action, role_arn, context)


def _require_allowed(
    ctx: OperationContext,
    own: PrincipalPolicies,
    role: Role,
    action: str,
    role_arn: str,
    context: ContextKeys,
) -> None:
    principal = principal_of(ctx.caller, own.tags)
    tags = role_tags(ctx.conn, role)
    request = RequestContext(principal, action, role_arn, context, resolver=tags)
    decision = decide_trust(request, role, own)
    note_trust(ctx, decision, own)
    if not decision.allowed:
        raise AccessDenied(_denied(ctx, action, role_arn))


def _trust_context(
    ctx: OperationContext,
    params: Params,
    role_arn: str,
    tags: SessionTags,
    mfa_at: datetime | None,
) -> ContextKeys:
    keys = request_keys(ctx, {})
    keys.update(tag_context(tags.requested, params.get("TransitiveTagKeys") or []))
    keys["sts:RoleSessionName"] = params["RoleSessionName"]
    for member, key in (("ExternalId", "sts:ExternalId"), ("SourceIdentity", "sts:SourceIdentity")):
        if params.get(member) is not None:
            keys[key] = str(params[member])
    if mfa_at is not None:
        keys["aws:MultiFactorAuthPresent"] = "true"
        keys["aws:MultiFactorAuthAge"] = str(max(0, int((ctx.now - mfa_at).total_seconds())))
    return keys


def _denied(ctx: OperationContext, action: str, resource: str) -> str:
    return f"User: {ctx.caller.arn} is not authorized to perform: {action} on resource: {resource}"


OPERATIONS: OperationTable = {"AssumeRole": assume_role}
