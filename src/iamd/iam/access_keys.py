"""Access keys: CreateAccessKey, ListAccessKeys, UpdateAccessKey, DeleteAccessKey,
GetAccessKeyLastUsed.

A key belongs to an IAM user or, when created by root without a UserName, to the
account's root user. The secret is returned by CreateAccessKey and never again.
"""

from __future__ import annotations

from dataclasses import dataclass

from iamd import ids
from iamd.errors import AccessDenied
from iamd.iam.users import target_user
from iamd.operation import OperationContext, OperationTable, Output, Params
from iamd.store import access_keys, users
from iamd.store.access_keys import AccessKey


@dataclass(frozen=True)
class KeyOwner:
    user_id: str | None  # None: the root user
    user_name: str


def key_owner(ctx: OperationContext, params: Params, *, held: bool = False) -> KeyOwner:
    """Whose keys a call is about: the named user, else the caller itself; ``held`` as
    for `users.find_user`."""
    if params.get("UserName") is None and ctx.caller.is_root:
        return KeyOwner(None, ctx.account_id)
    user = target_user(ctx, params, held=held)
    return KeyOwner(user.user_id, user.name)


def owned_key(ctx: OperationContext, owner: KeyOwner, access_key_id: str) -> AccessKey:
    key = access_keys.find_key(ctx.conn, access_key_id)
    if key is None or key.account_id != ctx.account_id or key.user_id != owner.user_id:
        raise access_keys.not_found(access_key_id)
    return key


def metadata_output(key: AccessKey, owner: KeyOwner) -> Output:
    return {
        "UserName": owner.user_name,
        "AccessKeyId": key.access_key_id,
        "Status": key.status,
        "CreateDate": key.created_at,
    }


def create_access_key(ctx: OperationContext, params: Params) -> Output:
    owner = key_owner(ctx, params, held=True)  # as `add_key` holds it
    secret = ids.secret_access_key()
    key = access_keys.add_key(
        ctx.conn,
        ctx.sealer,
        access_key_id=ids.access_key_id(),
        secret=secret,
        account_id=ctx.account_id,
        user_id=owner.user_id,
        created_at=ctx.now,
    )
    return {"AccessKey": {**metadata_output(key, owner), "SecretAccessKey": secret}}


def list_access_keys(ctx: OperationContext, params: Params) -> Output:
    # At most two keys exist per user, so one page always holds them all.
    owner = key_owner(ctx, params)
    keys = access_keys.keys_of(ctx.conn, ctx.account_id, owner.user_id)
    return {
        "AccessKeyMetadata": [metadata_output(key, owner) for key in keys],
        "IsTruncated": False,
    }


def update_access_key(ctx: OperationContext, params: Params) -> Output:
    owner = key_owner(ctx, params)
    key = owned_key(ctx, owner, params["AccessKeyId"])
    access_keys.set_status(ctx.conn, key.access_key_id, params["Status"])
    return {}


def delete_access_key(ctx: OperationContext, params: Params) -> Output:
    owner = key_owner(ctx, params)
    key = owned_key(ctx, owner, params["AccessKeyId"])
    access_keys.delete_key(ctx.conn, key.access_key_id)
    return {}


def get_access_key_last_used(ctx: OperationContext, params: Params) -> Output:
    access_key_id = params["AccessKeyId"]
    key = access_keys.find_key(ctx.conn, access_key_id)
    if key is None or key.account_id != ctx.account_id:
        # AWS does not reveal whether another account's (or no) key exists.
        raise AccessDenied(
            f"User: {ctx.caller.arn} is not authorized to perform iam:GetAccessKeyLastUsed "
            f"on resource: access key {access_key_id}"
        )
    last_used: Output = {
        "ServiceName": key.last_used_service or "N/A",
        "Region": key.last_used_region or "N/A",
    }
    if key.last_used_at is not None:
        last_used["LastUsedDate"] = key.last_used_at
    user = users.get_user_by_id(ctx.conn, key.user_id) if key.user_id else None
    user_name = user.name if user else ctx.account_id
    return {"UserName": user_name, "AccessKeyLastUsed": last_used}


OPERATIONS: OperationTable = {
    "CreateAccessKey": create_access_key,
    "ListAccessKeys": list_access_keys,
    "UpdateAccessKey": update_access_key,
    "DeleteAccessKey": delete_access_key,
    "GetAccessKeyLastUsed": get_access_key_last_used,
}
