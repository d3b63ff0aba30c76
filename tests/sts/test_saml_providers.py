"""AssumeRoleWithSAML with Responses shaped like Okta's and Entra ID's, signed with signxml.

Okta signs the Response and the Assertion; Entra ID signs the Assertion only. Each
carries AWS's Role, RoleSessionName and SessionDuration attributes (Entra ID also its
PrincipalTag ones), and the role's trust policy checks ``saml:aud``, ``saml:sub``,
``saml:sub_type`` and the session tags as AWS does.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from sts.saml_idp import AWS_RECIPIENT, Attribute, SamlIdp, encode, key_and_certificate
from support import error_of

NOT_AUTHORIZED = ("AccessDenied", "Not authorized to perform sts:AssumeRoleWithSAML")
SamlRole = Callable[..., tuple[str, str]]


@pytest.fixture
def saml_role(iam: Any) -> SamlRole:
    """saml_role(idp, conditions): a SAML provider from the IdP's metadata and a role it may
    assume (and tag) when `conditions` hold; returns (role ARN, provider ARN)."""

    def create(
        idp: SamlIdp, conditions: dict[str, Any], *, metadata: str | None = None, **role: Any
    ) -> tuple[str, str]:
        provider_arn = iam.create_saml_provider(
            SAMLMetadataDocument=metadata or idp.metadata(), Name=f"{idp.shape}-idp"
        )["SAMLProviderArn"]
        statement = {
            "Effect": "Allow",
            "Principal": {"Federated": provider_arn},
            "Action": ["sts:AssumeRoleWithSAML", "sts:TagSession"],
            "Condition": conditions,
        }
        trust = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
        role_arn = iam.create_role(
            RoleName=f"{idp.shape}-role", AssumeRolePolicyDocument=trust, **role
        )["Role"]["Arn"]
        return role_arn, provider_arn

    return create


def _aws_attributes(
    role_arn: str, provider_arn: str, session_name: str, *extra: Attribute
) -> list[Attribute]:
    return [
        Attribute("Role", (f"{role_arn},{provider_arn}",)),
        Attribute("RoleSessionName", (session_name,)),
        Attribute("SessionDuration", ("7200",)),
        *extra,
    ]


def _assume(sts: Any, role_arn: str, provider_arn: str, document: bytes) -> Any:
    return sts.assume_role_with_saml(
        RoleArn=role_arn, PrincipalArn=provider_arn, SAMLAssertion=encode(document)
    )


def _refused(sts: Any, role_arn: str, provider_arn: str, document: bytes) -> tuple[str, str]:
    with pytest.raises(ClientError) as excinfo:
        _assume(sts, role_arn, provider_arn, document)
    code, message, _ = error_of(excinfo)
    return code, message


def test_okta_response_signed_twice(unsigned_sts: Any, saml_role: SamlRole, account: Any) -> None:
    okta = SamlIdp("okta")
    role_arn, provider_arn = saml_role(
        okta,
        {"StringEquals": {"saml:aud": AWS_RECIPIENT, "saml:iss": okta.entity_id}},
        MaxSessionDuration=7200,
    )
    attributes = _aws_attributes(role_arn, provider_arn, "alice@example.com")
    answer = _assume(unsigned_sts, role_arn, provider_arn, okta.response(attributes))
    assert answer["AssumedRoleUser"]["Arn"] == (
        f"arn:aws:sts::{account.account_id}:assumed-role/okta-role/alice@example.com"
    )
    assert answer["Subject"] == "alice@example.com"
    assert answer["SubjectType"] == "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
    assert answer["Issuer"] == okta.entity_id
    assert answer["Audience"] == AWS_RECIPIENT
    lasts = answer["Credentials"]["Expiration"] - datetime.now(UTC)
    assert timedelta(seconds=7190) < lasts <= timedelta(seconds=7200)  # SessionDuration


@pytest.mark.parametrize(("sign_response", "sign_assertion"), [(True, False), (False, True)])
def test_okta_response_signed_once(
    unsigned_sts: Any, saml_role: SamlRole, sign_response: bool, sign_assertion: bool
) -> None:
    okta = SamlIdp("okta")
    role_arn, provider_arn = saml_role(okta, {"StringEquals": {"saml:aud": AWS_RECIPIENT}})
    document = okta.response(
        _aws_attributes(role_arn, provider_arn, "alice")[:2],
        sign_response=sign_response,
        sign_assertion=sign_assertion,
    )
    assert _assume(unsigned_sts, role_arn, provider_arn, document)["Subject"] == "alice@example.com"


def test_entra_id_assertion_with_session_tags(unsigned_sts: Any, saml_role: SamlRole) -> None:
    entra = SamlIdp("entra")
    role_arn, provider_arn = saml_role(
        entra,
        {
            "StringEquals": {
                "saml:aud": AWS_RECIPIENT,
                "saml:sub_type": "persistent",
                "aws:RequestTag/Department": "Engineering",
            }
        },
        MaxSessionDuration=7200,
    )
    subject = "kq8H0gZkTzOeo5WlY3F7-Rz1dCw0N2b4x6vRsq9UoZc"
    tags = [
        Attribute("PrincipalTag:Department", ("Engineering",)),
        Attribute("PrincipalTag:CostCenter", ("4711",)),
        Attribute("TransitiveTagKeys", ("Department",)),
    ]
    document = entra.response(
        _aws_attributes(role_arn, provider_arn, "alice@contoso.com", *tags), subject=subject
    )
    answer = _assume(unsigned_sts, role_arn, provider_arn, document)
    assert (answer["Subject"], answer["SubjectType"]) == (subject, "persistent")
    assert answer["Issuer"] == f"https://sts.windows.net/{entra.tenant}/"
    assert answer["PackedPolicySize"] >= 0
    other_department = [Attribute("PrincipalTag:Department", ("Sales",))]
    document = entra.response(
        _aws_attributes(role_arn, provider_arn, "bob@contoso.com", *other_department)
    )
    assert _refused(unsigned_sts, role_arn, provider_arn, document) == NOT_AUTHORIZED


def test_trust_policy_on_the_subject(unsigned_sts: Any, saml_role: SamlRole) -> None:
    okta = SamlIdp("okta")
    role_arn, provider_arn = saml_role(
        okta,
        {"StringLike": {"saml:sub": "*@example.com"}, "StringEquals": {"SAML:aud": AWS_RECIPIENT}},
    )
    attributes = _aws_attributes(role_arn, provider_arn, "alice")[:2]
    _assume(unsigned_sts, role_arn, provider_arn, okta.response(attributes))
    stranger = okta.response(attributes, subject="mallory@example.net")
    assert _refused(unsigned_sts, role_arn, provider_arn, stranger) == NOT_AUTHORIZED


def test_the_subject_type_condition_denies_another_format(
    unsigned_sts: Any, saml_role: SamlRole
) -> None:
    okta = SamlIdp("okta")  # Okta's NameID is "unspecified", not "persistent"
    role_arn, provider_arn = saml_role(okta, {"StringEquals": {"saml:sub_type": "persistent"}})
    document = okta.response(_aws_attributes(role_arn, provider_arn, "alice")[:2])
    assert _refused(unsigned_sts, role_arn, provider_arn, document) == NOT_AUTHORIZED


def test_a_rotated_in_certificate_verifies(unsigned_sts: Any, saml_role: SamlRole) -> None:
    """During a rotation the metadata lists the old and the new certificate."""
    entra = SamlIdp("entra")
    _old_key, old_certificate = key_and_certificate()
    metadata = entra.metadata(old_certificate, entra.certificate)  # type: ignore[arg-type]
    role_arn, provider_arn = saml_role(entra, {}, metadata=metadata)
    document = entra.response(_aws_attributes(role_arn, provider_arn, "alice")[:2])
    _assume(unsigned_sts, role_arn, provider_arn, document)


def test_an_expired_metadata_certificate_still_verifies(
    unsigned_sts: Any, saml_role: SamlRole
) -> None:
    """The metadata is the trust anchor: AWS trusts its key, not the certificate's dates."""
    key, certificate = key_and_certificate(
        valid_from=datetime.now(UTC) - timedelta(days=800), days=365
    )
    entra = SamlIdp("entra", key=key, certificate=certificate)
    role_arn, provider_arn = saml_role(entra, {})
    document = entra.response(_aws_attributes(role_arn, provider_arn, "alice")[:2])
    _assume(unsigned_sts, role_arn, provider_arn, document)


@pytest.mark.parametrize("duration", ["899", "43201", "-1", "1e3", "abc", "١٨٠٠", "9" * 50])
def test_a_session_duration_out_of_range(
    unsigned_sts: Any, saml_role: SamlRole, duration: str
) -> None:
    okta = SamlIdp("okta")
    role_arn, provider_arn = saml_role(okta, {})
    attributes = _aws_attributes(role_arn, provider_arn, "alice")[:2]
    document = okta.response([*attributes, Attribute("SessionDuration", (duration,))])
    assert _refused(unsigned_sts, role_arn, provider_arn, document)[0] == "InvalidIdentityToken"
