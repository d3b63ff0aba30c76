"""SAML providers through boto3 against a live server: metadata checks, shapes, errors."""

from __future__ import annotations

import base64
import functools
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from support import error_of

METADATA = """<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" \
entityID="https://{host}/saml"{valid_until}>
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing">
      <ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">
        <ds:X509Data><ds:X509Certificate>{certificate}</ds:X509Certificate></ds:X509Data>
      </ds:KeyInfo>
    </md:KeyDescriptor>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" \
Location="https://{host}/saml/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>"""


@functools.cache
def private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@functools.cache
def certificate_base64() -> str:
    key = private_key()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "idp.example.com")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    return base64.b64encode(certificate.public_bytes(serialization.Encoding.DER)).decode()


def metadata(host: str = "idp.example.com", *, valid_until: str | None = None) -> str:
    until = f' validUntil="{valid_until}"' if valid_until else ""
    return METADATA.format(host=host, valid_until=until, certificate=certificate_base64())


def private_key_pem() -> str:
    return (
        private_key()
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )


def create(iam: Any, name: str = "MyIdP", **kwargs: Any) -> str:
    kwargs.setdefault("SAMLMetadataDocument", metadata())
    arn: str = iam.create_saml_provider(Name=name, **kwargs)["SAMLProviderArn"]
    return arn


def test_create_get_list_delete(iam: Any, account: Any) -> None:
    arn = create(iam)
    assert arn == f"arn:aws:iam::{account.account_id}:saml-provider/MyIdP"
    got = iam.get_saml_provider(SAMLProviderArn=arn)
    assert got["SAMLMetadataDocument"] == metadata()
    assert got["AssertionEncryptionMode"] == "Allowed"
    assert got["PrivateKeyList"] == []
    assert got["Tags"] == []
    assert re.fullmatch(r"[A-Z0-9]{22,64}", got["SAMLProviderUUID"])
    created = got["CreateDate"]
    assert abs(created - datetime.now(UTC)) < timedelta(minutes=1)
    assert got["ValidUntil"] == created.replace(year=created.year + 100)

    [entry] = iam.list_saml_providers()["SAMLProviderList"]
    assert entry == {"Arn": arn, "ValidUntil": got["ValidUntil"], "CreateDate": created}

    iam.delete_saml_provider(SAMLProviderArn=arn)
    assert iam.list_saml_providers()["SAMLProviderList"] == []
    with pytest.raises(ClientError) as excinfo:
        iam.delete_saml_provider(SAMLProviderArn=arn)
    assert error_of(excinfo) == ("NoSuchEntity", f"Manifest not found for arn {arn}", 404)


def test_valid_until_comes_from_the_metadata(iam: Any) -> None:
    arn = create(iam, SAMLMetadataDocument=metadata(valid_until="2031-05-04T03:02:01Z"))
    got = iam.get_saml_provider(SAMLProviderArn=arn)
    assert got["ValidUntil"] == datetime(2031, 5, 4, 3, 2, 1, tzinfo=UTC)


def test_update_replaces_the_metadata(iam: Any) -> None:
    arn = create(iam)
    before = iam.get_saml_provider(SAMLProviderArn=arn)
    updated = metadata("updated-idp.example.com")
    answer = iam.update_saml_provider(SAMLProviderArn=arn, SAMLMetadataDocument=updated)
    assert answer["SAMLProviderArn"] == arn
    after = iam.get_saml_provider(SAMLProviderArn=arn)
    assert after["SAMLMetadataDocument"] == updated
    assert after["SAMLProviderUUID"] == before["SAMLProviderUUID"]
    assert after["CreateDate"] == before["CreateDate"]


def test_duplicate_name(iam: Any) -> None:
    create(iam)
    with pytest.raises(ClientError) as excinfo:
        create(iam)
    assert error_of(excinfo) == (
        "EntityAlreadyExists",
        "Provider with name MyIdP already exists.",
        409,
    )


BAD_DOCUMENTS = {
    "not xml": "x" * 1000,
    "not metadata": "<root>" + "x" * 1000 + "</root>",
    "no certificate": metadata().replace(
        '<md:KeyDescriptor use="signing">', '<md:KeyDescriptor use="encryption">'
    ),
    "bad certificate": metadata().replace(certificate_base64(), "AAAA" * 300),
    "entity expansion": '<?xml version="1.0"?><!DOCTYPE md [<!ENTITY a "'
    + "a" * 1000
    + '">]>'
    + metadata().split("?>", 1)[1],
}


