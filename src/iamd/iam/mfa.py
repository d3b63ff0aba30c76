"""IAM virtual MFA devices: create, enable for a user, deactivate, resync, list, tag, delete.

A device is created unassigned with a fresh TOTP seed (returned once, with a QR code
of its ``otpauth://`` URI); EnableMFADevice assigns it to a user on proof of two
consecutive codes. The seed is kept sealed; sign-ins check codes through
`iamd.auth.totp` and `iamd.store.mfa_devices`.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import segno

from iamd.arn import iam_arn, root_arn
from iamd.auth import totp
from iamd.errors import (
    InvalidAuthenticationCode,
    ValidationError,
)
from iamd.iam.tagging import tag_operations, tags_input, tags_output
from iamd.iam.users import target_user, user_output
from iamd.operation import OperationContext, OperationTable, Output, Params, list_output
from iamd.store import accounts, mfa_devices, tags, users
from iamd.store.mfa_devices import MfaDevice
from iamd.store.pages import DEFAULT_MAX_ITEMS

TAG_KIND = "mfa"
QR_SCALE = 4
# AWS's serialNumberType: what EnableMFADevice and DeleteVirtualMFADevice accept.
MAX_SERIAL_NUMBER = 256


@dataclass(frozen=True)
class Owner:
    """Whom a device is (to be) enabled for: an IAM user, or the account's root user."""

    owner_id: str
    user_name: str


def serial_number(ctx: OperationContext, path: str, name: str) -> str:
    return iam_arn(ctx.account_id, "mfa", path, name, partition=ctx.partition)


def named_owner(ctx: OperationContext, user_name: str) -> Owner:
    user = users.get_user(ctx.conn, ctx.account_id, user_name)
    return Owner(user.user_id, user.name)


def target_owner(ctx: OperationContext, params: Params) -> Owner:
    """The named user; without UserName the caller itself, the root user included."""
    if params.get("UserName") is None and ctx.caller.is_root:
        account = accounts.get_account(ctx.conn, ctx.account_id)
        root_id = account.root_user_id if account is not None else ctx.account_id
        # AWS's MFADevice shape requires a UserName; the root user has none of its own.
        return Owner(root_id, ctx.account_id)
    user = target_user(ctx, params)
    return Owner(user.user_id, user.name)


# --- Creating and deleting ----------------------------------------------------------


def create_virtual_mfa_device(ctx: OperationContext, params: Params) -> Output:
    new_tags = tags_input(params)
    tags.check_unique_keys(new_tags)
    name, path = params["VirtualMFADeviceName"], params.get("Path") or "/"
    check_name_fits(ctx, path, name)
    seed = totp.new_seed()
    device = mfa_devices.insert_device(ctx.conn, new_device(ctx, path, name, seed))
    output: Output = {
        "SerialNumber": device.serial,
        "Base32StringSeed": seed.encode("ascii"),
        "QRCodePNG": qr_code_png(totp.provisioning_uri(seed, f"{name}@{ctx.account_id}")),
    }
    if new_tags:
        tags.add_tags(ctx.conn, ctx.account_id, TAG_KIND, device.serial, new_tags)
        output["Tags"] = tags_output(new_tags)
    return {"VirtualMFADevice": output}


def check_name_fits(ctx: OperationContext, path: str, name: str) -> None:
    """The device's serial number (its ARN) must fit AWS's ``serialNumberType``.

    The model gives the name no maximum, but every later call names the device by its
    serial number, at most 256 characters: a longer one could never be enabled or
    deleted. With path ``/`` in the ``aws`` partition this leaves AWS's 226 characters.
    """
    longest = MAX_SERIAL_NUMBER - len(serial_number(ctx, path, ""))
    if len(name) > longest:
        raise ValidationError(
            "1 validation error detected: Value at 'virtualMFADeviceName' failed to satisfy "
            f"constraint: Member must have length less than or equal to {max(longest, 0)}"
        )


def new_device(ctx: OperationContext, path: str, name: str, seed: str) -> MfaDevice:
    """An unassigned device whose seed is sealed, bound to its serial number."""
    serial = serial_number(ctx, path, name)
    return MfaDevice(
        serial=serial,
        account_id=ctx.account_id,
        name=name,
        path=path,
        seed_sealed=ctx.sealer.seal(seed.encode("ascii"), serial),
        owner_id=None,
        enabled_at=None,
        created_at=ctx.now,
        last_counter=0,
        drift_steps=0,
    )


def qr_code_png(text: str) -> bytes:
    """A PNG image of ``text`` as a QR code, for an authenticator app to scan."""
    buffer = io.BytesIO()
    segno.make(text, error="m", micro=False).save(buffer, kind="png", scale=QR_SCALE)
    return buffer.getvalue()


def delete_virtual_mfa_device(ctx: OperationContext, params: Params) -> Output:
    device = mfa_devices.get_device(ctx.conn, ctx.account_id, params["SerialNumber"])
    mfa_devices.delete_device(ctx.conn, device.serial)
    tags.drop_all_tags(ctx.conn, TAG_KIND, device.serial)
    return {}


# --- Enabling, deactivating, resynchronizing ------------------------------------------


