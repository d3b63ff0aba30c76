"""Account properties and STS preferences: Get/PutAccountProperties and
SetSecurityTokenServicePreferences.

Account properties are ``Namespace/PropertyName`` → string pairs (API reference:
exactly one ``/``, not first or last; one namespace per request), kept per account.
The STS preference is the global endpoint's token version, ``v1Token`` or
``v2Token``, which GetAccountSummary reports as ``GlobalEndpointTokenVersion`` 1 or 2.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import Connection

from iamd.errors import InvalidInput
from iamd.operation import OperationContext, OperationTable, Output, Params
from iamd.store import account_preferences

PROPERTY_PREFIX = "property:"
TOKEN_VERSION = "sts/GlobalEndpointTokenVersion"
TOKEN_VERSIONS = {"v1Token": 1, "v2Token": 2}
DEFAULT_TOKEN_VERSION = 1  # AWS's for an account that never set one


def get_account_properties(ctx: OperationContext, params: Params) -> Output:
    found = account_preferences.read_preferences(ctx.conn, ctx.account_id, PROPERTY_PREFIX)
    return {"Properties": dict(sorted(found.items()))}


def put_account_properties(ctx: OperationContext, params: Params) -> Output:
    properties: Mapping[str, str] = params["Properties"]
    check_one_namespace(properties)
    stored = {f"{PROPERTY_PREFIX}{key}": value for key, value in properties.items()}
    account_preferences.write_preferences(ctx.conn, ctx.account_id, stored, ctx.now)
    return {}


def check_one_namespace(properties: Mapping[str, str]) -> None:
    if not properties:
        raise InvalidInput("Properties must contain at least one property.")
    for key in properties:
        namespace, _, name = key.partition("/")
        if not namespace or not name or "/" in name:
            raise InvalidInput(f"Property key {key} must have the format Namespace/PropertyName.")
    if len({key.partition("/")[0] for key in properties}) > 1:
        raise InvalidInput("All properties in a request must belong to the same namespace.")


def set_security_token_service_preferences(ctx: OperationContext, params: Params) -> Output:
    version = {TOKEN_VERSION: params["GlobalEndpointTokenVersion"]}
    account_preferences.write_preferences(ctx.conn, ctx.account_id, version, ctx.now)
    return {}


def global_endpoint_token_version(conn: Connection, account_id: str) -> int:
    """What GetAccountSummary reports: 1 unless the account chose version 2 tokens."""
    chosen = account_preferences.find_preference(conn, account_id, TOKEN_VERSION)
    return TOKEN_VERSIONS.get(chosen or "", DEFAULT_TOKEN_VERSION)


OPERATIONS: OperationTable = {
    "GetAccountProperties": get_account_properties,
    "PutAccountProperties": put_account_properties,
    "SetSecurityTokenServicePreferences": set_security_token_service_preferences,
}
