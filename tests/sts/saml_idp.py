"""A SAML identity provider for tests: metadata, and Responses signed with signxml's XMLSigner.

Two shapes, as the providers send them to AWS:

- ``okta``: ``saml2p``/``saml2`` prefixes, an entity-format Issuer, the Response and the
  Assertion both signed, the audience ``urn:amazon:webservices``, an ``unspecified``
  NameID, ``xs:string``-typed attribute values (signed with the ``xs`` prefix listed in
  InclusiveNamespaces, as Okta does);
- ``entra``: Entra ID's default-namespace elements, only the Assertion signed, the issuer
  ``https://sts.windows.net/<tenant>/``, a ``persistent`` NameID and Microsoft's tenant
  and object id attributes next to AWS's.

Both sign RSA-SHA256 with SHA-256 digests and exclusive canonicalization.
"""

from __future__ import annotations

import base64
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from lxml import etree
from signxml import XMLSigner, methods
from signxml.signer import SignatureReference
from signxml.util import ec_tag, namespaces

SAML_ATTRIBUTE = "https://aws.amazon.com/SAML/Attributes/"
AWS_RECIPIENT = "https://signin.aws.amazon.com/saml"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success"
BEARER = "urn:oasis:names:tc:SAML:2.0:cm:bearer"


class OktaSigner(XMLSigner):
    """XMLSigner writing an enveloped reference's InclusiveNamespaces into its Transform.

    signxml canonicalizes the reference with the prefixes but leaves the element out of
    an enveloped signature's Transform; Okta writes it, so this signer adds it.
    """

    def _build_transforms_for_reference(
        self, *, transforms_node: Any, reference: Any, exclude_c14n_transform_element: bool = True
    ) -> None:
        super()._build_transforms_for_reference(
            transforms_node=transforms_node,
            reference=reference,
            exclude_c14n_transform_element=exclude_c14n_transform_element,
        )
        if reference.inclusive_ns_prefixes:
            etree.SubElement(
                transforms_node[-1],
                ec_tag("InclusiveNamespaces"),
                PrefixList=" ".join(reference.inclusive_ns_prefixes),
            )


def key_and_certificate(
    *, valid_from: datetime | None = None, days: int = 365
) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "idp.example.com")])
    start = valid_from or datetime.now(UTC) - timedelta(days=1)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=days))
        .sign(key, hashes.SHA256())
    )
    return key, certificate


