"""The authorization seam: may this caller perform this action on this resource?

Every request passes through `authorize` once, after authentication and before the
operation. The root user may do anything in its own account; everyone else is
decided by the policy engine over the policies that apply to them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from iamd.errors import AccessDenied
from iamd.operation import OperationContext
from iamd.server.resources import resource_arn
from iamd.store.schema import groups, instance_profiles, roles, server_certificates, users

# Actions AWS answers for any authenticated caller, whatever its policies say.
ALWAYS_ALLOWED = frozenset({"sts:GetCallerIdentity"})

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
    action = f"{service}:{operation}"
    if action in ALWAYS_ALLOWED or ctx.caller.is_root:
        return
    resource = resource_arn(service, operation, params, ctx.caller, _path_lookup(ctx))
    raise AccessDenied(
        f"User: {ctx.caller.arn} is not authorized to perform: {action} on resource: "
        f"{resource} because no identity-based policy allows the {action} action"
    )


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
