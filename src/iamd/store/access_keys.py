"""Access keys: sealed secrets, status, and last use (date, service, region)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, bindparam, delete, func, insert, select, update

from iamd.clock import as_utc
from iamd.errors import NoSuchEntity
from iamd.store.schema import access_keys
from iamd.store.sealing import Sealer

if TYPE_CHECKING:
    from iamd.store.database import Database

log = logging.getLogger("iamd.store")

# Last use is recorded at most this often per key, so that authentication is not a
# database write on every request; AWS itself reports last use coarsely.
LAST_USED_GRANULARITY = timedelta(seconds=60)


@dataclass(frozen=True)
class AccessKey:
    access_key_id: str
    account_id: str
    user_id: str | None  # None: the account's root user
    status: str
    created_at: datetime
    last_used_at: datetime | None
    last_used_service: str | None
    last_used_region: str | None
    secret_sealed: bytes

    @property
    def is_active(self) -> bool:
        return self.status == "Active"

    def secret(self, sealer: Sealer) -> str:
        return sealer.open(self.secret_sealed, self.access_key_id).decode()


def _key(row: Any) -> AccessKey:
    return AccessKey(
        access_key_id=row.id,
        account_id=row.account_id,
        user_id=row.user_id,
        status=row.status,
        created_at=as_utc(row.created_at),
        last_used_at=as_utc(row.last_used_at) if row.last_used_at else None,
        last_used_service=row.last_used_service,
        last_used_region=row.last_used_region,
        secret_sealed=row.secret_sealed,
    )


def not_found(access_key_id: str) -> NoSuchEntity:
    return NoSuchEntity(f"The Access Key with id {access_key_id} cannot be found.")


def insert_key(
    conn: Connection,
    sealer: Sealer,
    *,
    access_key_id: str,
    secret: str,
    account_id: str,
    user_id: str | None,
    created_at: datetime,
) -> AccessKey:
    sealed = sealer.seal(secret.encode(), access_key_id)
    row = {
        "id": access_key_id,
        "account_id": account_id,
        "user_id": user_id,
        "secret_sealed": sealed,
        "status": "Active",
        "created_at": created_at,
    }
    conn.execute(insert(access_keys).values(row))
    return AccessKey(
        access_key_id, account_id, user_id, "Active", created_at, None, None, None, sealed
    )


# Built once: authentication runs this on every request.
_FIND_KEY = select(access_keys).where(access_keys.c.id == bindparam("key_id"))


def find_key(conn: Connection, access_key_id: str) -> AccessKey | None:
    row = conn.execute(_FIND_KEY, {"key_id": access_key_id}).first()
    return _key(row) if row else None


def keys_of(conn: Connection, account_id: str, user_id: str | None) -> list[AccessKey]:
    owner = access_keys.c.user_id.is_(None) if user_id is None else access_keys.c.user_id == user_id
    query = select(access_keys).where(access_keys.c.account_id == account_id, owner)
    return [_key(r) for r in conn.execute(query.order_by(access_keys.c.created_at))]


def count_keys(conn: Connection, account_id: str, user_id: str | None) -> int:
    owner = access_keys.c.user_id.is_(None) if user_id is None else access_keys.c.user_id == user_id
    query = (
        select(func.count())
        .select_from(access_keys)
        .where(access_keys.c.account_id == account_id, owner)
    )
    return int(conn.execute(query).scalar_one())


def set_status(conn: Connection, access_key_id: str, status: str) -> None:
    conn.execute(update(access_keys).where(access_keys.c.id == access_key_id).values(status=status))


def delete_key(conn: Connection, access_key_id: str) -> None:
    conn.execute(delete(access_keys).where(access_keys.c.id == access_key_id))


def needs_last_used_update(key: AccessKey, now: datetime, service: str, region: str) -> bool:
    if key.last_used_at is None:
        return True
    if (key.last_used_service, key.last_used_region) != (service, region):
        return True
    return now - key.last_used_at >= LAST_USED_GRANULARITY


def record_key_use(
    db: Database, key: AccessKey | None, now: datetime, service: str, region: str
) -> None:
    """Note that a key signed a request, in its own transaction, when the record is stale."""
    if key is None or not needs_last_used_update(key, now, service, region):
        return
    try:
        with db.transaction() as conn:
            record_use(conn, key.access_key_id, when=now, service=service, region=region)
    except Exception:  # bookkeeping must never turn an answered request into an error
        log.exception("could not record the use of an access key")


def record_use(
    conn: Connection, access_key_id: str, *, when: datetime, service: str, region: str
) -> None:
    values = {"last_used_at": when, "last_used_service": service, "last_used_region": region}
    conn.execute(update(access_keys).where(access_keys.c.id == access_key_id).values(values))