def instant(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def encode(document: bytes) -> str:
    return base64.b64encode(document).decode()


@dataclass
class Attribute:
    name: str  # a full attribute name, or a short one under AWS's SAML attribute prefix
    values: tuple[str, ...]

    @property
    def full_name(self) -> str:
        return self.name if "://" in self.name else SAML_ATTRIBUTE + self.name


@dataclass
class SamlIdp:
    shape: str  # "okta" or "entra"
    entity_id: str = ""
    key: Any = None
    certificate: x509.Certificate | None = None
    tenant: str = field(default_factory=lambda: str(uuid.uuid4()))

    def __post_init__(self) -> None:
        if self.key is None:
            self.key, self.certificate = key_and_certificate()
        if not self.entity_id:
            self.entity_id = (
                f"http://www.okta.com/exk{secrets.token_hex(8)}"
                if self.shape == "okta"
                else f"https://sts.windows.net/{self.tenant}/"
            )

    def metadata(self, *certificates: x509.Certificate) -> str:
        """The IdP's metadata, listing `certificates` (its own by default) for signing."""
        descriptors = "".join(
            '<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>'
            + base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()
            + "</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
            for cert in (certificates or (self.certificate,))
            if cert is not None
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
            f'xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="{self.entity_id}">'
            '<md:IDPSSODescriptor WantAuthnRequestsSigned="false" '
            'protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
            f"{descriptors}"
            '<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" '
            'Location="https://idp.example.com/sso/saml"/>'
            "</md:IDPSSODescriptor></md:EntityDescriptor>"
        )

    def response(
        self,
        attributes: list[Attribute],
        *,
        subject: str = "alice@example.com",
        sign_response: bool | None = None,
        sign_assertion: bool = True,
        issued: datetime | None = None,
        lifetime: timedelta = timedelta(minutes=5),
        audience: str | None = None,
        signing_key: Any = None,
    ) -> bytes:
        """A SAML Response carrying `attributes`, signed as the shape's IdP signs it."""
        sign_response = self.shape == "okta" if sign_response is None else sign_response
        issued = issued or datetime.now(UTC)
        assertion = self._assertion(attributes, subject, issued, lifetime, audience, sign_assertion)
        if sign_assertion:
            assertion = self._sign(assertion, signing_key)
        response = self._response(assertion.decode(), issued, sign_response)
        return self._sign(response, signing_key) if sign_response else response

    def _sign(self, document: bytes, signing_key: Any) -> bytes:
        signer = (OktaSigner if self.shape == "okta" else XMLSigner)(
            method=methods.enveloped,
            signature_algorithm="rsa-sha256",
            digest_algorithm="sha256",
            c14n_algorithm=EXC_C14N,
        )
        if self.shape == "entra":
            signer.namespaces = {None: namespaces.ds}
        root = etree.fromstring(document)
        pem = self.certificate.public_bytes(serialization.Encoding.PEM).decode()  # type: ignore[union-attr]
        # Okta lists "xs" for the reference's canonicalization only, not SignedInfo's.
        prefixes = ["xs"] if self.shape == "okta" else None
        signed = signer.sign(
            root,
            key=signing_key or self.key,
            cert=[pem],
            reference_uri=[SignatureReference(URI=root.get("ID"), inclusive_ns_prefixes=prefixes)],
        )
        return etree.tostring(signed)

    def _placeholder(self) -> str:
        if self.shape == "entra":
            return f'<Signature xmlns="{namespaces.ds}" Id="placeholder"></Signature>'
        return f'<ds:Signature xmlns:ds="{namespaces.ds}" Id="placeholder"></ds:Signature>'

    def _response(self, assertion: str, issued: datetime, signed: bool) -> bytes:
        placeholder = self._placeholder() if signed else ""
        if self.shape == "okta":
            return (
                '<saml2p:Response xmlns:saml2p="urn:oasis:names:tc:SAML:2.0:protocol" '
                f'Destination="{AWS_RECIPIENT}" ID="id{secrets.token_hex(16)}" '
                f'IssueInstant="{instant(issued)}" Version="2.0">'
                '<saml2:Issuer xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" '
                'Format="urn:oasis:names:tc:SAML:2.0:nameid-format:entity">'
                f"{self.entity_id}</saml2:Issuer>{placeholder}"
                f'<saml2p:Status><saml2p:StatusCode Value="{SUCCESS}"/></saml2p:Status>'
                f"{assertion}</saml2p:Response>"
            ).encode()
        return (
            f'<samlp:Response ID="_{uuid.uuid4()}" Version="2.0" IssueInstant="{instant(issued)}" '
            f'Destination="{AWS_RECIPIENT}" xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">'
            '<Issuer xmlns="urn:oasis:names:tc:SAML:2.0:assertion">'
            f"{self.entity_id}</Issuer>{placeholder}"
            f'<samlp:Status><samlp:StatusCode Value="{SUCCESS}"/></samlp:Status>'
            f"{assertion}</samlp:Response>"
        ).encode()

    def _assertion(
        self,
        attributes: list[Attribute],
        subject: str,
        issued: datetime,
        lifetime: timedelta,
        audience: str | None,
        signed: bool,
    ) -> bytes:
        placeholder = self._placeholder() if signed else ""
        not_before, not_after = instant(issued - timedelta(minutes=5)), instant(issued + lifetime)
        if self.shape == "okta":
            return self._okta_assertion(
                attributes, subject, issued, (not_before, not_after), audience, placeholder
            )
        return self._entra_assertion(
            attributes, subject, issued, (not_before, not_after), audience, placeholder
        )

    def _okta_assertion(
        self,
        attributes: list[Attribute],
        subject: str,
        issued: datetime,
        window: tuple[str, str],
        audience: str | None,
        placeholder: str,
    ) -> bytes:
        values = (
            '<saml2:AttributeValue xmlns:xs="http://www.w3.org/2001/XMLSchema" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="xs:string">'
            "{}</saml2:AttributeValue>"
        )
        statement = "".join(
            f'<saml2:Attribute Name="{attribute.full_name}" '
            'NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri">'
            + "".join(values.format(value) for value in attribute.values)
            + "</saml2:Attribute>"
            for attribute in attributes
        )
        return (
            '<saml2:Assertion xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" '
            f'ID="id{secrets.token_hex(16)}" IssueInstant="{instant(issued)}" Version="2.0">'
            '<saml2:Issuer Format="urn:oasis:names:tc:SAML:2.0:nameid-format:entity">'
            f"{self.entity_id}</saml2:Issuer>{placeholder}"
            "<saml2:Subject>"
            '<saml2:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified">'
            f"{subject}</saml2:NameID>"
            f'<saml2:SubjectConfirmation Method="{BEARER}">'
            f'<saml2:SubjectConfirmationData NotOnOrAfter="{window[1]}" '
            f'Recipient="{AWS_RECIPIENT}"/></saml2:SubjectConfirmation></saml2:Subject>'
            f'<saml2:Conditions NotBefore="{window[0]}" NotOnOrAfter="{window[1]}">'
            "<saml2:AudienceRestriction>"
            f"<saml2:Audience>{audience or 'urn:amazon:webservices'}</saml2:Audience>"
            "</saml2:AudienceRestriction></saml2:Conditions>"
            f'<saml2:AuthnStatement AuthnInstant="{instant(issued)}" '
            f'SessionIndex="id{secrets.token_hex(8)}"><saml2:AuthnContext>'
            "<saml2:AuthnContextClassRef>"
            "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
            "</saml2:AuthnContextClassRef></saml2:AuthnContext></saml2:AuthnStatement>"
            f"<saml2:AttributeStatement>{statement}</saml2:AttributeStatement>"
            "</saml2:Assertion>"
        ).encode()

    def _entra_assertion(
        self,
        attributes: list[Attribute],
        subject: str,
        issued: datetime,
        window: tuple[str, str],
        audience: str | None,
        placeholder: str,
    ) -> bytes:
        microsoft = [
            Attribute("http://schemas.microsoft.com/identity/claims/tenantid", (self.tenant,)),
            Attribute(
                "http://schemas.microsoft.com/identity/claims/objectidentifier",
                (str(uuid.uuid4()),),
            ),
        ]
        statement = "".join(
            f'<Attribute Name="{attribute.full_name}">'
            + "".join(f"<AttributeValue>{value}</AttributeValue>" for value in attribute.values)
            + "</Attribute>"
            for attribute in microsoft + attributes
        )
        return (
            f'<Assertion ID="_{uuid.uuid4()}" IssueInstant="{instant(issued)}" Version="2.0" '
            'xmlns="urn:oasis:names:tc:SAML:2.0:assertion">'
            f"<Issuer>{self.entity_id}</Issuer>{placeholder}"
            '<Subject><NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">'
            f"{subject}</NameID>"
            f'<SubjectConfirmation Method="{BEARER}">'
            f'<SubjectConfirmationData NotOnOrAfter="{window[1]}" Recipient="{AWS_RECIPIENT}"/>'
            "</SubjectConfirmation></Subject>"
            f'<Conditions NotBefore="{window[0]}" NotOnOrAfter="{window[1]}">'
            f"<AudienceRestriction><Audience>{audience or AWS_RECIPIENT}</Audience>"
            "</AudienceRestriction></Conditions>"
            f"<AttributeStatement>{statement}</AttributeStatement>"
            f'<AuthnStatement AuthnInstant="{instant(issued)}" SessionIndex="_{uuid.uuid4()}">'
            "<AuthnContext><AuthnContextClassRef>"
            "urn:oasis:names:tc:SAML:2.0:ac:classes:Password"
            "</AuthnContextClassRef></AuthnContext></AuthnStatement>"
            "</Assertion>"
        ).encode()
