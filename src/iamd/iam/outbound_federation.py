"""Outbound web identity federation: Enable…, Disable… and GetOutboundWebIdentityFederationInfo.

Enabling gives the account an issuer — ``https://<host>/outbound-federation/<id>``,
where ``<host>`` is the address the request reached iamd at and ``<id>`` a random id
of the account's own — at which iamd serves the OpenID discovery document and the
JWKS (`iamd.sts.issuer`). Once enabled, the account's principals may call
sts:GetWebIdentityToken. The issuer outlives a disable: enabling again gives it back.
"""

from __future__ import annotations

import uuid

from iamd.errors import FeatureDisabled, FeatureEnabled
from iamd.operation import OperationContext, OperationTable, Output, Params
from iamd.store import outbound_federation
from iamd.store.outbound_federation import OutboundFederation

ISSUER_PATH = "/outbound-federation/"
ALREADY_ENABLED = "Outbound identity federation is already enabled for this account."
NOT_ENABLED = "Outbound identity federation is not enabled for this account."


def issuer_url(host: str, issuer_id: str) -> str:
    return f"https://{host}{ISSUER_PATH}{issuer_id}"


def enable_outbound_web_identity_federation(ctx: OperationContext, params: Params) -> Output:
    found = outbound_federation.find_for_account(ctx.conn, ctx.account_id)
    if found is not None and found.is_enabled:
        raise FeatureEnabled(ALREADY_ENABLED)
    if found is None:
        issuer_id = str(uuid.uuid4())
        found = OutboundFederation(
            ctx.account_id, issuer_id, issuer_url(ctx.meta.host, issuer_id), is_enabled=True
        )
        if not outbound_federation.insert_federation(ctx.conn, found, ctx.now):
            raise FeatureEnabled(ALREADY_ENABLED)  # a concurrent enable came first
    else:
        outbound_federation.set_enabled(ctx.conn, ctx.account_id, is_enabled=True, when=ctx.now)
    return {"IssuerIdentifier": found.issuer_url}


def disable_outbound_web_identity_federation(ctx: OperationContext, params: Params) -> Output:
    found = outbound_federation.find_for_account(ctx.conn, ctx.account_id)
    if found is None or not found.is_enabled:
        raise FeatureDisabled(NOT_ENABLED)
    outbound_federation.set_enabled(ctx.conn, ctx.account_id, is_enabled=False, when=ctx.now)
    return {}


def get_outbound_web_identity_federation_info(ctx: OperationContext, params: Params) -> Output:
    found = outbound_federation.find_for_account(ctx.conn, ctx.account_id)
    if found is None:
        raise FeatureDisabled(NOT_ENABLED)
    return {"IssuerIdentifier": found.issuer_url, "JwtVendingEnabled": found.is_enabled}


OPERATIONS: OperationTable = {
    "EnableOutboundWebIdentityFederation": enable_outbound_web_identity_federation,
    "DisableOutboundWebIdentityFederation": disable_outbound_web_identity_federation,
    "GetOutboundWebIdentityFederationInfo": get_outbound_web_identity_federation_info,
}
