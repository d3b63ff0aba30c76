"""Inline policies of users, groups and roles: put, read, list by name, delete.

In: a principal as (kind, id), a policy name and its document as the client sent it.
Out: `InlinePolicy` values and keyset `Page`s of policy names.

# INVARIANT: inline policy names are unique case-insensitively per principal.
# INVARIANT: the sum of a principal's inline policy sizes (whitespace not counted)
# stays within AWS's quota for its kind; a put holds the principal's row first
# (`iamd.store.locks`), so two concurrent puts cannot together pass it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Connection, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from iamd.errors import LimitExceeded, NoSuchEntity
from iamd.policy import policy_size
from iamd.store.locks import hold
from iamd.store.pages import Page, decode_marker, page_of
from iamd.store.schema import inline_policies

# AWS's aggregate inline policy size per principal ("IAM and STS quotas").
MAX_TOTAL_SIZE = {"user": 2048, "group": 5120, "role": 10240}


@dataclass(frozen=True)
class InlinePolicy:
    name: str
    document: str


def not_found(kind: str, name: str) -> NoSuchEntity:
    return NoSuchEntity(f"The {kind} policy with name {name} cannot be found.")


def _owned_by(kind: str, principal_id: str) -> ColumnElement[bool]:
    columns = inline_policies.c
    return (columns.principal_kind == kind) & (columns.principal_id == principal_id)


def put_policy(
    conn: Connection,
    account_id: str,
    principal: tuple[str, str, str],
    name: str,
    document: str,
) -> None:
    """Add or replace the principal's policy; ``principal`` is (kind, id, name)."""
    kind, principal_id, principal_name = principal
    hold(conn, (kind, principal_id))
    _check_total_size(conn, kind, principal_id, principal_name, name, document)
    row = {"name": name, "name_lower": name.lower(), "document": document}
    where = _owned_by(kind, principal_id) & (inline_policies.c.name_lower == name.lower())
    if conn.execute(update(inline_policies).where(where).values(row)).rowcount:
        return
    owner = {"account_id": account_id, "principal_kind": kind, "principal_id": principal_id}
    try:
        with conn.begin_nested():
            conn.execute(insert(inline_policies).values({**owner, **row}))
    except IntegrityError:
        conn.execute(update(inline_policies).where(where).values(row))


def _check_total_size(
    conn: Connection, kind: str, principal_id: str, principal_name: str, name: str, document: str
) -> None:
    others = select(inline_policies.c.document).where(
        _owned_by(kind, principal_id), inline_policies.c.name_lower != name.lower()
    )
    total = policy_size(document) + sum(
        policy_size(text) for text in conn.execute(others).scalars()
    )
    limit = MAX_TOTAL_SIZE[kind]
    if total > limit:
        raise LimitExceeded(
            f"Maximum policy size of {limit} bytes exceeded for {kind} {principal_name}"
        )


def get_policy(conn: Connection, kind: str, principal_id: str, name: str) -> InlinePolicy:
    query = select(inline_policies.c.name, inline_policies.c.document).where(
        _owned_by(kind, principal_id), inline_policies.c.name_lower == name.lower()
    )
    row = conn.execute(query).first()
    if row is None:
        raise not_found(kind, name)
    return InlinePolicy(row.name, row.document)


def list_names(
    conn: Connection, kind: str, principal_id: str, *, marker: str | None, limit: int
) -> Page[str]:
    after = decode_marker(marker)
    query = select(inline_policies.c.name).where(_owned_by(kind, principal_id))
    if after is not None:
        query = query.where(inline_policies.c.name_lower > after)
    query = query.order_by(inline_policies.c.name_lower).limit(limit + 1)
    return page_of(list(conn.execute(query).scalars()), limit, str.lower)


def delete_policy(conn: Connection, kind: str, principal_id: str, name: str) -> None:
    query = delete(inline_policies).where(
        _owned_by(kind, principal_id), inline_policies.c.name_lower == name.lower()
    )
    if conn.execute(query).rowcount == 0:
        raise not_found(kind, name)
