"""The compiled policies of a principal, cached until the store says they changed.

In: the caller. Out: `PrincipalPolicies` — its identity policies (a user's inline and
attached policies and its groups'; a role's), its permissions boundary, its tags
and, for temporary credentials, its session policies, compiled once. A role session
gets the role's policies and boundary, the role's tags overridden by the session's,
and the session policies it was issued with; a federated user gets the policies of
the IAM user it came from (everything, for the root user's) and its session
policies, which it cannot do without (no session policy, no permission).

The cache is keyed by principal and checked against the account's ``authz_version``
and the principal's own: every write that can change a decision bumps one of them
(the principal's own when the write is confined to it), so a cached entry is never
trusted across such a write (DESIGN: "caches are invalidated through the store, never
trusted across writes"), and any number of server processes agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from types import MappingProxyType

from sqlalchemy import Connection, select

from iamd.auth.caller import Caller, Session
from iamd.authz.call import CallContext
from iamd.authz.journal import NO_ORIGINS, Origin, Origins
from iamd.policy import Policy, Principal, compile_policy, parse_policy
from iamd.policy.context import PrincipalKind
from iamd.store import tags as tag_store
from iamd.store.attachments import IdentityPolicy, identity_policies
from iamd.store.policies import default_document, default_version
from iamd.store.schema import (
    roles,
    users,
)
from iamd.store.versioned import VersionedCache, principal_versions

CACHE_SIZE = 10_000


@dataclass(frozen=True)
class PrincipalPolicies:
    identity: tuple[Policy, ...]
    boundary: Policy | None
    tags: tuple[tuple[str, str], ...]
    session: tuple[Policy, ...] | None = None  # None: no session policies were passed
    # where each policy comes from, for the audit trail
    origins: Origins = field(default_factory=lambda: NO_ORIGINS)

    @cached_property
    def is_context_free(self) -> bool:
        """Do the caller, the action and the resource alone decide what these allow?"""
        layers = (*self.identity, *(self.session or ()))
        if self.boundary is not None:
            layers += (self.boundary,)
        return all(policy.is_context_free for policy in layers)

    def cover_every_resource(self, action: str) -> bool:
        """Does each statement of these policies that names ``action`` name every resource?"""
        if self.boundary is not None and not self.boundary.covers_every_resource(action):
            return False
        layers = (*self.identity, *(self.session or ()))
        return all(policy.covers_every_resource(action) for policy in layers)


NO_POLICIES = PrincipalPolicies((), None, ())
# What the root user's own side allows, for its federated users: everything.
_ALLOW_ALL = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'


_cache: VersionedCache[tuple[str, str], PrincipalPolicies] = VersionedCache(CACHE_SIZE)


def policies_for(ctx: CallContext) -> PrincipalPolicies:
    caller = ctx.caller
    match caller.kind:
        case "user" if caller.entity_id is not None:
            return _cached(ctx, "user", caller.entity_id)
        case "assumed-role" if caller.entity_id is not None and caller.session is not None:
            return _with_session(ctx, _cached(ctx, "role", caller.entity_id), caller.session)
        case "federated-user" if caller.session is not None:
            parent = _federating_policies(ctx, caller.entity_id)
            return _with_session(ctx, parent, caller.session)
        case _:
            return NO_POLICIES


def _cached(ctx: CallContext, kind: str, entity_id: str) -> PrincipalPolicies:
    table = "users" if kind == "user" else "roles"
    version = principal_versions(ctx.conn, ctx.account_id, table, entity_id)
    key = (kind, entity_id)
    cached = _cache.get(key, version)
    if cached is None:
        cached = _load(ctx.conn, ctx.account_id, kind, entity_id)
        _cache.put(key, version, cached)
    return cached


def _federating_policies(ctx: CallContext, user_id: str | None) -> PrincipalPolicies:
    """The own side of a federated user: its IAM user's, or the root user's (all)."""
    if user_id is not None:
        return _cached(ctx, "user", user_id)
    return PrincipalPolicies((_compile(_ALLOW_ALL, "root", "IAM Policy"),), None, ())


def _with_session(ctx: CallContext, own: PrincipalPolicies, session: Session) -> PrincipalPolicies:
    """The principal's policies limited by its session: session tags win over IAM tags."""
    texts = [(text, "session-policy") for text in session.policy_texts]
    for policy_arn in session.policy_arns:
        text = default_document(ctx.conn, policy_arn)
        if text is not None:  # a managed session policy deleted since grants nothing
            texts.append((text, policy_arn))
    policies = tuple(_compile(text, policy_id, "Session Policy") for text, policy_id in texts)
    session_origins = {policy_id: (Origin("session policy"),) for _, policy_id in texts}
    return PrincipalPolicies(
        identity=own.identity,
        boundary=own.boundary,
        tags=merged_tags(own.tags, session.tags),
        session=policies if session.has_policies else None,
        origins=MappingProxyType({**session_origins, **own.origins}),
    )


