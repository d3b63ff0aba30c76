"""Consecutive console sign-in failures per principal, shared by every server process."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from iamd.clock import as_utc
from iamd.store.schema import signin_failures


def failures_of(conn: Connection, key: str) -> tuple[int, datetime] | None:
    """(consecutive failures, when the last one was) for a principal, if any."""
    query = select(signin_failures.c.failures, signin_failures.c.last_failed_at).where(
        signin_failures.c.key == key
    )
    row = conn.execute(query).first()
    return (int(row.failures), as_utc(row.last_failed_at)) if row else None


def record_failures(conn: Connection, key: str, failures: int, when: datetime) -> None:
    values = {"failures": failures, "last_failed_at": when}
    changed = conn.execute(
        update(signin_failures).where(signin_failures.c.key == key).values(values)
    )
    if changed.rowcount:
        return
    try:
        with conn.begin_nested():
            conn.execute(insert(signin_failures).values(key=key, **values))
    except IntegrityError:  # another process recorded one first: count on top of it
        conn.execute(update(signin_failures).where(signin_failures.c.key == key).values(values))


def forget_failures(conn: Connection, key: str) -> None:
    conn.execute(delete(signin_failures).where(signin_failures.c.key == key))
