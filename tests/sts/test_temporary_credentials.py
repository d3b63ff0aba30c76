"""Temporary credentials on the wire: tampering, expiry, identities, key info."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from support import error_of

INVALID = ("InvalidClientTokenId", "The security token included in the request is invalid.", 403)
EXPIRED = ("ExpiredToken", "The security token included in the request is expired", 403)


def _flip(text: str, position: int) -> str:
    replacement = "A" if text[position] != "A" else "B"
    return text[:position] + replacement + text[position + 1 :]


def test_tampered_tokens_are_refused(sts: Any, make_client: Any) -> None:
    credentials = sts.get_session_token()["Credentials"]
    key_id, secret, token = (
        credentials["AccessKeyId"],
        credentials["SecretAccessKey"],
        credentials["SessionToken"],
    )
    assert make_client("sts", key_id, secret, token).get_caller_identity()
    positions = sorted(
        {0, 1, len(token) // 2, len(token) - 2, len(token) - 1, *range(3, len(token), 41)}
    )
    for position in positions:
        with pytest.raises(ClientError) as excinfo:
            make_client("sts", key_id, secret, _flip(token, position)).get_caller_identity()
        assert error_of(excinfo) == INVALID, position


def test_token_is_bound_to_its_key_id(sts: Any, make_client: Any) -> None:
    first = sts.get_session_token()["Credentials"]
    second = sts.get_session_token()["Credentials"]
    mixed = make_client(
        "sts", second["AccessKeyId"], first["SecretAccessKey"], first["SessionToken"]
    )
    with pytest.raises(ClientError) as excinfo:
        mixed.get_caller_identity()
    assert error_of(excinfo) == INVALID


def test_session_key_needs_its_token_and_long_term_keys_refuse_one(
    sts: Any, make_client: Any, account: Any
) -> None:
    credentials = sts.get_session_token()["Credentials"]
    with pytest.raises(ClientError) as excinfo:
        make_client(
            "sts", credentials["AccessKeyId"], credentials["SecretAccessKey"]
        ).get_caller_identity()
    assert error_of(excinfo) == INVALID
    with pytest.raises(ClientError) as excinfo:
        make_client(
            "sts", account.access_key_id, account.secret_access_key, credentials["SessionToken"]
        ).get_caller_identity()
    assert error_of(excinfo) == INVALID


def test_wrong_session_secret_does_not_sign(sts: Any, make_client: Any) -> None:
    credentials = sts.get_session_token()["Credentials"]
    forged = make_client("sts", credentials["AccessKeyId"], "x" * 40, credentials["SessionToken"])
    with pytest.raises(ClientError) as excinfo:
        forged.get_caller_identity()
    assert error_of(excinfo)[0] == "SignatureDoesNotMatch"


def test_access_key_info_of_session_keys(sts: Any, account: Any) -> None:
    credentials = sts.get_session_token()["Credentials"]
    info = sts.get_access_key_info(AccessKeyId=credentials["AccessKeyId"])
    assert info["Account"] == account.account_id


# --- Expiry, with the server's clock moved instead of sleeping --------------------------


@pytest.fixture
def moved(clock_server: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    yield clock_server
    clock_server.reset()


def test_expired_session_is_refused(moved: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    server = moved.server
    root = server.new_account()
    sts = server.client("sts", root.access_key_id, root.secret_access_key)
    credentials = sts.get_session_token(DurationSeconds=900)["Credentials"]
    session = server.client(
        "sts",
        credentials["AccessKeyId"],
        credentials["SecretAccessKey"],
        credentials["SessionToken"],
    )
    moved.shift(800, monkeypatch)
    assert session.get_caller_identity()["Account"] == root.account_id
    moved.shift(901, monkeypatch)
    with pytest.raises(ClientError) as excinfo:
        session.get_caller_identity()
    assert error_of(excinfo) == EXPIRED
    sts.get_caller_identity()  # long-term keys are unaffected


def test_expired_role_session_is_refused(moved: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    server = moved.server
    root = server.new_account()
    iam = server.client("iam", root.access_key_id, root.secret_access_key)
    iam.create_user(UserName="alice")
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    trust = (
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole",'
        f'"Principal":{{"AWS":"arn:aws:iam::{root.account_id}:user/alice"}}}}]}}'
    )
    role = iam.create_role(RoleName="r", AssumeRolePolicyDocument=trust)["Role"]
    alice = server.client("sts", key["AccessKeyId"], key["SecretAccessKey"])
    credentials = alice.assume_role(RoleArn=role["Arn"], RoleSessionName="s1")["Credentials"]
    session = server.client(
        "sts",
        credentials["AccessKeyId"],
        credentials["SecretAccessKey"],
        credentials["SessionToken"],
    )
    moved.shift(3601, monkeypatch)
    with pytest.raises(ClientError) as excinfo:
        session.get_caller_identity()
    assert error_of(excinfo) == EXPIRED
