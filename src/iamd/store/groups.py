"""Groups and their members."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select
from sqlalchemy.exc import IntegrityError

from iamd.clock import as_utc
from iamd.errors import EntityAlreadyExists, NoSuchEntity
from iamd.store.schema import group_members, groups


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


def insert_group(conn: Connection, group: Group) -> Group:
    row = {
        "id": group.group_id,
        "account_id": group.account_id,
        "name": group.name,
        "name_lower": group.name.lower(),
        "path": group.path,
        "created_at": group.created_at,
    }
    try:
        with conn.begin_nested():
            conn.execute(insert(groups).values(row))
    except IntegrityError:
        raise EntityAlreadyExists(f"Group with name {group.name} already exists.") from None
    return group


def find_group(conn: Connection, account_id: str, name: str) -> Group | None:
    query = select(groups).where(
        groups.c.account_id == account_id, groups.c.name_lower == name.lower()
    )
    row = conn.execute(query).first()
    return _group(row) if row else None


def get_group(conn: Connection, account_id: str, name: str) -> Group:
    group = find_group(conn, account_id, name)
    if group is None:
        raise not_found(name)
    return group


def groups_of_user(conn: Connection, user_id: str) -> list[Group]:
    query = (
        select(groups)
        .join(group_members, group_members.c.group_id == groups.c.id)
        .where(group_members.c.user_id == user_id)
        .order_by(groups.c.name_lower)
    )
    return [_group(row) for row in conn.execute(query)]
