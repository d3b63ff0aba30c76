"""A SAML 2.0 Response as AssumeRoleWithSAML reads it: signature, conditions, attributes.

In: the base64 ``SAMLAssertion`` (a ``samlp:Response`` with one ``saml:Assertion``),
the identity provider's signing certificates and entity id (from its metadata) and
the server's clock. Out: `SamlAssertion` — issuer, subject, recipient, the
``https://aws.amazon.com/SAML/Attributes/…`` attributes — or AWS's error.

Against signature wrapping, claims are read only from the one assertion that was
verified: the assertion must carry its own enveloped signature, or sit in a Response
that does; every ID in the document must be unique; and the signature's reference
must name exactly the signed element. The XML is parsed with defusedxml.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from xml.etree.ElementTree import Element, ParseError

from cryptography import x509
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from iamd.errors import ExpiredTokenException, IDPRejectedClaim, InvalidIdentityToken
from iamd.sts.xmldsig import DS, SignatureInvalid, verify_enveloped

SAMLP = "{urn:oasis:names:tc:SAML:2.0:protocol}"
SAML = "{urn:oasis:names:tc:SAML:2.0:assertion}"
SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success"
ATTRIBUTE = "https://aws.amazon.com/SAML/Attributes/"
AWS_AUDIENCES = ("https://signin.aws.amazon.com/saml", "urn:amazon:webservices")
REDEEM_WITHIN = timedelta(minutes=5)
CLOCK_SKEW = timedelta(minutes=5)
NAME_ID_FORMAT = "urn:oasis:names:tc:SAML:2.0:nameid-format:"
MALFORMED = "Invalid SAML assertion: the response could not be parsed."
BAD_SIGNATURE = "Invalid SAML assertion: the response signature could not be verified."


@dataclass(frozen=True)
class SamlAssertion:
    issuer: str
    subject: str
    subject_type: str
    recipient: str
    attributes: dict[str, tuple[str, ...]]

    def attribute(self, name: str) -> tuple[str, ...]:
        return self.attributes.get(ATTRIBUTE + name, ())


def verified_assertion(
    encoded: str, certificates: Sequence[x509.Certificate], entity_id: str, now: datetime
) -> SamlAssertion:
    document = _decode(encoded)
    root = _parse(document)
    assertion = _signed_assertion(document, root, certificates)
    issuer = _text(assertion.find(f"{SAML}Issuer"))
    if issuer != entity_id:
        raise InvalidIdentityToken("Invalid SAML assertion: the issuer is not the provider's.")
    _check_times(root, assertion, now)
    recipient = _check_audience(assertion)
    name_id = assertion.find(f"{SAML}Subject/{SAML}NameID")
    subject_format = name_id.get("Format", "") if name_id is not None else ""
    return SamlAssertion(
        issuer=issuer,
        subject=_text(name_id),
        subject_type=subject_format.removeprefix(NAME_ID_FORMAT),
        recipient=recipient,
        attributes=_attributes(assertion),
    )


def _decode(encoded: str) -> bytes:
    try:
        return base64.b64decode("".join(encoded.split()), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidIdentityToken(MALFORMED) from None


def _parse(document: bytes) -> Element:
    try:
        root = fromstring(document, forbid_dtd=True)
    except (ParseError, DefusedXmlException, ValueError):
        raise InvalidIdentityToken(MALFORMED) from None
    if root.tag != f"{SAMLP}Response":
        raise InvalidIdentityToken(MALFORMED)
    status = root.find(f"{SAMLP}Status/{SAMLP}StatusCode")
    if status is None or status.get("Value") != SUCCESS:
        raise IDPRejectedClaim("The identity provider reported that authentication failed.")
    return root


def _signed_assertion(
    document: bytes, root: Element, certificates: Sequence[x509.Certificate]
) -> Element:
    assertions = root.findall(f"{SAML}Assertion")
    ids = [element.get("ID") for element in root.iter() if element.get("ID") is not None]
    if len(assertions) != 1 or len(ids) != len(set(ids)):
        raise InvalidIdentityToken(MALFORMED)
    assertion = assertions[0]
    signed = assertion if assertion.find(f"{DS}Signature") is not None else root
    signature = signed.find(f"{DS}Signature")
    if signature is None:
        raise InvalidIdentityToken(BAD_SIGNATURE)
    try:
        verify_enveloped(document, signed, signature, certificates)
    except SignatureInvalid:
        raise InvalidIdentityToken(BAD_SIGNATURE) from None
    return assertion


def _check_times(root: Element, assertion: Element, now: datetime) -> None:
    issued = _instant(root.get("IssueInstant"))
    if issued is not None and now - issued > REDEEM_WITHIN + CLOCK_SKEW:
        raise ExpiredTokenException("Token must be redeemed within 5 minutes of issuance")
    conditions = assertion.find(f"{SAML}Conditions")
    confirmation = assertion.find(
        f"{SAML}Subject/{SAML}SubjectConfirmation/{SAML}SubjectConfirmationData"
    )
    for element in (conditions, confirmation):
        if element is None:
            continue
        not_before = _instant(element.get("NotBefore"))
        not_after = _instant(element.get("NotOnOrAfter"))
        if not_after is not None and now >= not_after + CLOCK_SKEW:
            raise ExpiredTokenException("Token expired: the SAML assertion is no longer valid.")
        if not_before is not None and now < not_before - CLOCK_SKEW:
            raise InvalidIdentityToken("Invalid SAML assertion: it is not yet valid.")


def _check_audience(assertion: Element) -> str:
    """AWS must be the assertion's audience; its recipient is what ``saml:aud`` names."""
    audiences = [
        _text(element)
        for element in assertion.iterfind(
            f"{SAML}Conditions/{SAML}AudienceRestriction/{SAML}Audience"
        )
    ]
    if not any(_is_aws_audience(audience) for audience in audiences):
        raise InvalidIdentityToken("Invalid SAML assertion: AWS is not its audience.")
    confirmation = assertion.find(
        f"{SAML}Subject/{SAML}SubjectConfirmation/{SAML}SubjectConfirmationData"
    )
    recipient = confirmation.get("Recipient") if confirmation is not None else None
    return recipient or AWS_AUDIENCES[0]


def _is_aws_audience(audience: str) -> bool:
    if audience in AWS_AUDIENCES:
        return True
    return audience.startswith("https://") and audience.endswith(".signin.aws.amazon.com/saml")


def _attributes(assertion: Element) -> dict[str, tuple[str, ...]]:
    found: dict[str, tuple[str, ...]] = {}
    for attribute in assertion.iterfind(f"{SAML}AttributeStatement/{SAML}Attribute"):
        values = tuple(_text(value) for value in attribute.iterfind(f"{SAML}AttributeValue"))
        found[attribute.get("Name", "")] = values
    return found


def _instant(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidIdentityToken(MALFORMED) from None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _text(element: Element | None) -> str:
    return (element.text or "").strip() if element is not None else ""
