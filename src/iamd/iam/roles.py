"""IAM roles: CreateRole, GetRole, ListRoles, UpdateRole, UpdateRoleDescription,
UpdateAssumeRolePolicy, DeleteRole and role tags.

AWS answers the ``Role`` shape with different members per operation, and iamd
matches it: CreateRole gives the six core members plus the tags and boundary it was
given; ListRoles adds ``Description``, ``MaxSessionDuration`` (and
``MaxSigninSessionDuration`` once set); GetRole adds those and
``PermissionsBoundary``, ``Tags`` and ``RoleLastUsed`` too.

# INVARIANT: a role is protected (service-linked, or reserved for AWS) exactly when
# its path starts with one of `PROTECTED_PATHS`; CreateRole refuses those paths, so
# only CreateServiceLinkedRole puts a role there.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from iamd import ids
from iamd.arn import iam_arn
from iamd.errors import InvalidInput, LimitExceeded, MalformedPolicyDocument, UnmodifiableEntity
from iamd.iam.boundaries import hold_boundary_policy
from iamd.iam.tagging import tag_operations, tags_input, tags_output
from iamd.iam.users import boundary_output
from iamd.operation import OperationContext, OperationTable, Output, Params, list_output
from iamd.policy import policy_size, validate_policy
from iamd.store import principal_refs, roles, tags
from iamd.store.pages import DEFAULT_MAX_ITEMS
from iamd.store.roles import Role

TAG_KIND = roles.ROLE_TAG_KIND
DEFAULT_MAX_SESSION_DURATION = 3600
PROTECTED_PATHS = ("/aws-service-role/", "/aws-reserved/")
# AWS's default quota on a trust policy, counted without white space.
TRUST_POLICY_QUOTA = 2048


def role_arn(ctx: OperationContext, role: Role) -> str:
    return iam_arn(role.account_id, "role", role.path, role.name, partition=ctx.partition)


def is_protected(role: Role) -> bool:
    return role.path.startswith(PROTECTED_PATHS)


def check_modifiable(role: Role) -> None:
    """Refuse a change to a service-linked (or AWS-reserved) role, as AWS does."""
    if is_protected(role):
        raise UnmodifiableEntity(
            f"Cannot perform the operation on the protected role '{role.name}'"
            " - this role is only modifiable by AWS"
        )


def role_summary(ctx: OperationContext, role: Role) -> Output:
    """The six members every ``Role`` answer carries (instance profiles show only these)."""
    return {
        "Path": role.path,
        "RoleName": role.name,
        "RoleId": role.role_id,
        "Arn": role_arn(ctx, role),
        "CreateDate": role.created_at,
        "AssumeRolePolicyDocument": role.trust_policy,
    }


def role_listing(ctx: OperationContext, role: Role) -> Output:
    """A role as ListRoles shows it: no tags, boundary or last use."""
    output = role_summary(ctx, role)
    if role.description:
        output["Description"] = role.description
    output["MaxSessionDuration"] = role.max_session_duration
    if role.max_signin_session_duration is not None:
        output["MaxSigninSessionDuration"] = role.max_signin_session_duration
    return output


def role_details(ctx: OperationContext, role: Role) -> Output:
    """A role as GetRole shows it: everything AWS knows about it."""
    output = role_listing(ctx, role)
    output.update(_boundary_and_tags(ctx, role))
    last_used: Output = {}
    if role.last_used_at is not None:
        last_used["LastUsedDate"] = role.last_used_at
        if role.last_used_region:
            last_used["Region"] = role.last_used_region
    output["RoleLastUsed"] = last_used
    return output


def _boundary_and_tags(
    ctx: OperationContext, role: Role, role_tags: list[tags.Tag] | None = None
) -> Output:
    """The role's boundary and its tags (read, unless the caller just stored them)."""
    output: Output = {}
    if role.boundary_arn:
        output["PermissionsBoundary"] = boundary_output(role.boundary_arn)
    if role_tags is None:
        role_tags = tags.tags_of(ctx.conn, TAG_KIND, role.role_id)
    if role_tags:
        output["Tags"] = tags_output(role_tags)
    return output


def check_trust_policy(ctx: OperationContext, document: str) -> None:
    """AWS's trust-policy rules, its size quota, then that its principals exist."""
    validate_policy(document, "trust")
    if policy_size(document) > TRUST_POLICY_QUOTA:
        raise LimitExceeded(f"Cannot exceed quota for ACLSizePerRole: {TRUST_POLICY_QUOTA}")
    missing = principal_refs.missing_principal(ctx.conn, document)
    if missing is not None:
        raise MalformedPolicyDocument(f'Invalid principal in policy: "AWS":"{missing}"')


def create_role(ctx: OperationContext, params: Params) -> Output:
    path = params.get("Path") or "/"
    check_create(ctx, params, path)
    document = params["AssumeRolePolicyDocument"]
    role = replace(
        new_role(ctx, params["RoleName"], path, document, description=params.get("Description")),
        max_session_duration=params.get("MaxSessionDuration") or DEFAULT_MAX_SESSION_DURATION,
        max_signin_session_duration=params.get("MaxSigninSessionDuration"),
        boundary_arn=params.get("PermissionsBoundary"),
    )
    return {"Role": store_new_role(ctx, role, tags_input(params))}


