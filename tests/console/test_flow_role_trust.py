"""Who may assume a role, in a browser: the wizard's trusted entities other than an AWS
service (another account with external id and MFA, web identity, a custom policy) and
the trust policy edited on the role's page. GetRole shows each stored document."""

from __future__ import annotations

import json
from typing import Any

from playwright.sync_api import expect

from console.conftest import Shots
from console.flows import open_section, signed_in_root
from support import IamdServer

ASSUME = "sts:AssumeRole"


def _trusted_entity(page: Any, entity_type: str) -> None:
    open_section(page, "Roles")
    page.get_by_role("link", name="Create role").click()
    page.get_by_role("radio", name=entity_type).check()


def _name_and_create(page: Any, role_name: str, shots: Shots) -> None:
    """From the trusted-entity step: past the permissions, named, reviewed, created."""
    page.get_by_role("button", name="Next", exact=True).click()
    page.get_by_role("heading", name="Add permissions").wait_for()
    page.get_by_role("button", name="Next", exact=True).click()
    page.get_by_label("Role name").fill(role_name)
    shots.take(page, "review")
    page.get_by_role("button", name="Create role").click()
    page.get_by_text(f"Role {role_name} created.").wait_for()


def _trust_of(iam: Any, role_name: str) -> dict[str, Any]:
    document: dict[str, Any] = iam.get_role(RoleName=role_name)["Role"]["AssumeRolePolicyDocument"]
    return document


def test_another_account_with_an_external_id_and_mfa(
    page: Any, console_url: str, server: IamdServer, shots: Shots
) -> None:
    _, iam = signed_in_root(page, console_url, server)
    _trusted_entity(page, "AWS account")
    page.get_by_role("radio", name="Another AWS account").check()
    page.get_by_label("Account ID of the other account").fill("4444")
    page.get_by_role("button", name="Next", exact=True).click()
    expect(page.get_by_text("12-digit")).to_be_visible()
    page.get_by_label("Account ID of the other account").fill("444455556666")
    page.get_by_label("Require external ID").check()
    page.get_by_label("External ID", exact=True).fill("partner-7")
    page.get_by_label("Require MFA").check()
    shots.take(page, "another-account")
    _name_and_create(page, "partner", shots)

    statement = _trust_of(iam, "partner")["Statement"]
    assert statement == [
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
            "Action": ASSUME,
            "Condition": {
                "StringEquals": {"sts:ExternalId": "partner-7"},
                "Bool": {"aws:MultiFactorAuthPresent": "true"},
            },
        }
    ]


def test_a_web_identity_role_for_an_existing_oidc_provider(
    page: Any, console_url: str, server: IamdServer, shots: Shots
) -> None:
    _, iam = signed_in_root(page, console_url, server)
    arn = iam.create_open_id_connect_provider(
        Url="https://token.actions.githubusercontent.com",
        ClientIDList=["sts.amazonaws.com"],
        ThumbprintList=["a" * 40],
    )["OpenIDConnectProviderArn"]
    _trusted_entity(page, "Web identity")
    page.get_by_label("Identity provider").select_option(
        label="token.actions.githubusercontent.com"
    )
    page.get_by_label("Audience").fill("sts.amazonaws.com")
    shots.take(page, "web-identity")
    _name_and_create(page, "deployer", shots)

    assert _trust_of(iam, "deployer")["Statement"] == [
        {
            "Effect": "Allow",
            "Principal": {"Federated": arn},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}
            },
        }
    ]


def test_a_custom_trust_policy_shows_the_api_s_error_then_is_created(
    page: Any, console_url: str, server: IamdServer, shots: Shots
) -> None:
    _, iam = signed_in_root(page, console_url, server)
    _trusted_entity(page, "Custom trust policy")
    no_principal = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ASSUME}]}
    page.get_by_label("Trust policy (JSON)").fill(json.dumps(no_principal, indent=2))
    page.get_by_role("button", name="Next", exact=True).click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("MalformedPolicyDocument at line 4:")  # the statement's
    expect(alert).to_contain_text("has a statement with no principals!")
    shots.take(page, "custom-trust-refused")

    lambda_trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": ASSUME}
        ],
    }
    page.get_by_label("Trust policy (JSON)").fill(json.dumps(lambda_trust, indent=2))
    _name_and_create(page, "custom-fn", shots)
    assert _trust_of(iam, "custom-fn") == lambda_trust


def test_the_trust_policy_is_edited_on_the_role_s_page(
    page: Any, console_url: str, server: IamdServer, shots: Shots
) -> None:
    _, iam = signed_in_root(page, console_url, server)
    ec2_trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": ASSUME}
        ],
    }
    iam.create_role(RoleName="worker", AssumeRolePolicyDocument=json.dumps(ec2_trust))
    open_section(page, "Roles")
    page.get_by_role("link", name="worker", exact=True).click()
    page.get_by_role("link", name="Edit trust policy").click()
    editor = page.get_by_label("Trust policy (JSON)")
    expect(editor).to_contain_text("ec2.amazonaws.com")
    editor.fill('{\n  "Version": "2012-10-17",\n  nope\n}')
    page.get_by_role("button", name="Update policy").click()
    expect(page.get_by_role("alert")).to_contain_text("MalformedPolicyDocument at line 3")
    shots.take(page, "trust-refused")
    assert _trust_of(iam, "worker") == ec2_trust

    states_trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "states.amazonaws.com"},
                "Action": ASSUME,
                "Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"}},
            }
        ],
    }
    page.get_by_label("Trust policy (JSON)").fill(json.dumps(states_trust, indent=2))
    page.get_by_role("button", name="Update policy").click()
    page.get_by_text("Trust policy of worker saved.").wait_for()
    expect(page.get_by_text("states.amazonaws.com")).to_be_visible()
    shots.take(page, "trust-saved")
    assert _trust_of(iam, "worker") == states_trust
