"""Instance profiles: create, read, list, delete, and the one role each may hold.

In: `InstanceProfile` values and role ids. Out: profiles, pages of them, and for a
batch of profiles the role each holds, read in one query so a page costs two.

# INVARIANT: an instance profile holds at most one role (AWS's quota
# InstanceSessionsPerInstanceProfile is 1); ``instance_profile_roles`` is keyed by the
# profile, so the database refuses a second row for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select
from sqlalchemy.exc import IntegrityError

from iamd.clock import as_utc
from iamd.errors import DeleteConflict, EntityAlreadyExists, LimitExceeded, NoSuchEntity
from iamd.store.locks import hold
from iamd.store.pages import Page, page_by_name
from iamd.store.roles import Role, roles_by_ids
from iamd.store.schema import instance_profile_roles, instance_profiles

ROLE_QUOTA_MESSAGE = "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1"


@dataclass(frozen=True)
class InstanceProfile:
    profile_id: str
    account_id: str
    name: str
    path: str
    created_at: datetime


def _profile(row: Any) -> InstanceProfile:
    return InstanceProfile(
        profile_id=row.id,
        account_id=row.account_id,
        name=row.name,
        path=row.path,
        created_at=as_utc(row.created_at),
    )


def not_found(name: str) -> NoSuchEntity:
    return NoSuchEntity(f"Instance Profile {name} cannot be found.")


def insert_profile(conn: Connection, profile: InstanceProfile) -> InstanceProfile:
    row = {
        "id": profile.profile_id,
        "account_id": profile.account_id,
        "name": profile.name,
        "name_lower": profile.name.lower(),
        "path": profile.path,
        "created_at": profile.created_at,
    }
    try:
        with conn.begin_nested():
            conn.execute(insert(instance_profiles).values(row))
    except IntegrityError:
        raise EntityAlreadyExists(f"Instance Profile {profile.name} already exists.") from None
    return profile


def get_profile(conn: Connection, account_id: str, name: str) -> InstanceProfile:
    query = select(instance_profiles).where(
        instance_profiles.c.account_id == account_id,
        instance_profiles.c.name_lower == name.lower(),
    )
    row = conn.execute(query).first()
    if row is None:
        raise not_found(name)
    return _profile(row)


_PROFILES_OF_ACCOUNT = select(instance_profiles).where(
    instance_profiles.c.account_id == bindparam("account_id")
)
_PROFILES_OF_ROLE = (
    select(instance_profiles)
    .join(instance_profile_roles, instance_profile_roles.c.profile_id == instance_profiles.c.id)
    .where(instance_profile_roles.c.role_id == bindparam("role_id"))
)


def list_profiles(
    conn: Connection, account_id: str, *, path_prefix: str, marker: str | None, limit: int
) -> Page[InstanceProfile]:
    return page_by_name(
        conn,
        _PROFILES_OF_ACCOUNT,
        instance_profiles,
        _profile,
        params={"account_id": account_id},
        marker=marker,
        limit=limit,
        path_prefix=path_prefix,
    )


def list_profiles_for_role(
    conn: Connection, role_id: str, *, marker: str | None, limit: int
) -> Page[InstanceProfile]:
    return page_by_name(
        conn,
        _PROFILES_OF_ROLE,
        instance_profiles,
        _profile,
        params={"role_id": role_id},
        marker=marker,
        limit=limit,
    )


def roles_of(conn: Connection, profile_ids: Sequence[str]) -> dict[str, Role]:
    """The role each of these profiles holds, by profile id; profiles without one are absent."""
    if not profile_ids:
        return {}
    links = select(instance_profile_roles).where(
        instance_profile_roles.c.profile_id.in_(profile_ids)
    )
    role_of_profile = {row.profile_id: row.role_id for row in conn.execute(links)}
    by_id = roles_by_ids(conn, list(role_of_profile.values()))
    return {profile: by_id[role] for profile, role in role_of_profile.items() if role in by_id}


def add_role(conn: Connection, profile: InstanceProfile, role: Role) -> None:
    """Put the role in the profile; a profile that holds one already is at its quota."""
    hold(conn, ("role", role.role_id), ("instance-profile", profile.profile_id))
    if profile.profile_id in roles_of(conn, [profile.profile_id]):
        raise LimitExceeded(ROLE_QUOTA_MESSAGE)
    try:
        with conn.begin_nested():
            values = {"profile_id": profile.profile_id, "role_id": role.role_id}
            conn.execute(insert(instance_profile_roles).values(values))
    except IntegrityError:
        raise LimitExceeded(ROLE_QUOTA_MESSAGE) from None


def remove_role(conn: Connection, profile: InstanceProfile, role: Role) -> None:
    removed = conn.execute(
        delete(instance_profile_roles).where(
            instance_profile_roles.c.profile_id == profile.profile_id,
            instance_profile_roles.c.role_id == role.role_id,
        )
    )
    if removed.rowcount == 0:
        raise NoSuchEntity(f"Role {role.name} in Instance Profile {profile.name} cannot be found.")


def delete_profile(conn: Connection, profile: InstanceProfile) -> None:
    hold(conn, ("instance-profile", profile.profile_id))
    if roles_of(conn, [profile.profile_id]):
        raise DeleteConflict("Cannot delete entity, must remove roles from instance profile first.")
    conn.execute(delete(instance_profiles).where(instance_profiles.c.id == profile.profile_id))
