"""GetScopedCredentials: the caller's own session, narrowed and perhaps shortened.

In: ``Policy`` (a scope-down policy) and/or ``DurationSeconds``, from temporary
credentials only. Out: ``Credentials`` acting as the same principal and session name,
``SessionInfo`` (the session's ``ScopedSessionId`` and ``Arn``), ``ScopedPoliciesCount``
and the token's size. Each call adds the policy as one more scope-down layer (at most
three); a decision must be allowed by every layer as well as by everything that
allowed it before (`iamd.authz.scopes`). The new credentials never outlive the caller's.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime, timedelta

from iamd.auth.caller import Caller, Session
from iamd.authz.scopes import MAX_LAYERS
from iamd.errors import (
    InsufficientSessionLifetime,
    InvalidSubjectCredentials,
    PackedPolicyTooLarge,
    ValidationError,
)
from iamd.operation import OperationContext, OperationTable, Output, Params
from iamd.policy import validate_policy
from iamd.store import roles, users
from iamd.sts.credentials import Identity, issue
from iamd.sts.session_policies import SessionPolicies, packed_policy_size

MAX_TOKEN_BYTES = 4096


def get_scoped_credentials(ctx: OperationContext, params: Params) -> Output:
    session = _calling_session(ctx.caller)
    policy, duration = params.get("Policy"), params.get("DurationSeconds")
    if policy is None and duration is None:
        raise ValidationError("A request must provide at least one of Policy or DurationSeconds.")
    scopes = session.scope_texts
    if policy is not None:
        scopes = _with_layer(scopes, policy)
    scoped = replace(session, scope_texts=scopes, expires_at=_expiry(ctx, session, duration))
    credentials = issue(ctx.sealer, _identity(ctx), scoped)
    token_size = max(len(credentials["SessionToken"]), params.get("MinimumSessionTokenSize") or 0)
    output: Output = {
        "Credentials": credentials,
        "SessionInfo": {"ScopedSessionId": str(uuid.uuid4()), "Arn": ctx.caller.arn},
        "ScopedPoliciesCount": len(scopes),
        "SessionTokenSize": token_size,
        "SessionTokenUtilization": min(100, token_size * 100 // MAX_TOKEN_BYTES),
    }
    if session.source_identity:
        output["SourceIdentity"] = session.source_identity
    return output


def _calling_session(caller: Caller) -> Session:
    if caller.session is None:
        raise InvalidSubjectCredentials(
            "GetScopedCredentials can only be called with temporary security credentials."
        )
    return caller.session


def _with_layer(scopes: tuple[str, ...], policy: str) -> tuple[str, ...]:
    validate_policy(policy, "session")
    packed_policy_size(SessionPolicies((policy,), ()), ())
    if len(scopes) >= MAX_LAYERS:
        raise PackedPolicyTooLarge(
            f"The session already has {MAX_LAYERS} scope-down policies, the most allowed."
        )
    return (*scopes, policy)


def _expiry(ctx: OperationContext, session: Session, duration: int | None) -> datetime:
    if duration is None:
        return session.expires_at
    wanted = ctx.now.replace(microsecond=0) + timedelta(seconds=int(duration))
    if wanted > session.expires_at:
        raise InsufficientSessionLifetime(
            f"The requested DurationSeconds exceeds the {_remaining(ctx, session)} seconds "
            "left in the calling session."
        )
    return wanted


def _remaining(ctx: OperationContext, session: Session) -> int:
    return max(0, int((session.expires_at - ctx.now).total_seconds()))


def _identity(ctx: OperationContext) -> Identity:
    """Whom the caller's session acts as, to act as again."""
    caller = ctx.caller
    match caller.kind:
        case "assumed-role":
            role = roles.get_role_by_id(ctx.conn, caller.entity_id or "")
            role_name = caller.arn.split("/")[1]
            path = role.path if role is not None else "/"
            return Identity(
                caller.account_id, caller.kind, caller.entity_id, role_name, path, caller.name
            )
        case "user":
            user = users.get_user_by_id(ctx.conn, caller.entity_id or "")
            path = user.path if user is not None else "/"
            return Identity(caller.account_id, caller.kind, caller.entity_id, caller.name, path)
        case _:  # a federated user, or the root user's own session
            return Identity(caller.account_id, caller.kind, caller.entity_id, caller.name)


OPERATIONS: OperationTable = {"GetScopedCredentials": get_scoped_credentials}
