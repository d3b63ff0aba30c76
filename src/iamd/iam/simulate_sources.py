"""The policies SimulatePrincipalPolicy reads: a user's, group's or role's real ones.

In: the ``PolicySourceArn`` (an IAM user, group or role of the calling account) and,
optionally, a ``PolicyExclusionList``. Out: a `SourceEntity` — the entity's identity
policies (a user's inline and attached policies and its groups'; a group's; a role's)
and its permissions boundary, each named as AWS's simulator names it:

- an inline policy ``<kind>_<entity name>_<policy name>`` (``user_alice_S3Read``), as
  AWS's SimulatePrincipalPolicy answers (Terraform's acceptance tests record it);
- a managed policy (AWS or customer managed), and a boundary, by the policy's name.

The store's public lookups are read here; nothing is cached, because a simulation is
rare and must see the latest writes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from iamd.arn import parse_arn
from iamd.errors import InvalidInput
from iamd.iam.attachments import NAME_MEMBERS, Principal, find_principal
from iamd.operation import OperationContext
from iamd.policy import PolicyDocument, parse_policy
from iamd.store import attachments, groups, roles, users
from iamd.store import inline_policies as inline_store
from iamd.store.policies import default_document

ENTITY_KINDS = ("user", "group", "role")
# PolicyIdentifier.PolicyType values (botocore's PolicyIdentifierPolicyType).
POLICY_TYPES = frozenset({"inline", "aws-managed", "user-managed", "permission-boundary"})
ORGANIZATION_TYPES = frozenset({"scp", "rcp"})  # iamd has none: excluding them changes nothing
_MAX_INLINE = 1000  # far above what the inline size quotas let one entity hold


@dataclass(frozen=True)
class SourcePolicy:
    """One policy of the entity, named for the simulator's MatchedStatements."""

    source_id: str
    document: PolicyDocument
    policy_type: str  # "inline" | "aws-managed" | "user-managed" | "permission-boundary"
    policy_name: str
    policy_arn: str | None = None
    owner: tuple[str, str] | None = None  # (kind, name) of an inline policy's entity


@dataclass(frozen=True)
class SourceEntity:
    arn: str
    kind: str
    name: str
    account_id: str
    identity: tuple[SourcePolicy, ...]
    boundary: SourcePolicy | None


def entity_arn_parts(arn: str) -> tuple[str, str, str]:
    """(account, kind, name) of an IAM user, group or role ARN; InvalidInput otherwise."""
    parsed = parse_arn(arn)
    kind, _, rest = parsed.resource.partition("/") if parsed else ("", "", "")
    if parsed is None or parsed.service != "iam" or kind not in ENTITY_KINDS or not rest:
        raise InvalidInput(f"Invalid Entity Arn: {arn}")
    return parsed.account, kind, rest.rsplit("/", 1)[-1]


def load_entity(
    ctx: OperationContext, arn: str, exclusions: Sequence[Mapping[str, Any]] = ()
) -> SourceEntity:
    """The entity the ARN names, with its policies; NoSuchEntity when it does not exist."""
    account, kind, name = entity_arn_parts(arn)
    if account != ctx.account_id:
        raise _not_found(kind, name)
    entity = find_principal(ctx, kind, {NAME_MEMBERS[kind]: name})
    excluded = _exclusion_test(exclusions)
    identity = tuple(p for p in _identity(ctx.conn, entity) if not excluded(p))
    boundary = _boundary(ctx.conn, entity)
    if boundary is not None and excluded(boundary):
        boundary = None
    return SourceEntity(arn, kind, entity.name, account, identity, boundary)


def _not_found(kind: str, name: str) -> Exception:
    module = {"user": users, "group": groups, "role": roles}[kind]
    error: Exception = module.not_found(name)
    return error


def _identity(conn: Connection, entity: Principal) -> list[SourcePolicy]:
    owners = [entity]
    if entity.kind == "user":
        owners += [
            Principal("group", group.group_id, group.name)
            for group in groups.groups_of_user(conn, entity.principal_id)
        ]
    found: list[SourcePolicy] = []
    for owner in owners:
        found += _inline(conn, owner)
        found += _attached(conn, owner)
    return found


def _inline(conn: Connection, owner: Principal) -> list[SourcePolicy]:
    page = inline_store.list_names(
        conn, owner.kind, owner.principal_id, marker=None, limit=_MAX_INLINE
    )
    found = []
    for policy_name in page.items:
        policy = inline_store.get_policy(conn, owner.kind, owner.principal_id, policy_name)
        found.append(
            SourcePolicy(
                f"{owner.kind}_{owner.name}_{policy.name}",
                parse_policy(policy.document),
                "inline",
                policy.name,
                owner=(owner.kind, owner.name),
            )
        )
    return found


