"""Server certificates through boto3: key and chain checked, the key never kept,
metadata and ARN by path, rename, tags, AWS's messages."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from sqlalchemy import select

from iamd.store.schema import server_certificates
from support import IamdServer, RootCredential, error_of


@dataclass(frozen=True)
class Issued:
    certificate: x509.Certificate
    key: Any

    @property
    def body(self) -> str:
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode()

    @property
    def key_pem(self) -> str:
        return self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()


def issue(
    common_name: str = "www.example.com",
    *,
    issuer: Issued | None = None,
    not_after: datetime | None = None,
    key: Any = None,
) -> Issued:
    """A certificate for ``common_name``, signed by ``issuer`` (else self-signed)."""
    key = key or ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.now(UTC).replace(microsecond=0)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.certificate.subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=400))
        .not_valid_after(not_after or now + timedelta(days=90))
        .sign(issuer.key if issuer else key, hashes.SHA256())
    )
    return Issued(certificate, key)


def upload(iam: Any, name: str, issued: Issued, **extra: Any) -> Any:
    return iam.upload_server_certificate(
        ServerCertificateName=name,
        CertificateBody=issued.body,
        PrivateKey=issued.key_pem,
        **extra,
    )


@pytest.mark.parametrize("path", [None, "/", "/test-path/"])
def test_server_certificate_lifecycle(iam: Any, account: RootCredential, path: str | None) -> None:
    issued = issue(key=rsa.generate_private_key(public_exponent=65537, key_size=2048))
    extra = {"Path": path} if path else {}
    uploaded = upload(iam, "web", issued, **extra)
    metadata = uploaded["ServerCertificateMetadata"]
    assert "Tags" not in uploaded
    shown_path = path or "/"
    assert re.fullmatch(r"ASCA[A-Z2-7]{17}", metadata["ServerCertificateId"])
    assert metadata == {
        "Path": shown_path,
        "ServerCertificateName": "web",
        "ServerCertificateId": metadata["ServerCertificateId"],
        "Arn": f"arn:aws:iam::{account.account_id}:server-certificate{shown_path}web",
        "UploadDate": metadata["UploadDate"],
        "Expiration": issued.certificate.not_valid_after_utc,
    }
    listed = iam.list_server_certificates()
    assert listed["IsTruncated"] is False
    assert listed["ServerCertificateMetadataList"] == [metadata]
    by_path = iam.list_server_certificates(PathPrefix=shown_path)
    assert by_path["ServerCertificateMetadataList"] == [metadata]
    got = iam.get_server_certificate(ServerCertificateName="web")["ServerCertificate"]
    assert got == {
        "ServerCertificateMetadata": metadata,
        "CertificateBody": issued.body,
        "Tags": [],
    }
    iam.delete_server_certificate(ServerCertificateName="web")
    with pytest.raises(ClientError) as excinfo:
        iam.get_server_certificate(ServerCertificateName="web")
    assert error_of(excinfo) == (
        "NoSuchEntity",
        "The Server Certificate with name web cannot be found.",
        404,
    )


def test_path_prefix_filters(iam: Any) -> None:
    upload(iam, "a", issue(), Path="/test-path/")
    upload(iam, "b", issue(), Path="/other/")
    listed = iam.list_server_certificates(PathPrefix="/test")["ServerCertificateMetadataList"]
    assert [c["ServerCertificateName"] for c in listed] == ["a"]


def test_server_certificate_with_chain(iam: Any) -> None:
    root = issue("iamd test root")
    intermediate = issue("iamd test intermediate", issuer=root)
    leaf = issue("www.example.com", issuer=intermediate)
    chain = intermediate.body + root.body
    upload(iam, "chained", leaf, CertificateChain=chain)
    got = iam.get_server_certificate(ServerCertificateName="chained")["ServerCertificate"]
    assert got["CertificateChain"] == chain
    assert got["CertificateBody"] == leaf.body


def test_chain_must_lead_upwards(iam: Any) -> None:
    root = issue("iamd test root")
    intermediate = issue("iamd test intermediate", issuer=root)
    leaf = issue("www.example.com", issuer=intermediate)
    for chain, index in ((root.body, -1), (intermediate.body + leaf.body, 0)):
        with pytest.raises(ClientError) as excinfo:
            upload(iam, "broken", leaf, CertificateChain=chain)
        assert error_of(excinfo) == (
            "MalformedCertificate",
            "Unable to validate certificate chain. The certificate chain must start with the "
            "immediate signing certificate, followed by any intermediaries in order. The index "
            f"within the chain of the invalid certificate is: {index}",
            400,
        )


def test_unusable_bodies_and_keys(iam: Any) -> None:
    issued = issue()
    with pytest.raises(ClientError) as excinfo:
        iam.upload_server_certificate(
            ServerCertificateName="bad", CertificateBody="certificate", PrivateKey=issued.key_pem
        )
    assert error_of(excinfo) == (
        "MalformedCertificate",
        "Unable to parse certificate. Please ensure the certificate is in PEM format.",
        400,
    )
    with pytest.raises(ClientError) as excinfo:
        iam.upload_server_certificate(
            ServerCertificateName="bad", CertificateBody=issued.body, PrivateKey="not a key"
        )
    assert error_of(excinfo)[0] == "MalformedCertificate"
    with pytest.raises(ClientError) as excinfo:
        iam.upload_server_certificate(
            ServerCertificateName="bad",
            CertificateBody=issued.body,
            PrivateKey=issue().key_pem,
        )
    assert error_of(excinfo) == (
        "KeyPairMismatch",
        "The private key did not match the public key provided.",
        400,
    )
    expired = issue(not_after=datetime.now(UTC) - timedelta(days=1))
    with pytest.raises(ClientError) as excinfo:
        upload(iam, "bad", expired)
    assert error_of(excinfo) == (
        "MalformedCertificate",
        "Certificate is no longer valid. The 'Not After' date restriction on the certificate "
        "has passed.",
        400,
    )
    assert iam.list_server_certificates()["ServerCertificateMetadataList"] == []


def test_server_certificate_errors(iam: Any) -> None:
    missing = (
        "NoSuchEntity",
        "The Server Certificate with name nonexistent-certificate cannot be found.",
        404,
    )
    with pytest.raises(ClientError) as excinfo:
        iam.get_server_certificate(ServerCertificateName="nonexistent-certificate")
    assert error_of(excinfo) == missing
    with pytest.raises(ClientError) as excinfo:
        iam.delete_server_certificate(ServerCertificateName="nonexistent-certificate")
    assert error_of(excinfo) == missing
    upload(iam, "taken", issue())
    for name in ("taken", "TAKEN"):
        with pytest.raises(ClientError) as excinfo:
            upload(iam, name, issue())
        assert error_of(excinfo) == (
            "EntityAlreadyExists",
            f"The Server Certificate with name {name} already exists.",
            409,
        )


def test_the_private_key_is_not_kept(iam: Any, server: IamdServer) -> None:
    issued = issue()
    upload(iam, "secret-safe", issued)
    db, _ = server.open_store()
    try:
        with db.engine.connect() as conn:
            row = conn.execute(
                select(server_certificates).where(server_certificates.c.name == "secret-safe")
            ).one()
    finally:
        db.dispose()
    key_material = issued.key_pem.splitlines()[1]
    assert all(key_material not in str(value) for value in row)


def test_rename_and_move(iam: Any, account: RootCredential) -> None:
    upload(iam, "old", issue())
    upload(iam, "other", issue())
    iam.update_server_certificate(
        ServerCertificateName="old", NewServerCertificateName="new", NewPath="/moved/"
    )
    metadata = iam.get_server_certificate(ServerCertificateName="new")["ServerCertificate"][
        "ServerCertificateMetadata"
    ]
    assert metadata["Path"] == "/moved/"
    assert metadata["Arn"] == f"arn:aws:iam::{account.account_id}:server-certificate/moved/new"
    with pytest.raises(ClientError) as excinfo:
        iam.get_server_certificate(ServerCertificateName="old")
    assert error_of(excinfo)[0] == "NoSuchEntity"
    with pytest.raises(ClientError) as excinfo:
        iam.update_server_certificate(ServerCertificateName="new", NewServerCertificateName="other")
    assert error_of(excinfo) == (
        "EntityAlreadyExists",
        "The Server Certificate with name other already exists.",
        409,
    )
    with pytest.raises(ClientError) as excinfo:
        iam.update_server_certificate(ServerCertificateName="gone", NewPath="/x/")
    assert error_of(excinfo)[0] == "NoSuchEntity"


def test_server_certificate_tags(iam: Any) -> None:
    uploaded = upload(iam, "tagged", issue(), Tags=[{"Key": "team", "Value": "web"}])
    assert uploaded["Tags"] == [{"Key": "team", "Value": "web"}]
    iam.tag_server_certificate(
        ServerCertificateName="tagged",
        Tags=[{"Key": "env", "Value": "prod"}, {"Key": "team", "Value": "edge"}],
    )
    expected = [{"Key": "team", "Value": "edge"}, {"Key": "env", "Value": "prod"}]
    listed = iam.list_server_certificate_tags(ServerCertificateName="tagged")
    assert listed["Tags"] == expected and listed["IsTruncated"] is False
    got = iam.get_server_certificate(ServerCertificateName="tagged")["ServerCertificate"]
    assert got["Tags"] == expected
    iam.untag_server_certificate(ServerCertificateName="tagged", TagKeys=["TEAM"])
    listed = iam.list_server_certificate_tags(ServerCertificateName="tagged")
    assert listed["Tags"] == [{"Key": "env", "Value": "prod"}]
    with pytest.raises(ClientError) as excinfo:
        iam.list_server_certificate_tags(ServerCertificateName="missing")
    assert error_of(excinfo)[0] == "NoSuchEntity"
    with pytest.raises(ClientError) as excinfo:
        upload(iam, "dupes", issue(), Tags=[{"Key": "a", "Value": "1"}, {"Key": "A", "Value": "2"}])
    assert error_of(excinfo)[:2] == (
        "InvalidInput",
        "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
    )


def test_pagination_and_account_quota(iam: Any) -> None:
    issued = issue()
    for number in range(20):
        upload(iam, f"cert-{number:02}", issued)
    with pytest.raises(ClientError) as excinfo:
        upload(iam, "one-too-many", issued)
    assert error_of(excinfo) == (
        "LimitExceeded",
        "Cannot exceed quota for ServerCertificatesPerAccount: 20",
        409,
    )
    names: list[str] = []
    page = iam.list_server_certificates(MaxItems=7)
    names += [c["ServerCertificateName"] for c in page["ServerCertificateMetadataList"]]
    while page["IsTruncated"]:
        page = iam.list_server_certificates(MaxItems=7, Marker=page["Marker"])
        names += [c["ServerCertificateName"] for c in page["ServerCertificateMetadataList"]]
    assert names == [f"cert-{number:02}" for number in range(20)]
