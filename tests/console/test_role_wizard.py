"""Create role as AWS's wizard over HTTP: trusted entity, permissions, name and review;
an EC2 role gets its instance profile; the trust policy is edited on the role's page."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from console.http_client import Browser, signed_up_root, token_of, wizard_step
from support import IamdServer

NEW = "/iam/roles/new"
SSM = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"


@pytest.fixture
def root_iam(browser: Browser, server: IamdServer) -> Any:
    _, key_id, secret = signed_up_root(browser)
    return server.client("iam", key_id, secret)


def _trust(browser: Browser, fields: dict[str, str]) -> tuple[int, str]:
    _, _, html = browser.get(NEW)
    status, _, html = wizard_step(browser, NEW, html, {"step": "trust", **fields})
    return status, html


def _finish(
    browser: Browser, html: str, details: dict[str, str]
) -> tuple[int, dict[str, str], str]:
    status, _, html = wizard_step(browser, NEW, html, {"step": "permissions", "go": "next"})
    assert status == 200 and "Name, review, and create" in html, html
    return wizard_step(browser, NEW, html, {"step": "details", "go": "create", **details})


def test_an_ec2_role_for_systems_manager(browser: Browser, root_iam: Any) -> None:
    status, html = _trust(browser, {"entity_type": "service", "service_q": "ec2", "go": "search"})
    assert status == 200 and 'value="ec2-ssm"' in html and 'value="lambda"' not in html
    status, html = _trust(browser, {"entity_type": "service", "go": "next"})
    assert status == 400 and "Choose a service and its use case." in html
    status, html = _trust(browser, {"entity_type": "service", "use_case": "ec2-ssm", "go": "next"})
    assert status == 200 and "Add permissions" in html
    assert f'value="{SSM}" id="policy-1" checked' in html  # AWS's console preselects it
    fields = {
        "role_name": "web-app",
        "description": "Web servers",
        "tag_key": "team",
        "tag_value": "web",
    }
    status, headers, html = _finish(browser, html, fields)
    assert status == 303 and "notice=role-created" in headers["location"], html
    role = root_iam.get_role(RoleName="web-app")["Role"]
    assert role["AssumeRolePolicyDocument"]["Statement"] == [
        {
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ]
    assert role["Description"] == "Web servers"
    assert role["Tags"] == [{"Key": "team", "Value": "web"}]
    attached = root_iam.list_attached_role_policies(RoleName="web-app")["AttachedPolicies"]
    assert [policy["PolicyArn"] for policy in attached] == [SSM]
    profile = root_iam.get_instance_profile(InstanceProfileName="web-app")["InstanceProfile"]
    assert [r["RoleName"] for r in profile["Roles"]] == ["web-app"]


def test_a_lambda_role_gets_no_instance_profile(browser: Browser, root_iam: Any) -> None:
    _status, html = _trust(browser, {"entity_type": "service", "use_case": "lambda", "go": "next"})
    assert _finish(browser, html, {"role_name": "fn"})[0] == 303
    assert root_iam.list_instance_profiles()["InstanceProfiles"] == []


def test_another_account_with_external_id_and_mfa(browser: Browser, root_iam: Any) -> None:
    fields = {
        "entity_type": "account",
        "account_scope": "other",
        "other_account": "12",
        "go": "next",
    }
    status, html = _trust(browser, fields)
    assert status == 400 and "12-digit" in html
    fields |= {
        "other_account": "444455556666",
        "require_external_id": "on",
        "external_id": "partner-7",
        "require_mfa": "on",
    }
    status, html = _trust(browser, fields)
    assert status == 200
    status, _, _ = _finish(browser, html, {"role_name": "partner"})
    assert status == 303
    statement = root_iam.get_role(RoleName="partner")["Role"]["AssumeRolePolicyDocument"][
        "Statement"
    ][0]
    assert statement["Principal"] == {"AWS": "arn:aws:iam::444455556666:root"}
    assert statement["Condition"] == {
        "StringEquals": {"sts:ExternalId": "partner-7"},
        "Bool": {"aws:MultiFactorAuthPresent": "true"},
    }


def test_a_custom_trust_policy_is_checked_before_the_next_step(
    browser: Browser, root_iam: Any
) -> None:
    broken = "\n".join(
        [
            "{",
            '  "Version": "2012-10-17",',
            '  "Statement": [',
            '    {"Effect": "Allow", "Action": "sts:AssumeRole"}',
            "  ]",
            "}",
        ]
    )
    status, html = _trust(browser, {"entity_type": "custom", "custom": broken, "go": "next"})
    assert status == 400 and "MalformedPolicyDocument at line 4" in html


def test_a_refused_call_creates_nothing(
    browser: Browser, root_iam: Any, server: IamdServer
) -> None:
    root_iam.create_user(UserName="maker")
    deny = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "Action": "iam:CreateInstanceProfile", "Resource": "*"},
        ],
    }
    root_iam.put_user_policy(UserName="maker", PolicyName="p", PolicyDocument=json.dumps(deny))
    root_iam.create_login_profile(UserName="maker", Password="Maker-Pass-123!")
    account_id = root_iam.get_user(UserName="maker")["User"]["Arn"].split(":")[4]
    maker = Browser(browser.base)
    fields = {"user_name": "maker", "password": "Maker-Pass-123!"}
    assert maker.submit(f"/{account_id}/signin", fields)[0] == 303
    status, html = _trust(maker, {"entity_type": "service", "use_case": "ec2", "go": "next"})
    status, _, html = _finish(maker, html, {"role_name": "denied-role"})
    assert status == 403 and "iam:CreateInstanceProfile" in html
    with pytest.raises(ClientError, match="NoSuchEntity"):
        root_iam.get_role(RoleName="denied-role")


def test_the_trust_policy_is_edited_on_the_role_page(browser: Browser, root_iam: Any) -> None:
    status, html = _trust(browser, {"entity_type": "service", "use_case": "lambda", "go": "next"})
    _finish(browser, html, {"role_name": "edited"})
    path = "/iam/roles/edited/trust"
    status, _, html = browser.get(path)
    assert status == 200 and "lambda.amazonaws.com" in html
    status, _, html = browser.post(path, {"trust": "{\n  nope", "csrf_token": token_of(html)})
    assert status == 400 and "at line 2" in html
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "states.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    status, headers, _ = browser.post(
        path, {"trust": json.dumps(trust), "csrf_token": token_of(html)}
    )
    assert status == 303 and "notice=trust-saved" in headers["location"]
    document = root_iam.get_role(RoleName="edited")["Role"]["AssumeRolePolicyDocument"]
    assert document["Statement"][0]["Principal"] == {"Service": "states.amazonaws.com"}


def test_a_web_identity_role_for_the_account_s_oidc_provider(
    browser: Browser, root_iam: Any
) -> None:
    url = "https://token.actions.githubusercontent.com"
    arn = root_iam.create_open_id_connect_provider(
        Url=url, ClientIDList=["sts.amazonaws.com"], ThumbprintList=["a" * 40]
    )["OpenIDConnectProviderArn"]
    status, html = _trust(browser, {"entity_type": "web", "go": "next"})
    assert status == 400 and f'<option value="{arn}">token.actions.githubusercontent.com' in html
    fields = {"entity_type": "web", "web_provider": arn, "audience": "sts.amazonaws.com"}
    status, html = _trust(browser, {**fields, "go": "next"})
    assert status == 200
    assert _finish(browser, html, {"role_name": "deployer"})[0] == 303
    role = root_iam.get_role(RoleName="deployer")["Role"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0] == {
        "Effect": "Allow",
        "Principal": {"Federated": arn},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {
            "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}
        },
    }
