"""SSH public keys through boto3: upload in either encoding, AWS's fingerprint, five per user."""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any

import pytest
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from support import error_of

OPENSSH = (serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
PEM = (serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def rsa_key(bits: int = 2048) -> rsa.RSAPublicKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits).public_key()


def openssh(key: Any, comment: str = "alice@example") -> str:
    return key.public_bytes(*OPENSSH).decode() + f" {comment}"


def pem(key: Any) -> str:
    return str(key.public_bytes(*PEM).decode())


def md5_fingerprint(key: Any) -> str:
    blob = base64.b64decode(key.public_bytes(*OPENSSH).split()[1])
    digest = hashlib.md5(blob).hexdigest()
    return ":".join(digest[i : i + 2] for i in range(0, 32, 2))


def test_ssh_public_key_lifecycle(iam: Any) -> None:
    iam.create_user(UserName="alice")
    assert iam.list_ssh_public_keys(UserName="alice")["SSHPublicKeys"] == []
    key = rsa_key()
    body = openssh(key)
    uploaded = iam.upload_ssh_public_key(UserName="alice", SSHPublicKeyBody=body)["SSHPublicKey"]
    key_id = uploaded["SSHPublicKeyId"]
    assert re.fullmatch(r"APKA[A-Z2-7]{17}", key_id)
    assert uploaded == {
        "UserName": "alice",
        "SSHPublicKeyId": key_id,
        "Fingerprint": md5_fingerprint(key),
        "SSHPublicKeyBody": body,
        "Status": "Active",
        "UploadDate": uploaded["UploadDate"],
    }
    got = iam.get_ssh_public_key(UserName="alice", SSHPublicKeyId=key_id, Encoding="SSH")
    assert got["SSHPublicKey"] == uploaded
    listed = iam.list_ssh_public_keys(UserName="alice")
    assert listed["IsTruncated"] is False
    assert listed["SSHPublicKeys"] == [
        {
            "UserName": "alice",
            "SSHPublicKeyId": key_id,
            "Status": "Active",
            "UploadDate": uploaded["UploadDate"],
        }
    ]
    iam.update_ssh_public_key(UserName="alice", SSHPublicKeyId=key_id, Status="Inactive")
    got = iam.get_ssh_public_key(UserName="alice", SSHPublicKeyId=key_id, Encoding="SSH")
    assert got["SSHPublicKey"]["Status"] == "Inactive"
    iam.delete_ssh_public_key(UserName="alice", SSHPublicKeyId=key_id)
    assert iam.list_ssh_public_keys(UserName="alice")["SSHPublicKeys"] == []


def test_get_converts_between_encodings(iam: Any) -> None:
    iam.create_user(UserName="bob")
    key = rsa_key()
    from_pem = iam.upload_ssh_public_key(UserName="bob", SSHPublicKeyBody=pem(key))
    key_id = from_pem["SSHPublicKey"]["SSHPublicKeyId"]
    assert from_pem["SSHPublicKey"]["Fingerprint"] == md5_fingerprint(key)
    as_ssh = iam.get_ssh_public_key(UserName="bob", SSHPublicKeyId=key_id, Encoding="SSH")
    assert as_ssh["SSHPublicKey"]["SSHPublicKeyBody"] == key.public_bytes(*OPENSSH).decode()
    as_pem = iam.get_ssh_public_key(UserName="bob", SSHPublicKeyId=key_id, Encoding="PEM")
    assert as_pem["SSHPublicKey"]["SSHPublicKeyBody"] == pem(key)

    other = rsa_key()
    from_ssh = iam.upload_ssh_public_key(UserName="bob", SSHPublicKeyBody=openssh(other))
    other_id = from_ssh["SSHPublicKey"]["SSHPublicKeyId"]
    as_pem = iam.get_ssh_public_key(UserName="bob", SSHPublicKeyId=other_id, Encoding="PEM")
    converted = serialization.load_pem_public_key(
        as_pem["SSHPublicKey"]["SSHPublicKeyBody"].encode()
    )
    assert converted.public_bytes(*OPENSSH) == other.public_bytes(*OPENSSH)


@pytest.mark.parametrize(
    "make_key",
    [
        lambda: ec.generate_private_key(ec.SECP256R1()).public_key(),
        lambda: ec.generate_private_key(ec.SECP384R1()).public_key(),
        lambda: ed25519.Ed25519PrivateKey.generate().public_key(),
    ],
    ids=["ecdsa-p256", "ecdsa-p384", "ed25519"],
)
def test_ecdsa_and_ed25519_keys(iam: Any, make_key: Any) -> None:
    iam.create_user(UserName="carol")
    key = make_key()
    for body in (openssh(key), pem(make_key())):
        uploaded = iam.upload_ssh_public_key(UserName="carol", SSHPublicKeyBody=body)
        assert uploaded["SSHPublicKey"]["SSHPublicKeyBody"] == body
    assert uploaded["SSHPublicKey"]["Fingerprint"].count(":") == 15


def test_duplicate_key_is_per_user_and_encoding_blind(iam: Any) -> None:
    iam.create_user(UserName="dave")
    iam.create_user(UserName="erin")
    key = rsa_key()
    iam.upload_ssh_public_key(UserName="dave", SSHPublicKeyBody=openssh(key))
    with pytest.raises(ClientError) as excinfo:
        iam.upload_ssh_public_key(UserName="dave", SSHPublicKeyBody=pem(key))
    assert error_of(excinfo) == (
        "DuplicateSSHPublicKey",
        "The SSH public key is already associated with the specified IAM user.",
        400,
    )
    iam.upload_ssh_public_key(UserName="erin", SSHPublicKeyBody=openssh(key))


def test_at_most_five_keys_per_user(iam: Any) -> None:
    iam.create_user(UserName="frank")
    for _ in range(5):
        iam.upload_ssh_public_key(UserName="frank", SSHPublicKeyBody=openssh(rsa_key()))
    with pytest.raises(ClientError) as excinfo:
        iam.upload_ssh_public_key(UserName="frank", SSHPublicKeyBody=openssh(rsa_key()))
    assert error_of(excinfo) == (
        "LimitExceeded",
        "Cannot exceed quota for SSHPublicKeysPerUser: 5",
        409,
    )
    page = iam.list_ssh_public_keys(UserName="frank", MaxItems=2)
    assert page["IsTruncated"] is True and len(page["SSHPublicKeys"]) == 2
    seen = [k["SSHPublicKeyId"] for k in page["SSHPublicKeys"]]
    while page["IsTruncated"]:
        page = iam.list_ssh_public_keys(UserName="frank", MaxItems=2, Marker=page["Marker"])
        seen += [k["SSHPublicKeyId"] for k in page["SSHPublicKeys"]]
    everything = iam.list_ssh_public_keys(UserName="frank")["SSHPublicKeys"]
    assert seen == [k["SSHPublicKeyId"] for k in everything]
    assert len(set(seen)) == 5


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("this is not a key at all", "UnrecognizedPublicKeyEncoding"),
        ("ssh-rsa AAAAnot-base64!!", "InvalidPublicKey"),
        (
            "-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n-----END PUBLIC KEY-----\n",
            "InvalidPublicKey",
        ),
    ],
)
def test_unusable_key_bodies(iam: Any, body: str, code: str) -> None:
    iam.create_user(UserName="gina")
    with pytest.raises(ClientError) as excinfo:
        iam.upload_ssh_public_key(UserName="gina", SSHPublicKeyBody=body)
    assert error_of(excinfo)[0] == code
    assert error_of(excinfo)[2] == 400