def merged_tags(
    iam_tags: Sequence[tuple[str, str]], session_tags: Sequence[tuple[str, str]]
) -> tuple[tuple[str, str], ...]:
    """IAM tags overridden, key by key (case-insensitively), by session tags."""
    overridden = {key.lower() for key, _ in session_tags}
    kept = [(key, value) for key, value in iam_tags if key.lower() not in overridden]
    return tuple(kept) + tuple(session_tags)


_PRINCIPAL_KINDS: dict[str, PrincipalKind] = {
    "root": "root",
    "user": "user",
    "assumed-role": "assumed-role",
    "federated-user": "federated-user",
    "anonymous": "anonymous",
}


def principal_of(caller: Caller, tags: Sequence[tuple[str, str]] = ()) -> Principal:
    """The policy library's view of the caller."""
    session = caller.session
    return Principal(
        arn=caller.arn,
        account_id=caller.account_id,
        kind=_PRINCIPAL_KINDS.get(caller.kind, "anonymous"),
        user_id=caller.user_id,
        user_name=caller.name if caller.is_user else None,
        tags=tuple(tags),
        parent_arn=session.parent_arn if session is not None else None,
    )


def _load(conn: Connection, account_id: str, kind: str, entity_id: str) -> PrincipalPolicies:
    """A user's (with its groups') or a role's policies, boundary and tags."""
    documents = identity_policies(conn, account_id, kind, entity_id)
    table = users if kind == "user" else roles
    boundary_arn = conn.execute(select(table.c.boundary_arn).where(table.c.id == entity_id))
    return _compiled(
        conn, documents, boundary_arn.scalar(), tag_store.tags_of(conn, kind, entity_id)
    )


def _compiled(
    conn: Connection,
    documents: list[IdentityPolicy],
    boundary_arn: str | None,
    principal_tags: list[tuple[str, str]],
) -> PrincipalPolicies:
    identity = tuple(_compile(p.document, p.policy_id, "IAM Policy") for p in documents)
    origins: dict[str, tuple[Origin, ...]] = {}
    for policy in documents:
        owner = f"group/{policy.owner_name}" if policy.owner_kind == "group" else None
        origin = Origin(policy.kind, owner, policy.version_id)
        origins[policy.policy_id] = (*origins.get(policy.policy_id, ()), origin)
    boundary = None
    found = default_version(conn, boundary_arn) if boundary_arn else None
    if boundary_arn and found is not None:
        version_id, text = found
        boundary = _compile(text, boundary_arn, "IAM Policy")
        boundary_origin = Origin("permissions boundary", None, version_id)
        origins[boundary_arn] = (*origins.get(boundary_arn, ()), boundary_origin)
    return PrincipalPolicies(identity, boundary, tuple(principal_tags), None, _frozen(origins))


def _frozen(origins: dict[str, tuple[Origin, ...]]) -> Origins:
    return MappingProxyType(origins) if origins else NO_ORIGINS


@lru_cache(maxsize=4096)
def _compile(text: str, policy_id: str, policy_type: str) -> Policy:
    """Compiled once per distinct document: AWS managed ones are shared by every account."""
    return compile_policy(parse_policy(text), policy_id=policy_id, policy_type=policy_type)
