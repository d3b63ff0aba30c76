"""A SAML 2.0 Response as AssumeRoleWithSAML reads it: signature, conditions, attributes.

In: the base64 ``SAMLAssertion`` (a ``samlp:Response`` with one ``saml:Assertion``),
the identity provider's signing certificates and entity id (from its metadata) and
the server's clock. Out: `SamlAssertion` — issuer, subject, recipient, the
``https://aws.amazon.com/SAML/Attributes/…`` attributes — or AWS's error.

Every field, IssueInstant included, is read from what a signature covers
(`saml_signature`): the assertion as signed by itself or by its Response, never the
document around it. Only the Response's status is read unsigned, and only to refuse.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from xml.etree.ElementTree import Element

from cryptography import x509

from iamd.errors import ExpiredTokenException, IDPRejectedClaim, InvalidIdentityToken
from iamd.sts.saml_signature import (
    MALFORMED,
    SAML,
    SAMLP,
    SignedParts,
    parse_response,
    signed_parts,
)

SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success"
ATTRIBUTE = "https://aws.amazon.com/SAML/Attributes/"
AWS_AUDIENCES = ("https://signin.aws.amazon.com/saml", "urn:amazon:webservices")
REDEEM_WITHIN = timedelta(minutes=5)
CLOCK_SKEW = timedelta(minutes=5)
NAME_ID_FORMAT = "urn:oasis:names:tc:SAML:2.0:nameid-format:"


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
    root = parse_response(document)
    _check_status(root)
    signed = signed_parts(document, root, certificates, now)
    assertion = signed.assertion
    issuer = _text(assertion.find(f"{SAML}Issuer"))
    if issuer != entity_id:
        raise InvalidIdentityToken("Invalid SAML assertion: the issuer is not the provider's.")
    _check_times(signed, now)
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


def _check_status(root: Element) -> None:
    """Refuse a Response whose IdP reports a failure (read unsigned: it can only refuse)."""
    status = root.find(f"{SAMLP}Status/{SAMLP}StatusCode")
    if status is None or status.get("Value") != SUCCESS:
        raise IDPRejectedClaim("The identity provider reported that authentication failed.")


def _check_times(signed: SignedParts, now: datetime) -> None:
    assertion = signed.assertion
    for element in (signed.response, assertion):
        issued = _instant(element.get("IssueInstant")) if element is not None else None
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
        # Skew moves `now`, never a date from the document, which may sit at datetime's edge.
        if not_after is not None and now - CLOCK_SKEW >= not_after:
            raise ExpiredTokenException("Token expired: the SAML assertion is no longer valid.")
        if not_before is not None and now + CLOCK_SKEW < not_before:
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
        return (value if value.tzinfo is not None else value.replace(tzinfo=UTC)).astimezone(UTC)
    except (ValueError, OverflowError):
        raise InvalidIdentityToken(MALFORMED) from None


def _text(element: Element | None) -> str:
    return (element.text or "").strip() if element is not None else ""
