"""Hostile SAML Responses: unsigned, forged, wrapped, or built to hurt a parser.

Each is AWS's InvalidIdentityToken (or the error AWS gives), never an InternalFailure,
and nothing the signature does not cover reaches the session: not a wrapped assertion,
not a text node split by a comment, not an unsigned IssueInstant.
"""

from __future__ import annotations

import base64
import copy
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError
from lxml import etree

from sts.saml_idp import Attribute, SamlIdp, encode, key_and_certificate
from support import error_of

SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
DS = "http://www.w3.org/2000/09/xmldsig#"
BAD_SIGNATURE = ("InvalidIdentityToken", "Response signature invalid")
Setup = tuple[SamlIdp, str, str]


@pytest.fixture(params=["okta", "entra"])
def idp(iam: Any, request: pytest.FixtureRequest) -> Setup:
    """An IdP of each shape, registered, with a role that trusts it unconditionally."""
    provider = SamlIdp(request.param)
    provider_arn = iam.create_saml_provider(SAMLMetadataDocument=provider.metadata(), Name="idp")[
        "SAMLProviderArn"
    ]
    statement = {
        "Effect": "Allow",
        "Principal": {"Federated": provider_arn},
        "Action": ["sts:AssumeRoleWithSAML", "sts:TagSession"],
    }
    trust = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    role_arn = iam.create_role(RoleName="saml", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    return provider, role_arn, provider_arn


def _attributes(setup: Setup, session_name: str = "alice") -> list[Attribute]:
    _, role_arn, provider_arn = setup
    return [
        Attribute("Role", (f"{role_arn},{provider_arn}",)),
        Attribute("RoleSessionName", (session_name,)),
    ]


def _assume(sts: Any, setup: Setup, document: bytes | str) -> Any:
    _, role_arn, provider_arn = setup
    text = document if isinstance(document, str) else encode(document)
    return sts.assume_role_with_saml(
        RoleArn=role_arn, PrincipalArn=provider_arn, SAMLAssertion=text
    )


def _refused(sts: Any, setup: Setup, document: bytes | str) -> tuple[str, str]:
    with pytest.raises(ClientError) as excinfo:
        _assume(sts, setup, document)
    code, message, _ = error_of(excinfo)
    return code, message


def _tree(document: bytes) -> Any:
    return etree.fromstring(document)


def _assertion(root: Any) -> Any:
    return root.find(f"{{{SAML}}}Assertion")


def _session_name_value(element: Any) -> Any:
    for attribute in element.iter(f"{{{SAML}}}Attribute"):
        if attribute.get("Name", "").endswith("/RoleSessionName"):
            return attribute.find(f"{{{SAML}}}AttributeValue")
    raise AssertionError("no RoleSessionName")


def test_the_shapes_verify(unsigned_sts: Any, idp: Setup) -> None:
    """The baseline the attacks below start from."""
    answer = _assume(unsigned_sts, idp, idp[0].response(_attributes(idp)))
    assert answer["AssumedRoleUser"]["Arn"].endswith("/saml/alice")


def test_an_unsigned_response(unsigned_sts: Any, idp: Setup) -> None:
    document = idp[0].response(_attributes(idp), sign_response=False, sign_assertion=False)
    assert _refused(unsigned_sts, idp, document) == BAD_SIGNATURE


def test_a_response_signed_with_another_key(unsigned_sts: Any, idp: Setup) -> None:
    other_key, _ = key_and_certificate()
    document = idp[0].response(_attributes(idp), signing_key=other_key)
    assert _refused(unsigned_sts, idp, document) == BAD_SIGNATURE


@pytest.mark.parametrize("sign_response", [True, False])
def test_a_tampered_assertion(unsigned_sts: Any, idp: Setup, sign_response: bool) -> None:
    root = _tree(idp[0].response(_attributes(idp), sign_response=sign_response))
    _session_name_value(_assertion(root)).text = "mallory"
    assert _refused(unsigned_sts, idp, etree.tostring(root)) == BAD_SIGNATURE


def test_a_response_signature_over_a_forged_assertion_signature(
    unsigned_sts: Any, iam: Any
) -> None:
    """Both signed: the Response's signature verifies, the Assertion's (another key) must too."""
    okta = SamlIdp("okta")
    setup = _register(iam, okta)
    other_key, _ = key_and_certificate()
    forged = _tree(okta._sign(_unsigned_assertion(okta, setup), other_key))
    response = okta._response(etree.tostring(forged).decode(), datetime.now(UTC), signed=True)
    assert _refused(unsigned_sts, setup, okta._sign(response, None)) == BAD_SIGNATURE


def _register(iam: Any, idp: SamlIdp) -> Setup:
    provider_arn = iam.create_saml_provider(SAMLMetadataDocument=idp.metadata(), Name="solo")[
        "SAMLProviderArn"
    ]
    statement = {
        "Effect": "Allow",
        "Principal": {"Federated": provider_arn},
        "Action": "sts:AssumeRoleWithSAML",
    }
    trust = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    role_arn = iam.create_role(RoleName="solo", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    return idp, role_arn, provider_arn


def _unsigned_assertion(idp: SamlIdp, setup: Setup) -> bytes:
    now = datetime.now(UTC)
    return idp._assertion(_attributes(setup), "alice", now, timedelta(minutes=5), None, True)


def _evil_twin(assertion: Any, *, same_id: bool) -> Any:
    """A copy of a signed assertion, its signature kept, naming another session."""
    evil = copy.deepcopy(assertion)
    _session_name_value(evil).text = "mallory"
    if not same_id:
        evil.set("ID", "_evil")
    return evil


@pytest.mark.parametrize("same_id", [True, False])
def test_wrapping_the_signed_assertion_in_extensions(
    unsigned_sts: Any, idp: Setup, same_id: bool
) -> None:
    """XSW: the signed assertion hidden in Extensions, an evil twin where it stood."""
    root = _tree(idp[0].response(_attributes(idp), sign_response=False))
    assertion = _assertion(root)
    evil = _evil_twin(assertion, same_id=same_id)
    extensions = etree.Element(f"{{{SAMLP}}}Extensions")
    root.replace(assertion, evil)
    root.insert(1, extensions)
    extensions.append(assertion)
    assert _refused(unsigned_sts, idp, etree.tostring(root))[0] == "InvalidIdentityToken"


def test_wrapping_the_signed_assertion_in_its_twins_signature(
    unsigned_sts: Any, idp: Setup
) -> None:
    """XSW: the original inside the evil twin's ds:Signature/ds:Object."""
    root = _tree(idp[0].response(_attributes(idp), sign_response=False))
    assertion = _assertion(root)
    evil = _evil_twin(assertion, same_id=False)
    signature = evil.find(f"{{{DS}}}Signature")
    holder = etree.SubElement(signature, f"{{{DS}}}Object")
    root.replace(assertion, evil)
    holder.append(assertion)
    assert _refused(unsigned_sts, idp, etree.tostring(root))[0] == "InvalidIdentityToken"


def test_wrapping_a_signed_response_in_an_evil_one(unsigned_sts: Any, idp: Setup) -> None:
    """XSW: the whole signed Response inside a new one that carries its signature."""
    original = _tree(idp[0].response(_attributes(idp), sign_response=True, sign_assertion=False))
    signature = original.find(f"{{{DS}}}Signature")
    evil = copy.deepcopy(original)
    evil.set("ID", "_evil")
    _session_name_value(_assertion(evil)).text = "mallory"
    evil.remove(evil.find(f"{{{DS}}}Signature"))
    evil.insert(1, copy.deepcopy(signature))
    extensions = etree.SubElement(evil, f"{{{SAMLP}}}Extensions")
    extensions.append(original)
    assert _refused(unsigned_sts, idp, etree.tostring(evil))[0] == "InvalidIdentityToken"


def test_a_response_signature_moved_into_the_assertion(unsigned_sts: Any, idp: Setup) -> None:
    """The Response's signature still verifies from inside the assertion (enveloped, it is
    removed either way), but it covers the Response: the assertion is not signed by it."""
    root = _tree(idp[0].response(_attributes(idp), sign_response=True, sign_assertion=False))
    signature = root.find(f"{{{DS}}}Signature")
    root.remove(signature)
    _assertion(root).insert(1, signature)
    assert _refused(unsigned_sts, idp, etree.tostring(root)) == BAD_SIGNATURE


def test_a_second_assertion_next_to_the_signed_one(unsigned_sts: Any, idp: Setup) -> None:
    root = _tree(idp[0].response(_attributes(idp)))
    root.append(_evil_twin(_assertion(root), same_id=False))
    assert _refused(unsigned_sts, idp, etree.tostring(root))[0] == "InvalidIdentityToken"


def test_a_comment_cannot_truncate_a_signed_value(unsigned_sts: Any, idp: Setup) -> None:
    """Comments are not signed (exclusive c14n drops them); a comment inside the NameID
    must not cut the subject at the first text node."""
    subject = "alice@example.com.evil.example"
    root = _tree(idp[0].response(_attributes(idp), subject=subject))
    name_id = _assertion(root).find(f"{{{SAML}}}Subject/{{{SAML}}}NameID")
    name_id.text = "alice@example.com"
    name_id.append(etree.Comment(""))
    name_id[-1].tail = ".evil.example"
    assert _assume(unsigned_sts, idp, etree.tostring(root))["Subject"] == subject


def test_the_issue_instant_is_read_from_the_signed_assertion(unsigned_sts: Any, iam: Any) -> None:
    """Entra ID signs only the assertion: a fresh IssueInstant on the unsigned Response
    cannot make a stale assertion redeemable."""
    entra = SamlIdp("entra")
    setup = _register(iam, entra)
    stale = datetime.now(UTC) - timedelta(minutes=30)
    root = _tree(entra.response(_attributes(setup), issued=stale, lifetime=timedelta(hours=2)))
    root.set("IssueInstant", datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    code, message = _refused(unsigned_sts, setup, etree.tostring(root))
    assert (code, message) == (
        "ExpiredTokenException",
        "Token must be redeemed within 5 minutes of issuance",
    )
    fresh = _tree(entra.response(_attributes(setup)))
    fresh.set("IssueInstant", stale.strftime("%Y-%m-%dT%H:%M:%SZ"))  # unsigned: not read
    _assume(unsigned_sts, setup, etree.tostring(fresh))


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    + "]>"
)
XXE = '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


@pytest.mark.parametrize(
    "prologue",
    [
        BILLION_LAUGHS,
        XXE,
        '<!DOCTYPE r SYSTEM "http://127.0.0.1:1/evil.dtd">',
        '<!DOCTYPE r [<!ENTITY % p SYSTEM "http://127.0.0.1:1/p.dtd"> %p;]>',
    ],
)
def test_dtds_and_entities(unsigned_sts: Any, idp: Setup, prologue: str) -> None:
    """A DTD in front of a correctly signed Response: refused, nothing expanded or fetched."""
    document = prologue.encode() + idp[0].response(_attributes(idp))
    if "xxe" in prologue:
        document = document.replace(b">alice<", b">&xxe;<", 1)
    elif "lolz" in prologue:
        document = document.replace(b">alice<", b">&lol9;<", 1)
    assert _refused(unsigned_sts, idp, document)[0] == "InvalidIdentityToken"


@pytest.mark.parametrize("depth", [100, 300, 8_000])
def test_deep_nesting(unsigned_sts: Any, idp: Setup, depth: int) -> None:
    document = idp[0].response(_attributes(idp))
    nested = b"<x>" * depth + b"</x>" * depth
    document = document.replace(b">alice<", b">" + nested + b"<", 1)
    assert _refused(unsigned_sts, idp, document)[0] == "InvalidIdentityToken"


def test_a_large_response_within_the_parameter_limit(unsigned_sts: Any, idp: Setup) -> None:
    many = [Attribute(f"urn:x:{i}", ("v" * 20,)) for i in range(150)]
    document = idp[0].response(_attributes(idp) + many, sign_response=False, sign_assertion=False)
    assert len(encode(document)) < 100_000
    assert _refused(unsigned_sts, idp, document) == BAD_SIGNATURE


def test_a_response_over_the_parameter_limit(unsigned_sts: Any, idp: Setup) -> None:
    """SAMLAssertion is modelled up to 100,000 characters, as AWS's API has it."""
    document = b"<a>" + b"x" * 200_000 + b"</a>"
    assert _refused(unsigned_sts, idp, document)[0] == "ValidationError"


@pytest.mark.parametrize(
    "text",
    [
        "not base64 at all!",
        "////",
        base64.b64encode(b"\x00\x01\x02\xff" * 50).decode(),
        base64.b64encode(b"<unclosed").decode(),
        base64.b64encode(b"just text").decode(),
        base64.b64encode(b'<samlp:Response xmlns:samlp="urn:x"/>').decode(),
        base64.b64encode(f'<Response xmlns="{SAMLP}"/>'.encode()).decode(),
        base64.b64encode(b'<?xml version="1.0" encoding="bogus"?><a/>').decode(),
        base64.b64encode("<a>\udcff</a>".encode("utf-8", "surrogatepass")).decode(),
    ],
)
def test_text_that_is_no_response(unsigned_sts: Any, idp: Setup, text: str) -> None:
    code, _ = _refused(unsigned_sts, idp, text)
    assert code in ("InvalidIdentityToken", "IDPRejectedClaim")


def test_an_encrypted_assertion_is_not_mistaken_for_none(unsigned_sts: Any, idp: Setup) -> None:
    root = _tree(idp[0].response(_attributes(idp)))
    root.append(etree.Element(f"{{{SAML}}}EncryptedAssertion"))
    assert _refused(unsigned_sts, idp, etree.tostring(root))[0] == "InvalidIdentityToken"


@pytest.mark.parametrize(
    "instant",
    ["9999-12-31T23:59:59Z", "0001-01-01T00:00:00+14:00", "not a date", "2026-13-45T99:99"],
)
def test_dates_at_the_edge(unsigned_sts: Any, iam: Any, instant: str) -> None:
    """Signed dates at datetime's limits, or no dates at all: AWS's errors, no overflow."""
    entra = SamlIdp("entra")
    setup = _register(iam, entra)
    document = entra.response(_attributes(setup))
    root = _tree(document)
    conditions = _assertion(root).find(f"{{{SAML}}}Conditions")
    before, after = conditions.get("NotBefore"), conditions.get("NotOnOrAfter")
    unsigned_text = etree.tostring(root).replace(after.encode(), instant.encode())
    unsigned_text = unsigned_text.replace(before.encode(), instant.encode())
    # Re-sign the assertion with the edited dates, as the IdP would have signed them.
    response = _tree(unsigned_text)
    assertion = _assertion(response)
    assertion.remove(assertion.find(f"{{{DS}}}Signature"))
    placeholder = etree.fromstring(entra._placeholder())
    assertion.insert(1, placeholder)
    resigned = _tree(entra._sign(etree.tostring(assertion), None))
    response.replace(assertion, resigned)
    code, _ = _refused(unsigned_sts, setup, etree.tostring(response))
    assert code in ("InvalidIdentityToken", "ExpiredTokenException")
