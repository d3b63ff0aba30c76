"""The reads behind GetAccountAuthorizationDetails: an account's principals and policies.

Two kinds of function: ``*_after`` list one entity kind in its sort order (the lower-
cased name; the ARN for AWS managed policies) starting after a key, for paging; the
``*_of`` functions fetch what a page's entities carry (inline policies, attachments,
tags, group names, instance profiles, policy versions) in one query per page.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, func, select, union

from iamd.clock import as_utc
from iamd.store.groups import Group
from iamd.store.roles import Role
from iamd.store.schema import (
    group_members,
    groups,
    inline_policies,
    instance_profile_roles,
    instance_profiles,
    managed_policies,
    policy_attachments,
    policy_versions,
    roles,
    tags,
    users,
)
from iamd.store.tags import Tag
from iamd.store.users import User

AWS_POLICY_PREFIX = "iam::aws:policy"


@dataclass(frozen=True)
class InlinePolicy:
    name: str
    document: str


@dataclass(frozen=True)
class InstanceProfile:
    profile_id: str
    name: str
    path: str
    created_at: datetime


@dataclass(frozen=True)
class PolicyVersion:
    version_id: str
    document: str
    created_at: datetime


@dataclass(frozen=True)
class CustomerPolicy:
    policy_id: str
    arn: str
    name: str
    path: str
    description: str | None
    default_version_id: str
    created_at: datetime
    updated_at: datetime


def rows_after(
    conn: Connection, table: Table, account_id: str, after: str | None, limit: int
) -> list[Any]:
    """Rows of a named-entity table, by lower-cased name, after ``after``."""
    query = select(table).where(table.c.account_id == account_id)
    if after is not None:
        query = query.where(table.c.name_lower > after)
    return list(conn.execute(query.order_by(table.c.name_lower).limit(limit)))


def users_after(conn: Connection, account_id: str, after: str | None, limit: int) -> list[User]:
    return [
        User(
            user_id=row.id,
            account_id=row.account_id,
            name=row.name,
            path=row.path,
            created_at=as_utc(row.created_at),
            password_last_used=_utc_or_none(row.password_last_used),
            boundary_arn=row.boundary_arn,
        )
        for row in rows_after(conn, users, account_id, after, limit)
    ]


def groups_after(conn: Connection, account_id: str, after: str | None, limit: int) -> list[Group]:
    return [
        Group(row.id, row.account_id, row.name, row.path, as_utc(row.created_at))
        for row in rows_after(conn, groups, account_id, after, limit)
    ]


def roles_after(conn: Connection, account_id: str, after: str | None, limit: int) -> list[Role]:
    return [
        Role(
            role_id=row.id,
            account_id=row.account_id,
            name=row.name,
            path=row.path,
            trust_policy=row.trust_policy,
            description=row.description,
            max_session_duration=row.max_session_duration,
            boundary_arn=row.boundary_arn,
            created_at=as_utc(row.created_at),
            last_used_at=_utc_or_none(row.last_used_at),
            last_used_region=row.last_used_region,
        )
        for row in rows_after(conn, roles, account_id, after, limit)
    ]


def _utc_or_none(value: datetime | None) -> datetime | None:
    return as_utc(value) if value is not None else None


def customer_policies_after(
    conn: Connection, account_id: str, after: str | None, limit: int
) -> list[CustomerPolicy]:
    return [
        CustomerPolicy(
            policy_id=row.id,
            arn=row.arn,
            name=row.name,
            path=row.path,
            description=row.description,
            default_version_id=row.default_version_id,
            created_at=as_utc(row.created_at),
            updated_at=as_utc(row.updated_at),
        )
        for row in rows_after(conn, managed_policies, account_id, after, limit)
    ]


def aws_policy_arns_in_use(conn: Connection, account_id: str) -> list[str]:
    """AWS managed policies this account attaches or uses as a boundary, by ARN."""
    attached = select(policy_attachments.c.policy_arn.label("arn")).where(
        policy_attachments.c.account_id == account_id
    )
    user_bounds = select(users.c.boundary_arn.label("arn")).where(users.c.account_id == account_id)
    role_bounds = select(roles.c.boundary_arn.label("arn")).where(roles.c.account_id == account_id)
    arns = conn.execute(union(attached, user_bounds, role_bounds)).scalars()
    return sorted(arn for arn in arns if arn and AWS_POLICY_PREFIX in arn)


def inline_policies_of(
    conn: Connection, principal_kind: str, principal_ids: Sequence[str]
) -> dict[str, list[InlinePolicy]]:
    query = (
        select(inline_policies)
        .where(
            inline_policies.c.principal_kind == principal_kind,
            inline_policies.c.principal_id.in_(principal_ids),
        )
        .order_by(inline_policies.c.name_lower)
    )
    found: dict[str, list[InlinePolicy]] = defaultdict(list)
    for row in conn.execute(query):
        found[row.principal_id].append(InlinePolicy(row.name, row.document))
    return found


def attached_arns_of(
    conn: Connection, principal_kind: str, principal_ids: Sequence[str]
) -> dict[str, list[str]]:
    query = (
        select(policy_attachments.c.principal_id, policy_attachments.c.policy_arn)
        .where(
            policy_attachments.c.principal_kind == principal_kind,
            policy_attachments.c.principal_id.in_(principal_ids),
        )
        .order_by(policy_attachments.c.attached_at, policy_attachments.c.policy_arn)
    )
    found: dict[str, list[str]] = defaultdict(list)
    for row in conn.execute(query):
        found[row.principal_id].append(row.policy_arn)
    return found


def customer_policy_names(conn: Connection, account_id: str, arns: Sequence[str]) -> dict[str, str]:
    query = select(managed_policies.c.arn, managed_policies.c.name).where(
        managed_policies.c.account_id == account_id, managed_policies.c.arn.in_(arns)
    )
    return {row.arn: row.name for row in conn.execute(query)}


def tags_of(conn: Connection, entity_kind: str, entity_ids: Sequence[str]) -> dict[str, list[Tag]]:
    query = (
        select(tags.c.entity_id, tags.c.key, tags.c.value)
        .where(tags.c.entity_kind == entity_kind, tags.c.entity_id.in_(entity_ids))
        .order_by(tags.c.position)
    )
    found: dict[str, list[Tag]] = defaultdict(list)
    for row in conn.execute(query):
        found[row.entity_id].append((row.key, row.value))
    return found


def group_names_of(conn: Connection, user_ids: Sequence[str]) -> dict[str, list[str]]:
    query = (
        select(group_members.c.user_id, groups.c.name)
        .join(groups, groups.c.id == group_members.c.group_id)
        .where(group_members.c.user_id.in_(user_ids))
        .order_by(groups.c.name_lower)
    )
    found: dict[str, list[str]] = defaultdict(list)
    for row in conn.execute(query):
        found[row.user_id].append(row.name)
    return found


def instance_profiles_of(
    conn: Connection, role_ids: Sequence[str]
) -> dict[str, list[InstanceProfile]]:
    query = (
        select(instance_profile_roles.c.role_id, instance_profiles)
        .join(instance_profiles, instance_profiles.c.id == instance_profile_roles.c.profile_id)
        .where(instance_profile_roles.c.role_id.in_(role_ids))
        .order_by(instance_profiles.c.name_lower)
    )
    found: dict[str, list[InstanceProfile]] = defaultdict(list)
    for row in conn.execute(query):
        profile = InstanceProfile(row.id, row.name, row.path, as_utc(row.created_at))
        found[row.role_id].append(profile)
    return found


def versions_of(conn: Connection, policy_ids: Sequence[str]) -> dict[str, list[PolicyVersion]]:
    """Every version of each policy, the newest first."""
    query = select(policy_versions).where(policy_versions.c.policy_id.in_(policy_ids))
    found: dict[str, list[PolicyVersion]] = defaultdict(list)
    for row in conn.execute(query):
        version = PolicyVersion(row.version_id, row.document, as_utc(row.created_at))
        found[row.policy_id].append(version)
    for versions in found.values():
        versions.sort(key=lambda v: _version_number(v.version_id), reverse=True)
    return found


def _version_number(version_id: str) -> int:
    digits = version_id.lstrip("v")
    return int(digits) if digits.isdigit() else 0


def attachment_counts(conn: Connection, account_id: str, arns: Sequence[str]) -> dict[str, int]:
    query = (
        select(policy_attachments.c.policy_arn, func.count())
        .where(
            policy_attachments.c.account_id == account_id,
            policy_attachments.c.policy_arn.in_(arns),
        )
        .group_by(policy_attachments.c.policy_arn)
    )
    return {arn: int(count) for arn, count in conn.execute(query).tuples()}


def boundary_counts(conn: Connection, account_id: str, arns: Sequence[str]) -> dict[str, int]:
    """How many users and roles have each policy as their permissions boundary."""
    found: dict[str, int] = defaultdict(int)
    for table in (users, roles):
        query = (
            select(table.c.boundary_arn, func.count())
            .where(table.c.account_id == account_id, table.c.boundary_arn.in_(arns))
            .group_by(table.c.boundary_arn)
        )
        for arn, count in conn.execute(query).tuples():
            found[arn] += int(count)
    return found
