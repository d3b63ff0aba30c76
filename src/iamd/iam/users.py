"""IAM users: CreateUser, GetUser, ListUsers, UpdateUser, DeleteUser and user tags."""

from __future__ import annotations

from iamd import ids
from iamd.arn import iam_arn
from iamd.errors import ValidationError
from iamd.iam.tagging import tag_operations, tags_input, tags_output
from iamd.operation import OperationContext, OperationTable, Output, Params, list_output
from iamd.store import accounts, tags, users
from iamd.store.users import User

TAG_KIND = users.USER_TAG_KIND
DEFAULT_MAX_ITEMS = 100


def user_arn(ctx: OperationContext, user: User) -> str:
    return iam_arn(user.account_id, "user", user.path, user.name, partition=ctx.partition)


def user_output(ctx: OperationContext, user: User) -> Output:
    """The ``User`` shape; GetUser and CreateUser add tags and the boundary
    (`detailed_user_output`)."""
    output: Output = {
        "Path": user.path,
        "UserName": user.name,
        "UserId": user.user_id,
        "Arn": user_arn(ctx, user),
        "CreateDate": user.created_at,
    }
    if user.password_last_used is not None:
        output["PasswordLastUsed"] = user.password_last_used
    return output


def detailed_user_output(
    ctx: OperationContext, user: User, user_tags: list[tuple[str, str]]
) -> Output:
    """The ``User`` shape with its permissions boundary and tags."""
    output = user_output(ctx, user)
    if user.boundary_arn:
        output["PermissionsBoundary"] = boundary_output(user.boundary_arn)
    if user_tags:
        output["Tags"] = tags_output(user_tags)
    return output


def boundary_output(policy_arn: str) -> Output:
    return {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": policy_arn}


def target_user(ctx: OperationContext, params: Params, *, held: bool = False) -> User:
    """The named user, or — with no UserName — the calling IAM user itself; ``held``
    as for `users.find_user`."""
    return users.get_user(ctx.conn, ctx.account_id, _target_user_name(ctx, params), held=held)


def _target_user_name(ctx: OperationContext, params: Params) -> str:
    name = params.get("UserName")
    if name is not None:
        return str(name)
    if ctx.caller.is_user and ctx.caller.name:
        return ctx.caller.name
    raise ValidationError("Must specify userName when calling with non-User credentials")


def create_user(ctx: OperationContext, params: Params) -> Output:
    new_tags = tags_input(params)
    tags.check_unique_keys(new_tags)
    boundary = params.get("PermissionsBoundary")
    if boundary is not None:
        from iamd.iam.boundaries import hold_boundary_policy

        hold_boundary_policy(ctx, boundary)
    user = User(
        user_id=ids.entity_id(ids.USER),
        account_id=ctx.account_id,
        name=params["UserName"],
        path=params.get("Path") or "/",
        created_at=ctx.now,
        password_last_used=None,
        boundary_arn=boundary,
    )
    users.insert_user(ctx.conn, user, new_tags)
    return {"User": detailed_user_output(ctx, user, new_tags)}  # the tags as just stored


def get_user(ctx: OperationContext, params: Params) -> Output:
    if params.get("UserName") is None and ctx.caller.is_root:
        return {"User": root_user_output(ctx)}
    name = _target_user_name(ctx, params)
    found = users.find_user_with_tags(ctx.conn, ctx.account_id, name)
    if found is None:
        raise users.not_found(name)
    return {"User": detailed_user_output(ctx, *found)}


def root_user_output(ctx: OperationContext) -> Output:
    account = accounts.get_account(ctx.conn, ctx.account_id)
    output: Output = {"UserId": ctx.account_id, "Arn": ctx.caller.arn}
    if account is not None:
        output["CreateDate"] = account.created_at
        if account.root_password_last_used is not None:
            output["PasswordLastUsed"] = account.root_password_last_used
    return output


def list_users(ctx: OperationContext, params: Params) -> Output:
    page = users.list_users(
        ctx.conn,
        ctx.account_id,
        path_prefix=params.get("PathPrefix") or "/",
        marker=params.get("Marker"),
        limit=params.get("MaxItems") or DEFAULT_MAX_ITEMS,
    )
    return list_output("Users", [user_output(ctx, user) for user in page.items], page)


def update_user(ctx: OperationContext, params: Params) -> Output:
    user = users.get_user(ctx.conn, ctx.account_id, params["UserName"])
    users.update_user(
        ctx.conn, user, new_name=params.get("NewUserName"), new_path=params.get("NewPath")
    )
    return {}


def delete_user(ctx: OperationContext, params: Params) -> Output:
    user = users.get_user(ctx.conn, ctx.account_id, params["UserName"])
    users.delete_user(ctx.conn, user)
    tags.drop_all_tags(ctx.conn, TAG_KIND, user.user_id)
    return {}


OPERATIONS: OperationTable = {
    "CreateUser": create_user,
    "GetUser": get_user,
    "ListUsers": list_users,
    "UpdateUser": update_user,
    "DeleteUser": delete_user,
    **tag_operations(
        "User",
        TAG_KIND,
        lambda ctx, params: users.get_user(ctx.conn, ctx.account_id, params["UserName"]).user_id,
        locate_to_tag=lambda ctx, params: (
            users.get_user(ctx.conn, ctx.account_id, params["UserName"], held=True).user_id
        ),
    ),
}
