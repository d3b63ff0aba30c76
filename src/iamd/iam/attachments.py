"""Managed policies on users, groups and roles: Attach/Detach/ListAttached{User,Group,Role}
Policies, Put/Delete{User,Role}PermissionsBoundary and ListEntitiesForPolicy.

A principal is addressed as (kind, name) with kind ``user``, ``group`` or ``role``; the
operations of the three kinds differ only in the input member naming it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from iamd.errors import NoSuchEntity, PolicyNotAttachable, UnmodifiableEntity
from iamd.iam.boundaries import check_boundary_policy
from iamd.iam.policies import checked_arn
from iamd.operation import Operation, OperationContext, OperationTable, Output, Params
from iamd.store import attachments as store
from iamd.store import groups, policies, roles, users
from iamd.store.pages import DEFAULT_MAX_ITEMS, decode_marker, encode_marker

NAME_MEMBERS = {"user": "UserName", "group": "GroupName", "role": "RoleName"}
SERVICE_ROLE_PATH = "/aws-service-role/"
# Roles only AWS may change (as `iamd.iam.roles` protects them): service-linked and SSO.
PROTECTED_ROLE_PATHS = (SERVICE_ROLE_PATH, "/aws-reserved/")


@dataclass(frozen=True)
class Principal:
    kind: str
    principal_id: str
    name: str


def find_principal(
    ctx: OperationContext, kind: str, params: Params, *, to_change: bool = False, held: bool = False
) -> Principal:
    """The user, group or role the input names; AWS's NoSuchEntity when there is none.

    ``to_change``: the call changes the principal's policies, which a service-linked
    role refuses (only AWS changes those). ``held``: the principal's row is held
    from this read on (`users.find_user`), as the write that follows holds it.
    """
    name = params[NAME_MEMBERS[kind]]
    if kind == "user":
        user = users.get_user(ctx.conn, ctx.account_id, name, held=held)
        return Principal(kind, user.user_id, user.name)
    if kind == "group":
        group = groups.get_group(ctx.conn, ctx.account_id, name, held=held)
        return Principal(kind, group.group_id, group.name)
    role = roles.get_role(ctx.conn, ctx.account_id, name, held=held)
    if to_change and role.path.startswith(PROTECTED_ROLE_PATHS):
        raise UnmodifiableEntity(
            f"Cannot perform the operation on the protected role '{role.name}' - "
            "this role is only modifiable by AWS"
        )
    return Principal(kind, role.role_id, role.name)


def check_attachable(ctx: OperationContext, policy_arn: str) -> str | None:
    """An AWS managed policy (not a service role's) or one of the account's own.

    Returns the account's own policy's id, None for an AWS managed one.
    """
    aws = policies.aws_policy(policy_arn)
    if aws is not None:
        if aws.path == SERVICE_ROLE_PATH:
            raise PolicyNotAttachable("Cannot attach a Service Role Policy to a Customer Role.")
        return None
    policy = policies.find_policy(ctx.conn, ctx.account_id, policy_arn)
    if policy is None:
        raise NoSuchEntity(f"Policy {policy_arn} does not exist or is not attachable.")
    return policy.policy_id


def attach_policy(kind: str) -> Operation:
    def operation(ctx: OperationContext, params: Params) -> Output:
        policy_arn = checked_arn(params["PolicyArn"])
        principal = find_principal(ctx, kind, params, to_change=True, held=True)
        policy_id = check_attachable(ctx, policy_arn)
        store.attach(
            ctx.conn,
            ctx.account_id,
            (kind, principal.principal_id),
            policy_arn,
            ctx.now,
            customer_policy_id=policy_id,
        )
        return {}

    return operation


def detach_policy(kind: str) -> Operation:
    def operation(ctx: OperationContext, params: Params) -> Output:
        policy_arn = checked_arn(params["PolicyArn"])
        principal = find_principal(ctx, kind, params, to_change=True)
        store.detach(ctx.conn, kind, principal.principal_id, policy_arn)
        return {}

    return operation


def split_policy_arn(policy_arn: str) -> tuple[str, str]:
    """(path, name) of ``arn:…:policy/<path><name>``."""
    resource = policy_arn.split(":", 5)[-1]
    path_and_name = resource[len("policy") :] if resource.startswith("policy") else "/" + resource
    cut = path_and_name.rfind("/") + 1
    return path_and_name[:cut] or "/", path_and_name[cut:]


def list_attached(kind: str) -> Operation:
    """At most ten per principal: sorted in memory, paged by the key "name\\nARN"."""

    def operation(ctx: OperationContext, params: Params) -> Output:
        principal = find_principal(ctx, kind, params)
        path_prefix = params.get("PathPrefix") or "/"
        arns = store.attached_arns(ctx.conn, kind, principal.principal_id)
        keyed = sorted((_sort_key(arn), arn) for arn in arns)
        after = decode_marker(params.get("Marker"))
        keyed = [
            (key, arn)
            for key, arn in keyed
            if split_policy_arn(arn)[0].startswith(path_prefix) and (after is None or key > after)
        ]
        limit = params.get("MaxItems") or DEFAULT_MAX_ITEMS
        output: Output = {
            "AttachedPolicies": [_attached_output(arn) for _, arn in keyed[:limit]],
            "IsTruncated": len(keyed) > limit,
        }
        if len(keyed) > limit:
            output["Marker"] = encode_marker(keyed[limit - 1][0])
        return output

    return operation


def _sort_key(policy_arn: str) -> str:
    return f"{split_policy_arn(policy_arn)[1].lower()}\n{policy_arn}"


def _attached_output(policy_arn: str) -> Output:
    return {"PolicyName": split_policy_arn(policy_arn)[1], "PolicyArn": policy_arn}


def put_boundary(kind: str) -> Operation:
    def operation(ctx: OperationContext, params: Params) -> Output:
        principal = find_principal(ctx, kind, params, to_change=True)
        boundary_arn = params["PermissionsBoundary"]
        policy_id = check_boundary_policy(ctx, boundary_arn)
        store.set_boundary(
            ctx.conn, (kind, principal.principal_id), boundary_arn, customer_policy_id=policy_id
        )
        return {}

    return operation


def delete_boundary(kind: str) -> Operation:
    def operation(ctx: OperationContext, params: Params) -> Output:
        principal = find_principal(ctx, kind, params, to_change=True)
        store.set_boundary(ctx.conn, (kind, principal.principal_id), None, customer_policy_id=None)
        return {}

    return operation


# --- ListEntitiesForPolicy --------------------------------------------------------------

ENTITY_FILTERS = {"User": ("user",), "Role": ("role",), "Group": ("group",)}
ENTITY_OUTPUTS: dict[str, tuple[str, str, str]] = {
    "group": ("PolicyGroups", "GroupName", "GroupId"),
    "role": ("PolicyRoles", "RoleName", "RoleId"),
    "user": ("PolicyUsers", "UserName", "UserId"),
}


def list_entities_for_policy(ctx: OperationContext, params: Params) -> Output:
    policy_arn = checked_arn(params["PolicyArn"])
    exists = policies.aws_policy(policy_arn) or policies.find_policy(
        ctx.conn, ctx.account_id, policy_arn
    )
    if exists is None:
        raise NoSuchEntity(f"Policy {policy_arn} does not exist or is not attachable.")
    entity_filter = params.get("EntityFilter")
    chosen_usage = params.get("PolicyUsageFilter")
    page = store.entities_for_policy(
        ctx.conn,
        ctx.account_id,
        policy_arn,
        kinds=ENTITY_FILTERS.get(entity_filter, ()) if entity_filter else store.ENTITY_KINDS,
        usages={chosen_usage} if chosen_usage else {store.PERMISSIONS, store.BOUNDARY},
        path_prefix=params.get("PathPrefix") or "/",
        marker=params.get("Marker"),
        limit=params.get("MaxItems") or DEFAULT_MAX_ITEMS,
    )
    output: Output = {member: [] for member, _, _ in ENTITY_OUTPUTS.values()}
    for entity in page.items:
        member, name_member, id_member = ENTITY_OUTPUTS[entity.kind]
        output[member].append({name_member: entity.name, id_member: entity.entity_id})
    output["IsTruncated"] = page.is_truncated
    if page.next_marker:
        output["Marker"] = page.next_marker
    return output


def _per_kind(names: dict[str, str], factory: Callable[[str], Operation]) -> OperationTable:
    return {operation_name: factory(kind) for kind, operation_name in names.items()}


OPERATIONS: OperationTable = {
    **_per_kind(
        {"user": "AttachUserPolicy", "group": "AttachGroupPolicy", "role": "AttachRolePolicy"},
        attach_policy,
    ),
    **_per_kind(
        {"user": "DetachUserPolicy", "group": "DetachGroupPolicy", "role": "DetachRolePolicy"},
        detach_policy,
    ),
    **_per_kind(
        {
            "user": "ListAttachedUserPolicies",
            "group": "ListAttachedGroupPolicies",
            "role": "ListAttachedRolePolicies",
        },
        list_attached,
    ),
    **_per_kind(
        {"user": "PutUserPermissionsBoundary", "role": "PutRolePermissionsBoundary"},
        put_boundary,
    ),
    **_per_kind(
        {"user": "DeleteUserPermissionsBoundary", "role": "DeleteRolePermissionsBoundary"},
        delete_boundary,
    ),
    "ListEntitiesForPolicy": list_entities_for_policy,
}
