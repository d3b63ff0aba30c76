"""The compiled policies of a principal, cached until the store says they changed.

In: the caller. Out: `PrincipalPolicies` — its identity policies (a user's inline and
attached policies and its groups'; a role's), its permissions boundary and its tags,
compiled once. The cache is keyed by principal and checked against the account's
``authz_version``, which every write that can change a decision bumps, so a cached
entry is never trusted across such a write (DESIGN: "caches are invalidated through
the store, never trusted across writes"), and any number of server processes agree.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import Connection, select

from iamd.auth.caller import Caller
from iamd.iam.catalog import aws_managed_policies
from iamd.operation import OperationContext
from iamd.policy import Policy, Principal, compile_policy, parse_policy
from iamd.store import accounts
from iamd.store import tags as tag_store
from iamd.store.schema import (
    group_members,
    inline_policies,
    managed_policies,
    policy_attachments,
    policy_versions,
    roles,
    users,
)

CACHE_SIZE = 10_000


@dataclass(frozen=True)
class PrincipalPolicies:
    identity: tuple[Policy, ...]
    boundary: Policy | None
    tags: tuple[tuple[str, str], ...]
    uses_resource_tags: bool  # only then does a request look up its resource's tags


NO_POLICIES = PrincipalPolicies((), None, (), False)


class _Cache:
    """A small thread-safe LRU: (principal) → (authz version, policies)."""

    def __init__(self, size: int) -> None:
        self._entries: OrderedDict[tuple[str, str], tuple[int, PrincipalPolicies]] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str], version: int) -> PrincipalPolicies | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] != version:
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def put(self, key: tuple[str, str], version: int, policies: PrincipalPolicies) -> None:
        with self._lock:
            self._entries[key] = (version, policies)
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)


_cache = _Cache(CACHE_SIZE)


def policies_for(ctx: OperationContext) -> PrincipalPolicies:
    caller = ctx.caller
    if caller.entity_id is None or caller.kind != "user":
        return NO_POLICIES
    version = accounts.authz_version(ctx.conn, ctx.account_id)
    key = (caller.kind, caller.entity_id)
    cached = _cache.get(key, version)
    if cached is None:
        cached = _load_user(ctx.conn, caller.entity_id)
        _cache.put(key, version, cached)
    return cached


def principal_of(caller: Caller, tags: Sequence[tuple[str, str]] = ()) -> Principal:
    """The policy library's view of the caller."""
    return Principal(
        arn=caller.arn,
        account_id=caller.account_id,
        kind="root" if caller.is_root else "user",
        user_id=caller.user_id,
        user_name=caller.name,
        tags=tuple(tags),
    )


def _load_user(conn: Connection, user_id: str) -> PrincipalPolicies:
    group_ids = list(
        conn.execute(
            select(group_members.c.group_id).where(group_members.c.user_id == user_id)
        ).scalars()
    )
    owners = [("user", user_id)] + [("group", group_id) for group_id in group_ids]
    documents: list[tuple[str, str, str]] = []
    for kind, owner_id in owners:
        documents += _inline_documents(conn, kind, owner_id)
        documents += _attached_documents(conn, kind, owner_id)
    boundary_arn = conn.execute(select(users.c.boundary_arn).where(users.c.id == user_id)).scalar()
    return _compiled(conn, documents, boundary_arn, tag_store.tags_of(conn, "user", user_id))


def role_policies(conn: Connection, role_id: str) -> PrincipalPolicies:
    """A role's policies, for role sessions."""
    documents = _inline_documents(conn, "role", role_id) + _attached_documents(
        conn, "role", role_id
    )
    boundary_arn = conn.execute(select(roles.c.boundary_arn).where(roles.c.id == role_id)).scalar()
    return _compiled(conn, documents, boundary_arn, tag_store.tags_of(conn, "role", role_id))


def _compiled(
    conn: Connection,
    documents: list[tuple[str, str, str]],
    boundary_arn: str | None,
    principal_tags: list[tuple[str, str]],
) -> PrincipalPolicies:
    identity = tuple(
        _compile(text, policy_id, policy_type) for policy_id, policy_type, text in documents
    )
    boundary = None
    if boundary_arn:
        text = managed_document(conn, boundary_arn)
        boundary = _compile(text, boundary_arn, "IAM Policy") if text else None
    texts = [text.lower() for _, _, text in documents]
    uses_tags = any("resourcetag" in text for text in texts)
    return PrincipalPolicies(identity, boundary, tuple(principal_tags), uses_tags)


def _inline_documents(conn: Connection, kind: str, owner_id: str) -> list[tuple[str, str, str]]:
    query = select(inline_policies.c.name, inline_policies.c.document).where(
        inline_policies.c.principal_kind == kind, inline_policies.c.principal_id == owner_id
    )
    return [(row.name, "IAM Policy", row.document) for row in conn.execute(query)]


def _attached_documents(conn: Connection, kind: str, owner_id: str) -> list[tuple[str, str, str]]:
    query = select(policy_attachments.c.policy_arn).where(
        policy_attachments.c.principal_kind == kind, policy_attachments.c.principal_id == owner_id
    )
    found: list[tuple[str, str, str]] = []
    for policy_arn in conn.execute(query).scalars():
        text = managed_document(conn, policy_arn)
        if text is not None:
            found.append((policy_arn, "IAM Policy", text))
    return found


def managed_document(conn: Connection, policy_arn: str) -> str | None:
    """The default version's document of an AWS or customer managed policy."""
    aws_policy = aws_managed_policies().get(policy_arn)
    if aws_policy is not None:
        return aws_policy.document
    query = (
        select(policy_versions.c.document)
        .join(managed_policies, managed_policies.c.id == policy_versions.c.policy_id)
        .where(
            managed_policies.c.arn == policy_arn,
            policy_versions.c.version_id == managed_policies.c.default_version_id,
        )
    )
    value = conn.execute(query).scalar_one_or_none()
    return str(value) if value is not None else None


@lru_cache(maxsize=4096)
def _compile(text: str, policy_id: str, policy_type: str) -> Policy:
    """Compiled once per distinct document: AWS managed ones are shared by every account."""
    return compile_policy(parse_policy(text), policy_id=policy_id, policy_type=policy_type)
