"""Accounts: the 12-digit id, its root user, and the authorization version counter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert, select, update
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
    root_password_last_used: datetime | None = None


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
        as_utc(row.root_password_last_used) if row.root_password_last_used else None,
    )


def record_root_password_use(conn: Connection, account_id: str, when: datetime) -> None:
    """The root user signed in to the console with its password (no decision reads it)."""
    values = {"root_password_last_used": when}
    conn.execute(update(accounts).where(accounts.c.id == account_id).values(values))


def find_by_email(conn: Connection, email: str) -> Account | None:
    # INVARIANT: an email names at most one account (accounts.email_lower is unique).
    query = select(accounts.c.id).where(accounts.c.email_lower == email.strip().lower())
    account_id = conn.execute(query).scalar_one_or_none()
    return get_account(conn, str(account_id)) if account_id is not None else None


def list_account_ids(conn: Connection) -> list[str]:
    return list(conn.execute(select(accounts.c.id).order_by(accounts.c.id)).scalars())


def authz_version(conn: Connection, account_id: str) -> int:
    """The counter that compiled-policy caches compare against."""
    return versioned.authz_version(conn, account_id)


def set_root_password(conn: Connection, account_id: str, password_hash: str) -> None:
    """The root user's new console password (every session made with the old one ends)."""
    conn.execute(
        update(accounts).where(accounts.c.id == account_id).values(root_password_hash=password_hash)
    )


def set_root_login(conn: Connection, account_id: str, *, email: str, password_hash: str) -> None:
    """The root user's console email and password; another account's email is refused."""
    values = {"email": email, "email_lower": email.lower(), "root_password_hash": password_hash}
    try:
        with conn.begin_nested():
            conn.execute(update(accounts).where(accounts.c.id == account_id).values(values))
    except IntegrityError:
        raise EntityAlreadyExists("An account with this email address already exists.") from None