def enable_mfa_device(ctx: OperationContext, params: Params) -> Output:
    owner = named_owner(ctx, params["UserName"])
    device = mfa_devices.get_device(ctx.conn, ctx.account_id, params["SerialNumber"])
    mfa_devices.check_assignable(ctx.conn, device, owner.owner_id)  # before the codes, as AWS
    counter = proven_counter(ctx, device, params)
    drift = totp.drift_of(counter, ctx.now)
    mfa_devices.assign_device(
        ctx.conn,
        device.serial,
        (("user", owner.owner_id), owner.owner_id),
        enabled_at=ctx.now,
        counter=counter,
        drift=drift,
    )
    return {}


def resync_mfa_device(ctx: OperationContext, params: Params) -> Output:
    owner = named_owner(ctx, params["UserName"])
    device = mfa_devices.get_owned_device(
        ctx.conn, ctx.account_id, params["SerialNumber"], owner.owner_id
    )
    counter = proven_counter(ctx, device, params)
    drift = totp.drift_of(counter, ctx.now)
    if not mfa_devices.record_counter(ctx.conn, device.serial, counter, drift=drift):
        raise invalid_code()
    return {}


def proven_counter(ctx: OperationContext, device: MfaDevice, params: Params) -> int:
    """The counter of AuthenticationCode2, when the two codes are consecutive and unused."""
    seed = ctx.sealer.open(device.seed_sealed, device.serial)
    counter = totp.verify_consecutive(
        seed,
        params["AuthenticationCode1"],
        params["AuthenticationCode2"],
        ctx.now,
        last_counter=device.last_counter,
    )
    if counter is None:
        raise invalid_code()
    return counter


def invalid_code() -> InvalidAuthenticationCode:
    return InvalidAuthenticationCode("Authentication code for device is not valid.")


def deactivate_mfa_device(ctx: OperationContext, params: Params) -> Output:
    owner = target_owner(ctx, params)
    device = mfa_devices.get_owned_device(
        ctx.conn, ctx.account_id, params["SerialNumber"], owner.owner_id
    )
    mfa_devices.unassign_device(ctx.conn, device.serial)
    return {}


# --- Reading -------------------------------------------------------------------------


def get_mfa_device(ctx: OperationContext, params: Params) -> Output:
    owner = target_owner(ctx, params)
    device = mfa_devices.get_owned_device(
        ctx.conn, ctx.account_id, params["SerialNumber"], owner.owner_id
    )
    return {
        "UserName": owner.user_name,
        "SerialNumber": device.serial,
        "EnableDate": device.enabled_at,
    }


def list_mfa_devices(ctx: OperationContext, params: Params) -> Output:
    owner = target_owner(ctx, params)
    page = mfa_devices.list_owned_devices(
        ctx.conn,
        owner.owner_id,
        marker=params.get("Marker"),
        limit=params.get("MaxItems") or DEFAULT_MAX_ITEMS,
    )
    devices = [
        {"UserName": owner.user_name, "SerialNumber": d.serial, "EnableDate": d.enabled_at}
        for d in page.items
    ]
    return list_output("MFADevices", devices, page)


def list_virtual_mfa_devices(ctx: OperationContext, params: Params) -> Output:
    page = mfa_devices.list_devices(
        ctx.conn,
        ctx.account_id,
        status=params.get("AssignmentStatus") or mfa_devices.ANY,
        marker=params.get("Marker"),
        limit=params.get("MaxItems") or DEFAULT_MAX_ITEMS,
    )
    return list_output(
        "VirtualMFADevices", [virtual_device_output(ctx, d) for d in page.items], page
    )


def virtual_device_output(ctx: OperationContext, device: MfaDevice) -> Output:
    """The ``VirtualMFADevice`` shape of a listing: no seed, no tags; the user if assigned."""
    output: Output = {"SerialNumber": device.serial}
    if device.owner_id is not None:
        output["User"] = owner_output(ctx, device.owner_id)
        output["EnableDate"] = device.enabled_at
    return output


def owner_output(ctx: OperationContext, owner_id: str) -> Output:
    """The ``User`` shape of a device's owner; for the root user, AWS's three members."""
    user = users.get_user_by_id(ctx.conn, owner_id)
    if user is not None:
        return user_output(ctx, user)
    account = accounts.get_account(ctx.conn, ctx.account_id)
    output: Output = {
        "UserId": ctx.account_id,
        "Arn": root_arn(ctx.account_id, partition=ctx.partition),
    }
    if account is not None:
        output["CreateDate"] = account.created_at
    return output


# --- Tags ----------------------------------------------------------------------------


OPERATIONS: OperationTable = {
    "CreateVirtualMFADevice": create_virtual_mfa_device,
    "DeleteVirtualMFADevice": delete_virtual_mfa_device,
    "EnableMFADevice": enable_mfa_device,
    "DeactivateMFADevice": deactivate_mfa_device,
    "ResyncMFADevice": resync_mfa_device,
    "GetMFADevice": get_mfa_device,
    "ListMFADevices": list_mfa_devices,
    "ListVirtualMFADevices": list_virtual_mfa_devices,
    **tag_operations(
        "MFADevice",
        TAG_KIND,
        lambda ctx, params: (
            mfa_devices.get_device(ctx.conn, ctx.account_id, params["SerialNumber"]).serial
        ),
    ),
}
