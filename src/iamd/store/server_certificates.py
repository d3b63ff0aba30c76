"""Server certificates: upload, read by name, rename or move, list by path, delete.

Only what AWS gives back is kept: the certificate body and chain as uploaded, the
name, path, upload date and the certificate's expiry. The private key is checked
against the certificate at upload and then dropped; it is never stored.

# INVARIANT: names are unique case-insensitively per account (``name_lower``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, select
from sqlalchemy.exc import IntegrityError

from iamd.clock import as_utc
from iamd.errors import EntityAlreadyExists, NoSuchEntity
from iamd.store.pages import Page, page_by_name
from iamd.store.renames import rename
from iamd.store.schema import server_certificates


@dataclass(frozen=True)
class ServerCertificate:
    certificate_id: str
    account_id: str
    name: str
    path: str
    body: str
    chain: str | None
    uploaded_at: datetime
    expires_at: datetime


def _certificate(row: Any) -> ServerCertificate:
    return ServerCertificate(
        certificate_id=row.id,
        account_id=row.account_id,
        name=row.name,
        path=row.path,
        body=row.body,
        chain=row.chain,
        uploaded_at=as_utc(row.uploaded_at),
        expires_at=as_utc(row.expires_at),
    )


def not_found(name: str) -> NoSuchEntity:
    return NoSuchEntity(f"The Server Certificate with name {name} cannot be found.")


def already_exists(name: str) -> EntityAlreadyExists:
    return EntityAlreadyExists(f"The Server Certificate with name {name} already exists.")


def insert_certificate(conn: Connection, certificate: ServerCertificate) -> ServerCertificate:
    row = {
        "id": certificate.certificate_id,
        "account_id": certificate.account_id,
        "name": certificate.name,
        "name_lower": certificate.name.lower(),
        "path": certificate.path,
        "body": certificate.body,
        "chain": certificate.chain,
        "uploaded_at": certificate.uploaded_at,
        "expires_at": certificate.expires_at,
    }
    try:
        with conn.begin_nested():
            conn.execute(insert(server_certificates).values(row))
    except IntegrityError:
        raise already_exists(certificate.name) from None
    return certificate


def get_certificate(conn: Connection, account_id: str, name: str) -> ServerCertificate:
    column = server_certificates.c
    query = select(server_certificates).where(
        column.account_id == account_id, column.name_lower == name.lower()
    )
    row = conn.execute(query).first()
    if row is None:
        raise not_found(name)
    return _certificate(row)


_CERTIFICATES_OF_ACCOUNT = select(server_certificates).where(
    server_certificates.c.account_id == bindparam("account_id")
)


def list_certificates(
    conn: Connection, account_id: str, *, path_prefix: str, marker: str | None, limit: int
) -> Page[ServerCertificate]:
    return page_by_name(
        conn,
        _CERTIFICATES_OF_ACCOUNT,
        server_certificates,
        _certificate,
        params={"account_id": account_id},
        marker=marker,
        limit=limit,
        path_prefix=path_prefix,
    )


def count_certificates(conn: Connection, account_id: str) -> int:
    query = (
        select(func.count())
        .select_from(server_certificates)
        .where(server_certificates.c.account_id == account_id)
    )
    return int(conn.execute(query).scalar_one())


def update_certificate(
    conn: Connection, certificate: ServerCertificate, *, new_name: str | None, new_path: str | None
) -> None:
    def name_taken() -> EntityAlreadyExists:
        return already_exists(new_name or certificate.name)

    rename(
        conn,
        server_certificates,
        certificate.certificate_id,
        new_name=new_name,
        new_path=new_path,
        name_taken=name_taken,
    )


def delete_certificate(conn: Connection, certificate: ServerCertificate) -> None:
    where = server_certificates.c.id == certificate.certificate_id
    conn.execute(delete(server_certificates).where(where))
