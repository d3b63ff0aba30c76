"""Encoded authorization messages: why a request was denied, readable only by its account.

`encode_authorization_message` turns a policy `Decision` into the opaque text that
services put in an AccessDenied answer (``Encoded authorization failure message:
…``): AWS's decoded JSON (``allowed``, ``explicitDeny``, ``matchedStatements``,
``failures``, ``context`` with the principal, action, resource and condition keys),
compressed and sealed with the master key, bound to the account of the denied
caller. DecodeAuthorizationMessage opens it again — for a caller of that account
whose policies allow ``sts:DecodeAuthorizationMessage`` (checked by `authorize`);
anything else is AWS's InvalidAuthorizationMessageException.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from typing import Any

from cryptography.exceptions import InvalidTag

from iamd.errors import InvalidAuthorizationMessageException
from iamd.operation import OperationContext, OperationTable, Output, Params
from iamd.policy import Decision
from iamd.store.sealing import Sealer

INVALID = "Message is not valid"


def encode_authorization_message(sealer: Sealer, decision: Decision) -> str:
    """The opaque message for a decision, decodable only within the caller's account."""
    account_id = decision.request.principal.account_id
    payload = zlib.compress(json.dumps(decoded_message(decision)).encode())
    return base64.urlsafe_b64encode(sealer.seal(payload, _bound_to(account_id))).decode()


def decoded_message(decision: Decision) -> dict[str, Any]:
    """AWS's decoded form of a decision."""
    request = decision.request
    principal = request.principal
    return {
        "allowed": decision.allowed,
        "explicitDeny": decision.kind == "explicitDeny",
        "matchedStatements": {"items": [_statement(m) for m in decision.matched]},
        "failures": {"items": []},
        "context": {
            "principal": {"id": principal.user_id, "arn": principal.arn},
            "action": request.action,
            "resource": request.resource,
            "conditions": {"items": [_condition(k, v) for k, v in request.context.items()]},
        },
    }


def _statement(matched: Any) -> dict[str, Any]:
    return {
        "statementId": matched.sid or "",
        "effect": "DENY" if matched.effect == "Deny" else "ALLOW",
        "source": matched.source,
        "policyId": matched.policy_id,
    }


def _condition(key: str, value: Any) -> dict[str, Any]:
    values = [value] if isinstance(value, str) else list(value)
    return {"key": key, "values": {"items": [{"value": str(item)} for item in values]}}


def decode_authorization_message(ctx: OperationContext, params: Params) -> Output:
    try:
        sealed = base64.urlsafe_b64decode(params["EncodedMessage"].encode())
        payload = ctx.sealer.open(sealed, _bound_to(ctx.account_id))
        message = json.loads(zlib.decompress(payload))
    except (binascii.Error, ValueError, InvalidTag, zlib.error):
        raise InvalidAuthorizationMessageException(INVALID) from None
    return {"DecodedMessage": json.dumps(message, separators=(",", ":"))}


def _bound_to(account_id: str) -> str:
    return f"iamd-authorization-message:{account_id}"


OPERATIONS: OperationTable = {"DecodeAuthorizationMessage": decode_authorization_message}