def test_rsa_keys_shorter_than_2048_bits_are_refused(iam: Any) -> None:
    iam.create_user(UserName="hank")
    with pytest.raises(ClientError) as excinfo:
        iam.upload_ssh_public_key(UserName="hank", SSHPublicKeyBody=openssh(rsa_key(1024)))
    assert error_of(excinfo)[0] == "InvalidPublicKey"


def test_missing_keys_and_users(iam: Any) -> None:
    iam.create_user(UserName="ivy")
    iam.create_user(UserName="jack")
    missing = "APKAXXXXXXXXXXXXXXXXX"
    expected = ("NoSuchEntity", f"The Public Key with id {missing} cannot be found.", 404)
    calls = [
        lambda: iam.get_ssh_public_key(UserName="ivy", SSHPublicKeyId=missing, Encoding="SSH"),
        lambda: iam.update_ssh_public_key(UserName="ivy", SSHPublicKeyId=missing, Status="Active"),
        lambda: iam.delete_ssh_public_key(UserName="ivy", SSHPublicKeyId=missing),
    ]
    for call in calls:
        with pytest.raises(ClientError) as excinfo:
            call()
        assert error_of(excinfo) == expected
    ivys = iam.upload_ssh_public_key(UserName="ivy", SSHPublicKeyBody=openssh(rsa_key()))
    ivys_id = ivys["SSHPublicKey"]["SSHPublicKeyId"]
    with pytest.raises(ClientError) as excinfo:
        iam.delete_ssh_public_key(UserName="jack", SSHPublicKeyId=ivys_id)
    assert error_of(excinfo)[1] == f"The Public Key with id {ivys_id} cannot be found."
    with pytest.raises(ClientError) as excinfo:
        iam.upload_ssh_public_key(UserName="nobody", SSHPublicKeyBody=openssh(rsa_key()))
    assert error_of(excinfo) == (
        "NoSuchEntity",
        "The user with name nobody cannot be found.",
        404,
    )


def test_rename_shows_in_keys_and_delete_user_waits_for_them(iam: Any) -> None:
    iam.create_user(UserName="kate")
    uploaded = iam.upload_ssh_public_key(UserName="kate", SSHPublicKeyBody=openssh(rsa_key()))
    key_id = uploaded["SSHPublicKey"]["SSHPublicKeyId"]
    iam.update_user(UserName="kate", NewUserName="katherine")
    listed = iam.list_ssh_public_keys(UserName="katherine")["SSHPublicKeys"]
    assert [k["UserName"] for k in listed] == ["katherine"]
    with pytest.raises(ClientError) as excinfo:
        iam.delete_user(UserName="katherine")
    assert error_of(excinfo) == (
        "DeleteConflict",
        "Cannot delete entity, must remove referenced objects first.",
        409,
    )
    iam.delete_ssh_public_key(UserName="katherine", SSHPublicKeyId=key_id)
    iam.delete_user(UserName="katherine")
