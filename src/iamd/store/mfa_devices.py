"""Virtual MFA devices: the sealed seed, who the device is assigned to, its last code.

A device is keyed by its serial number (its ARN, ``arn:aws:iam::<acct>:mfa<path><name>``).
``owner_id`` is the id of the IAM user it is enabled for, the account's root user id
for the root user, or None while unassigned. The seed is sealed, bound to the serial.

# INVARIANT: ``last_counter`` only grows: `record_counter` is a compare-and-set, so two
# requests racing with the same code cannot both be accepted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from iamd.clock import as_utc
from iamd.errors import (
    DeleteConflict,
    EntityAlreadyExists,
    LimitExceeded,
    NoSuchEntity,
    ValidationError,
)
from iamd.store.locks import Parent, hold
from iamd.store.pages import Page, decode_marker, page_of
from iamd.store.schema import mfa_devices

ASSIGNED = "Assigned"
UNASSIGNED = "Unassigned"
ANY = "Any"
# AWS's default quota since it allowed several devices per user (2022).
MAX_DEVICES_PER_USER = 8


@dataclass(frozen=True)
class MfaDevice:
    serial: str
    account_id: str
    name: str
    path: str
    seed_sealed: bytes
    owner_id: str | None
    enabled_at: datetime | None
    created_at: datetime
    last_counter: int
    drift_steps: int

    @property
    def is_assigned(self) -> bool:
        return self.owner_id is not None


def _device(row: Any) -> MfaDevice:
    return MfaDevice(
        serial=row.serial,
        account_id=row.account_id,
        name=row.name,
        path=row.path,
        seed_sealed=bytes(row.seed_sealed),
        owner_id=row.user_id,
        enabled_at=as_utc(row.enabled_at) if row.enabled_at else None,
        created_at=as_utc(row.created_at),
        last_counter=int(row.last_counter),
        drift_steps=int(row.drift_steps),
    )


def not_found(serial: str) -> NoSuchEntity:
    return NoSuchEntity(f"MFA Device with serial number {serial} does not exist.")


def insert_device(conn: Connection, device: MfaDevice) -> MfaDevice:
    row = {
        "serial": device.serial,
        "account_id": device.account_id,
        "name": device.name,
        "path": device.path,
        "seed_sealed": device.seed_sealed,
        "user_id": device.owner_id,
        "enabled_at": device.enabled_at,
        "created_at": device.created_at,
        "last_counter": device.last_counter,
        "drift_steps": device.drift_steps,
    }
    try:
        with conn.begin_nested():
            conn.execute(insert(mfa_devices).values(row))
    except IntegrityError:
        raise EntityAlreadyExists("MFA device already exists.") from None
    return device


def find_device(conn: Connection, serial: str) -> MfaDevice | None:
    """The device with this serial number, in any account (the serial names the account)."""
    row = conn.execute(select(mfa_devices).where(mfa_devices.c.serial == serial)).first()
    return _device(row) if row else None


def get_device(conn: Connection, account_id: str, serial: str) -> MfaDevice:
    """The account's device with this serial number, or AWS's NoSuchEntity."""
    device = find_device(conn, serial)
    if device is None or device.account_id != account_id:
        raise not_found(serial)
    return device


def get_owned_device(conn: Connection, account_id: str, serial: str, owner_id: str) -> MfaDevice:
    """The device, when it is enabled for ``owner_id``; otherwise AWS's NoSuchEntity."""
    device = get_device(conn, account_id, serial)
    if device.owner_id != owner_id:
        raise not_found(serial)
    return device


def list_devices(
    conn: Connection, account_id: str, *, status: str, marker: str | None, limit: int
) -> Page[MfaDevice]:
    """The account's devices by serial number, filtered by assignment status."""
    query = select(mfa_devices).where(mfa_devices.c.account_id == account_id)
    if status == ASSIGNED:
        query = query.where(mfa_devices.c.user_id.is_not(None))
    elif status == UNASSIGNED:
        query = query.where(mfa_devices.c.user_id.is_(None))
    return _page(conn, query, marker, limit)


def list_owned_devices(
    conn: Connection, owner_id: str, *, marker: str | None, limit: int
) -> Page[MfaDevice]:
    """The devices enabled for one user (or the root user), by serial number."""
    query = select(mfa_devices).where(mfa_devices.c.user_id == owner_id)
    return _page(conn, query, marker, limit)


