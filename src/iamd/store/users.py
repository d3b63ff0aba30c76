"""Users: create, read, rename, list by path, delete — and what blocks a delete."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, delete, func, select, update

from iamd.clock import as_utc
from iamd.errors import DeleteConflict, EntityAlreadyExists, NoSuchEntity
from iamd.store import principal_refs, versioned
from iamd.store.locks import HeldRead, hold
from iamd.store.named_insert import NamedInsert
from iamd.store.pages import Page, page_by_name
from iamd.store.prepared import Prepared
from iamd.store.renames import rename
from iamd.store.schema import (
    access_keys,
    group_members,
    inline_policies,
    login_profiles,
    mfa_devices,
    policy_attachments,
    tags,
    user_credentials,
    users,
)
from iamd.store.tags import Tag, new_tags_insert

# A user's rows in the tags table carry this kind.
USER_TAG_KIND = "user"


@dataclass(frozen=True)
class User:
    user_id: str
    account_id: str
    name: str
    path: str
    created_at: datetime
    password_last_used: datetime | None
    boundary_arn: str | None


def user_from_row(row: Any) -> User:
    last_used = row.password_last_used
    return User(
        user_id=row.id,
        account_id=row.account_id,
        name=row.name,
        path=row.path,
        created_at=as_utc(row.created_at),
        password_last_used=as_utc(last_used) if last_used else None,
        boundary_arn=row.boundary_arn,
    )


def not_found(name: str) -> NoSuchEntity:
    return NoSuchEntity(f"The user with name {name} cannot be found.")


_INSERT_USER = NamedInsert(users)


def insert_user(conn: Connection, user: User, new_tags: Sequence[Tag] = ()) -> User:
    """Insert a new user, its tags first in the same round trip (`new_tags_insert`)."""
    insert_tags = new_tags_insert(user.account_id, USER_TAG_KIND, user.user_id, new_tags)
    row = {
        "id": user.user_id,
        "account_id": user.account_id,
        "name": user.name,
        "name_lower": user.name.lower(),
        "path": user.path,
        "created_at": user.created_at,
        "password_last_used": user.password_last_used,
        "boundary_arn": user.boundary_arn,
    }
    if not _INSERT_USER.inserted(conn, row, [insert_tags] if insert_tags else []):
        raise EntityAlreadyExists(f"User with name {user.name} already exists.")
    return user


# Built once: these lookups run on most requests.
_FIND_USER = Prepared(
    select(users).where(
        users.c.account_id == bindparam("account_id"), users.c.name_lower == bindparam("name")
    )
)
_FIND_USER_TO_CHANGE = HeldRead("user", _FIND_USER)
_USER_BY_ID = select(users).where(users.c.id == bindparam("user_id"))
# The user and its tags in one statement (GetUser): a row per tag, in their order, or
# one row with no tag.
_FIND_USER_WITH_TAGS = Prepared(
    select(users, tags.c.key.label("tag_key"), tags.c.value.label("tag_value"))
    .select_from(
        users.outerjoin(
            tags,
            and_(tags.c.entity_kind == bindparam("kind"), tags.c.entity_id == users.c.id),
        )
    )
    .where(users.c.account_id == bindparam("account_id"), users.c.name_lower == bindparam("name"))
    .order_by(tags.c.position)
)


def find_user(conn: Connection, account_id: str, name: str, *, held: bool = False) -> User | None:
    """The named user, if it exists; ``held``: for a write about to change it, its row
    is held from this read on (`locks.HeldRead`)."""
    parameters = {"account_id": account_id, "name": name.lower()}
    row = _FIND_USER_TO_CHANGE.first(conn, parameters, held=held)
    return user_from_row(row) if row else None


def get_user(conn: Connection, account_id: str, name: str, *, held: bool = False) -> User:
    user = find_user(conn, account_id, name, held=held)
    if user is None:
        raise not_found(name)
    return user


def find_user_with_tags(
    conn: Connection, account_id: str, name: str
) -> tuple[User, list[tuple[str, str]]] | None:
    """The user of this name (any case) and its tags in the order given, if it exists.

    On PostgreSQL kept between requests while the account's versions are: every
    change to the row or its tags notifies the account (migrations 0011 and 0012).
    """
    parameters = {"account_id": account_id, "name": name.lower(), "kind": USER_TAG_KIND}

    def read() -> tuple[tuple[User, list[tuple[str, str]]] | None]:
        rows = _FIND_USER_WITH_TAGS.rows(conn, parameters)
        if not rows:
            return (None,)
        user_tags = [(row.tag_key, row.tag_value) for row in rows if row.tag_key is not None]
        return ((user_from_row(rows[0]), user_tags),)

    (found,) = versioned.mirrored(
        conn, ("user with tags", account_id, name.lower()), account_id, read
    )
    return found


def get_user_by_id(conn: Connection, user_id: str) -> User | None:
    row = conn.execute(_USER_BY_ID, {"user_id": user_id}).first()
    return user_from_row(row) if row else None


_USERS_OF_ACCOUNT = select(users).where(users.c.account_id == bindparam("account_id"))


def list_users(
    conn: Connection, account_id: str, *, path_prefix: str, marker: str | None, limit: int
) -> Page[User]:
    """A page of the account's users; on PostgreSQL kept like `find_user_with_tags`."""

    def read() -> Page[User]:
        return page_by_name(
            conn,
            _USERS_OF_ACCOUNT,
            users,
            user_from_row,
            params={"account_id": account_id},
            marker=marker,
            limit=limit,
            path_prefix=path_prefix,
        )

    key = ("users page", account_id, path_prefix, marker, limit)
    return versioned.mirrored(conn, key, account_id, read, lambda page: len(page.items) + 1)


