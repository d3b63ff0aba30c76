"""Virtual MFA devices through boto3 against a live server: real TOTP codes from pyotp."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pyotp
import pytest
from botocore.exceptions import ClientError

from support import error_of

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def create_device(iam: Any, name: str = "phone", **kwargs: Any) -> dict[str, Any]:
    device: dict[str, Any] = iam.create_virtual_mfa_device(VirtualMFADeviceName=name, **kwargs)[
        "VirtualMFADevice"
    ]
    return device


def consecutive_codes(seed: bytes, *, offset_steps: int = 0) -> tuple[str, str]:
    """The previous and the current code of ``seed``, as a person would type them."""
    otp = pyotp.TOTP(seed.decode())
    now = datetime.now(UTC) + timedelta(seconds=30 * offset_steps)
    return otp.at(now, counter_offset=-1), otp.at(now)


def enable(iam: Any, user_name: str, device: dict[str, Any]) -> None:
    first, second = consecutive_codes(device["Base32StringSeed"])
    iam.enable_mfa_device(
        UserName=user_name,
        SerialNumber=device["SerialNumber"],
        AuthenticationCode1=first,
        AuthenticationCode2=second,
    )


def test_create_returns_serial_seed_and_qr_code(iam: Any, account: Any) -> None:
    device = create_device(iam, "alice-phone", Path="/team/")
    assert device["SerialNumber"] == f"arn:aws:iam::{account.account_id}:mfa/team/alice-phone"
    seed = device["Base32StringSeed"]
    assert len(seed) == 64
    assert pyotp.TOTP(seed.decode()).now().isdigit()
    assert device["QRCodePNG"].startswith(PNG_SIGNATURE)
    assert "Tags" not in device


def test_create_with_tags_and_tag_operations(iam: Any) -> None:
    tags = [{"Key": "owner", "Value": "alice"}]
    device = create_device(iam, Tags=tags)
    serial = device["SerialNumber"]
    assert device["Tags"] == tags
    iam.tag_mfa_device(SerialNumber=serial, Tags=[{"Key": "team", "Value": "ops"}])
    listed = iam.list_mfa_device_tags(SerialNumber=serial)
    assert listed["Tags"] == [*tags, {"Key": "team", "Value": "ops"}]
    assert listed["IsTruncated"] is False
    iam.untag_mfa_device(SerialNumber=serial, TagKeys=["OWNER"])
    assert iam.list_mfa_device_tags(SerialNumber=serial)["Tags"] == [
        {"Key": "team", "Value": "ops"}
    ]


def test_duplicate_device_is_refused(iam: Any) -> None:
    create_device(iam)
    with pytest.raises(ClientError) as excinfo:
        create_device(iam)
    assert error_of(excinfo) == ("EntityAlreadyExists", "MFA device already exists.", 409)


def test_path_too_long(iam: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        create_device(iam, Path="/" + "a" * 512 + "/")
    assert error_of(excinfo) == (
        "ValidationError",
        "1 validation error detected: Value at 'path' failed to satisfy constraint: "
        "Member must have length less than or equal to 512",
        400,
    )


@pytest.mark.parametrize("length", [227, 1000, 3000])
def test_a_name_whose_serial_number_no_call_could_take_is_refused(iam: Any, length: int) -> None:
    # serialNumberType allows 256 characters: arn:aws:iam::<account>:mfa/ leaves 226.
    with pytest.raises(ClientError) as excinfo:
        create_device(iam, "a" * length)
    assert error_of(excinfo) == (
        "ValidationError",
        "1 validation error detected: Value at 'virtualMFADeviceName' failed to satisfy "
        "constraint: Member must have length less than or equal to 226",
        400,
    )
    assert iam.list_virtual_mfa_devices()["VirtualMFADevices"] == []


def test_the_longest_name_makes_a_device_every_call_can_name(iam: Any) -> None:
    device = create_device(iam, "a" * 226)
    assert len(device["SerialNumber"]) == 256
    assert device["QRCodePNG"].startswith(PNG_SIGNATURE)
    iam.delete_virtual_mfa_device(SerialNumber=device["SerialNumber"])


def test_a_longer_path_leaves_less_room_for_the_name(iam: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        create_device(iam, "a" * 222, Path="/team/")
    assert error_of(excinfo)[1].endswith("Member must have length less than or equal to 221")


def test_list_virtual_devices_by_assignment_status(iam: Any) -> None:
    iam.create_user(UserName="alice")
    devices = [create_device(iam, f"mfa-{index}") for index in range(3)]
    enable(iam, "alice", devices[1])
    serials = [d["SerialNumber"] for d in devices]

    listed = iam.list_virtual_mfa_devices()
    assert [d["SerialNumber"] for d in listed["VirtualMFADevices"]] == serials
    assert listed["IsTruncated"] is False
    unassigned = iam.list_virtual_mfa_devices(AssignmentStatus="Unassigned")
    assert unassigned["VirtualMFADevices"] == [{"SerialNumber": s} for s in serials[::2]]

    assigned = iam.list_virtual_mfa_devices(AssignmentStatus="Assigned")["VirtualMFADevices"]
    assert [d["SerialNumber"] for d in assigned] == [serials[1]]
    user = assigned[0]["User"]
    assert user["UserName"] == "alice"
    assert set(user) == {"Path", "UserName", "UserId", "Arn", "CreateDate"}
    assert "EnableDate" in assigned[0]
    assert "Base32StringSeed" not in assigned[0]


def test_list_virtual_devices_pages(iam: Any) -> None:
    for index in range(3):
        create_device(iam, f"mfa-{index}")
    first = iam.list_virtual_mfa_devices(MaxItems=2)
    assert len(first["VirtualMFADevices"]) == 2
    assert first["IsTruncated"] is True
    rest = iam.list_virtual_mfa_devices(MaxItems=2, Marker=first["Marker"])
    assert [d["SerialNumber"].rsplit("/", 1)[1] for d in rest["VirtualMFADevices"]] == ["mfa-2"]
    assert rest["IsTruncated"] is False
    with pytest.raises(ClientError) as excinfo:
        iam.list_virtual_mfa_devices(Marker="invalid-marker-value")
    assert error_of(excinfo) == ("ValidationError", "Invalid Marker.", 400)


def test_enable_list_get_deactivate_delete(iam: Any, account: Any) -> None:
    iam.create_user(UserName="alice")
    device = create_device(iam)
    serial = device["SerialNumber"]
    assert iam.list_mfa_devices(UserName="alice")["MFADevices"] == []

    enable(iam, "alice", device)
    listed = iam.list_mfa_devices(UserName="alice")
    assert listed["IsTruncated"] is False
    [entry] = listed["MFADevices"]
    assert entry["UserName"] == "alice"
    assert entry["SerialNumber"] == serial
    assert abs(entry["EnableDate"] - datetime.now(UTC)) < timedelta(minutes=1)
    got = iam.get_mfa_device(UserName="alice", SerialNumber=serial)
    assert (got["UserName"], got["SerialNumber"]) == ("alice", serial)

    with pytest.raises(ClientError) as excinfo:
        iam.delete_virtual_mfa_device(SerialNumber=serial)
    assert error_of(excinfo) == (
        "DeleteConflict",
        "MFA VirtualDevice in use. Must deactivate first.",
        409,
    )
    with pytest.raises(ClientError) as excinfo:
        iam.delete_user(UserName="alice")
    assert error_of(excinfo)[:2] == (
        "DeleteConflict",
        "Cannot delete entity, must delete MFA device first.",
    )

    iam.deactivate_mfa_device(UserName="alice", SerialNumber=serial)
    assert iam.list_mfa_devices(UserName="alice")["MFADevices"] == []
    assert iam.list_virtual_mfa_devices(AssignmentStatus="Assigned")["VirtualMFADevices"] == []
    iam.delete_virtual_mfa_device(SerialNumber=serial)
    assert iam.list_virtual_mfa_devices()["VirtualMFADevices"] == []
    iam.delete_user(UserName="alice")


def test_enable_refuses_wrong_or_out_of_order_codes(iam: Any) -> None:
    iam.create_user(UserName="alice")
    device = create_device(iam)
    first, second = consecutive_codes(device["Base32StringSeed"])
    for codes in (("123456", "654321"), (second, first), (second, second)):
        with pytest.raises(ClientError) as excinfo:
            iam.enable_mfa_device(
                UserName="alice",
                SerialNumber=device["SerialNumber"],
                AuthenticationCode1=codes[0],
                AuthenticationCode2=codes[1],
            )
        assert error_of(excinfo) == (
            "InvalidAuthenticationCode",
            "Authentication code for device is not valid.",
            403,
        )
    assert iam.list_mfa_devices(UserName="alice")["MFADevices"] == []


def test_enable_errors(iam: Any, account: Any) -> None:
    device = create_device(iam)
    serial = device["SerialNumber"]
    with pytest.raises(ClientError) as excinfo:
        iam.enable_mfa_device(
            UserName="nonexistent-user",
            SerialNumber=serial,
            AuthenticationCode1="123456",
            AuthenticationCode2="654321",
        )
    assert error_of(excinfo) == (
        "NoSuchEntity",
        "The user with name nonexistent-user cannot be found.",
        404,
    )
    iam.create_user(UserName="alice")
    iam.create_user(UserName="bob")
    enable(iam, "alice", device)
    with pytest.raises(ClientError) as excinfo:
        enable(iam, "bob", device)
    assert error_of(excinfo) == ("EntityAlreadyExists", "MFA Device is already in use.", 409)


def test_deactivate_errors(iam: Any, account: Any) -> None:
    device = create_device(iam)
    with pytest.raises(ClientError) as excinfo:
        iam.deactivate_mfa_device(UserName="nonexistent-user", SerialNumber=device["SerialNumber"])
    assert error_of(excinfo) == (
        "NoSuchEntity",
        "The user with name nonexistent-user cannot be found.",
        404,
    )
    iam.create_user(UserName="alice")
    missing = f"arn:aws:iam::{account.account_id}:mfa/nonexistent-mfa"
    for serial in (missing, device["SerialNumber"]):
        with pytest.raises(ClientError) as excinfo:
            iam.deactivate_mfa_device(UserName="alice", SerialNumber=serial)
        assert error_of(excinfo) == (
            "NoSuchEntity",
            f"MFA Device with serial number {serial} does not exist.",
            404,
        )


def test_missing_device_errors(iam: Any, account: Any) -> None:
    serial = f"arn:aws:iam::{account.account_id}:mfa/nonexistent-device"
    for call in (
        lambda: iam.delete_virtual_mfa_device(SerialNumber=serial),
        lambda: iam.tag_mfa_device(SerialNumber=serial, Tags=[{"Key": "a", "Value": "b"}]),
        lambda: iam.untag_mfa_device(SerialNumber=serial, TagKeys=["a"]),
        lambda: iam.list_mfa_device_tags(SerialNumber=serial),
    ):
        with pytest.raises(ClientError) as excinfo:
            call()
        assert error_of(excinfo) == (
            "NoSuchEntity",
            f"MFA Device with serial number {serial} does not exist.",
            404,
        )


def test_resync_learns_drift_and_refuses_replayed_codes(iam: Any) -> None:
    iam.create_user(UserName="alice")
    device = create_device(iam)
    enable(iam, "alice", device)
    seed, serial = device["Base32StringSeed"], device["SerialNumber"]
    # A device whose clock runs five minutes fast.
    first, second = consecutive_codes(seed, offset_steps=10)
    resync = dict(
        UserName="alice", SerialNumber=serial, AuthenticationCode1=first, AuthenticationCode2=second
    )
    iam.resync_mfa_device(**resync)
    with pytest.raises(ClientError) as excinfo:
        iam.resync_mfa_device(**resync)
    assert error_of(excinfo)[0] == "InvalidAuthenticationCode"


def test_codes_already_used_to_enable_cannot_enable_again(iam: Any) -> None:
    iam.create_user(UserName="alice")
    device = create_device(iam)
    first, second = consecutive_codes(device["Base32StringSeed"])
    request = dict(
        UserName="alice",
        SerialNumber=device["SerialNumber"],
        AuthenticationCode1=first,
        AuthenticationCode2=second,
    )
    iam.enable_mfa_device(**request)
    iam.deactivate_mfa_device(UserName="alice", SerialNumber=device["SerialNumber"])
    started = time.monotonic()
    with pytest.raises(ClientError) as excinfo:
        iam.enable_mfa_device(**request)
    assert time.monotonic() - started < 30
    assert error_of(excinfo)[0] == "InvalidAuthenticationCode"


def test_list_mfa_devices_of_the_caller(iam: Any, make_client: Any) -> None:
    iam.create_user(UserName="alice")
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    iam.put_user_policy(
        UserName="alice",
        PolicyName="mfa",
        PolicyDocument='{"Version": "2012-10-17", "Statement": '
        '[{"Effect": "Allow", "Action": "iam:*MFADevice*", "Resource": "*"}]}',
    )
    device = create_device(iam)
    enable(iam, "alice", device)
    alice = make_client("iam", key["AccessKeyId"], key["SecretAccessKey"])
    [entry] = alice.list_mfa_devices()["MFADevices"]
    assert (entry["UserName"], entry["SerialNumber"]) == ("alice", device["SerialNumber"])
    assert iam.list_mfa_devices()["MFADevices"] == []  # the root user has none


def test_sign_in_lookup_checks_a_code_once(iam: Any, server: Any) -> None:
    """The store API STS sign-ins use: find the device, verify a code, spend its counter."""
    from iamd.auth import totp
    from iamd.store import mfa_devices

    user_id = iam.create_user(UserName="alice")["User"]["UserId"]
    device = create_device(iam)
    serial = device["SerialNumber"]
    assert _credential(server, serial) is None  # not enabled yet
    enable(iam, "alice", device)
    credential = _credential(server, serial)
    assert credential is not None
    assert credential.owner_id == user_id
    database, sealer = server.open_store()
    try:
        seed = sealer.open(credential.seed_sealed, serial)
        assert seed == device["Base32StringSeed"]
        later = datetime.now(UTC) + timedelta(seconds=30)
        code = pyotp.TOTP(seed.decode()).at(later)
        counter = totp.verify_code(seed, code, later, last_counter=credential.last_counter)
        assert counter is not None
        with database.transaction() as conn:
            assert mfa_devices.record_counter(conn, serial, counter)
            assert not mfa_devices.record_counter(conn, serial, counter)  # replayed
    finally:
        database.dispose()


def _credential(server: Any, serial: str) -> Any:
    from iamd.store import mfa_devices

    database, _ = server.open_store()
    try:
        with database.transaction(write=False) as conn:
            return mfa_devices.credential_for(conn, serial)
    finally:
        database.dispose()
