"""GetSessionToken: an IAM user's or the root user's own temporary credentials.

In: ``DurationSeconds`` (900 s to 36 h, 12 h by default; for the root user one hour
at most, longer requests quietly shortened as AWS does) and optionally
``SerialNumber``/``TokenCode``. Out: ``Credentials``. The session acts as the caller
itself; with a valid MFA code it has ``aws:MultiFactorAuthPresent`` true and an
``aws:MultiFactorAuthAge``, and only then may it call IAM (`session_limits`).
No permission is needed to call it, and temporary credentials cannot.
"""

from __future__ import annotations

from iamd.auth.caller import ROOT_SESSION, USER_SESSION, Session
from iamd.operation import OperationContext, OperationTable, Output, Params
from iamd.store import users
from iamd.sts.credentials import Identity, expiry, issue
from iamd.sts.mfa import mfa_owner_id, proven_mfa

DEFAULT_DURATION = 43_200
ROOT_MAX_DURATION = 3_600


def get_session_token(ctx: OperationContext, params: Params) -> Output:
    caller = ctx.caller
    duration = caller_duration(ctx, params)
    mfa_at = proven_mfa(ctx, params, owner_id=mfa_owner_id(ctx))
    session = Session(
        origin=ROOT_SESSION if caller.is_root else USER_SESSION,
        issued_at=ctx.now,
        expires_at=expiry(ctx.now, duration),
        parent_arn=caller.arn,
        mfa_at=mfa_at,
    )
    return {"Credentials": issue(ctx.sealer, _identity(ctx), session)}


def caller_duration(ctx: OperationContext, params: Params) -> int:
    """The requested duration, with AWS's defaults and the root user's one-hour cap."""
    if ctx.caller.is_root:
        return min(int(params.get("DurationSeconds") or ROOT_MAX_DURATION), ROOT_MAX_DURATION)
    return int(params.get("DurationSeconds") or DEFAULT_DURATION)


def _identity(ctx: OperationContext) -> Identity:
    caller = ctx.caller
    if caller.is_root or caller.entity_id is None:
        return Identity(caller.account_id, ROOT_SESSION, None, None)
    user = users.get_user_by_id(ctx.conn, caller.entity_id)
    path = user.path if user is not None else "/"
    return Identity(caller.account_id, USER_SESSION, caller.entity_id, caller.name, path)


OPERATIONS: OperationTable = {"GetSessionToken": get_session_token}