def _page(conn: Connection, query: Any, marker: str | None, limit: int) -> Page[MfaDevice]:
    after = decode_marker(marker)
    if after is not None:
        if not after.startswith("arn:"):
            raise ValidationError("Invalid Marker.")
        query = query.where(mfa_devices.c.serial > after)
    rows = conn.execute(query.order_by(mfa_devices.c.serial).limit(limit + 1)).all()
    return page_of([_device(row) for row in rows], limit, lambda device: device.serial)


def count_owned_devices(conn: Connection, owner_id: str) -> int:
    query = select(func.count()).select_from(mfa_devices).where(mfa_devices.c.user_id == owner_id)
    return int(conn.execute(query).scalar_one())


def check_assignable(conn: Connection, device: MfaDevice, owner_id: str) -> None:
    """AWS's error when the device is in use or its would-be owner has all it may have."""
    if device.is_assigned:
        raise EntityAlreadyExists("MFA Device is already in use.")
    if count_owned_devices(conn, owner_id) >= MAX_DEVICES_PER_USER:
        raise LimitExceeded(f"Cannot exceed quota for MFADevicesPerUser: {MAX_DEVICES_PER_USER}")


def assign_device(
    conn: Connection,
    serial: str,
    owner: tuple[Parent, str],
    *,
    enabled_at: datetime,
    counter: int,
    drift: int,
) -> None:
    """Enable an unassigned device for its owner, checked again with both rows held.

    ``owner``: the parent to hold (the user, or for the root user its account) and the
    owner id the device records.
    """
    parent, owner_id = owner
    hold(conn, parent, ("mfa", serial))
    device = find_device(conn, serial)
    if device is None:
        raise not_found(serial)
    check_assignable(conn, device, owner_id)
    conn.execute(
        update(mfa_devices)
        .where(mfa_devices.c.serial == serial)
        .values(user_id=owner_id, enabled_at=enabled_at, last_counter=counter, drift_steps=drift)
    )


def unassign_device(conn: Connection, serial: str) -> None:
    """Detach the device from its owner; its last counter stays, so old codes stay spent."""
    conn.execute(
        update(mfa_devices)
        .where(mfa_devices.c.serial == serial)
        .values(user_id=None, enabled_at=None, drift_steps=0)
    )


def record_counter(
    conn: Connection, serial: str, counter: int, *, drift: int | None = None
) -> bool:
    """Accept the code made at ``counter``: True only if no later or equal one was accepted.

    The STS and console sign-ins call this after `iamd.auth.totp.verify_code`; a False
    answer means the code was replayed (or raced) and must be refused.
    """
    values: dict[str, int] = {"last_counter": counter}
    if drift is not None:
        values["drift_steps"] = drift
    result = conn.execute(
        update(mfa_devices)
        .where(mfa_devices.c.serial == serial, mfa_devices.c.last_counter < counter)
        .values(values)
    )
    return result.rowcount == 1


def delete_device(conn: Connection, serial: str) -> None:
    """Delete an unassigned device (held first: EnableMFADevice may be assigning it)."""
    hold(conn, ("mfa", serial))
    device = find_device(conn, serial)
    if device is not None and device.is_assigned:
        raise DeleteConflict("MFA VirtualDevice in use. Must deactivate first.")
    conn.execute(delete(mfa_devices).where(mfa_devices.c.serial == serial))


@dataclass(frozen=True)
class MfaCredential:
    """What a sign-in needs to check a code: whose device it is, and its sealed seed.

    Open the seed with ``sealer.open(seed_sealed, serial)``; it is the base32 text
    `iamd.auth.totp.verify_code` takes.
    """

    serial: str
    account_id: str
    owner_id: str
    seed_sealed: bytes
    last_counter: int
    drift_steps: int


def credential_for(conn: Connection, serial: str) -> MfaCredential | None:
    """The enabled device with this serial number, for checking a code; None otherwise."""
    device = find_device(conn, serial)
    if device is None or device.owner_id is None:
        return None
    return MfaCredential(
        serial=device.serial,
        account_id=device.account_id,
        owner_id=device.owner_id,
        seed_sealed=device.seed_sealed,
        last_counter=device.last_counter,
        drift_steps=device.drift_steps,
    )
