"""X.509 signing certificates of IAM users: UploadSigningCertificate,
ListSigningCertificates, UpdateSigningCertificate, DeleteSigningCertificate.

In: a PEM certificate, kept as uploaded. Without a UserName each operation is about
the calling IAM user. A certificate may belong to only one user of an account (AWS's
DuplicateCertificate); it is recognised by the SHA-256 of its DER encoding.
"""

from __future__ import annotations

import hashlib
import secrets
import string
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from iamd.errors import DuplicateCertificate, LimitExceeded, MalformedCertificate, NoSuchEntity
from iamd.iam.credentials import list_page, owned_credential
from iamd.iam.users import target_user
from iamd.operation import OperationContext, OperationTable, Output, Params, list_output
from iamd.store import user_credentials
from iamd.store.locks import hold
from iamd.store.user_credentials import SIGNING_CERT, Credential

MAX_CERTIFICATES_PER_USER = 2
CERTIFICATE_ID_LENGTH = 28  # as AWS's own: TA7SMP42TDN5Z26OBPJE7EXAMPLE
_ID_ALPHABET = string.ascii_uppercase + string.digits

EXPIRED_MESSAGE = (
    "Certificate is no longer valid. The 'Not After' date restriction on the certificate "
    "has passed."
)


def not_found(certificate_id: str) -> NoSuchEntity:
    return NoSuchEntity(f"The Certificate with id {certificate_id} cannot be found.")


def certificate_id() -> str:
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(CERTIFICATE_ID_LENGTH))


def parse_certificate(body: str, now: datetime) -> x509.Certificate:
    """The certificate a PEM body holds; unreadable or expired is AWS's MalformedCertificate."""
    try:
        certificate = x509.load_pem_x509_certificate(body.encode())
    except ValueError:
        raise MalformedCertificate(f"Certificate {body} is malformed.") from None
    if certificate.not_valid_after_utc < now:
        raise MalformedCertificate(EXPIRED_MESSAGE)
    return certificate


def fingerprint_of(certificate: x509.Certificate) -> str:
    return hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).hexdigest()


def certificate_output(certificate: Credential) -> Output:
    return {
        "UserName": certificate.user_name,
        "CertificateId": certificate.credential_id,
        "CertificateBody": certificate.body,
        "Status": certificate.status,
        "UploadDate": certificate.created_at,
    }


def upload_signing_certificate(ctx: OperationContext, params: Params) -> Output:
    user = target_user(ctx, params)
    body = params["CertificateBody"]
    fingerprint = fingerprint_of(parse_certificate(body, ctx.now))
    # INVARIANT: a certificate belongs to at most one user in the account; the account's
    # row is held for that, the user's for its quota, until we commit.
    hold(ctx.conn, ("user", user.user_id), ("account", ctx.account_id))
    holder = user_credentials.find_by_fingerprint(
        ctx.conn, ctx.account_id, SIGNING_CERT, fingerprint, user_id=None
    )
    if holder is not None:
        raise DuplicateCertificate(
            f"The Certificate with id {holder.credential_id} already exists."
        )
    count = user_credentials.count_credentials(ctx.conn, SIGNING_CERT, user.user_id)
    if count >= MAX_CERTIFICATES_PER_USER:
        raise LimitExceeded(
            f"Cannot exceed quota for CertificatesPerUser: {MAX_CERTIFICATES_PER_USER}"
        )
    certificate = Credential(
        credential_id=certificate_id(),
        account_id=ctx.account_id,
        kind=SIGNING_CERT,
        user_id=user.user_id,
        user_name=user.name,
        status="Active",
        created_at=ctx.now,
        body=body,
        fingerprint=fingerprint,
    )
    user_credentials.insert_credential(ctx.conn, certificate)
    return {"Certificate": certificate_output(certificate)}


def list_signing_certificates(ctx: OperationContext, params: Params) -> Output:
    user = target_user(ctx, params)
    page = list_page(ctx, SIGNING_CERT, params, user_id=user.user_id)
    return list_output("Certificates", [certificate_output(c) for c in page.items], page)


def _named_certificate(ctx: OperationContext, params: Params) -> Credential:
    user = target_user(ctx, params)
    return owned_credential(ctx, SIGNING_CERT, user, params["CertificateId"], not_found)


def update_signing_certificate(ctx: OperationContext, params: Params) -> Output:
    user_credentials.set_status(ctx.conn, _named_certificate(ctx, params), params["Status"])
    return {}


def delete_signing_certificate(ctx: OperationContext, params: Params) -> Output:
    user_credentials.delete_credential(ctx.conn, _named_certificate(ctx, params))
    return {}


OPERATIONS: OperationTable = {
    "UploadSigningCertificate": upload_signing_certificate,
    "ListSigningCertificates": list_signing_certificates,
    "UpdateSigningCertificate": update_signing_certificate,
    "DeleteSigningCertificate": delete_signing_certificate,
}
