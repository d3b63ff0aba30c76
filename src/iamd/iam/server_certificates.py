"""IAM server certificates: UploadServerCertificate, GetServerCertificate,
ListServerCertificates, UpdateServerCertificate, DeleteServerCertificate and their tags.

In: a PEM certificate, its PEM private key and an optional PEM chain. The key must
match the certificate and the chain must lead from the certificate upwards, each
certificate issued by the next. The private key is only checked, never kept: AWS
never returns it, so iamd holds nothing it could leak. Out: the certificate's
metadata — ARN ``arn:aws:iam::<acct>:server-certificate<path><name>``, an ``ASCA…``
id, the upload date and the certificate's own expiry.
"""

from __future__ import annotations

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes

from iamd import ids
from iamd.arn import iam_arn
from iamd.errors import KeyPairMismatch, LimitExceeded, MalformedCertificate
from iamd.iam.signing_certificates import EXPIRED_MESSAGE
from iamd.iam.tagging import tag_operations, tags_input, tags_output
from iamd.operation import OperationContext, OperationTable, Output, Params, list_output
from iamd.store import server_certificates, tags
from iamd.store.locks import hold
from iamd.store.pages import DEFAULT_MAX_ITEMS
from iamd.store.server_certificates import ServerCertificate

TAG_KIND = "server-certificate"
MAX_CERTIFICATES_PER_ACCOUNT = 20

UNPARSEABLE_CERTIFICATE = (
    "Unable to parse certificate. Please ensure the certificate is in PEM format."
)
UNPARSEABLE_KEY = "Unable to parse private key. Please ensure the private key is in PEM format."
UNPARSEABLE_CHAIN = (
    "Unable to parse certificate chain. Please ensure the certificate chain is in PEM format."
)
MISMATCH = "The private key did not match the public key provided."
INVALID_CHAIN = (
    "Unable to validate certificate chain. The certificate chain must start with the "
    "immediate signing certificate, followed by any intermediaries in order. The index "
    "within the chain of the invalid certificate is: {index}"
)


def parse_certificate(body: str, ctx: OperationContext) -> x509.Certificate:
    try:
        certificate = x509.load_pem_x509_certificate(body.encode())
    except ValueError:
        raise MalformedCertificate(UNPARSEABLE_CERTIFICATE) from None
    if certificate.not_valid_after_utc < ctx.now:
        raise MalformedCertificate(EXPIRED_MESSAGE)
    return certificate


def check_private_key(certificate: x509.Certificate, private_key_pem: str) -> None:
    """The key must be the certificate's own; it is then forgotten."""
    try:
        key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise MalformedCertificate(UNPARSEABLE_KEY) from None
    if _spki(key.public_key()) != _spki(certificate.public_key()):
        raise KeyPairMismatch(MISMATCH)


def _spki(public_key: PublicKeyTypes) -> bytes:
    return public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def check_chain(certificate: x509.Certificate, chain_pem: str | None) -> None:
    """Each certificate must be issued by the next; AWS's index -1 is the body itself."""
    if chain_pem is None:
        return
    try:
        chain = x509.load_pem_x509_certificates(chain_pem.encode())
    except ValueError:
        raise MalformedCertificate(UNPARSEABLE_CHAIN) from None
    subjects = [certificate, *chain]
    for index, (subject, issuer) in enumerate(zip(subjects, chain, strict=False), start=-1):
        try:
            subject.verify_directly_issued_by(issuer)
        except (ValueError, TypeError, InvalidSignature):
            raise MalformedCertificate(INVALID_CHAIN.format(index=index)) from None


def certificate_arn(ctx: OperationContext, certificate: ServerCertificate) -> str:
    return iam_arn(
        certificate.account_id,
        "server-certificate",
        certificate.path,
        certificate.name,
        partition=ctx.partition,
    )


