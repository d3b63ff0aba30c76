"""The lists' columns as AWS's console has them, over HTTP; and "Switch role" only on
roles a principal of the account may assume."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from console.http_client import Browser, signed_up_root
from iamd.console.columns import may_be_switched_to, trusted_entities
from support import IamdServer

OWN = "111122223333"


def _trust(principal: dict[str, Any]) -> str:
    statement = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def test_trusted_entities_are_worded_as_aws_s_roles_list() -> None:
    assert trusted_entities(_trust({"Service": ["ec2.amazonaws.com", "lambda.amazonaws.com"]})) == [
        "AWS Service: ec2",
        "AWS Service: lambda",
    ]
    assert trusted_entities(_trust({"AWS": f"arn:aws:iam::{OWN}:root"})) == [f"Account: {OWN}"]
    provider = f"arn:aws:iam::{OWN}:oidc-provider/token.actions.githubusercontent.com"
    assert trusted_entities(_trust({"Federated": provider})) == [
        "Identity Provider: token.actions.githubusercontent.com"
    ]


def test_only_roles_the_account_may_assume_offer_switch_role() -> None:
    assert may_be_switched_to(_trust({"AWS": f"arn:aws:iam::{OWN}:root"}), OWN)
    assert may_be_switched_to(_trust({"AWS": f"arn:aws:iam::{OWN}:user/ops"}), OWN)
    assert not may_be_switched_to(_trust({"Service": "ec2.amazonaws.com"}), OWN)
    assert not may_be_switched_to(_trust({"AWS": "arn:aws:iam::444455556666:root"}), OWN)


@pytest.fixture
def root_iam(browser: Browser, server: IamdServer) -> Any:
    _, key_id, secret = signed_up_root(browser)
    return server.client("iam", key_id, secret)


def _row(html: str, name: str) -> list[str]:
    rows = re.findall(r"<tr>(.*?)</tr>", html, re.S)
    row = next(row for row in rows if f">{name}</a>" in row)
    return [
        re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row, re.S)
    ]


def test_users_list_groups_mfa_and_credential_ages(browser: Browser, root_iam: Any) -> None:
    root_iam.create_group(GroupName="ops")
    root_iam.create_user(UserName="worker")
    root_iam.add_user_to_group(GroupName="ops", UserName="worker")
    root_iam.create_login_profile(UserName="worker", Password="Worker-Pass-123!")
    root_iam.create_access_key(UserName="worker")
    root_iam.create_user(UserName="idle")
    _, _, html = browser.get("/iam/users")
    for column in ("Groups", "Last activity", "MFA", "Password age", "Active key age"):
        assert f'<th scope="col">{column}</th>' in html
    assert _row(html, "worker")[1:6] == ["ops", "Never", "None", "0 days", "0 days"]
    assert _row(html, "idle")[1:6] == ["None", "Never", "None", "None", "None"]
    _, _, html = browser.get("/iam/groups")
    assert _row(html, "ops")[1:3] == ["1", "Not defined"]


def test_roles_list_their_trusted_entities(browser: Browser, root_iam: Any) -> None:
    root_iam.create_role(
        RoleName="svc", AssumeRolePolicyDocument=_trust({"Service": "ec2.amazonaws.com"})
    )
    _, _, html = browser.get("/iam/roles")
    assert _row(html, "svc")[1] == "AWS Service: ec2"


def test_the_alias_hint_goes_once_there_is_an_alias(browser: Browser, root_iam: Any) -> None:
    assert "Create an account alias" in browser.get("/iam")[2]
    root_iam.create_account_alias(AccountAlias="alias-" + root_iam.get_user()["User"]["UserId"])
    assert "Create an account alias" not in browser.get("/iam")[2]
