"""XML Signature (enveloped) verification of one element, against trusted certificates.

In: the document's bytes, the parsed element that carries the ``ID`` being signed,
the ``ds:Signature`` that is its direct child, and the identity provider's signing
certificates (from its metadata). Out: nothing, or `SignatureInvalid`.

Only what SAML identity providers use is accepted, and nothing is taken from the
signature itself but algorithms and values: one ``Reference`` whose URI is
``#<the element's ID>``, transforms enveloped-signature and exclusive
canonicalization, SHA-1/256/384/512 digests, RSA (PKCS#1 v1.5) or ECDSA signatures,
and the key from the metadata certificate — never one from the signature's KeyInfo.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Callable, Sequence
from xml.etree.ElementTree import Element

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from iamd.sts.xml_c14n import Path, canonicalize

DS = "{http://www.w3.org/2000/09/xmldsig#}"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
EXC_C14N_COMMENTS = EXC_C14N + "WithComments"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
_DIGESTS = {
    "http://www.w3.org/2000/09/xmldsig#sha1": "sha1",
    "http://www.w3.org/2001/04/xmlenc#sha256": "sha256",
    "http://www.w3.org/2001/04/xmldsig-more#sha384": "sha384",
    "http://www.w3.org/2001/04/xmlenc#sha512": "sha512",
}
_SIGNATURES: dict[str, tuple[str, type[hashes.HashAlgorithm]]] = {
    "http://www.w3.org/2000/09/xmldsig#rsa-sha1": ("rsa", hashes.SHA1),
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256": ("rsa", hashes.SHA256),
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384": ("rsa", hashes.SHA384),
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512": ("rsa", hashes.SHA512),
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256": ("ec", hashes.SHA256),
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384": ("ec", hashes.SHA384),
}


class SignatureInvalid(Exception):
    """The element's signature does not verify with any trusted certificate."""


def verify_enveloped(
    document: bytes, signed: Element, signature: Element, certificates: Sequence[x509.Certificate]
) -> None:
    element_id = signed.get("ID")
    signed_info = signature.find(f"{DS}SignedInfo")
    if not element_id or signed_info is None:
        raise SignatureInvalid("no signed ID")
    _check_reference(document, signed_info, element_id)
    with_comments = _canonicalization(signed_info.find(f"{DS}CanonicalizationMethod"))
    canonical = canonicalize(document, _signed_info_of(element_id), with_comments=with_comments)
    value = _base64(_text(signature.find(f"{DS}SignatureValue")))
    method = _algorithm(signed_info.find(f"{DS}SignatureMethod"))
    if canonical is None or method not in _SIGNATURES:
        raise SignatureInvalid("unsupported signature")
    if not any(_verifies(cert, method, value, canonical) for cert in certificates):
        raise SignatureInvalid("signature does not verify")


def _check_reference(document: bytes, signed_info: Element, element_id: str) -> None:
    references = signed_info.findall(f"{DS}Reference")
    if len(references) != 1 or references[0].get("URI") != f"#{element_id}":
        raise SignatureInvalid("the reference is not to the signed element")
    reference = references[0]
    prefixes, with_comments = _transforms(reference)
    digest_name = _DIGESTS.get(_algorithm(reference.find(f"{DS}DigestMethod")))
    canonical = canonicalize(
        document,
        _element_with_id(element_id),
        skip=_own_signature(element_id),
        inclusive_prefixes=prefixes,
        with_comments=with_comments,
    )
    if digest_name is None or canonical is None:
        raise SignatureInvalid("unsupported digest")
    expected = _base64(_text(reference.find(f"{DS}DigestValue")))
    if not hmac.compare_digest(hashlib.new(digest_name, canonical).digest(), expected):
        raise SignatureInvalid("digest mismatch")


def _transforms(reference: Element) -> tuple[list[str], bool]:
    """The PrefixList and comment mode; only enveloped + exclusive c14n are accepted."""
    algorithms, prefixes = [], []
    for transform in reference.iterfind(f"{DS}Transforms/{DS}Transform"):
        algorithms.append(transform.get("Algorithm", ""))
        for inclusive in transform:
            prefixes += (inclusive.get("PrefixList") or "").split()
    canonical = [a for a in algorithms if a != ENVELOPED]
    if ENVELOPED not in algorithms or len(canonical) > 1:
        raise SignatureInvalid("unsupported transforms")
    with_comments = bool(canonical) and canonical[0] == EXC_C14N_COMMENTS
    if canonical and canonical[0] not in (EXC_C14N, EXC_C14N_COMMENTS):
        raise SignatureInvalid("unsupported canonicalization")
    return prefixes, with_comments


def _canonicalization(method: Element | None) -> bool:
    algorithm = _algorithm(method)
    if algorithm not in (EXC_C14N, EXC_C14N_COMMENTS):
        raise SignatureInvalid("unsupported canonicalization")
    return algorithm == EXC_C14N_COMMENTS


def _element_with_id(element_id: str) -> Callable[[Path], bool]:
    return lambda path: path[-1][1].get("ID") == element_id


def _own_signature(element_id: str) -> Callable[[Path], bool]:
    """The enveloped signature: the ds:Signature that is a child of the signed element."""
    return lambda path: (
        len(path) >= 2 and path[-1][0] == f"{DS}Signature" and path[-2][1].get("ID") == element_id
    )


def _signed_info_of(element_id: str) -> Callable[[Path], bool]:
    return lambda path: (
        len(path) >= 3
        and path[-1][0] == f"{DS}SignedInfo"
        and path[-2][0] == f"{DS}Signature"
        and path[-3][1].get("ID") == element_id
    )


def _verifies(certificate: x509.Certificate, method: str, value: bytes, data: bytes) -> bool:
    family, digest = _SIGNATURES[method]
    key = certificate.public_key()
    try:
        if family == "rsa" and isinstance(key, rsa.RSAPublicKey):
            key.verify(value, data, padding.PKCS1v15(), digest())
            return True
        if family == "ec" and isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(_der(value), data, ec.ECDSA(digest()))
            return True
    except (InvalidSignature, ValueError):
        return False
    return False


def _der(raw: bytes) -> bytes:
    """XML Signature's ECDSA value is r || s; cryptography wants DER."""
    if not raw or len(raw) % 2:
        raise ValueError("an ECDSA signature is two equal halves")
    half = len(raw) // 2
    return encode_dss_signature(
        int.from_bytes(raw[:half], "big"), int.from_bytes(raw[half:], "big")
    )


def _algorithm(element: Element | None) -> str:
    return element.get("Algorithm", "") if element is not None else ""


def _text(element: Element | None) -> str:
    return "".join((element.text or "").split()) if element is not None else ""


def _base64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise SignatureInvalid("bad base64") from None
