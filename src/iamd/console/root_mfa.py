"""The root user enables its own virtual MFA device: something only the console does.

AWS offers no API for it (EnableMFADevice requires a UserName, and the root user has
none), so iamd's operation cannot do it either; the console does, with the same rules:
the device must be the account's and unassigned, and two consecutive codes prove the
person holds it. Creating the device is the API's CreateVirtualMFADevice, run as root.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection

from iamd.auth import totp
from iamd.iam.mfa import invalid_code
from iamd.store import mfa_devices
from iamd.store.accounts import get_account
from iamd.store.sealing import Sealer


def enable_for_root(
    conn: Connection,
    sealer: Sealer,
    account_id: str,
    serial: str,
    codes: tuple[str, str],
    now: datetime,
) -> None:
    """Assign the device to the account's root user, or raise AWS's error for why not."""
    account = get_account(conn, account_id)
    assert account is not None
    device = mfa_devices.get_device(conn, account_id, serial)
    mfa_devices.check_assignable(conn, device, account.root_user_id)
    seed = sealer.open(device.seed_sealed, device.serial)
    counter = totp.verify_consecutive(
        seed, codes[0], codes[1], now, last_counter=device.last_counter
    )
    if counter is None:
        raise invalid_code()
    drift = totp.drift_of(counter, now)
    owner = (("account", account_id), account.root_user_id)
    mfa_devices.assign_device(conn, serial, owner, enabled_at=now, counter=counter, drift=drift)
