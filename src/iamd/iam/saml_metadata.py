"""SAML 2.0 identity-provider metadata: parsed safely, read for what IAM keeps of it.

In: the ``SAMLMetadataDocument`` text of CreateSAMLProvider / UpdateSAMLProvider.
Out: `IdpMetadata` — the entity id, the IdP's signing certificates (what STS checks
assertion signatures against) and the document's ``validUntil``, if it has one.
The XML is read with defusedxml: no DTDs, no entities, no external references, so a
hostile document cannot expand or fetch anything. Anything that is not an IdP's
``EntityDescriptor`` with at least one signing certificate is AWS's InvalidInput.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.etree.ElementTree import Element, ParseError

from cryptography import x509
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from iamd.errors import InvalidInput

MD = "{urn:oasis:names:tc:SAML:2.0:metadata}"
DS = "{http://www.w3.org/2000/09/xmldsig#}"
_CERTIFICATE_PATH = f"{DS}KeyInfo/{DS}X509Data/{DS}X509Certificate"


@dataclass(frozen=True)
class IdpMetadata:
    entity_id: str
    signing_certificates: tuple[x509.Certificate, ...]
    valid_until: datetime | None


def invalid() -> InvalidInput:
    return InvalidInput("Could not parse metadata")


def parse_metadata(document: str) -> IdpMetadata:
    """The IdP's metadata, or AWS's InvalidInput when the document is not usable."""
    root = _parse_xml(document)
    idp = root.find(f"{MD}IDPSSODescriptor")
    entity_id = root.get("entityID")
    if root.tag != f"{MD}EntityDescriptor" or idp is None or not entity_id:
        raise invalid()
    certificates = tuple(_signing_certificates(idp))
    if not certificates:
        raise invalid()
    return IdpMetadata(entity_id, certificates, _valid_until(root))


def _parse_xml(document: str) -> Element:
    try:
        return fromstring(document, forbid_dtd=True)
    except (ParseError, DefusedXmlException, ValueError):
        raise invalid() from None


def _signing_certificates(idp: Element) -> list[x509.Certificate]:
    """Certificates of the KeyDescriptors for signing (``use`` absent means both uses)."""
    found: list[x509.Certificate] = []
    for descriptor in idp.findall(f"{MD}KeyDescriptor"):
        if descriptor.get("use", "signing") != "signing":
            continue
        for element in descriptor.findall(_CERTIFICATE_PATH):
            found.append(_certificate(element.text or ""))
    return found


def _certificate(text: str) -> x509.Certificate:
    try:
        der = base64.b64decode("".join(text.split()), validate=True)
        return x509.load_der_x509_certificate(der)
    except (binascii.Error, ValueError):
        raise invalid() from None


def _valid_until(root: Element) -> datetime | None:
    text = root.get("validUntil")
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise invalid() from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)