def check_create(ctx: OperationContext, params: Params, path: str) -> None:
    """What CreateRole refuses before it writes anything."""
    if path.startswith(PROTECTED_PATHS):
        raise InvalidInput(f"The path {path} is reserved for roles that AWS manages.")
    tags.check_unique_keys(tags_input(params))
    check_trust_policy(ctx, params["AssumeRolePolicyDocument"])
    boundary = params.get("PermissionsBoundary")
    if boundary is not None:
        hold_boundary_policy(ctx, boundary)


def new_role(
    ctx: OperationContext, name: str, path: str, document: str, *, description: str | None
) -> Role:
    """A role with AWS's defaults, not yet stored."""
    return Role(
        role_id=ids.entity_id(ids.ROLE),
        account_id=ctx.account_id,
        name=name,
        path=path,
        trust_policy=document,
        description=description or None,
        max_session_duration=DEFAULT_MAX_SESSION_DURATION,
        boundary_arn=None,
        created_at=ctx.now,
        last_used_at=None,
        last_used_region=None,
    )


def store_new_role(ctx: OperationContext, role: Role, new_tags: list[tags.Tag]) -> Output:
    """Insert the role and its tags; answer it as CreateRole does (no description)."""
    roles.insert_role(ctx.conn, role, new_tags)
    return {**role_summary(ctx, role), **_boundary_and_tags(ctx, role, new_tags)}


def get_role(ctx: OperationContext, params: Params) -> Output:
    role = roles.get_role(ctx.conn, ctx.account_id, params["RoleName"])
    return {"Role": role_details(ctx, role)}


def list_roles(ctx: OperationContext, params: Params) -> Output:
    page = roles.list_roles(
        ctx.conn,
        ctx.account_id,
        path_prefix=params.get("PathPrefix") or "/",
        marker=params.get("Marker"),
        limit=params.get("MaxItems") or DEFAULT_MAX_ITEMS,
    )
    return list_output("Roles", [role_listing(ctx, role) for role in page.items], page)


def update_role(ctx: OperationContext, params: Params) -> Output:
    role = roles.get_role(ctx.conn, ctx.account_id, params["RoleName"])
    changes = _session_changes(params)
    if changes:
        check_modifiable(role)
    if params.get("Description") is not None:
        changes["description"] = params["Description"] or None
    roles.update_role(ctx.conn, role, changes)
    return {}


def _session_changes(params: Params) -> dict[str, Any]:
    """The session limits UpdateRole sets: the service owns a service-linked role's."""
    changes: dict[str, Any] = {}
    if params.get("MaxSessionDuration") is not None:
        changes["max_session_duration"] = params["MaxSessionDuration"]
    signin = params.get("MaxSigninSessionDuration")
    if params.get("ResetMaxSigninSessionDuration"):
        if signin is not None:
            raise InvalidInput(
                "You cannot specify MaxSigninSessionDuration and set"
                " ResetMaxSigninSessionDuration to true in the same request."
            )
        changes["max_signin_session_duration"] = None
    elif signin is not None:
        changes["max_signin_session_duration"] = signin
    return changes


def update_role_description(ctx: OperationContext, params: Params) -> Output:
    role = roles.get_role(ctx.conn, ctx.account_id, params["RoleName"])
    role = roles.update_role(ctx.conn, role, {"description": params["Description"] or None})
    output = role_summary(ctx, role)
    if role.description:
        output["Description"] = role.description
    return {"Role": {**output, **_boundary_and_tags(ctx, role)}}


def update_assume_role_policy(ctx: OperationContext, params: Params) -> Output:
    role = roles.get_role(ctx.conn, ctx.account_id, params["RoleName"])
    check_modifiable(role)
    check_trust_policy(ctx, params["PolicyDocument"])
    roles.set_trust_policy(ctx.conn, role.role_id, params["PolicyDocument"])
    return {}


def delete_role(ctx: OperationContext, params: Params) -> Output:
    role = roles.get_role(ctx.conn, ctx.account_id, params["RoleName"])
    check_modifiable(role)
    roles.delete_role(ctx.conn, role)
    tags.drop_all_tags(ctx.conn, TAG_KIND, role.role_id)
    return {}


OPERATIONS: OperationTable = {
    "CreateRole": create_role,
    "GetRole": get_role,
    "ListRoles": list_roles,
    "UpdateRole": update_role,
    "UpdateRoleDescription": update_role_description,
    "UpdateAssumeRolePolicy": update_assume_role_policy,
    "DeleteRole": delete_role,
    **tag_operations(
        "Role",
        TAG_KIND,
        lambda ctx, params: roles.get_role(ctx.conn, ctx.account_id, params["RoleName"]).role_id,
        locate_to_tag=lambda ctx, params: (
            roles.get_role(ctx.conn, ctx.account_id, params["RoleName"], held=True).role_id
        ),
    ),
}
