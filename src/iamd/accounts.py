"""Accounts and their root users: created by `iamd serve`'s bootstrap and `iamd account`."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from iamd import ids
from iamd.clock import Clock
from iamd.errors import EntityAlreadyExists
from iamd.store import access_keys
from iamd.store import accounts as account_store
from iamd.store.database import Database
from iamd.store.sealing import Sealer


@dataclass(frozen=True)
class RootCredential:
    account_id: str
    access_key_id: str
    secret_access_key: str


def create_account(
    db: Database,
    sealer: Sealer,
    clock: Clock,
    *,
    email: str,
    name: str | None = None,
    account_id: str | None = None,
    access_key_id: str | None = None,
    secret_access_key: str | None = None,
) -> RootCredential:
    """A new account with a root access key (the given one, or a fresh one)."""
    account_id = account_id or ids.account_id()
    credential = RootCredential(
        account_id,
        access_key_id or ids.access_key_id(),
        secret_access_key or ids.secret_access_key(),
    )
    with db.transaction() as conn:
        account_store.create_account(
            conn,
            account_id=account_id,
            name=name or email.split("@")[0],
            email=email,
            root_user_id=account_id,
            created_at=clock.now(),
        )
        _add_root_key(conn, sealer, clock, credential)
    return credential


def ensure_root_key(db: Database, sealer: Sealer, clock: Clock, credential: RootCredential) -> bool:
    """Make sure the account and its root key exist; True when anything was created."""
    with db.transaction() as conn:
        created = False
        if account_store.get_account(conn, credential.account_id) is None:
            account_store.create_account(
                conn,
                account_id=credential.account_id,
                name=f"account-{credential.account_id}",
                email=f"root@{credential.account_id}.iamd.local",
                root_user_id=credential.account_id,
                created_at=clock.now(),
            )
            created = True
        existing = access_keys.find_key(conn, credential.access_key_id)
        if existing is None:
            _add_root_key(conn, sealer, clock, credential)
            return True
        if existing.account_id != credential.account_id or existing.user_id is not None:
            raise EntityAlreadyExists(
                f"Access key {credential.access_key_id} belongs to another principal."
            )
        return created


def has_accounts(db: Database) -> bool:
    with db.transaction(write=False) as conn:
        return bool(account_store.list_account_ids(conn))


def _add_root_key(
    conn: Connection, sealer: Sealer, clock: Clock, credential: RootCredential
) -> None:
    access_keys.insert_key(
        conn,
        sealer,
        access_key_id=credential.access_key_id,
        secret=credential.secret_access_key,
        account_id=credential.account_id,
        user_id=None,
        created_at=clock.now(),
    )
