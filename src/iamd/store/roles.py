"""Roles: create, read, list by path, update, delete."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select
from sqlalchemy.exc import IntegrityError

from iamd.clock import as_utc
from iamd.errors import EntityAlreadyExists, NoSuchEntity
from iamd.store.schema import roles


@dataclass(frozen=True)
class Role:
    role_id: str
    account_id: str
    name: str
    path: str
    trust_policy: str
    description: str | None
    max_session_duration: int
    boundary_arn: str | None
    created_at: datetime
    last_used_at: datetime | None
    last_used_region: str | None


def _role(row: Any) -> Role:
    return Role(
        role_id=row.id,
        account_id=row.account_id,
        name=row.name,
        path=row.path,
        trust_policy=row.trust_policy,
        description=row.description,
        max_session_duration=row.max_session_duration,
        boundary_arn=row.boundary_arn,
        created_at=as_utc(row.created_at),
        last_used_at=as_utc(row.last_used_at) if row.last_used_at else None,
        last_used_region=row.last_used_region,
    )


def not_found(name: str) -> NoSuchEntity:
    return NoSuchEntity(f"The role with name {name} cannot be found.")


def insert_role(conn: Connection, role: Role) -> Role:
    row = {
        "id": role.role_id,
        "account_id": role.account_id,
        "name": role.name,
        "name_lower": role.name.lower(),
        "path": role.path,
        "trust_policy": role.trust_policy,
        "description": role.description,
        "max_session_duration": role.max_session_duration,
        "boundary_arn": role.boundary_arn,
        "created_at": role.created_at,
    }
    try:
        with conn.begin_nested():
            conn.execute(insert(roles).values(row))
    except IntegrityError:
        raise EntityAlreadyExists(f"Role with name {role.name} already exists.") from None
    return role


def find_role(conn: Connection, account_id: str, name: str) -> Role | None:
    query = select(roles).where(
        roles.c.account_id == account_id, roles.c.name_lower == name.lower()
    )
    row = conn.execute(query).first()
    return _role(row) if row else None


def get_role(conn: Connection, account_id: str, name: str) -> Role:
    role = find_role(conn, account_id, name)
    if role is None:
        raise not_found(name)
    return role


def get_role_by_id(conn: Connection, role_id: str) -> Role | None:
    row = conn.execute(select(roles).where(roles.c.id == role_id)).first()
    return _role(row) if row else None
