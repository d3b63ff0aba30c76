"""The trust policies "Create role" writes: each valid for AWS, each naming what was chosen."""

from __future__ import annotations

import json

import pytest

from iamd.console.trust_policies import TrustChoice, trust_policy
from iamd.console.trusted_services import search, use_case
from iamd.policy import validate_policy

OWN = "111122223333"


def _statement(choice: TrustChoice) -> dict[str, object]:
    text = trust_policy(choice)
    validate_policy(text, "trust")  # AWS would accept it
    statements = json.loads(text)["Statement"]
    assert len(statements) == 1
    return dict(statements[0])


def test_an_ec2_role_trusts_ec2_and_gets_an_instance_profile() -> None:
    statement = _statement(TrustChoice("service", OWN, use_case="ec2"))
    assert statement["Principal"] == {"Service": "ec2.amazonaws.com"}
    assert statement["Action"] == "sts:AssumeRole"
    case = use_case("ec2")
    assert case is not None and case.gets_instance_profile
    lambda_case = use_case("lambda")
    assert lambda_case is not None and not lambda_case.gets_instance_profile


def test_lambda_at_edge_trusts_both_of_its_principals() -> None:
    statement = _statement(TrustChoice("service", OWN, use_case="lambda-edge"))
    assert statement["Principal"] == {
        "Service": ["lambda.amazonaws.com", "edgelambda.amazonaws.com"]
    }


def test_another_account_with_external_id_and_mfa() -> None:
    choice = TrustChoice(
        "account", OWN, other_account="444455556666", external_id="x-1", require_mfa=True
    )
    statement = _statement(choice)
    assert statement["Principal"] == {"AWS": "arn:aws:iam::444455556666:root"}
    assert statement["Condition"] == {
        "StringEquals": {"sts:ExternalId": "x-1"},
        "Bool": {"aws:MultiFactorAuthPresent": "true"},
    }
    assert "Condition" not in _statement(TrustChoice("account", OWN))


@pytest.mark.parametrize(
    ("provider", "key"),
    [
        ("accounts.google.com", "accounts.google.com:aud"),
        ("graph.facebook.com", "graph.facebook.com:app_id"),
        (
            f"arn:aws:iam::{OWN}:oidc-provider/token.actions.githubusercontent.com",
            "token.actions.githubusercontent.com:aud",
        ),
    ],
)
def test_a_web_identity_provider_and_its_audience(provider: str, key: str) -> None:
    statement = _statement(TrustChoice("web", OWN, web_provider=provider, audience="app-1"))
    assert statement["Principal"] == {"Federated": provider}
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Condition"] == {"StringEquals": {key: "app-1"}}


def test_saml_for_the_console_names_aws_sign_in_as_audience() -> None:
    arn = f"arn:aws:iam::{OWN}:saml-provider/corp"
    statement = _statement(TrustChoice("saml", OWN, saml_provider=arn))
    assert statement["Condition"] == {
        "StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}
    }


def test_saml_for_programmatic_access_only_names_the_chosen_attribute() -> None:
    arn = f"arn:aws:iam::{OWN}:saml-provider/corp"
    choice = TrustChoice(
        "saml",
        OWN,
        saml_provider=arn,
        saml_console=False,
        saml_attribute="SAML:sub",
        saml_value="u1",
    )
    assert _statement(choice)["Condition"] == {"StringEquals": {"SAML:sub": "u1"}}
    # Nothing chosen yet: a condition no assertion meets, never none at all.
    unchosen = _statement(TrustChoice("saml", OWN, saml_provider=arn, saml_console=False))
    assert unchosen["Condition"] == {"StringEquals": {"SAML:sub_type": ""}}


def test_services_are_found_by_any_word() -> None:
    assert [case.key for case in search("lambda")] == ["lambda", "lambda-edge"]
    assert "ec2-ssm" in [case.key for case in search("systems manager")]
    assert [case.key for case in search("ecs-tasks.amazonaws.com execution")] == [
        "ecs-task-execution"
    ]
    assert len(search("")) > 20
