"""The signed part of a SAML 2.0 Response, verified with signxml against the IdP's certificates.

In: the Response's XML bytes, the signing certificates of the provider's metadata and
the server's clock. Out: `SignedParts` — the ``saml:Assertion`` and, when the Response
itself is signed, the Response, each re-read from the very bytes its signature covers
(signxml's ``signed_data``), never from the document around them — or AWS's
InvalidIdentityToken.

AWS accepts a signed Response, a signed Assertion, or both. Against XML signature
wrapping: the document must hold exactly one assertion, as the Response's child;
every ID must be unique; a signature counts only as the direct child of the element
it signs; and what it covers must be that element. The document is first read with
defusedxml (no DTD, no entities, at most `MAX_DEPTH` deep); signxml then parses it
with lxml, entities unresolved and the network off.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from xml.etree.ElementTree import Element, ParseError

from cryptography import x509
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring, iterparse
from signxml.algorithms import DigestAlgorithm, SignatureMethod
from signxml.verifier import SignatureConfiguration, VerifyResult, XMLVerifier

from iamd.errors import InvalidIdentityToken

log = logging.getLogger(__name__)

SAMLP = "{urn:oasis:names:tc:SAML:2.0:protocol}"
SAML = "{urn:oasis:names:tc:SAML:2.0:assertion}"
DS = "{http://www.w3.org/2000/09/xmldsig#}"
MALFORMED = "Invalid SAML assertion: the response could not be parsed."
# AWS's words for an assertion whose signature does not verify.
BAD_SIGNATURE = "Response signature invalid"
# A SAML Response nests about ten deep; anything much deeper is built to hurt a parser.
MAX_DEPTH = 40
# What identity providers sign with. SHA-1 stays accepted, as AWS accepts it: many
# ADFS and older IdP deployments still sign that way.
SIGNATURE_METHODS = frozenset(
    {
        SignatureMethod.RSA_SHA1,
        SignatureMethod.RSA_SHA256,
        SignatureMethod.RSA_SHA384,
        SignatureMethod.RSA_SHA512,
        SignatureMethod.ECDSA_SHA256,
        SignatureMethod.ECDSA_SHA384,
        SignatureMethod.ECDSA_SHA512,
    }
)
DIGESTS = frozenset(
    {DigestAlgorithm.SHA1, DigestAlgorithm.SHA256, DigestAlgorithm.SHA384, DigestAlgorithm.SHA512}
)
# What expat raises on bad input: LookupError for an unknown declared encoding.
_PARSE_FAILURES = (ParseError, DefusedXmlException, ValueError, LookupError)
RESPONSE_SIGNATURE = "./"
ASSERTION_SIGNATURE = f"./{SAML}Assertion/"


@dataclass(frozen=True)
class SignedParts:
    assertion: Element  # as signed: by its own signature, or inside the signed Response
    response: Element | None  # the Response as signed, when it carries a signature


def parse_response(document: bytes) -> Element:
    """The document's root, read safely; InvalidIdentityToken if it is not well-formed XML."""
    root: Element | None = None
    depth = 0
    try:
        for event, element in iterparse(
            io.BytesIO(document), events=("start", "end"), forbid_dtd=True
        ):
            depth += 1 if event == "start" else -1
            root = element if root is None else root
            if depth > MAX_DEPTH:
                raise InvalidIdentityToken(MALFORMED)
    except _PARSE_FAILURES:
        raise InvalidIdentityToken(MALFORMED) from None
    if root is None or root.tag != f"{SAMLP}Response":
        raise InvalidIdentityToken(MALFORMED)
    return root


def signed_parts(
    document: bytes, root: Element, certificates: Sequence[x509.Certificate], now: datetime
) -> SignedParts:
    """The assertion (and Response) as their signatures cover them, checked against wrapping."""
    assertion = _the_assertion(root)
    response_signature, assertion_signature = _signature_of(root), _signature_of(assertion)
    if response_signature is None and assertion_signature is None:
        raise InvalidIdentityToken(BAD_SIGNATURE)
    response = None
    if response_signature is not None:
        response = _verified(document, RESPONSE_SIGNATURE, root, certificates, now)
    if assertion_signature is not None:
        return SignedParts(
            _verified(document, ASSERTION_SIGNATURE, assertion, certificates, now), response
        )
    assert response is not None  # INVARIANT: one of the two signatures exists
    return SignedParts(_the_assertion(response), response)


def _the_assertion(root: Element) -> Element:
    """The one assertion, the Response's child; IDs unique, so a reference names one element."""
    everywhere = list(root.iter(f"{SAML}Assertion")) + list(root.iter(f"{SAML}EncryptedAssertion"))
    children = root.findall(f"{SAML}Assertion")
    ids = [value for element in root.iter() for value in _ids_of(element)]
    if len(everywhere) != 1 or len(children) != 1 or len(ids) != len(set(ids)):
        raise InvalidIdentityToken(MALFORMED)
    return children[0]


def _ids_of(element: Element) -> Iterator[str]:
    """Every attribute named ID, in any namespace: what a signature's reference may resolve to."""
    for name, value in element.attrib.items():
        if name == "ID" or name.endswith("}ID"):
            yield value


def _signature_of(element: Element) -> Element | None:
    signatures = element.findall(f"{DS}Signature")
    if len(signatures) > 1:
        raise InvalidIdentityToken(BAD_SIGNATURE)
    return signatures[0] if signatures else None


def _verified(
    document: bytes,
    location: str,
    element: Element,
    certificates: Sequence[x509.Certificate],
    now: datetime,
) -> Element:
    """The element as its enveloped signature covers it, verified by one of the certificates."""
    for certificate in certificates:
        signed_data = _signed_data(document, location, certificate, now)
        if signed_data is not None:
            break
    else:
        raise InvalidIdentityToken(BAD_SIGNATURE)
    signed = _parse_signed(signed_data)
    if signed.tag != element.tag or signed.get("ID") != element.get("ID"):
        raise InvalidIdentityToken(BAD_SIGNATURE)  # the signature covers something else
    return signed


def _signed_data(
    document: bytes, location: str, certificate: x509.Certificate, now: datetime
) -> bytes | None:
    config = SignatureConfiguration(
        location=location,
        expect_references=1,
        signature_methods=SIGNATURE_METHODS,
        digest_algorithms=DIGESTS,
        verification_time=_within_validity(certificate, now),
    )
    try:
        result = XMLVerifier().verify(
            document, x509_cert=certificate, id_attribute="ID", expect_config=config
        )
    except Exception as error:  # signxml, lxml and cryptography fail in many ways; all say no
        log.debug("SAML signature not verified: %s", type(error).__name__)
        return None
    return result.signed_data if isinstance(result, VerifyResult) else None


def _within_validity(certificate: x509.Certificate, now: datetime) -> datetime:
    """Now, moved into the certificate's validity period.

    The metadata is the trust anchor: like AWS (and SAML's metadata interoperability
    profile) iamd trusts the key it names and ignores the certificate's dates.
    """
    return min(max(now, certificate.not_valid_before_utc), certificate.not_valid_after_utc)


def _parse_signed(signed_data: bytes) -> Element:
    try:
        return fromstring(signed_data, forbid_dtd=True)
    except _PARSE_FAILURES:
        raise InvalidIdentityToken(BAD_SIGNATURE) from None
