"""Inline policies: Put/Get/List/Delete{User,Group,Role}Policy.

An inline policy belongs to one user, group or role and goes with it. Its document is
kept as the client sent it; the sum of a principal's inline policies is limited to
2,048 (user), 5,120 (group) or 10,240 (role) characters, whitespace not counted.
"""

from __future__ import annotations

from collections.abc import Callable

from iamd.iam.attachments import NAME_MEMBERS, find_principal
from iamd.operation import Operation, OperationContext, OperationTable, Output, Params, list_output
from iamd.policy import validate_policy
from iamd.store import inline_policies as store
from iamd.store.pages import DEFAULT_MAX_ITEMS


def put_policy(kind: str) -> Operation:
    def operation(ctx: OperationContext, params: Params) -> Output:
        principal = find_principal(ctx, kind, params, to_change=True, held=True)
        document: str = params["PolicyDocument"]
        validate_policy(document, "inline")
        owner = (kind, principal.principal_id, principal.name)
        store.put_policy(ctx.conn, ctx.account_id, owner, params["PolicyName"], document)
        return {}

    return operation


def get_policy(kind: str) -> Operation:
    def operation(ctx: OperationContext, params: Params) -> Output:
        principal = find_principal(ctx, kind, params)
        policy = store.get_policy(ctx.conn, kind, principal.principal_id, params["PolicyName"])
        return {
            NAME_MEMBERS[kind]: principal.name,
            "PolicyName": policy.name,
            "PolicyDocument": policy.document,
        }

    return operation


def list_policies(kind: str) -> Operation:
    def operation(ctx: OperationContext, params: Params) -> Output:
        principal = find_principal(ctx, kind, params)
        page = store.list_names(
            ctx.conn,
            kind,
            principal.principal_id,
            marker=params.get("Marker"),
            limit=params.get("MaxItems") or DEFAULT_MAX_ITEMS,
        )
        return list_output("PolicyNames", list(page.items), page)

    return operation


def delete_policy(kind: str) -> Operation:
    def operation(ctx: OperationContext, params: Params) -> Output:
        principal = find_principal(ctx, kind, params, to_change=True)
        store.delete_policy(ctx.conn, kind, principal.principal_id, params["PolicyName"])
        return {}

    return operation


def _per_kind(verb: str, factory: Callable[[str], Operation]) -> OperationTable:
    """``PutUserPolicy``, ``PutGroupPolicy``, ``PutRolePolicy`` … from one factory."""
    if verb == "List":
        names = {kind: f"List{kind.capitalize()}Policies" for kind in NAME_MEMBERS}
    else:
        names = {kind: f"{verb}{kind.capitalize()}Policy" for kind in NAME_MEMBERS}
    return {operation_name: factory(kind) for kind, operation_name in names.items()}


OPERATIONS: OperationTable = {
    **_per_kind("Put", put_policy),
    **_per_kind("Get", get_policy),
    **_per_kind("List", list_policies),
    **_per_kind("Delete", delete_policy),
}
