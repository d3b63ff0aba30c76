"""Roles: create, read, list by path, update, delete — and what blocks a delete."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, bindparam, delete, select, update

from iamd.clock import as_utc
from iamd.errors import DeleteConflict, EntityAlreadyExists, NoSuchEntity
from iamd.store import principal_refs
from iamd.store.access_keys import LAST_USED_GRANULARITY
from iamd.store.locks import HeldRead, hold
from iamd.store.named_insert import NamedInsert
from iamd.store.pages import Page, page_by_name
from iamd.store.prepared import Prepared
from iamd.store.schema import inline_policies, instance_profile_roles, policy_attachments, roles
from iamd.store.tags import Tag, new_tags_insert


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
    max_signin_session_duration: int | None = None


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
        max_signin_session_duration=row.max_signin_session_duration,
    )


def not_found(name: str) -> NoSuchEntity:
    return NoSuchEntity(f"The role with name {name} cannot be found.")


# A role's rows in the tags table carry this kind.
ROLE_TAG_KIND = "role"
_INSERT_ROLE = NamedInsert(roles)


def insert_role(conn: Connection, role: Role, new_tags: Sequence[Tag] = ()) -> Role:
    """Insert a new role, its tags first in the same round trip (`new_tags_insert`)."""
    insert_tags = new_tags_insert(role.account_id, ROLE_TAG_KIND, role.role_id, new_tags)
    row = {
        "id": role.role_id,
        "account_id": role.account_id,
        "name": role.name,
        "name_lower": role.name.lower(),
        "path": role.path,
        "trust_policy": role.trust_policy,
        "description": role.description,
        "max_session_duration": role.max_session_duration,
        "max_signin_session_duration": role.max_signin_session_duration,
        "boundary_arn": role.boundary_arn,
        "created_at": role.created_at,
    }
    if not _INSERT_ROLE.inserted(conn, row, [insert_tags] if insert_tags else []):
        raise EntityAlreadyExists(f"Role with name {role.name} already exists.")
    return role


# Built once: every call that names a role looks it up.
_FIND_ROLE = Prepared(
    select(roles).where(
        roles.c.account_id == bindparam("account_id"), roles.c.name_lower == bindparam("name")
    )
)
_FIND_ROLE_TO_CHANGE = HeldRead("role", _FIND_ROLE)


def find_role(conn: Connection, account_id: str, name: str, *, held: bool = False) -> Role | None:
    """The named role, if it exists; ``held`` as for `users.find_user`."""
    parameters = {"account_id": account_id, "name": name.lower()}
    row = _FIND_ROLE_TO_CHANGE.first(conn, parameters, held=held)
    return _role(row) if row else None


def get_role(conn: Connection, account_id: str, name: str, *, held: bool = False) -> Role:
    role = find_role(conn, account_id, name, held=held)
    if role is None:
        raise not_found(name)
    return role


def get_role_by_id(conn: Connection, role_id: str) -> Role | None:
    row = conn.execute(select(roles).where(roles.c.id == role_id)).first()
    return _role(row) if row else None


def roles_by_ids(conn: Connection, role_ids: Sequence[str]) -> dict[str, Role]:
    if not role_ids:
        return {}
    rows = conn.execute(select(roles).where(roles.c.id.in_(role_ids)))
    return {row.id: _role(row) for row in rows}


_ROLES_OF_ACCOUNT = select(roles).where(roles.c.account_id == bindparam("account_id"))


def list_roles(
    conn: Connection, account_id: str, *, path_prefix: str, marker: str | None, limit: int
) -> Page[Role]:
    return page_by_name(
        conn,
        _ROLES_OF_ACCOUNT,
        roles,
        _role,
        params={"account_id": account_id},
        marker=marker,
        limit=limit,
        path_prefix=path_prefix,
    )


# What UpdateRole and UpdateRoleDescription may change.
UPDATABLE = frozenset({"description", "max_session_duration", "max_signin_session_duration"})


def update_role(conn: Connection, role: Role, changes: Mapping[str, Any]) -> Role:
    """Set these columns (a None clears one); answer the role as it now is."""
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise ValueError(f"not updatable: {sorted(unknown)}")
    if changes:
        conn.execute(update(roles).where(roles.c.id == role.role_id).values(dict(changes)))
    return get_role_by_id(conn, role.role_id) or role


def set_trust_policy(conn: Connection, role_id: str, document: str) -> None:
    conn.execute(update(roles).where(roles.c.id == role_id).values(trust_policy=document))


def needs_last_used_update(
    last_used_at: datetime | None, last_used_region: str | None, now: datetime, region: str
) -> bool:
    """Last use is kept as coarsely as an access key's: not a write per request."""
    if last_used_at is None or last_used_region != region:
        return True
    return now - last_used_at >= LAST_USED_GRANULARITY


def record_role_use(conn: Connection, role_id: str, when: datetime, region: str) -> None:
    """What GetRole reports as ``RoleLastUsed``: set when the role is assumed, and when
    one of its sessions signs a request."""
    values = {"last_used_at": when, "last_used_region": region}
    conn.execute(update(roles).where(roles.c.id == role_id).values(values))


def _has_instance_profiles(conn: Connection, role_id: str) -> bool:
    query = select(instance_profile_roles.c.profile_id).where(
        instance_profile_roles.c.role_id == role_id
    )
    return conn.execute(query.limit(1)).first() is not None


def _owns(conn: Connection, table: Table, role_id: str) -> bool:
    query = select(table.c.principal_id).where(
        table.c.principal_kind == "role", table.c.principal_id == role_id
    )
    return conn.execute(query.limit(1)).first() is not None


def delete_role(conn: Connection, role: Role) -> None:
    """Delete a role that nothing holds on to; else AWS's DeleteConflict, in AWS's order."""
    hold(conn, ("role", role.role_id))
    if _has_instance_profiles(conn, role.role_id):
        raise DeleteConflict("Cannot delete entity, must remove roles from instance profile first.")
    if _owns(conn, policy_attachments, role.role_id):
        raise DeleteConflict("Cannot delete entity, must detach all policies first.")
    if _owns(conn, inline_policies, role.role_id):
        raise DeleteConflict("Cannot delete entity, must delete policies first.")
    _delete(conn, role)


def delete_role_with_policies(conn: Connection, role: Role) -> None:
    """Delete a role and the policies it holds, as a service deletes its linked role."""
    hold(conn, ("role", role.role_id))
    for table in (policy_attachments, inline_policies):
        owned = (table.c.principal_kind == "role", table.c.principal_id == role.role_id)
        conn.execute(delete(table).where(*owned))
    conn.execute(
        delete(instance_profile_roles).where(instance_profile_roles.c.role_id == role.role_id)
    )
    _delete(conn, role)


def _delete(conn: Connection, role: Role) -> None:
    conn.execute(delete(roles).where(roles.c.id == role.role_id))
    resource = f"role{role.path}{role.name}"
    principal_refs.forget_principal(conn, role.account_id, resource, role.role_id)
