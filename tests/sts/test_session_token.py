"""GetSessionToken and MFA: users' and root's own sessions, and what they may call."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError

from support import error_of

INVALID_TOKEN = (
    "InvalidClientTokenId",
    "The security token included in the request is invalid.",
    403,
)


def _expires_in(answer: dict[str, Any]) -> float:
    return (answer["Credentials"]["Expiration"] - datetime.now(UTC)).total_seconds()


def test_user_session_token_shape_and_durations(new_user: Any, make_client: Any) -> None:
    alice = new_user("alice")
    sts = make_client("sts", alice.key_id, alice.secret)
    answer = sts.get_session_token()
    assert set(answer) == {"Credentials", "ResponseMetadata"}  # recorded shape
    assert 43190 < _expires_in(answer) <= 43200
    assert 129590 < _expires_in(sts.get_session_token(DurationSeconds=129600)) <= 129600
    with pytest.raises(ClientError) as excinfo:
        sts.get_session_token(DurationSeconds=129601)
    assert error_of(excinfo)[0] == "ValidationError"


def test_root_session_token_is_capped_at_one_hour(sts: Any, as_session: Any, account: Any) -> None:
    answer = sts.get_session_token(DurationSeconds=7200)
    assert 3590 < _expires_in(answer) <= 3600
    identity = as_session("sts", answer).get_caller_identity()
    assert identity["Arn"] == f"arn:aws:iam::{account.account_id}:root"


def test_session_token_acts_as_the_user_without_iam(
    new_user: Any, allow_doc: Any, make_client: Any, as_session: Any
) -> None:
    alice = new_user("alice", policy=allow_doc("iam:ListUsers"))
    answer = make_client("sts", alice.key_id, alice.secret).get_session_token()
    session_sts = as_session("sts", answer)
    identity = session_sts.get_caller_identity()
    assert (identity["Arn"], identity["UserId"]) == (alice.arn, alice.user_id)
    with pytest.raises(ClientError) as excinfo:  # no IAM without MFA (AWS)
        as_session("iam", answer).list_users()
    assert error_of(excinfo) == INVALID_TOKEN
    for call, name in ((session_sts.get_session_token, "GetSessionToken"),):
        with pytest.raises(ClientError) as excinfo:
            call()
        assert error_of(excinfo) == (
            "AccessDenied",
            f"Cannot call {name} with session credentials",
            403,
        )
    with pytest.raises(ClientError) as excinfo:
        session_sts.get_federation_token(Name="fed-user")
    assert error_of(excinfo) == (
        "AccessDenied",
        "Cannot call GetFederationToken with session credentials",
        403,
    )


def test_mfa_session_may_call_iam(
    new_user: Any, allow_doc: Any, make_client: Any, as_session: Any, enable_mfa: Any
) -> None:
    alice = new_user("alice", policy=allow_doc("iam:ListUsers"))
    device = enable_mfa("alice")
    sts = make_client("sts", alice.key_id, alice.secret)
    answer = sts.get_session_token(SerialNumber=device.serial, TokenCode=device.next_code())
    assert as_session("iam", answer).list_users()["Users"]


def test_mfa_codes_are_checked_and_spent(
    new_user: Any, make_client: Any, enable_mfa: Any, iam: Any
) -> None:
    alice = new_user("alice")
    device = enable_mfa("alice")
    sts = make_client("sts", alice.key_id, alice.secret)
    wrong = "000000" if device.next_code() != "000000" else "111111"
    device.next_offset -= 1
    with pytest.raises(ClientError) as excinfo:
        sts.get_session_token(SerialNumber=device.serial, TokenCode=wrong)
    assert error_of(excinfo) == (
        "AccessDenied",
        "MultiFactorAuthentication failed with invalid MFA one time pass code. ",
        403,
    )
    code = device.next_code()
    sts.get_session_token(SerialNumber=device.serial, TokenCode=code)
    with pytest.raises(ClientError) as excinfo:  # replayed
        sts.get_session_token(SerialNumber=device.serial, TokenCode=code)
    assert error_of(excinfo)[0] == "AccessDenied"
    iam.create_user(UserName="bob")
    bob_key = iam.create_access_key(UserName="bob")["AccessKey"]
    bob = make_client("sts", bob_key["AccessKeyId"], bob_key["SecretAccessKey"])
    with pytest.raises(ClientError) as excinfo:  # not bob's device
        bob.get_session_token(SerialNumber=device.serial, TokenCode=device.next_code())
    assert error_of(excinfo) == (
        "AccessDenied",
        "MultiFactorAuthentication failed, unable to validate MFA code.  "
        "Please verify your MFA serial number is valid and associated with this user.",
        403,
    )


def test_mfa_condition_in_trust_and_identity_policies(
    new_user: Any,
    new_role: Any,
    trust_doc: Any,
    make_client: Any,
    as_session: Any,
    enable_mfa: Any,
) -> None:
    alice = new_user("alice")
    device = enable_mfa("alice")
    condition = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    age_limited = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "iam:ListUsers",
                "Resource": "*",
                "Condition": {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}},
            }
        ],
    }
    role = new_role(
        "guarded",
        trust_doc({"AWS": alice.arn}, Condition=condition),
        policy=json.dumps(age_limited),
    )
    sts = make_client("sts", alice.key_id, alice.secret)
    with pytest.raises(ClientError):
        sts.assume_role(RoleArn=role["Arn"], RoleSessionName="no-mfa")
    answer = sts.assume_role(
        RoleArn=role["Arn"],
        RoleSessionName="mfa",
        SerialNumber=device.serial,
        TokenCode=device.next_code(),
    )
    as_session("iam", answer).list_users()
    mfa_session = sts.get_session_token(SerialNumber=device.serial, TokenCode=device.next_code())
    chained = as_session("sts", mfa_session).assume_role(RoleArn=role["Arn"], RoleSessionName="via")
    as_session("iam", chained).list_users()
