"""Accounts: the 12-digit id, its root user, and the authorization version counter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert, select
from sqlalchemy.exc import IntegrityError

from iamd.clock import as_utc
from iamd.errors import EntityAlreadyExists
from iamd.store import versioned
from iamd.store.schema import accounts


@dataclass(frozen=True)
class Account:
    account_id: str
    name: str
    email: str
    root_user_id: str
    created_at: datetime
    root_password_hash: str | None


def create_account(
    conn: Connection,
    *,
    account_id: str,
    name: str,
    email: str,
    root_user_id: str,
    created_at: datetime,
    root_password_hash: str | None = None,
) -> Account:
    row = {
        "id": account_id,
        "name": name,
        "email": email,
        "email_lower": email.lower(),
        "root_user_id": root_user_id,
        "created_at": created_at,
        "root_password_hash": root_password_hash,
        "authz_version": 0,
    }
    try:
        with conn.begin_nested():
            conn.execute(insert(accounts).values(row))
    except IntegrityError:
        raise EntityAlreadyExists(
            f"An account with id {account_id} or email already exists."
        ) from None
    return Account(account_id, name, email, root_user_id, created_at, root_password_hash)


def get_account(conn: Connection, account_id: str) -> Account | None:
    row = conn.execute(select(accounts).where(accounts.c.id == account_id)).first()
    if row is None:
        return None
    return Account(
        row.id,
        row.name,
        row.email,
        row.root_user_id,
        as_utc(row.created_at),
        row.root_password_hash,
    )


def list_account_ids(conn: Connection) -> list[str]:
    return list(conn.execute(select(accounts.c.id).order_by(accounts.c.id)).scalars())


def authz_version(conn: Connection, account_id: str) -> int:
    """The counter that compiled-policy caches compare against."""
    return versioned.authz_version(conn, account_id)