def _attached(conn: Connection, owner: Principal) -> list[SourcePolicy]:
    found = []
    for policy_arn in sorted(attachments.attached_arns(conn, owner.kind, owner.principal_id)):
        policy = _managed(conn, policy_arn, _managed_type(policy_arn))
        if policy is not None:
            found.append(policy)
    return found


def _boundary(conn: Connection, entity: Principal) -> SourcePolicy | None:
    boundary_arn: str | None = None
    if entity.kind == "user":
        boundary_arn = _user_boundary(conn, entity.principal_id)
    elif entity.kind == "role":
        role = roles.get_role_by_id(conn, entity.principal_id)
        boundary_arn = role.boundary_arn if role else None
    if not boundary_arn:
        return None
    return _managed(conn, boundary_arn, "permission-boundary")


def _user_boundary(conn: Connection, user_id: str) -> str | None:
    user = users.get_user_by_id(conn, user_id)
    return user.boundary_arn if user else None


def _managed(conn: Connection, policy_arn: str, policy_type: str) -> SourcePolicy | None:
    text = default_document(conn, policy_arn)
    if text is None:
        return None
    name = policy_arn.rsplit("/", 1)[-1]
    return SourcePolicy(name, parse_policy(text), policy_type, name, policy_arn=policy_arn)


def _managed_type(policy_arn: str) -> str:
    parsed = parse_arn(policy_arn)
    return "aws-managed" if parsed is not None and parsed.account == "aws" else "user-managed"


# --- PolicyExclusionList -----------------------------------------------------------------


@dataclass(frozen=True)
class _Exclusion:
    policy_type: str | None = None
    arn: re.Pattern[str] | None = None
    inline: tuple[str, str, re.Pattern[str]] | None = None  # name, attachment type, entity

    def excludes(self, policy: SourcePolicy) -> bool:
        if self.policy_type is not None:
            return policy.policy_type == self.policy_type
        if self.arn is not None:
            return policy.policy_arn is not None and bool(self.arn.fullmatch(policy.policy_arn))
        assert self.inline is not None
        name, kind, entity = self.inline
        owner = policy.owner
        return (
            owner is not None
            and policy.policy_name.lower() == name.lower()
            and owner[0] == kind
            and entity.fullmatch(owner[1]) is not None
        )


def _exclusion_test(entries: Sequence[Mapping[str, Any]]) -> Callable[[SourcePolicy], bool]:
    exclusions = [_exclusion(entry) for entry in entries]

    def excluded(policy: SourcePolicy) -> bool:
        return any(exclusion.excludes(policy) for exclusion in exclusions)

    return excluded


def _exclusion(entry: Mapping[str, Any]) -> _Exclusion:
    given = [
        member
        for member in ("PolicyType", "PolicyArn", "InlinePolicyIdentifier")
        if entry.get(member)
    ]
    if len(given) != 1:
        raise InvalidInput(
            "Each PolicyIdentifier must specify exactly one of PolicyType, PolicyArn or "
            "InlinePolicyIdentifier."
        )
    if entry.get("PolicyType"):
        return _Exclusion(policy_type=_policy_type(str(entry["PolicyType"])))
    if entry.get("PolicyArn"):
        return _Exclusion(arn=_arn_pattern(str(entry["PolicyArn"])))
    inline = entry["InlinePolicyIdentifier"]
    entity = _glob(str(inline["AttachmentName"]), ignore_case=True)
    return _Exclusion(inline=(str(inline["PolicyName"]), str(inline["AttachmentType"]), entity))


def _policy_type(value: str) -> str:
    if value in ORGANIZATION_TYPES:
        return value  # matches none of the entity's policies
    if value not in POLICY_TYPES:
        raise InvalidInput(f"Invalid PolicyType {value} in PolicyExclusionList.")
    return value


def _arn_pattern(arn: str) -> re.Pattern[str]:
    parsed = parse_arn(arn)
    prefix, _, name = arn.rpartition("/")
    invalid = (
        parsed is None
        or parsed.service != "iam"
        or not parsed.resource.startswith("policy/")
        or any(char in prefix for char in "*?")
        or name.count("*") > 1
    )
    if invalid:
        raise InvalidInput(f"Invalid PolicyArn {arn} in PolicyExclusionList.")
    return re.compile(re.escape(prefix + "/") + _glob(name).pattern)


def _glob(text: str, *, ignore_case: bool = False) -> re.Pattern[str]:
    pattern = "".join(_GLOB.get(char, re.escape(char)) for char in text)
    return re.compile(pattern, re.IGNORECASE if ignore_case else 0)


_GLOB = {"*": ".*", "?": "."}


def documents_of(policies: Iterable[SourcePolicy]) -> list[PolicyDocument]:
    return [policy.document for policy in policies]