def metadata_output(ctx: OperationContext, certificate: ServerCertificate) -> Output:
    return {
        "Path": certificate.path,
        "ServerCertificateName": certificate.name,
        "ServerCertificateId": certificate.certificate_id,
        "Arn": certificate_arn(ctx, certificate),
        "UploadDate": certificate.uploaded_at,
        "Expiration": certificate.expires_at,
    }


def upload_server_certificate(ctx: OperationContext, params: Params) -> Output:
    new_tags = tags_input(params)
    tags.check_unique_keys(new_tags)
    parsed = parse_certificate(params["CertificateBody"], ctx)
    check_private_key(parsed, params["PrivateKey"])
    check_chain(parsed, params.get("CertificateChain"))
    hold(ctx.conn, ("account", ctx.account_id))  # the quota stays true until we commit
    count = server_certificates.count_certificates(ctx.conn, ctx.account_id)
    if count >= MAX_CERTIFICATES_PER_ACCOUNT:
        raise LimitExceeded(
            f"Cannot exceed quota for ServerCertificatesPerAccount: {MAX_CERTIFICATES_PER_ACCOUNT}"
        )
    certificate = ServerCertificate(
        certificate_id=ids.entity_id(ids.SERVER_CERT),
        account_id=ctx.account_id,
        name=params["ServerCertificateName"],
        path=params.get("Path") or "/",
        body=params["CertificateBody"],
        chain=params.get("CertificateChain"),
        uploaded_at=ctx.now,
        expires_at=parsed.not_valid_after_utc,
    )
    server_certificates.insert_certificate(ctx.conn, certificate)
    output: Output = {"ServerCertificateMetadata": metadata_output(ctx, certificate)}
    if new_tags:
        tags.add_tags(ctx.conn, ctx.account_id, TAG_KIND, certificate.certificate_id, new_tags)
        output["Tags"] = tags_output(new_tags)
    return output


def _named(ctx: OperationContext, params: Params) -> ServerCertificate:
    name = params["ServerCertificateName"]
    return server_certificates.get_certificate(ctx.conn, ctx.account_id, name)


def get_server_certificate(ctx: OperationContext, params: Params) -> Output:
    certificate = _named(ctx, params)
    pairs = tags.tags_of(ctx.conn, TAG_KIND, certificate.certificate_id)
    output: Output = {
        "ServerCertificateMetadata": metadata_output(ctx, certificate),
        "CertificateBody": certificate.body,
        "Tags": tags_output(pairs),  # AWS sends the element even when empty
    }
    if certificate.chain is not None:
        output["CertificateChain"] = certificate.chain
    return {"ServerCertificate": output}


def list_server_certificates(ctx: OperationContext, params: Params) -> Output:
    page = server_certificates.list_certificates(
        ctx.conn,
        ctx.account_id,
        path_prefix=params.get("PathPrefix") or "/",
        marker=params.get("Marker"),
        limit=params.get("MaxItems") or DEFAULT_MAX_ITEMS,
    )
    return list_output(
        "ServerCertificateMetadataList", [metadata_output(ctx, c) for c in page.items], page
    )


def update_server_certificate(ctx: OperationContext, params: Params) -> Output:
    server_certificates.update_certificate(
        ctx.conn,
        _named(ctx, params),
        new_name=params.get("NewServerCertificateName"),
        new_path=params.get("NewPath"),
    )
    return {}


def delete_server_certificate(ctx: OperationContext, params: Params) -> Output:
    certificate = _named(ctx, params)
    server_certificates.delete_certificate(ctx.conn, certificate)
    tags.drop_all_tags(ctx.conn, TAG_KIND, certificate.certificate_id)
    return {}


OPERATIONS: OperationTable = {
    "UploadServerCertificate": upload_server_certificate,
    "GetServerCertificate": get_server_certificate,
    "ListServerCertificates": list_server_certificates,
    "UpdateServerCertificate": update_server_certificate,
    "DeleteServerCertificate": delete_server_certificate,
    **tag_operations(
        "ServerCertificate", TAG_KIND, lambda ctx, params: _named(ctx, params).certificate_id
    ),
}
