"""Login profiles (an IAM user's console password) and the history reuse prevention reads.

Only argon2id hashes are stored, never a password. Every password a user is given is
also written to ``password_history``, newest last, so that the account policy's
``PasswordReusePrevention`` can compare a new password with the last N.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from iamd.clock import as_utc
from iamd.errors import EntityAlreadyExists, NoSuchEntity
from iamd.store.locks import hold
from iamd.store.schema import login_profiles, password_history

# The largest PasswordReusePrevention AWS allows: older history is never consulted.
MAX_HISTORY = 24


@dataclass(frozen=True)
class LoginProfile:
    user_id: str
    password_hash: str
    reset_required: bool
    created_at: datetime
    password_changed_at: datetime


def _profile(row: Any) -> LoginProfile:
    return LoginProfile(
        user_id=row.user_id,
        password_hash=row.password_hash,
        reset_required=bool(row.reset_required),
        created_at=as_utc(row.created_at),
        password_changed_at=as_utc(row.password_changed_at),
    )


def not_found(user_name: str) -> NoSuchEntity:
    return NoSuchEntity(f"Login Profile for User {user_name} cannot be found.")


def already_exists(user_name: str) -> EntityAlreadyExists:
    return EntityAlreadyExists(f"Login Profile for user {user_name} already exists.")


def find_profile(conn: Connection, user_id: str) -> LoginProfile | None:
    row = conn.execute(select(login_profiles).where(login_profiles.c.user_id == user_id)).first()
    return _profile(row) if row else None


def get_profile(conn: Connection, user_id: str, user_name: str) -> LoginProfile:
    profile = find_profile(conn, user_id)
    if profile is None:
        raise not_found(user_name)
    return profile


def insert_profile(conn: Connection, profile: LoginProfile, user_name: str) -> LoginProfile:
    hold(conn, ("user", profile.user_id))
    row = {
        "user_id": profile.user_id,
        "password_hash": profile.password_hash,
        "reset_required": profile.reset_required,
        "created_at": profile.created_at,
        "password_changed_at": profile.password_changed_at,
    }
    try:
        with conn.begin_nested():
            conn.execute(insert(login_profiles).values(row))
    except IntegrityError:
        raise already_exists(user_name) from None
    record_history(conn, profile.user_id, profile.password_hash, profile.password_changed_at)
    return profile


def set_password(conn: Connection, user_id: str, password_hash: str, changed_at: datetime) -> None:
    hold(conn, ("user", user_id))
    values = {"password_hash": password_hash, "password_changed_at": changed_at}
    conn.execute(update(login_profiles).where(login_profiles.c.user_id == user_id).values(values))
    record_history(conn, user_id, password_hash, changed_at)


def set_reset_required(conn: Connection, user_id: str, reset_required: bool) -> None:
    conn.execute(
        update(login_profiles)
        .where(login_profiles.c.user_id == user_id)
        .values(reset_required=reset_required)
    )


def delete_profile(conn: Connection, user_id: str) -> None:
    """Remove the password and its history: a new profile starts afresh."""
    conn.execute(delete(login_profiles).where(login_profiles.c.user_id == user_id))
    conn.execute(delete(password_history).where(password_history.c.user_id == user_id))


def record_history(conn: Connection, user_id: str, password_hash: str, when: datetime) -> None:
    row = {"user_id": user_id, "password_hash": password_hash, "created_at": when}
    conn.execute(insert(password_history).values(row))
    stale = recent_history_query(user_id, limit=None).offset(MAX_HISTORY)
    old_hashes = [r.password_hash for r in conn.execute(stale)]
    if old_hashes:
        conn.execute(
            delete(password_history).where(
                password_history.c.user_id == user_id,
                password_history.c.password_hash.in_(old_hashes),
            )
        )


def recent_history_query(user_id: str, *, limit: int | None) -> Select[tuple[str]]:
    query = (
        select(password_history.c.password_hash)
        .where(password_history.c.user_id == user_id)
        .order_by(password_history.c.created_at.desc())
    )
    return query.limit(limit) if limit is not None else query


def recent_hashes(conn: Connection, user_id: str, count: int) -> list[str]:
    """The hashes of the user's last ``count`` passwords, the current one first."""
    return [r.password_hash for r in conn.execute(recent_history_query(user_id, limit=count))]