def count_users(conn: Connection, account_id: str) -> int:
    query = select(func.count()).select_from(users).where(users.c.account_id == account_id)
    return int(conn.execute(query).scalar_one())


def update_user(
    conn: Connection, user: User, *, new_name: str | None, new_path: str | None
) -> User:
    def name_taken() -> EntityAlreadyExists:
        return EntityAlreadyExists(f"User with name {new_name} already exists.")

    if not rename(
        conn, users, user.user_id, new_name=new_name, new_path=new_path, name_taken=name_taken
    ):
        return user
    return get_user_by_id(conn, user.user_id) or user


def record_password_use(conn: Connection, user_id: str, when: datetime) -> None:
    conn.execute(update(users).where(users.c.id == user_id).values(password_last_used=when))


# Signing certificates have a message of their own; for SSH public keys and
# service-specific credentials AWS answers "must remove referenced objects first."
_is_certificate = user_credentials.c.kind == "signing-cert"
_certificates = select(user_credentials).where(_is_certificate).subquery()
_other_credentials = select(user_credentials).where(~_is_certificate).subquery()

# What must go before a user can: checked in AWS's order, with AWS's message for each.
_DEPENDENTS = (
    (login_profiles, login_profiles.c.user_id, "must delete login profile first."),
    (access_keys, access_keys.c.user_id, "must delete access keys first."),
    (_certificates, _certificates.c.user_id, "must delete certificates first."),
    (mfa_devices, mfa_devices.c.user_id, "must delete MFA device first."),
    (group_members, group_members.c.user_id, "must remove user from all groups first."),
    (_other_credentials, _other_credentials.c.user_id, "must remove referenced objects first."),
)


def delete_user(conn: Connection, user: User) -> None:
    hold(conn, ("user", user.user_id))
    for table, column, reason in _DEPENDENTS:
        if conn.execute(select(column).select_from(table).where(column == user.user_id)).first():
            raise DeleteConflict(f"Cannot delete entity, {reason}")
    policies = (
        (inline_policies.c, "must delete policies first."),
        (policy_attachments.c, "must detach all policies first."),
    )
    for columns, reason in policies:
        owned = select(columns.principal_id).where(
            columns.principal_kind == "user", columns.principal_id == user.user_id
        )
        if conn.execute(owned).first():
            raise DeleteConflict(f"Cannot delete entity, {reason}")
    conn.execute(delete(users).where(users.c.id == user.user_id))
    resource = f"user{user.path}{user.name}"
    principal_refs.forget_principal(conn, user.account_id, resource, user.user_id)
