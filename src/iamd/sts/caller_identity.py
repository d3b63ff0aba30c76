"""GetCallerIdentity and GetAccessKeyInfo: who is calling, and whose key is this.

GetCallerIdentity answers for every principal: the root user, an IAM user, a role
session (``AROA…:session``, ``…:assumed-role/role/session``) and a federated user
(``<acct>:<name>``, ``…:federated-user/<name>``). GetAccessKeyInfo reads the account
out of a temporary (ASIA…) key id itself, as AWS does, and looks long-term keys up.
"""

from __future__ import annotations

from iamd import ids
from iamd.auth import sessions
from iamd.errors import InvalidParameterValue
from iamd.operation import OperationContext, OperationTable, Output, Params
from iamd.store import access_keys


def get_caller_identity(ctx: OperationContext, params: Params) -> Output:
    caller = ctx.caller
    return {"UserId": caller.user_id, "Account": caller.account_id, "Arn": caller.arn}


def get_access_key_info(ctx: OperationContext, params: Params) -> Output:
    access_key_id = params["AccessKeyId"]
    if access_key_id.startswith(ids.SESSION_KEY):
        account_id = sessions.account_of_key_id(access_key_id)
        if account_id is not None:
            return {"Account": account_id}
    key = access_keys.find_key(ctx.conn, access_key_id)
    if key is None:
        # AWS decodes the account from the key itself; iamd knows only keys it issued.
        raise InvalidParameterValue(f"The access key {access_key_id} was not issued by iamd.")
    return {"Account": key.account_id}


OPERATIONS: OperationTable = {
    "GetCallerIdentity": get_caller_identity,
    "GetAccessKeyInfo": get_access_key_info,
}
