"""Console sign-ins open on the server: opened at sign-in, closed at sign-out.

In: the SHA-256 digest of a session's handle (the handle itself lives only in the
signed cookie), the principal, the time. Out: whether a session is still open. A
cookie whose session was closed signs nobody in, wherever it was copied to.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import Connection, delete, insert, select

from iamd.store.schema import console_sessions as table


def digest(handle: str) -> str:
    return hashlib.sha256(handle.encode("utf-8")).hexdigest()


def open_session(
    conn: Connection,
    handle: str,
    *,
    account_id: str,
    principal_id: str,
    created_at: datetime,
    expires_at: datetime,
) -> None:
    """Record a new sign-in (and forget the principal's sign-ins that have expired)."""
    conn.execute(
        delete(table).where(table.c.principal_id == principal_id, table.c.expires_at <= created_at)
    )
    row = {
        "handle_digest": digest(handle),
        "account_id": account_id,
        "principal_id": principal_id,
        "created_at": created_at,
        "expires_at": expires_at,
    }
    conn.execute(insert(table).values(row))


def is_open(conn: Connection, handle: str, now: datetime) -> bool:
    query = select(table.c.handle_digest).where(
        table.c.handle_digest == digest(handle), table.c.expires_at > now
    )
    return conn.execute(query).first() is not None


def close_session(conn: Connection, handle: str) -> None:
    conn.execute(delete(table).where(table.c.handle_digest == digest(handle)))


def close_others(conn: Connection, principal_id: str, *, keep: str | None = None) -> None:
    """End every sign-in of the principal but ``keep`` (a handle), e.g. after a new password."""
    query = delete(table).where(table.c.principal_id == principal_id)
    if keep is not None:
        query = query.where(table.c.handle_digest != digest(keep))
    conn.execute(query)
