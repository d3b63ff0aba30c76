"""The trust policy "Create role" writes for each kind of trusted entity, as AWS's does.

In: the first step's choices (`TrustChoice`). Out: the policy document's JSON text,
indented as AWS's console shows it. An AWS service is trusted with ``sts:AssumeRole``
by its service principals; an account (this one or another) by its root ARN, with an
optional external id and MFA condition; a web identity provider with
``sts:AssumeRoleWithWebIdentity`` and its audience; a SAML provider with
``sts:AssumeRoleWithSAML`` and, as AWS's console writes it, a ``StringEquals``
condition: for programmatic and console access ``SAML:aud`` is AWS's sign-in
endpoint; for programmatic access only, an attribute the person chose must have the
value they typed (AWS's console requires one, so that not every user of the IdP may
assume the role).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from iamd.console.trusted_services import use_case

ENTITY_TYPES = ("service", "account", "web", "saml", "custom")
SIGNIN_SAML_AUDIENCE = "https://signin.aws.amazon.com/saml"

# The SAML attributes a programmatic-only role may be limited by: those of AWS's list
# that iamd's AssumeRoleWithSAML puts in the request (`iamd.sts.saml.claim_keys`);
# AWS's console also lists eduPerson… attributes, which iamd never sets, so a
# condition on one of them could never be met.
SAML_ATTRIBUTES = ("SAML:aud", "SAML:iss", "SAML:sub", "SAML:sub_type", "SAML:namequalifier")

# The web identity providers AWS's console offers besides the account's own OIDC ones:
# the Federated principal, and the condition key of the audience.
WEB_PROVIDERS = {
    "cognito-identity.amazonaws.com": ("Amazon Cognito", "cognito-identity.amazonaws.com:aud"),
    "www.amazon.com": ("Login with Amazon", "www.amazon.com:app_id"),
    "graph.facebook.com": ("Facebook", "graph.facebook.com:app_id"),
    "accounts.google.com": ("Google", "accounts.google.com:aud"),
}

CUSTOM_TEMPLATE = """{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "Statement1",
      "Effect": "Allow",
      "Principal": {},
      "Action": "sts:AssumeRole"
    }
  ]
}"""


@dataclass(frozen=True)
class TrustChoice:
    entity_type: str
    account_id: str  # the caller's own account
    use_case: str = ""
    other_account: str = ""  # empty: this account
    external_id: str = ""  # empty: not required
    require_mfa: bool = False
    web_provider: str = ""  # a WEB_PROVIDERS key, or an OIDC provider's ARN
    audience: str = ""
    saml_provider: str = ""  # the SAML provider's ARN
    saml_console: bool = True
    # Programmatic access only: a SAML_ATTRIBUTES key and the value it must have. Not
    # yet chosen, the condition is one no assertion meets (fails closed), never none.
    saml_attribute: str = "SAML:sub_type"
    saml_value: str = ""
    custom: str = ""


def trust_policy(choice: TrustChoice) -> str:
    """The trust policy's JSON text for the choice (the custom text as typed)."""
    if choice.entity_type == "custom":
        return choice.custom
    statement = _STATEMENTS[choice.entity_type](choice)
    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", **statement}]}
    return json.dumps(document, indent=4)


def _service(choice: TrustChoice) -> dict[str, Any]:
    case = use_case(choice.use_case)
    principals = list(case.principals) if case else []
    service: str | list[str] = principals[0] if len(principals) == 1 else principals
    return {"Principal": {"Service": service}, "Action": "sts:AssumeRole"}


def _account(choice: TrustChoice) -> dict[str, Any]:
    account_id = choice.other_account or choice.account_id
    statement: dict[str, Any] = {
        "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
        "Action": "sts:AssumeRole",
    }
    condition: dict[str, Any] = {}
    if choice.external_id:
        condition["StringEquals"] = {"sts:ExternalId": choice.external_id}
    if choice.require_mfa:
        condition["Bool"] = {"aws:MultiFactorAuthPresent": "true"}
    return {**statement, "Condition": condition} if condition else statement


def audience_key(provider: str) -> str:
    """The condition key of a web identity provider's audience."""
    if provider in WEB_PROVIDERS:
        return WEB_PROVIDERS[provider][1]
    return provider.split(":oidc-provider/", 1)[-1] + ":aud"


def _web(choice: TrustChoice) -> dict[str, Any]:
    return {
        "Principal": {"Federated": choice.web_provider},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {audience_key(choice.web_provider): choice.audience}},
    }


def _saml(choice: TrustChoice) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Principal": {"Federated": choice.saml_provider},
        "Action": "sts:AssumeRoleWithSAML",
    }
    if choice.saml_console:
        required = {"SAML:aud": SIGNIN_SAML_AUDIENCE}
    else:
        required = {choice.saml_attribute: choice.saml_value}
    return {**statement, "Condition": {"StringEquals": required}}


_STATEMENTS = {"service": _service, "account": _account, "web": _web, "saml": _saml}
