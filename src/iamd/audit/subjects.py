"""What an access advisor report is about: a user, group, role or managed policy by ARN.

In: the caller's context and an ARN. Out: a `Subject` — the identity policies that
grant it permissions (each with its name, kind and owner), and the users and roles
whose events count for it: the user or role itself; a group's members; every user and
role a policy is attached to, directly or through a group. An ARN of another account
or of nothing is AWS's NoSuchEntity; one that names no user, group, role or policy is
InvalidInput.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from iamd.arn import iam_arn, parse_arn
from iamd.errors import InvalidInput, NoSuchEntity
from iamd.operation import OperationContext
from iamd.store import groups, roles, users
from iamd.store.attachments import PERMISSIONS, entities_for_policy, identity_policies
from iamd.store.policies import default_document, resolve_policy

KINDS = ("user", "group", "role", "policy")
_PAGE = 1000


@dataclass(frozen=True)
class Actor:
    """A user or role whose calls count toward a report."""

    kind: str  # "USER" or "ROLE", as EntityInfo names them
    entity_id: str
    arn: str
    name: str
    path: str


@dataclass(frozen=True)
class GrantingPolicy:
    name: str
    is_inline: bool
    arn: str | None
    owner_type: str  # "USER", "GROUP" or "ROLE"
    owner_name: str
    document: str


@dataclass(frozen=True)
class Subject:
    arn: str
    kind: str  # one of KINDS
    policies: tuple[GrantingPolicy, ...]
    actors: tuple[Actor, ...]

    @property
    def documents(self) -> list[str]:
        return [policy.document for policy in self.policies]


def subject_of(ctx: OperationContext, arn_text: str, *, kinds: tuple[str, ...] = KINDS) -> Subject:
    arn = parse_arn(arn_text)
    kind, _, path_and_name = (arn.resource if arn else "").partition("/")
    if arn is None or arn.service != "iam" or kind not in kinds or not path_and_name:
        raise InvalidInput(f"ARN {arn_text} is not valid.")
    if kind == "policy":
        return _policy(ctx, arn_text)
    if arn.account != ctx.account_id:
        raise NoSuchEntity(f"The {kind} with ARN {arn_text} cannot be found.")
    name = path_and_name.rsplit("/", 1)[-1]
    path = "/" + path_and_name[: -len(name)] if "/" in path_and_name else "/"
    match kind:
        case "user":
            return _user(ctx, arn_text, name, path)
        case "role":
            return _role(ctx, arn_text, name, path)
        case _:
            return _group(ctx, arn_text, name, path)


def _user(ctx: OperationContext, arn: str, name: str, path: str) -> Subject:
    user = users.find_user(ctx.conn, ctx.account_id, name)
    if user is None or user.path != path:
        raise users.not_found(name)
    policies = _granting(ctx.conn, ctx.account_id, "user", user.user_id, user.name)
    return Subject(arn, "user", policies, (_user_actor(ctx, user),))


def _role(ctx: OperationContext, arn: str, name: str, path: str) -> Subject:
    role = roles.find_role(ctx.conn, ctx.account_id, name)
    if role is None or role.path != path:
        raise roles.not_found(name)
    policies = _granting(ctx.conn, ctx.account_id, "role", role.role_id, role.name)
    return Subject(arn, "role", policies, (_role_actor(ctx, role),))


def _group(ctx: OperationContext, arn: str, name: str, path: str) -> Subject:
    group = groups.find_group(ctx.conn, ctx.account_id, name)
    if group is None or group.path != path:
        raise groups.not_found(name)
    policies = _granting(ctx.conn, ctx.account_id, "group", group.group_id, group.name)
    return Subject(arn, "group", policies, tuple(_members(ctx, group.group_id)))


def _policy(ctx: OperationContext, arn: str) -> Subject:
    policy = resolve_policy(ctx.conn, ctx.account_id, arn, partition=ctx.partition)
    document = default_document(ctx.conn, policy.arn) or '{"Statement": []}'
    granting = GrantingPolicy(policy.name, False, policy.arn, "", "", document)
    return Subject(arn, "policy", (granting,), tuple(_attached_actors(ctx, policy.arn)))


def _granting(
    conn: Connection, account_id: str, kind: str, entity_id: str, name: str
) -> tuple[GrantingPolicy, ...]:
    found: dict[tuple[str, str, str], GrantingPolicy] = {}
    for policy in identity_policies(conn, account_id, kind, entity_id):
        owner_type = policy.owner_kind.upper()
        owner_name = policy.owner_name or name
        is_inline = policy.kind == "inline"
        arn = None if is_inline else policy.policy_id
        policy_name = policy.policy_id if is_inline else policy.policy_id.rsplit("/", 1)[-1]
        # A managed policy reached twice (the user's and a group's) is one policy.
        key = (owner_type, owner_name, policy_name) if is_inline else ("", "", policy.policy_id)
        found.setdefault(
            key,
            GrantingPolicy(policy_name, is_inline, arn, owner_type, owner_name, policy.document),
        )
    return tuple(found.values())


def _members(ctx: OperationContext, group_id: str) -> list[Actor]:
    found: list[Actor] = []
    marker: str | None = None
    while True:
        page = groups.members_page(ctx.conn, group_id, marker=marker, limit=_PAGE)
        found += [_user_actor(ctx, user) for user in page.items]
        if page.next_marker is None:
            return found
        marker = page.next_marker


def _attached_actors(ctx: OperationContext, policy_arn: str) -> list[Actor]:
    found: dict[str, Actor] = {}
    marker: str | None = None
    while True:
        page = entities_for_policy(
            ctx.conn,
            ctx.account_id,
            policy_arn,
            kinds=("group", "role", "user"),
            usages={PERMISSIONS},
            path_prefix="/",
            marker=marker,
            limit=_PAGE,
        )
        for entity in page.items:
            for actor in _actors_of(ctx, entity.kind, entity.entity_id):
                found.setdefault(actor.entity_id, actor)
        if page.next_marker is None:
            return list(found.values())
        marker = page.next_marker


def _actors_of(ctx: OperationContext, kind: str, entity_id: str) -> list[Actor]:
    if kind == "group":
        return _members(ctx, entity_id)
    if kind == "role":
        role = roles.get_role_by_id(ctx.conn, entity_id)
        return [_role_actor(ctx, role)] if role is not None else []
    user = users.get_user_by_id(ctx.conn, entity_id)
    return [_user_actor(ctx, user)] if user is not None else []


def _user_actor(ctx: OperationContext, user: users.User) -> Actor:
    arn = iam_arn(user.account_id, "user", user.path, user.name, partition=ctx.partition)
    return Actor("USER", user.user_id, arn, user.name, user.path)


def _role_actor(ctx: OperationContext, role: roles.Role) -> Actor:
    arn = iam_arn(role.account_id, "role", role.path, role.name, partition=ctx.partition)
    return Actor("ROLE", role.role_id, arn, role.name, role.path)
