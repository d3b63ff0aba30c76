"""Groups and their members: create, read, rename, list by path, delete.

In: `Group` values and user ids. Out: `Group` values and keyset `Page`s of groups
(by name) or of a group's users (by user name).

# INVARIANT: group names are unique case-insensitively per account (``name_lower``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select

from iamd.clock import as_utc
from iamd.errors import DeleteConflict, EntityAlreadyExists, LimitExceeded, NoSuchEntity
from iamd.store.locks import HeldRead, hold
from iamd.store.named_insert import NamedInsert
from iamd.store.pages import Page, page_by_name
from iamd.store.prepared import Prepared
from iamd.store.renames import rename
from iamd.store.schema import group_members, groups, inline_policies, policy_attachments, users
from iamd.store.users import User, user_from_row

# AWS's quota of groups one user can be a member of.
MAX_GROUPS_PER_USER = 10


@dataclass(frozen=True)
class Group:
    group_id: str
    account_id: str
    name: str
    path: str
    created_at: datetime


def _group(row: Any) -> Group:
    return Group(row.id, row.account_id, row.name, row.path, as_utc(row.created_at))


def not_found(name: str) -> NoSuchEntity:
    return NoSuchEntity(f"The group with name {name} cannot be found.")


def already_exists(name: str) -> EntityAlreadyExists:
    return EntityAlreadyExists(f"Group with name {name} already exists.")


_INSERT_GROUP = NamedInsert(groups)


def insert_group(conn: Connection, group: Group) -> Group:
    row = {
        "id": group.group_id,
        "account_id": group.account_id,
        "name": group.name,
        "name_lower": group.name.lower(),
        "path": group.path,
        "created_at": group.created_at,
    }
    if not _INSERT_GROUP.inserted(conn, row):
        raise already_exists(group.name)
    return group


# Built once: every call that names a group looks it up, and a membership's change
# reads and writes these.
_FIND_GROUP = Prepared(
    select(groups).where(
        groups.c.account_id == bindparam("account_id"), groups.c.name_lower == bindparam("name")
    )
)
_FIND_GROUP_TO_CHANGE = HeldRead("group", _FIND_GROUP)
_MEMBERSHIPS_OF_USER = Prepared(
    select(group_members.c.group_id).where(group_members.c.user_id == bindparam("user_id"))
)
_ADD_MEMBER = Prepared(insert(group_members))
_REMOVE_MEMBER = Prepared(
    delete(group_members).where(
        group_members.c.group_id == bindparam("group_id"),
        group_members.c.user_id == bindparam("user_id"),
    )
)


def find_group(conn: Connection, account_id: str, name: str, *, held: bool = False) -> Group | None:
    """The named group, if it exists; ``held`` as for `users.find_user`."""
    parameters = {"account_id": account_id, "name": name.lower()}
    row = _FIND_GROUP_TO_CHANGE.first(conn, parameters, held=held)
    return _group(row) if row else None


def get_group(conn: Connection, account_id: str, name: str, *, held: bool = False) -> Group:
    group = find_group(conn, account_id, name, held=held)
    if group is None:
        raise not_found(name)
    return group


def get_group_by_id(conn: Connection, group_id: str) -> Group | None:
    row = conn.execute(select(groups).where(groups.c.id == group_id)).first()
    return _group(row) if row else None


_GROUPS_OF_ACCOUNT = select(groups).where(groups.c.account_id == bindparam("account_id"))


def list_groups(
    conn: Connection, account_id: str, *, path_prefix: str, marker: str | None, limit: int
) -> Page[Group]:
    return page_by_name(
        conn,
        _GROUPS_OF_ACCOUNT,
        groups,
        _group,
        params={"account_id": account_id},
        marker=marker,
        limit=limit,
        path_prefix=path_prefix,
    )


def groups_of_user(conn: Connection, user_id: str) -> list[Group]:
    query = (
        select(groups)
        .join(group_members, group_members.c.group_id == groups.c.id)
        .where(group_members.c.user_id == user_id)
        .order_by(groups.c.name_lower)
    )
    return [_group(row) for row in conn.execute(query)]


_GROUPS_OF_USER = (
    select(groups)
    .join(group_members, group_members.c.group_id == groups.c.id)
    .where(group_members.c.user_id == bindparam("user_id"))
)
_MEMBERS_OF_GROUP = (
    select(users)
    .join(group_members, group_members.c.user_id == users.c.id)
    .where(group_members.c.group_id == bindparam("group_id"))
)


def groups_of_user_page(
    conn: Connection, user_id: str, *, marker: str | None, limit: int
) -> Page[Group]:
    return page_by_name(
        conn,
        _GROUPS_OF_USER,
        groups,
        _group,
        params={"user_id": user_id},
        marker=marker,
        limit=limit,
    )


def members_page(conn: Connection, group_id: str, *, marker: str | None, limit: int) -> Page[User]:
    """A group's users, by name."""
    return page_by_name(
        conn,
        _MEMBERS_OF_GROUP,
        users,
        user_from_row,
        params={"group_id": group_id},
        marker=marker,
        limit=limit,
    )


def update_group(
    conn: Connection, group: Group, *, new_name: str | None, new_path: str | None
) -> Group:
    def name_taken() -> EntityAlreadyExists:
        return already_exists(new_name or group.name)

    if not rename(
        conn, groups, group.group_id, new_name=new_name, new_path=new_path, name_taken=name_taken
    ):
        return group
    return get_group_by_id(conn, group.group_id) or group


def add_member(conn: Connection, group_id: str, user_id: str, when: datetime) -> None:
    """Add a user to a group; adding a member again changes nothing (as AWS).

    Both rows are held first, so concurrent adds cannot pass the quota together and a
    concurrent DeleteUser or DeleteGroup sees the membership.
    """
    hold(conn, ("user", user_id), ("group", group_id))
    current = {row.group_id for row in _MEMBERSHIPS_OF_USER.rows(conn, {"user_id": user_id})}
    if group_id in current:
        return
    if len(current) >= MAX_GROUPS_PER_USER:
        raise LimitExceeded(f"Cannot exceed quota for GroupsPerUser: {MAX_GROUPS_PER_USER}")
    _ADD_MEMBER.run(conn, {"group_id": group_id, "user_id": user_id, "added_at": when})


def remove_member(conn: Connection, group_id: str, user_id: str) -> None:
    """Remove a user from a group; removing a non-member changes nothing (as AWS)."""
    _REMOVE_MEMBER.run(conn, {"group_id": group_id, "user_id": user_id})


# What must go before a group can: checked in this order, with AWS's message for each.
_DEPENDENTS = (
    (group_members.c.group_id, None, "must remove users from group first."),
    (
        inline_policies.c.principal_id,
        inline_policies.c.principal_kind,
        "must delete policies first.",
    ),
    (
        policy_attachments.c.principal_id,
        policy_attachments.c.principal_kind,
        "must detach all policies first.",
    ),
)


def delete_group(conn: Connection, group: Group) -> None:
    hold(conn, ("group", group.group_id))
    for owner, kind, reason in _DEPENDENTS:
        query = select(owner).where(owner == group.group_id)
        if kind is not None:
            query = query.where(kind == "group")
        if conn.execute(query.limit(1)).first():
            raise DeleteConflict(f"Cannot delete entity, {reason}")
    conn.execute(delete(groups).where(groups.c.id == group.group_id))
