"""IAM groups: CreateGroup, GetGroup, ListGroups, UpdateGroup, DeleteGroup and membership
(AddUserToGroup, RemoveUserFromGroup, ListGroupsForUser).

A group's inline and attached policies live in `iamd.iam.inline_policies` and
`iamd.iam.attachments`; a group with members or policies cannot be deleted.
"""

from __future__ import annotations

from typing import Any

from iamd import ids
from iamd.arn import iam_arn
from iamd.iam.users import user_output
from iamd.operation import OperationContext, OperationTable, Output, Params
from iamd.store import groups, users
from iamd.store.groups import Group
from iamd.store.pages import DEFAULT_MAX_ITEMS, Page


def group_output(ctx: OperationContext, group: Group) -> Output:
    """The ``Group`` shape."""
    return {
        "Path": group.path,
        "GroupName": group.name,
        "GroupId": group.group_id,
        "Arn": iam_arn(group.account_id, "group", group.path, group.name, partition=ctx.partition),
        "CreateDate": group.created_at,
    }


def paged(output: Output, page: Page[Any]) -> Output:
    """Add AWS's ``IsTruncated`` and, when there is more, ``Marker``."""
    output["IsTruncated"] = page.is_truncated
    if page.next_marker:
        output["Marker"] = page.next_marker
    return output


def create_group(ctx: OperationContext, params: Params) -> Output:
    group = Group(
        group_id=ids.entity_id(ids.GROUP),
        account_id=ctx.account_id,
        name=params["GroupName"],
        path=params.get("Path") or "/",
        created_at=ctx.now,
    )
    groups.insert_group(ctx.conn, group)
    return {"Group": group_output(ctx, group)}


def get_group(ctx: OperationContext, params: Params) -> Output:
    group = groups.get_group(ctx.conn, ctx.account_id, params["GroupName"])
    page = groups.members_page(
        ctx.conn,
        group.group_id,
        marker=params.get("Marker"),
        limit=params.get("MaxItems") or DEFAULT_MAX_ITEMS,
    )
    output: Output = {
        "Group": group_output(ctx, group),
        "Users": [user_output(ctx, user) for user in page.items],
    }
    return paged(output, page)


def list_groups(ctx: OperationContext, params: Params) -> Output:
    page = groups.list_groups(
        ctx.conn,
        ctx.account_id,
        path_prefix=params.get("PathPrefix") or "/",
        marker=params.get("Marker"),
        limit=params.get("MaxItems") or DEFAULT_MAX_ITEMS,
    )
    return paged({"Groups": [group_output(ctx, group) for group in page.items]}, page)


def update_group(ctx: OperationContext, params: Params) -> Output:
    group = groups.get_group(ctx.conn, ctx.account_id, params["GroupName"])
    groups.update_group(
        ctx.conn, group, new_name=params.get("NewGroupName"), new_path=params.get("NewPath")
    )
    return {}


def delete_group(ctx: OperationContext, params: Params) -> Output:
    group = groups.get_group(ctx.conn, ctx.account_id, params["GroupName"])
    groups.delete_group(ctx.conn, group)
    return {}


def add_user_to_group(ctx: OperationContext, params: Params) -> Output:
    # AWS names a missing user before a missing group. Both held as `add_member` holds them.
    user = users.get_user(ctx.conn, ctx.account_id, params["UserName"], held=True)
    group = groups.get_group(ctx.conn, ctx.account_id, params["GroupName"], held=True)
    groups.add_member(ctx.conn, group.group_id, user.user_id, ctx.now)
    return {}


def remove_user_from_group(ctx: OperationContext, params: Params) -> Output:
    user = users.get_user(ctx.conn, ctx.account_id, params["UserName"])
    group = groups.get_group(ctx.conn, ctx.account_id, params["GroupName"])
    groups.remove_member(ctx.conn, group.group_id, user.user_id)
    return {}


def list_groups_for_user(ctx: OperationContext, params: Params) -> Output:
    user = users.get_user(ctx.conn, ctx.account_id, params["UserName"])
    page = groups.groups_of_user_page(
        ctx.conn,
        user.user_id,
        marker=params.get("Marker"),
        limit=params.get("MaxItems") or DEFAULT_MAX_ITEMS,
    )
    return paged({"Groups": [group_output(ctx, group) for group in page.items]}, page)


OPERATIONS: OperationTable = {
    "CreateGroup": create_group,
    "GetGroup": get_group,
    "ListGroups": list_groups,
    "UpdateGroup": update_group,
    "DeleteGroup": delete_group,
    "AddUserToGroup": add_user_to_group,
    "RemoveUserFromGroup": remove_user_from_group,
    "ListGroupsForUser": list_groups_for_user,
}
