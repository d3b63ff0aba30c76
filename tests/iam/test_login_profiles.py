"""Console passwords through boto3 against a live server: login profiles, the password
policy's enforcement on every password set, and ChangePassword."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from support import error_of

PASSWORD = "Initial-Passw0rd"
VIOLATION = ("PasswordPolicyViolation", "Password does not conform to the account password policy.")
CHANGE_PASSWORD_POLICY = "arn:aws:iam::aws:policy/IAMUserChangePassword"


def _error(call: Callable[[], Any]) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as excinfo:
        call()
    return error_of(excinfo)


def test_login_profile_lifecycle(iam: Any) -> None:
    iam.create_user(UserName="alice")
    created = iam.create_login_profile(UserName="alice", Password=PASSWORD)["LoginProfile"]
    assert set(created) == {"UserName", "CreateDate", "PasswordResetRequired"}
    assert created["UserName"] == "alice"
    assert created["PasswordResetRequired"] is False

    fetched = iam.get_login_profile(UserName="alice")["LoginProfile"]
    assert fetched == created

    iam.update_login_profile(UserName="alice", PasswordResetRequired=True)
    updated = iam.get_login_profile(UserName="alice")["LoginProfile"]
    assert updated["PasswordResetRequired"] is True
    assert updated["CreateDate"] == created["CreateDate"]

    iam.delete_login_profile(UserName="alice")
    assert _error(lambda: iam.get_login_profile(UserName="alice")) == (
        "NoSuchEntity",
        "Login Profile for User alice cannot be found.",
        404,
    )


def test_login_profile_errors(iam: Any) -> None:
    iam.create_user(UserName="bob")
    unknown = ("NoSuchEntity", "The user with name nonexistent-user cannot be found.", 404)
    assert (
        _error(lambda: iam.create_login_profile(UserName="nonexistent-user", Password=PASSWORD))
        == unknown
    )
    assert _error(lambda: iam.delete_login_profile(UserName="nonexistent-user")) == unknown
    assert _error(lambda: iam.get_login_profile(UserName="nonexistent-user")) == unknown

    missing = ("NoSuchEntity", "Login Profile for User bob cannot be found.", 404)
    assert _error(lambda: iam.delete_login_profile(UserName="bob")) == missing
    assert _error(lambda: iam.update_login_profile(UserName="bob", Password=PASSWORD)) == missing

    iam.create_login_profile(UserName="bob", Password=PASSWORD, PasswordResetRequired=True)
    assert _error(lambda: iam.create_login_profile(UserName="bob", Password=PASSWORD)) == (
        "EntityAlreadyExists",
        "Login Profile for user bob already exists.",
        409,
    )
    assert iam.get_login_profile(UserName="BOB")["LoginProfile"]["PasswordResetRequired"] is True


def test_create_login_profile_needs_a_password(iam: Any) -> None:
    iam.create_user(UserName="carol")
    code, _, status = _error(lambda: iam.create_login_profile(UserName="carol"))
    assert (code, status) == ("ValidationError", 400)


def test_delete_user_refuses_while_a_login_profile_exists(iam: Any) -> None:
    iam.create_user(UserName="dave")
    iam.create_login_profile(UserName="dave", Password=PASSWORD)
    assert _error(lambda: iam.delete_user(UserName="dave")) == (
        "DeleteConflict",
        "Cannot delete entity, must delete login profile first.",
        409,
    )
    iam.delete_login_profile(UserName="dave")
    iam.delete_user(UserName="dave")


@pytest.mark.parametrize("weak", ["Sh0rt!", "alllowercase12", "NoDigitsOrSymbols"])
def test_default_policy_applies_without_a_custom_one(iam: Any, weak: str) -> None:
    iam.create_user(UserName="erin")
    assert _error(lambda: iam.create_login_profile(UserName="erin", Password=weak)) == (
        *VIOLATION,
        400,
    )
    assert _error(lambda: iam.get_login_profile(UserName="erin"))[0] == "NoSuchEntity"


def test_custom_policy_is_enforced_on_create_and_update(iam: Any) -> None:
    iam.update_account_password_policy(
        MinimumPasswordLength=12,
        RequireSymbols=True,
        RequireNumbers=True,
        RequireUppercaseCharacters=True,
        RequireLowercaseCharacters=True,
    )
    iam.create_user(UserName="frank")
    for weak in (
        "Sh0rt!pass",
        "nouppercase-123",
        "NOLOWERCASE-123",
        "NoNumbers-abcd",
        "NoSymbols1234",
    ):
        assert _error(lambda w=weak: iam.create_login_profile(UserName="frank", Password=w)) == (
            *VIOLATION,
            400,
        )
    iam.create_login_profile(UserName="frank", Password="Long-Enough-123")
    assert _error(lambda: iam.update_login_profile(UserName="frank", Password="weak")) == (
        *VIOLATION,
        400,
    )
    iam.update_login_profile(UserName="frank", Password="Another-Good-456")


def test_custom_policy_replaces_the_default_one(iam: Any) -> None:
    iam.update_account_password_policy(MinimumPasswordLength=6)
    iam.create_user(UserName="gina")
    # Six lower-case letters: too weak for AWS's default policy, fine for this one.
    iam.create_login_profile(UserName="gina", Password="simple")


def test_reuse_prevention_remembers_the_last_passwords(iam: Any) -> None:
    iam.update_account_password_policy(PasswordReusePrevention=2)
    iam.create_user(UserName="hank")
    iam.create_login_profile(UserName="hank", Password="first-password")
    iam.update_login_profile(UserName="hank", Password="second-password")
    for reused in ("first-password", "second-password"):
        assert _error(lambda r=reused: iam.update_login_profile(UserName="hank", Password=r)) == (
            *VIOLATION,
            400,
        )
    iam.update_login_profile(UserName="hank", Password="third-password")
    # Two passwords back is now "second" and "third": "first" may come back.
    iam.update_login_profile(UserName="hank", Password="first-password")


def test_a_new_login_profile_starts_without_history(iam: Any) -> None:
    iam.update_account_password_policy(PasswordReusePrevention=5)
    iam.create_user(UserName="ivy")
    iam.create_login_profile(UserName="ivy", Password="the-password")
    iam.delete_login_profile(UserName="ivy")
    iam.create_login_profile(UserName="ivy", Password="the-password")


def test_change_password_is_for_iam_users_only(iam: Any) -> None:
    code, _, status = _error(
        lambda: iam.change_password(OldPassword=PASSWORD, NewPassword="Brand-New-Passw0rd")
    )
    assert (code, status) == ("InvalidUserType", 400)


def _user_client(iam: Any, make_client: Callable[..., Any], name: str) -> Any:
    iam.create_user(UserName=name)
    iam.attach_user_policy(UserName=name, PolicyArn=CHANGE_PASSWORD_POLICY)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return make_client("iam", key["AccessKeyId"], key["SecretAccessKey"])


def test_change_password_by_the_user(iam: Any, make_client: Callable[..., Any]) -> None:
    own = _user_client(iam, make_client, "jack")
    assert _error(lambda: own.change_password(OldPassword=PASSWORD, NewPassword="X-New-1234"))[
        :2
    ] == ("NoSuchEntity", "Login Profile for User jack cannot be found.")

    iam.create_login_profile(UserName="jack", Password=PASSWORD, PasswordResetRequired=True)
    code, _, status = _error(
        lambda: own.change_password(OldPassword="Wrong-Passw0rd", NewPassword="X-New-1234")
    )
    assert (code, status) == ("AccessDenied", 403)
    assert _error(lambda: own.change_password(OldPassword=PASSWORD, NewPassword="weak")) == (
        *VIOLATION,
        400,
    )

    own.change_password(OldPassword=PASSWORD, NewPassword="X-New-1234")
    assert iam.get_login_profile(UserName="jack")["LoginProfile"]["PasswordResetRequired"] is False
    # The old password no longer proves anything; the new one does.
    assert (
        _error(lambda: own.change_password(OldPassword=PASSWORD, NewPassword="Y-Newer-5678"))[0]
        == "AccessDenied"
    )
    own.change_password(OldPassword="X-New-1234", NewPassword="Y-Newer-5678")


def test_change_password_honours_reuse_prevention(
    iam: Any, make_client: Callable[..., Any]
) -> None:
    iam.update_account_password_policy(PasswordReusePrevention=1)
    own = _user_client(iam, make_client, "kate")
    iam.create_login_profile(UserName="kate", Password=PASSWORD)
    assert _error(lambda: own.change_password(OldPassword=PASSWORD, NewPassword=PASSWORD)) == (
        *VIOLATION,
        400,
    )
