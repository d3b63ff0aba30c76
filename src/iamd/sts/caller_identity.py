"""GetCallerIdentity and GetAccessKeyInfo: who is calling, and whose key is this."""

from __future__ import annotations

from iamd.errors import InvalidParameterValue
from iamd.operation import OperationContext, OperationTable, Output, Params
from iamd.store import access_keys


def get_caller_identity(ctx: OperationContext, params: Params) -> Output:
    caller = ctx.caller
    return {"UserId": caller.user_id, "Account": caller.account_id, "Arn": caller.arn}


def get_access_key_info(ctx: OperationContext, params: Params) -> Output:
    access_key_id = params["AccessKeyId"]
    key = access_keys.find_key(ctx.conn, access_key_id)
    if key is None:
        # AWS decodes the account from the key itself; iamd knows only keys it issued.
        raise InvalidParameterValue(f"The access key {access_key_id} was not issued by iamd.")
    return {"Account": key.account_id}


OPERATIONS: OperationTable = {
    "GetCallerIdentity": get_caller_identity,
    "GetAccessKeyInfo": get_access_key_info,
}
