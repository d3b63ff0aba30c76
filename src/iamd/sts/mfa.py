"""MFA for STS: ``SerialNumber`` and ``TokenCode`` checked against the caller's device.

In: the operation context, the two request members and whose device it must be (an
IAM user's id, or the account's root user id). Out: the time MFA was proven (now),
None when the request passed neither member, or AWS's AccessDenied. An accepted code
is spent: its time step is recorded atomically, so the same code cannot open a
second session (`iamd.store.mfa_devices.record_counter`).
"""

from __future__ import annotations

from datetime import datetime

from iamd.auth import totp
from iamd.errors import AccessDenied
from iamd.operation import OperationContext, Params
from iamd.store import accounts, mfa_devices

UNABLE_TO_VALIDATE = (
    # AWS puts two spaces between the sentences (real GetSessionToken answers show it).
    "MultiFactorAuthentication failed, unable to validate MFA code.  "
    "Please verify your MFA serial number is valid and associated with this user."
)
INVALID_CODE = "MultiFactorAuthentication failed with invalid MFA one time pass code. "


def proven_mfa(ctx: OperationContext, params: Params, *, owner_id: str | None) -> datetime | None:
    """When MFA was proven with this request's code; None when it brought none."""
    serial, code = params.get("SerialNumber"), params.get("TokenCode")
    if serial is None and code is None:
        return None
    if serial is None or code is None:
        raise AccessDenied(UNABLE_TO_VALIDATE)
    device = mfa_devices.credential_for(ctx.conn, serial)
    if device is None or owner_id is None or device.owner_id != owner_id:
        raise AccessDenied(UNABLE_TO_VALIDATE)
    seed = ctx.sealer.open(device.seed_sealed, device.serial)
    counter = totp.verify_code(
        seed, code, ctx.now, last_counter=device.last_counter, drift_steps=device.drift_steps
    )
    if counter is None or not mfa_devices.record_counter(ctx.conn, device.serial, counter):
        raise AccessDenied(INVALID_CODE)
    return ctx.now


def mfa_owner_id(ctx: OperationContext) -> str | None:
    """Whose MFA device the caller must name: its user's, its root user's, or nobody's."""
    caller = ctx.caller
    if caller.is_user and caller.entity_id is not None:
        return caller.entity_id
    if not caller.is_root:
        return None  # a role session or federated user owns no MFA device
    account = accounts.get_account(ctx.conn, caller.account_id)
    return account.root_user_id if account is not None else caller.account_id
