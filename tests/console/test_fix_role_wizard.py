"""Create role's SAML 2.0 trust as AWS's console writes it (console access: SAML:aud is
AWS's sign-in endpoint; programmatic access only: an attribute condition the person
chooses), over HTTP, checked through GetRole and a real AssumeRoleWithSAML."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from console.http_client import Browser, signed_up_root, wizard_step
from iamd.console.trust_policies import SAML_ATTRIBUTES
from iamd.sts.saml import claim_keys
from iamd.sts.saml_assertion import SamlAssertion
from sts.test_saml import metadata, signed_response
from support import IamdServer

NEW = "/iam/roles/new"


@pytest.fixture
def root_iam(browser: Browser, server: IamdServer) -> Any:
    _, key_id, secret = signed_up_root(browser)
    return server.client("iam", key_id, secret)


@pytest.fixture
def provider_arn(root_iam: Any) -> str:
    created = root_iam.create_saml_provider(SAMLMetadataDocument=metadata(), Name="corp-idp")
    return str(created["SAMLProviderArn"])


def _saml_role(browser: Browser, role_name: str, fields: dict[str, str]) -> tuple[int, str]:
    _, _, html = browser.get(NEW)
    trust = {"step": "trust", "entity_type": "saml", "go": "next", **fields}
    status, _, html = wizard_step(browser, NEW, html, trust)
    if status != 200:
        return status, html
    status, _, html = wizard_step(browser, NEW, html, {"step": "permissions", "go": "next"})
    assert status == 200, html
    details = {"step": "details", "go": "create", "role_name": role_name}
    status, _, html = wizard_step(browser, NEW, html, details)
    return status, html


def _statement(root_iam: Any, role_name: str) -> dict[str, Any]:
    document = root_iam.get_role(RoleName=role_name)["Role"]["AssumeRolePolicyDocument"]
    statements = document["Statement"]
    assert len(statements) == 1
    return dict(statements[0])


def test_console_access_requires_aws_s_sign_in_endpoint_as_the_audience(
    browser: Browser, root_iam: Any, provider_arn: str
) -> None:
    fields = {"saml_provider": provider_arn, "saml_access": "console"}
    assert _saml_role(browser, "saml-console", fields)[0] == 303
    assert _statement(root_iam, "saml-console") == {
        "Effect": "Allow",
        "Principal": {"Federated": provider_arn},
        "Action": "sts:AssumeRoleWithSAML",
        "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}},
    }


def test_programmatic_access_only_requires_the_attribute_the_person_chose(
    browser: Browser, root_iam: Any, provider_arn: str, server: IamdServer
) -> None:
    fields = {"saml_provider": provider_arn, "saml_access": "programmatic"}
    status, html = _saml_role(browser, "saml-api", {**fields, "saml_value": ""})
    assert status == 400 and "Enter the value the attribute must have." in html
    status, html = _saml_role(browser, "saml-api", {**fields, "saml_attribute": "SAML:cn"})
    assert status == 400 and "Choose a SAML attribute." in html
    chosen = {**fields, "saml_attribute": "SAML:sub_type", "saml_value": "persistent"}
    assert _saml_role(browser, "saml-api", chosen)[0] == 303
    statement = _statement(root_iam, "saml-api")
    assert statement == {
        "Effect": "Allow",
        "Principal": {"Federated": provider_arn},
        "Action": "sts:AssumeRoleWithSAML",
        "Condition": {"StringEquals": {"SAML:sub_type": "persistent"}},
    }
    other = {**fields, "saml_attribute": "SAML:sub", "saml_value": "bob-id"}
    assert _saml_role(browser, "saml-bob", other)[0] == 303
    anonymous = boto3.client(
        "sts",
        endpoint_url=server.endpoint,
        region_name="us-east-1",
        config=Config(signature_version=UNSIGNED),
    )
    for role_name, is_let_in in (("saml-api", True), ("saml-bob", False)):
        role_arn = root_iam.get_role(RoleName=role_name)["Role"]["Arn"]
        assertion = signed_response(role_arn, provider_arn)  # alice-id, persistent
        call = {"RoleArn": role_arn, "PrincipalArn": provider_arn, "SAMLAssertion": assertion}
        if is_let_in:
            assert anonymous.assume_role_with_saml(**call)["SubjectType"] == "persistent"
        else:
            with pytest.raises(ClientError, match="AccessDenied"):
                anonymous.assume_role_with_saml(**call)


def test_the_attributes_offered_are_those_iamd_s_sts_sets() -> None:
    assertion = SamlAssertion("issuer", "subject", "persistent", "recipient", {})
    offered = {attribute.lower() for attribute in SAML_ATTRIBUTES}
    assert offered == set(claim_keys(assertion, "qualifier"))


def test_a_refused_trust_step_s_state_cannot_create_the_role(
    browser: Browser, root_iam: Any, provider_arn: str
) -> None:
    _, _, html = browser.get(NEW)
    fields = {"step": "trust", "entity_type": "saml", "go": "next"}
    fields |= {"saml_provider": provider_arn, "saml_access": "programmatic"}
    status, _, refused = wizard_step(browser, NEW, html, fields)
    assert status == 400
    skip = {"step": "details", "go": "create", "role_name": "skipped-trust"}
    status, _, html = wizard_step(browser, NEW, refused, skip)
    assert status == 400 and "Enter the value the attribute must have." in html
    with pytest.raises(ClientError, match="NoSuchEntity"):
        root_iam.get_role(RoleName="skipped-trust")


BOUNDARY = "arn:aws:iam::aws:policy/PowerUserAccess"


def test_a_boundary_is_chosen_from_the_policy_picker_over_http(
    browser: Browser, root_iam: Any
) -> None:
    _, _, html = browser.get(NEW)
    trust = {"step": "trust", "entity_type": "service", "use_case": "lambda", "go": "next"}
    status, _, html = wizard_step(browser, NEW, html, trust)
    assert status == 200 and 'name="boundary" value="" id="boundary-none" checked' in html
    find = {"step": "permissions", "boundary_q": "PowerUser", "go": "boundary-search"}
    status, _, html = wizard_step(browser, NEW, html, find)
    assert status == 200 and f'type="radio" name="boundary" value="{BOUNDARY}"' in html
    # A policy the picker did not show is not taken: the choice stays as it was.
    forged = [("step", "permissions"), ("boundary", "arn:aws:iam::aws:policy/Nope")]
    status, _, html = wizard_step(browser, NEW, html, [*forged, ("go", "boundary-search")])
    assert 'id="boundary-none" checked' in html
    picked = [("step", "permissions"), ("shown_boundary", BOUNDARY), ("boundary", BOUNDARY)]
    status, _, html = wizard_step(browser, NEW, html, [*picked, ("go", "next")])
    assert status == 200 and f"Permissions boundary: {BOUNDARY}" in html
    details = {"step": "details", "go": "create", "role_name": "capped"}
    assert wizard_step(browser, NEW, html, details)[0] == 303
    role = root_iam.get_role(RoleName="capped")["Role"]
    assert role["PermissionsBoundary"] == {
        "PermissionsBoundaryType": "Policy",
        "PermissionsBoundaryArn": BOUNDARY,
    }
