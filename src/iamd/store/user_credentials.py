"""A user's own credentials: SSH public keys, signing certificates, service credentials.

One table holds the three kinds (``kind``: ``ssh``, ``signing-cert``, ``service``).
Every row belongs to one IAM user; reads join the user, so ``user_name`` is always the
user's current name and a rename shows at once, as in AWS. Service passwords are kept
sealed (bound to the credential id) and never in clear.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, and_, delete, func, insert, or_, select, update

from iamd.clock import as_utc
from iamd.errors import ValidationError
from iamd.store.pages import Page, decode_marker, page_of
from iamd.store.schema import user_credentials, users

SSH = "ssh"
SIGNING_CERT = "signing-cert"
SERVICE = "service"


@dataclass(frozen=True)
class Credential:
    credential_id: str
    account_id: str
    kind: str
    user_id: str
    user_name: str
    status: str
    created_at: datetime
    body: str = ""
    fingerprint: str | None = None
    service_name: str | None = None
    service_user_name: str | None = None
    secret_sealed: bytes | None = None


def _credential(row: Any) -> Credential:
    return Credential(
        credential_id=row.id,
        account_id=row.account_id,
        kind=row.kind,
        user_id=row.user_id,
        user_name=row.user_name,
        status=row.status,
        created_at=as_utc(row.created_at),
        body=row.body,
        fingerprint=row.fingerprint,
        service_name=row.service_name,
        service_user_name=row.service_user_name,
        secret_sealed=row.secret_sealed,
    )


def _select(account_id: str, kind: str) -> Select[Any]:
    return (
        select(user_credentials, users.c.name.label("user_name"))
        .join(users, users.c.id == user_credentials.c.user_id)
        .where(user_credentials.c.account_id == account_id, user_credentials.c.kind == kind)
    )


def insert_credential(conn: Connection, credential: Credential) -> Credential:
    row = {
        "id": credential.credential_id,
        "account_id": credential.account_id,
        "kind": credential.kind,
        "user_id": credential.user_id,
        "body": credential.body,
        "fingerprint": credential.fingerprint,
        "service_name": credential.service_name,
        "service_user_name": credential.service_user_name,
        "secret_sealed": credential.secret_sealed,
        "status": credential.status,
        "created_at": credential.created_at,
    }
    conn.execute(insert(user_credentials).values(row))
    return credential


def find_credential(
    conn: Connection, account_id: str, kind: str, credential_id: str
) -> Credential | None:
    query = _select(account_id, kind).where(user_credentials.c.id == credential_id)
    row = conn.execute(query).first()
    return _credential(row) if row else None


def list_credentials(
    conn: Connection,
    account_id: str,
    kind: str,
    *,
    user_id: str | None,
    service_name: str | None = None,
    marker: str | None = None,
    limit: int,
) -> Page[Credential]:
    """Credentials in upload order, of one user (or, with no user_id, of every user)."""
    query = _select(account_id, kind)
    if user_id is not None:
        query = query.where(user_credentials.c.user_id == user_id)
    if service_name is not None:
        query = query.where(user_credentials.c.service_name == service_name)
    query = _after(query, marker)
    order = (user_credentials.c.created_at, user_credentials.c.id)
    rows = conn.execute(query.order_by(*order).limit(limit + 1)).all()
    return page_of([_credential(r) for r in rows], limit, _sort_key)


def _sort_key(credential: Credential) -> str:
    return f"{credential.created_at.isoformat()}|{credential.credential_id}"


def _after(query: Select[Any], marker: str | None) -> Select[Any]:
    """Keyset: only rows after (upload time, id) of the last item already sent."""
    sort_key = decode_marker(marker)
    if sort_key is None:
        return query
    created_text, _, credential_id = sort_key.rpartition("|")
    try:
        created_at = datetime.fromisoformat(created_text)
    except ValueError:
        raise ValidationError("Invalid Marker.") from None
    column = user_credentials.c
    return query.where(
        or_(
            column.created_at > created_at,
            and_(column.created_at == created_at, column.id > credential_id),
        )
    )


def count_credentials(
    conn: Connection, kind: str, user_id: str, *, service_name: str | None = None
) -> int:
    column = user_credentials.c
    query = (
        select(func.count())
        .select_from(user_credentials)
        .where(column.kind == kind, column.user_id == user_id)
    )
    if service_name is not None:
        query = query.where(column.service_name == service_name)
    return int(conn.execute(query).scalar_one())


def find_by_fingerprint(
    conn: Connection, account_id: str, kind: str, fingerprint: str, *, user_id: str | None
) -> Credential | None:
    """A credential with this key material: of one user, or anywhere in the account."""
    query = _select(account_id, kind).where(user_credentials.c.fingerprint == fingerprint)
    if user_id is not None:
        query = query.where(user_credentials.c.user_id == user_id)
    row = conn.execute(query.limit(1)).first()
    return _credential(row) if row else None


def set_status(conn: Connection, credential: Credential, status: str) -> Credential:
    where = user_credentials.c.id == credential.credential_id
    conn.execute(update(user_credentials).where(where).values(status=status))
    return replace(credential, status=status)


def set_secret(conn: Connection, credential: Credential, secret_sealed: bytes) -> Credential:
    where = user_credentials.c.id == credential.credential_id
    conn.execute(update(user_credentials).where(where).values(secret_sealed=secret_sealed))
    return replace(credential, secret_sealed=secret_sealed)


def delete_credential(conn: Connection, credential: Credential) -> None:
    conn.execute(delete(user_credentials).where(user_credentials.c.id == credential.credential_id))
