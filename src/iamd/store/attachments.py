"""Managed policies attached to users, groups and roles, and permissions boundaries.

In: a principal as (kind, id) with kind ``user``, ``group`` or ``role``, and policy ARNs
(AWS managed or the account's own). Out: attached ARNs, usage counts per ARN, the
entities that use a policy, and a principal's policy documents for the policy engine.

# INVARIANT: at most ``MAX_ATTACHED`` policies per principal. Writers hold the
# principal's row first (`iamd.store.locks`), so concurrent attaches cannot both take
# the last place, and the customer policy's row, so DeletePolicy sees the attachment.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Table,
    bindparam,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    update,
)

from iamd.errors import LimitExceeded, NoSuchEntity
from iamd.store.groups import groups_of_user
from iamd.store.locks import Parent, hold
from iamd.store.pages import Page, decode_marker, encode_marker
from iamd.store.policies import default_version
from iamd.store.prepared import Prepared
from iamd.store.schema import (
    groups,
    inline_policies,
    managed_policies,
    policy_attachments,
    roles,
    users,
)

MAX_ATTACHED = 10
PRINCIPAL_TABLES: dict[str, Table] = {"user": users, "group": groups, "role": roles}
QUOTA_NAMES = {"user": "PoliciesPerUser", "group": "PoliciesPerGroup", "role": "PoliciesPerRole"}
# The principals that can have a permissions boundary.
BOUNDARY_TABLES = (users, roles)
PERMISSIONS = "PermissionsPolicy"
BOUNDARY = "PermissionsBoundary"


# Built once: every attach and detach runs them, and building them cost more than running.
_OWNED_BY_ANY = (policy_attachments.c.principal_kind == bindparam("kind")) & (
    policy_attachments.c.principal_id == bindparam("principal_id")
)
_ATTACHED_ARNS = Prepared(select(policy_attachments.c.policy_arn).where(_OWNED_BY_ANY))
_ATTACH = Prepared(insert(policy_attachments))
_DETACH = Prepared(
    delete(policy_attachments).where(
        _OWNED_BY_ANY, policy_attachments.c.policy_arn == bindparam("policy_arn")
    )
)


def attached_arns(conn: Connection, kind: str, principal_id: str) -> list[str]:
    rows = _ATTACHED_ARNS.rows(conn, {"kind": kind, "principal_id": principal_id})
    return [row.policy_arn for row in rows]


def attach(
    conn: Connection,
    account_id: str,
    principal: Parent,
    policy_arn: str,
    when: datetime,
    *,
    customer_policy_id: str | None,
) -> None:
    """Attach a policy; attaching it again changes nothing (as AWS).

    ``customer_policy_id``: the account's own policy's id, None for an AWS managed one.
    """
    kind, principal_id = principal
    policies = [("policy", customer_policy_id)] if customer_policy_id else []
    hold(conn, principal, *policies)
    current = attached_arns(conn, kind, principal_id)
    if policy_arn in current:
        return
    if len(current) >= MAX_ATTACHED:
        raise LimitExceeded(f"Cannot exceed quota for {QUOTA_NAMES[kind]}: {MAX_ATTACHED}")
    row = {"account_id": account_id, "principal_kind": kind, "principal_id": principal_id}
    _ATTACH.run(conn, {**row, "policy_arn": policy_arn, "attached_at": when})


def set_boundary(
    conn: Connection,
    principal: Parent,
    boundary_arn: str | None,
    *,
    customer_policy_id: str | None,
) -> None:
    """Set (or, with None, remove) a user's or role's permissions boundary.

    ``customer_policy_id``: the boundary's id when it is the account's own policy, held
    with the principal so that a concurrent DeletePolicy sees the boundary in use.
    """
    kind, principal_id = principal
    policies = [("policy", customer_policy_id)] if customer_policy_id else []
    hold(conn, principal, *policies)
    table = PRINCIPAL_TABLES[kind]
    conn.execute(update(table).where(table.c.id == principal_id).values(boundary_arn=boundary_arn))


def detach(conn: Connection, kind: str, principal_id: str, policy_arn: str) -> None:
    owned = {"kind": kind, "principal_id": principal_id, "policy_arn": policy_arn}
    if _DETACH.run(conn, owned) == 0:
        raise NoSuchEntity(f"Policy {policy_arn} was not found.")


# --- usage of a policy ------------------------------------------------------------------


def attachment_counts(conn: Connection, account_id: str, arns: Iterable[str]) -> dict[str, int]:
    """How many principals of the account each policy is attached to."""
    column = policy_attachments.c.policy_arn
    query = (
        select(column, func.count())
        .where(policy_attachments.c.account_id == account_id, column.in_(list(arns)))
        .group_by(column)
    )
    return {row[0]: int(row[1]) for row in conn.execute(query)}


def boundary_counts(conn: Connection, account_id: str, arns: Iterable[str]) -> dict[str, int]:
    """How many users and roles of the account have each policy as their boundary."""
    counts: dict[str, int] = {}
    for table in BOUNDARY_TABLES:
        column = table.c.boundary_arn
        query = (
            select(column, func.count())
            .where(table.c.account_id == account_id, column.in_(list(arns)))
            .group_by(column)
        )
        for arn, count in conn.execute(query).tuples():
            counts[arn] = counts.get(arn, 0) + int(count)
    return counts


def is_in_use(conn: Connection, account_id: str, policy_arn: str) -> bool:
    """Whether any principal of the account has the policy attached or as boundary."""
    return bool(
        attachment_counts(conn, account_id, [policy_arn])
        or boundary_counts(conn, account_id, [policy_arn])
    )


def used_arns(conn: Connection, account_id: str, usages: set[str]) -> set[str]:
    """Every policy ARN the account uses in the given ways (permissions, boundary)."""
    found: set[str] = set()
    if PERMISSIONS in usages:
        query = select(policy_attachments.c.policy_arn).where(
            policy_attachments.c.account_id == account_id
        )
        found.update(conn.execute(query.distinct()).scalars())
    if BOUNDARY in usages:
        for table in BOUNDARY_TABLES:
            query = select(table.c.boundary_arn).where(
                table.c.account_id == account_id, table.c.boundary_arn.is_not(None)
            )
            found.update(conn.execute(query.distinct()).scalars())
    return found


def in_use_condition(account_id: str, usages: set[str]) -> ColumnElement[bool]:
    """SQL: the managed policy row is used in one of the given ways."""
    arn = managed_policies.c.arn
    conditions: list[ColumnElement[bool]] = []
    if PERMISSIONS in usages:
        attached = policy_attachments.c
        conditions.append(
            exists().where(attached.account_id == account_id, attached.policy_arn == arn)
        )
    if BOUNDARY in usages:
        for table in BOUNDARY_TABLES:
            conditions.append(
                exists().where(table.c.account_id == account_id, table.c.boundary_arn == arn)
            )
    return or_(*conditions)


# --- the entities that use a policy -----------------------------------------------------

ENTITY_KINDS = ("group", "role", "user")


@dataclass(frozen=True)
class Entity:
    kind: str
    name: str
    entity_id: str


def entities_for_policy(
    conn: Connection,
    account_id: str,
    policy_arn: str,
    *,
    kinds: tuple[str, ...],
    usages: set[str],
    path_prefix: str,
    marker: str | None,
    limit: int,
) -> Page[Entity]:
    """Groups, then roles, then users using the policy, each by name (keyset paged)."""
    after_kind, after_name = _entity_key(marker)
    found: list[Entity] = []
    for kind in kinds:
        if after_kind and ENTITY_KINDS.index(kind) < ENTITY_KINDS.index(after_kind):
            continue
        after = after_name if kind == after_kind else None
        query = _entity_query(account_id, policy_arn, kind, usages, path_prefix, after)
        if query is None:
            continue
        rows = conn.execute(query.limit(limit + 1 - len(found))).all()
        found += [Entity(kind, row.name, row.id) for row in rows]
        if len(found) > limit:
            break
    if len(found) <= limit:
        return Page(found, None)
    last = found[limit - 1]
    return Page(found[:limit], encode_marker(f"{last.kind}\n{last.name.lower()}"))


def _entity_key(marker: str | None) -> tuple[str | None, str | None]:
    key = decode_marker(marker)
    if key is None or "\n" not in key:
        return None, None
    kind, name = key.split("\n", 1)
    return (kind, name) if kind in ENTITY_KINDS else (None, None)


def _entity_query(
    account_id: str,
    policy_arn: str,
    kind: str,
    usages: set[str],
    path_prefix: str,
    after: str | None,
) -> Any:
    table = PRINCIPAL_TABLES[kind]
    uses: list[ColumnElement[bool]] = []
    if PERMISSIONS in usages:
        attached = select(policy_attachments.c.principal_id).where(
            policy_attachments.c.principal_kind == kind,
            policy_attachments.c.policy_arn == policy_arn,
        )
        uses.append(table.c.id.in_(attached))
    if BOUNDARY in usages and kind != "group":
        uses.append(table.c.boundary_arn == policy_arn)
    if not uses:
        return None
    query = select(table.c.id, table.c.name).where(table.c.account_id == account_id, or_(*uses))
    if path_prefix != "/":
        query = query.where(table.c.path.startswith(path_prefix, autoescape=True))
    if after is not None:
        query = query.where(table.c.name_lower > after)
    return query.order_by(table.c.name_lower)


# --- a principal's policy documents -----------------------------------------------------

PolicyDocumentEntry = tuple[str, str, str]


@dataclass(frozen=True)
class IdentityPolicy:
    """One identity policy of a principal, with where it comes from.

    ``policy_id`` is the inline policy's name or the managed policy's ARN; the owner is
    the principal itself or, for a user, one of its groups; ``version_id`` is a managed
    policy's default version.
    """

    policy_id: str
    kind: str  # "inline" or "managed"
    owner_kind: str  # "user", "group" or "role"
    owner_id: str
    owner_name: str | None  # None: the principal itself
    version_id: str | None
    document: str


def identity_policy_documents(
    conn: Connection, account_id: str, principal_kind: str, principal_id: str
) -> list[PolicyDocumentEntry]:
    """(inline name or policy ARN, "inline" or "managed", document) of every identity policy."""
    found = identity_policies(conn, account_id, principal_kind, principal_id)
    return [(policy.policy_id, policy.kind, policy.document) for policy in found]


def identity_policies(
    conn: Connection, account_id: str, principal_kind: str, principal_id: str
) -> list[IdentityPolicy]:
    """Every identity policy of a principal, in the order the engine reads them.

    A user's are its own inline and attached policies and its groups'; a role's are its
    inline and attached policies. AWS managed documents come from the catalog.
    """
    owners: list[tuple[str, str, str | None]] = [(principal_kind, principal_id, None)]
    if principal_kind == "user":
        owners += [("group", g.group_id, g.name) for g in groups_of_user(conn, principal_id)]
    found: list[IdentityPolicy] = []
    for owner in owners:
        found += _inline_documents(conn, *owner)
        found += _managed_documents(conn, *owner)
    return found


def _inline_documents(
    conn: Connection, kind: str, owner_id: str, owner_name: str | None
) -> list[IdentityPolicy]:
    query = (
        select(inline_policies.c.name, inline_policies.c.document)
        .where(inline_policies.c.principal_kind == kind, inline_policies.c.principal_id == owner_id)
        .order_by(inline_policies.c.name_lower)
    )
    return [
        IdentityPolicy(row.name, "inline", kind, owner_id, owner_name, None, row.document)
        for row in conn.execute(query)
    ]


def _managed_documents(
    conn: Connection, kind: str, owner_id: str, owner_name: str | None
) -> list[IdentityPolicy]:
    found: list[IdentityPolicy] = []
    for policy_arn in sorted(attached_arns(conn, kind, owner_id)):
        version = default_version(conn, policy_arn)
        if version is not None:
            version_id, document = version
            found.append(
                IdentityPolicy(
                    policy_arn, "managed", kind, owner_id, owner_name, version_id, document
                )
            )
    return found