@pytest.mark.parametrize("case", sorted(BAD_DOCUMENTS))
def test_unusable_metadata_is_invalid_input(iam: Any, case: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        create(iam, SAMLMetadataDocument=BAD_DOCUMENTS[case])
    assert error_of(excinfo) == ("InvalidInput", "Could not parse metadata", 400)
    arn = create(iam, f"Idp-{case.replace(' ', '-')}")
    with pytest.raises(ClientError) as excinfo:
        iam.update_saml_provider(SAMLProviderArn=arn, SAMLMetadataDocument=BAD_DOCUMENTS[case])
    assert error_of(excinfo)[0] == "InvalidInput"


def test_private_keys_and_encryption_mode(iam: Any) -> None:
    arn = create(iam, AssertionEncryptionMode="Required", AddPrivateKey=private_key_pem())
    got = iam.get_saml_provider(SAMLProviderArn=arn)
    assert got["AssertionEncryptionMode"] == "Required"
    [key] = got["PrivateKeyList"]
    assert re.fullmatch(r"[A-Z0-9]{22,64}", key["KeyId"])
    iam.update_saml_provider(SAMLProviderArn=arn, AddPrivateKey=private_key_pem())
    assert len(iam.get_saml_provider(SAMLProviderArn=arn)["PrivateKeyList"]) == 2
    with pytest.raises(ClientError) as excinfo:
        iam.update_saml_provider(SAMLProviderArn=arn, AddPrivateKey=private_key_pem())
    assert error_of(excinfo)[0] == "LimitExceeded"
    iam.update_saml_provider(
        SAMLProviderArn=arn, RemovePrivateKey=key["KeyId"], AssertionEncryptionMode="Allowed"
    )
    got = iam.get_saml_provider(SAMLProviderArn=arn)
    assert [k["KeyId"] for k in got["PrivateKeyList"]] != [key["KeyId"]]
    assert len(got["PrivateKeyList"]) == 1
    assert got["AssertionEncryptionMode"] == "Allowed"
    with pytest.raises(ClientError) as excinfo:
        iam.update_saml_provider(SAMLProviderArn=arn, AddPrivateKey="not a key")
    assert error_of(excinfo)[0] == "InvalidInput"


def test_tags(iam: Any) -> None:
    tags = [{"Key": "team", "Value": "identity"}]
    created = iam.create_saml_provider(Name="Tagged", SAMLMetadataDocument=metadata(), Tags=tags)
    arn = created["SAMLProviderArn"]
    assert created["Tags"] == tags
    iam.tag_saml_provider(SAMLProviderArn=arn, Tags=[{"Key": "env", "Value": "prod"}])
    listed = iam.list_saml_provider_tags(SAMLProviderArn=arn)
    assert listed["Tags"] == [*tags, {"Key": "env", "Value": "prod"}]
    iam.untag_saml_provider(SAMLProviderArn=arn, TagKeys=["team"])
    assert iam.get_saml_provider(SAMLProviderArn=arn)["Tags"] == [{"Key": "env", "Value": "prod"}]


def test_missing_provider_errors(iam: Any, account: Any) -> None:
    arn = f"arn:aws:iam::{account.account_id}:saml-provider/NonExistentProvider"
    for call in (
        lambda: iam.get_saml_provider(SAMLProviderArn=arn),
        lambda: iam.update_saml_provider(SAMLProviderArn=arn, SAMLMetadataDocument=metadata()),
        lambda: iam.delete_saml_provider(SAMLProviderArn=arn),
        lambda: iam.tag_saml_provider(SAMLProviderArn=arn, Tags=[{"Key": "a", "Value": "b"}]),
        lambda: iam.untag_saml_provider(SAMLProviderArn=arn, TagKeys=["a"]),
        lambda: iam.list_saml_provider_tags(SAMLProviderArn=arn),
    ):
        with pytest.raises(ClientError) as excinfo:
            call()
        assert error_of(excinfo) == ("NoSuchEntity", f"Manifest not found for arn {arn}", 404)
