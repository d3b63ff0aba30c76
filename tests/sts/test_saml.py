"""AssumeRoleWithSAML with assertions this test signs itself, as an IdP would.

The assertion and its SignedInfo are written already in exclusive canonical form, so
what is digested and signed here is exactly the text in the document: the server's
canonicalization must reproduce it byte for byte for the signature to verify.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from support import error_of

ENTITY_ID = "https://idp.example.com/saml"
SAML_NS = "urn:oasis:names:tc:SAML:2.0:assertion"
DS_NS = "http://www.w3.org/2000/09/xmldsig#"
AWS_AUDIENCE = "https://signin.aws.amazon.com/saml"
ATTRIBUTE = "https://aws.amazon.com/SAML/Attributes/"


def _key_and_certificate() -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "idp.example.com")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    return key, certificate


KEY, CERTIFICATE = _key_and_certificate()
OTHER_KEY, _ = _key_and_certificate()


def metadata() -> str:
    der = base64.b64encode(CERTIFICATE.public_bytes(serialization.Encoding.DER)).decode()
    return (
        '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
        f'entityID="{ENTITY_ID}"><md:IDPSSODescriptor '
        'protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
        f'<md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="{DS_NS}"><ds:X509Data>'
        f"<ds:X509Certificate>{der}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>"
        "</md:KeyDescriptor></md:IDPSSODescriptor></md:EntityDescriptor>"
    )


def _instant(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _attribute(name: str, *values: str) -> str:
    inner = "".join(f"<saml:AttributeValue>{value}</saml:AttributeValue>" for value in values)
    return f'<saml:Attribute Name="{ATTRIBUTE}{name}">{inner}</saml:Attribute>'


def signed_response(
    role_arn: str,
    provider_arn: str,
    *,
    session_name: str = "alice",
    key: Any = KEY,
    tamper: bool = False,
    extra_attributes: str = "",
    expires_in: int = 300,
) -> str:
    now = datetime.now(UTC)
    expires = _instant(now + timedelta(seconds=expires_in))
    head = (
        f'<saml:Assertion xmlns:saml="{SAML_NS}" ID="_assertion1" '
        f'IssueInstant="{_instant(now)}" Version="2.0"><saml:Issuer>{ENTITY_ID}</saml:Issuer>'
    )
    body = (
        '<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">'
        "alice-id</saml:NameID>"
        '<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">'
        f'<saml:SubjectConfirmationData NotOnOrAfter="{expires}" Recipient="{AWS_AUDIENCE}">'
        "</saml:SubjectConfirmationData></saml:SubjectConfirmation></saml:Subject>"
        f'<saml:Conditions NotBefore="{_instant(now - timedelta(seconds=5))}" '
        f'NotOnOrAfter="{expires}"><saml:AudienceRestriction>'
        f"<saml:Audience>{AWS_AUDIENCE}</saml:Audience></saml:AudienceRestriction>"
        "</saml:Conditions><saml:AttributeStatement>"
        + _attribute("Role", f"{provider_arn},{role_arn}")
        + _attribute("RoleSessionName", session_name)
        + _attribute("SessionDuration", "1800")
        + extra_attributes
        + "</saml:AttributeStatement></saml:Assertion>"
    )
    digest = base64.b64encode(hashlib.sha256((head + body).encode()).digest()).decode()
    signed_info = (
        f'<ds:SignedInfo xmlns:ds="{DS_NS}">'
        '<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#">'
        "</ds:CanonicalizationMethod>"
        '<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256">'
        '</ds:SignatureMethod><ds:Reference URI="#_assertion1"><ds:Transforms>'
        '<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature">'
        "</ds:Transform>"
        '<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"></ds:Transform>'
        "</ds:Transforms>"
        '<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"></ds:DigestMethod>'
        f"<ds:DigestValue>{digest}</ds:DigestValue></ds:Reference></ds:SignedInfo>"
    )
    value = base64.b64encode(key.sign(signed_info.encode(), padding.PKCS1v15(), hashes.SHA256()))
    signature = (
        f'<ds:Signature xmlns:ds="{DS_NS}">{signed_info}'
        f"<ds:SignatureValue>{value.decode()}</ds:SignatureValue></ds:Signature>"
    )
    if tamper:
        body = body.replace(f">{session_name}<", ">mallory<")
    response = (
        '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_response1" '
        f'IssueInstant="{_instant(now)}" Version="2.0">'
        f'<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/>'
        f"</samlp:Status>{head}{signature}{body}</samlp:Response>"
    )
    return base64.b64encode(response.encode()).decode()


@pytest.fixture
def anonymous_sts(server: Any) -> Any:
    return boto3.client(
        "sts",
        endpoint_url=server.endpoint,
        region_name="us-east-1",
        config=Config(signature_version=UNSIGNED),
    )


@pytest.fixture
def saml_setup(iam: Any) -> tuple[str, str]:
    provider = iam.create_saml_provider(SAMLMetadataDocument=metadata(), Name="corp-idp")
    provider_arn = provider["SAMLProviderArn"]
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": provider_arn},
                "Action": ["sts:AssumeRoleWithSAML", "sts:TagSession"],
                "Condition": {"StringEquals": {"SAML:aud": AWS_AUDIENCE}},
            }
        ],
    }
    role = iam.create_role(RoleName="saml-role", AssumeRolePolicyDocument=json.dumps(trust))
    return role["Role"]["Arn"], provider_arn


def test_signed_assertion_for_a_role_session(
    anonymous_sts: Any, saml_setup: tuple[str, str], account: Any, as_session: Any
) -> None:
    role_arn, provider_arn = saml_setup
    answer = anonymous_sts.assume_role_with_saml(
        RoleArn=role_arn,
        PrincipalArn=provider_arn,
        SAMLAssertion=signed_response(role_arn, provider_arn),
    )
    assert answer["AssumedRoleUser"]["Arn"] == (
        f"arn:aws:sts::{account.account_id}:assumed-role/saml-role/alice"
    )
    assert (answer["Subject"], answer["SubjectType"], answer["Issuer"]) == (
        "alice-id",
        "persistent",
        ENTITY_ID,
    )
    assert answer["Audience"] == AWS_AUDIENCE
    expected = hashlib.sha1(f"{ENTITY_ID}{account.account_id}/corp-idp".encode()).digest()
    assert answer["NameQualifier"] == base64.b64encode(expected).decode()
    expires_in = (answer["Credentials"]["Expiration"] - datetime.now(UTC)).total_seconds()
    assert 1790 < expires_in <= 1800  # the assertion's SessionDuration
    assert as_session("sts", answer).get_caller_identity()["Arn"].endswith("/saml-role/alice")


@pytest.mark.parametrize("variant", ["tampered", "other-key", "wrapped"])
def test_bad_signatures_are_refused(
    anonymous_sts: Any, saml_setup: tuple[str, str], variant: str
) -> None:
    role_arn, provider_arn = saml_setup
    if variant == "tampered":
        assertion = signed_response(role_arn, provider_arn, tamper=True)
    elif variant == "other-key":
        assertion = signed_response(role_arn, provider_arn, key=OTHER_KEY)
    else:  # a second, unsigned assertion next to the signed one
        text = base64.b64decode(signed_response(role_arn, provider_arn)).decode()
        evil = f'<saml:Assertion xmlns:saml="{SAML_NS}" ID="_evil" Version="2.0"></saml:Assertion>'
        assertion = base64.b64encode(
            text.replace("</samlp:Response>", evil + "</samlp:Response>").encode()
        ).decode()
    with pytest.raises(ClientError) as excinfo:
        anonymous_sts.assume_role_with_saml(
            RoleArn=role_arn, PrincipalArn=provider_arn, SAMLAssertion=assertion
        )
    assert error_of(excinfo)[0] == "InvalidIdentityToken"


def test_expired_assertion(anonymous_sts: Any, saml_setup: tuple[str, str]) -> None:
    role_arn, provider_arn = saml_setup
    with pytest.raises(ClientError) as excinfo:
        anonymous_sts.assume_role_with_saml(
            RoleArn=role_arn,
            PrincipalArn=provider_arn,
            SAMLAssertion=signed_response(role_arn, provider_arn, expires_in=-600),
        )
    assert error_of(excinfo)[0] == "ExpiredTokenException"


def test_role_must_be_offered_by_the_assertion(
    iam: Any, anonymous_sts: Any, saml_setup: tuple[str, str]
) -> None:
    role_arn, provider_arn = saml_setup
    other = role_arn.replace("saml-role", "other-role")
    with pytest.raises(ClientError) as excinfo:
        anonymous_sts.assume_role_with_saml(
            RoleArn=role_arn,
            PrincipalArn=provider_arn,
            SAMLAssertion=signed_response(other, provider_arn),
        )
    # IAM User Guide, "Troubleshooting SAML 2.0 federation": AccessDenied, HTTP 403.
    assert error_of(excinfo) == (
        "AccessDenied",
        "Not authorized to perform sts:AssumeRoleWithSAML",
        403,
    )


def test_tags_from_attributes(
    anonymous_sts: Any, saml_setup: tuple[str, str], as_session: Any
) -> None:
    role_arn, provider_arn = saml_setup
    tags = _attribute("PrincipalTag:dept", "eng") + _attribute("TransitiveTagKeys", "dept")
    answer = anonymous_sts.assume_role_with_saml(
        RoleArn=role_arn,
        PrincipalArn=provider_arn,
        SAMLAssertion=signed_response(role_arn, provider_arn, extra_attributes=tags),
    )
    assert "PackedPolicySize" in answer


def test_non_canonical_spelling_still_verifies(
    anonymous_sts: Any, saml_setup: tuple[str, str]
) -> None:
    """Namespaces declared higher up, attributes reordered, empty elements self-closed."""
    import re

    role_arn, provider_arn = saml_setup
    text = base64.b64decode(signed_response(role_arn, provider_arn)).decode()
    response_start = '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"'
    text = text.replace(response_start, f'{response_start} xmlns:saml="{SAML_NS}"')
    text = re.sub(
        r'<saml:Assertion xmlns:saml="[^"]+" ID="_assertion1" '
        r'IssueInstant="([^"]+)" Version="2.0">',
        r'<saml:Assertion Version="2.0"\n   IssueInstant="\1" ID="_assertion1">',
        text,
    )
    text = re.sub(
        r"(<saml:SubjectConfirmationData [^>]*)></saml:SubjectConfirmationData>", r"\1/>", text
    )
    assert "/>" in text and 'Version="2.0"\n' in text
    anonymous_sts.assume_role_with_saml(
        RoleArn=role_arn,
        PrincipalArn=provider_arn,
        SAMLAssertion=base64.b64encode(text.encode()).decode(),
    )
