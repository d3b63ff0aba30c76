"""Small behaviours of the console, over HTTP: "Switch role" only where the account may
assume the role; a deleted console password ends the user's sessions at once (through
the API or the console); a new group returns to the groups list."""

from __future__ import annotations

import json
from typing import Any

import pytest

from console.http_client import Browser, signed_up_root, token_of
from support import IamdServer

USER_PASSWORD = "Member-Pass-123!"
READ_ONLY = "arn:aws:iam::aws:policy/IAMReadOnlyAccess"


@pytest.fixture
def root(browser: Browser, server: IamdServer) -> tuple[Browser, Any, str]:
    """The signed-in root's browser, its IAM client and its account id."""
    _, key_id, secret = signed_up_root(browser)
    iam = server.client("iam", key_id, secret)
    account_id = server.client("sts", key_id, secret).get_caller_identity()["Account"]
    return browser, iam, account_id


def _console_user(iam: Any, name: str) -> None:
    iam.create_user(UserName=name)
    iam.attach_user_policy(UserName=name, PolicyArn=READ_ONLY)
    iam.create_login_profile(UserName=name, Password=USER_PASSWORD)


def _signed_in(base: str, account_id: str, name: str) -> Browser:
    user = Browser(base)
    fields = {"user_name": name, "password": USER_PASSWORD}
    status, headers, html = user.submit(f"/{account_id}/signin", fields)
    assert status == 303 and headers["location"] == "/console/iam", html
    assert user.get("/iam")[0] == 200
    return user


def _trust(principal: dict[str, str]) -> str:
    statement = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def _is_signed_out(user: Browser, account_id: str) -> bool:
    """Whether the user's cookie now only leads back to the account's sign-in page."""
    status, headers, _ = user.get("/iam")
    return status == 303 and headers["location"] == f"/console/{account_id}/signin"


def test_switch_role_is_offered_only_on_a_role_the_account_may_assume(
    root: tuple[Browser, Any, str],
) -> None:
    browser, iam, account_id = root
    _console_user(iam, "member")
    iam.create_role(
        RoleName="svc", AssumeRolePolicyDocument=_trust({"Service": "ec2.amazonaws.com"})
    )
    own = _trust({"AWS": f"arn:aws:iam::{account_id}:root"})
    iam.create_role(RoleName="ops", AssumeRolePolicyDocument=own)
    member = _signed_in(browser.base, account_id, "member")
    status, _, html = member.get("/iam/roles/svc")
    assert status == 200 and "ec2.amazonaws.com" in html
    assert ">Switch role</button>" not in html  # (the header's own link stays)
    status, _, html = member.get("/iam/roles/ops")
    assert status == 200 and ">Switch role</button>" in html


def test_deleting_a_password_through_the_api_ends_the_user_s_sessions(
    root: tuple[Browser, Any, str],
) -> None:
    browser, iam, account_id = root
    _console_user(iam, "leaver")
    first = _signed_in(browser.base, account_id, "leaver")
    second = _signed_in(browser.base, account_id, "leaver")
    iam.delete_login_profile(UserName="leaver")
    assert _is_signed_out(first, account_id) and _is_signed_out(second, account_id)


def test_deleting_a_password_in_the_console_ends_the_user_s_sessions(
    root: tuple[Browser, Any, str],
) -> None:
    browser, iam, account_id = root
    _console_user(iam, "leaver")
    session = _signed_in(browser.base, account_id, "leaver")
    path = "/iam/users/leaver/password/delete"
    status, _, html = browser.get(path)
    assert status == 200 and "Disable console access for leaver?" in html
    status, _, _ = browser.post(path, {"confirm": "leaver", "csrf_token": token_of(html)})
    assert status == 303
    assert _is_signed_out(session, account_id)
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_login_profile(UserName="leaver")


def test_creating_a_group_returns_to_the_groups_list(root: tuple[Browser, Any, str]) -> None:
    browser, iam, _ = root
    fields = {"group_name": "auditors", "go": "create"}
    status, headers, html = browser.submit("/iam/groups/new", fields)
    assert status == 303, html
    location = headers["location"]
    assert location.split("?", 1)[0] == "/console/iam/groups"
    status, _, html = browser.get(location.removeprefix("/console"))
    assert status == 200 and 'href="/console/iam/groups/auditors"' in html
    assert [group["GroupName"] for group in iam.list_groups()["Groups"]] == ["auditors"]
