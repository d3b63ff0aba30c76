"""GetWebIdentityToken: a signed JWT that says who the caller is, for services outside.

In: ``Audience`` (1–10), ``SigningAlgorithm`` (RS256 or ES384), ``DurationSeconds``
(60–3600, 300 by default), optional ``Tags``, ``SubjectMode`` and ``Scope``. Out:
``WebIdentityToken`` and its ``Expiration``. The account must have outbound
federation enabled (`iamd.iam.outbound_federation`); the token's ``iss`` is its issuer.

Claims (IAM User Guide, "Understanding token claims"): ``iss``, ``aud`` (a string for
one audience, else a list), ``sub`` (the caller's ARN — for a role session the role's),
``iat``, ``exp``, ``jti`` and, under ``https://sts.amazonaws.com/``, ``aws_account``,
``source_region``, ``principal_id``, ``principal_tags`` and ``request_tags``. A token
never outlives the caller's session. iamd keeps no trusted identity propagation
context, so ``SubjectMode=OriginIdentity`` (and ``Scope``, which needs it) is refused.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import jwt

from iamd.errors import (
    InvalidParameterValue,
    JWTPayloadSizeExceeded,
    OutboundWebIdentityFederationDisabled,
    SessionDurationEscalation,
)
from iamd.operation import OperationContext, OperationTable, Output, Params
from iamd.store import outbound_federation, roles, tags, token_signing_keys
from iamd.store.outbound_federation import OutboundFederation

DEFAULT_DURATION = 300
NAMESPACE = "https://sts.amazonaws.com/"
MAX_PAYLOAD_BYTES = 16_384
DISABLED = (
    "The outbound web identity federation feature is not enabled for this account. "
    "To use this feature, you must first enable it through the AWS Management Console "
    "or API."
)


def get_web_identity_token(ctx: OperationContext, params: Params) -> Output:
    federation = _enabled_federation(ctx)
    algorithm = _algorithm(params["SigningAlgorithm"])
    _check_subject_mode(params)
    expires_at = _expiry(ctx, int(params.get("DurationSeconds") or DEFAULT_DURATION))
    claims = token_claims(ctx, federation, params, expires_at)
    payload = json.dumps(claims, separators=(",", ":"))
    if len(payload.encode()) > MAX_PAYLOAD_BYTES:
        raise JWTPayloadSizeExceeded("The requested token payload size exceeds the maximum.")
    key = token_signing_keys.current_key(ctx.conn, ctx.sealer, algorithm, ctx.now)
    token = jwt.encode(claims, key.private_key, algorithm=algorithm, headers={"kid": key.key_id})
    return {"WebIdentityToken": token, "Expiration": expires_at}


def _enabled_federation(ctx: OperationContext) -> OutboundFederation:
    found = outbound_federation.find_for_account(ctx.conn, ctx.account_id)
    if found is None or not found.is_enabled:
        raise OutboundWebIdentityFederationDisabled(DISABLED)
    return found


def _algorithm(name: str) -> str:
    if name not in token_signing_keys.ALGORITHMS:
        raise InvalidParameterValue(
            f"Unsupported signing algorithm {name}. Valid values are RS256 and ES384."
        )
    return name


def _check_subject_mode(params: Params) -> None:
    if params.get("SubjectMode") == "OriginIdentity":
        raise InvalidParameterValue(
            "The calling session has no trusted identity propagation context with an "
            "aws:OriginIdentity/Subject."
        )
    if params.get("Scope") is not None:
        raise InvalidParameterValue(
            "Scope can be specified only when SubjectMode is OriginIdentity."
        )


def _expiry(ctx: OperationContext, duration: int) -> datetime:
    expires_at = ctx.now.replace(microsecond=0) + timedelta(seconds=duration)
    session = ctx.caller.session
    if session is not None and expires_at > session.expires_at:
        raise SessionDurationEscalation(
            "The requested token duration would extend the session beyond its original "
            "expiration time."
        )
    return expires_at


def token_claims(
    ctx: OperationContext, federation: OutboundFederation, params: Params, expires_at: datetime
) -> dict[str, Any]:
    audiences: Sequence[str] = params["Audience"]
    principal_arn = _principal_arn(ctx)
    aws_claims: dict[str, Any] = {
        "aws_account": ctx.account_id,
        "source_region": ctx.region,
        "principal_id": principal_arn,
    }
    principal_tags = _principal_tags(ctx)
    if principal_tags:
        aws_claims["principal_tags"] = principal_tags
    if params.get("Tags"):
        aws_claims["request_tags"] = _request_tags(params["Tags"])
    return {
        "iss": federation.issuer_url,
        "aud": audiences[0] if len(audiences) == 1 else list(audiences),
        "sub": principal_arn,
        "iat": int(ctx.now.timestamp()),
        "exp": int(expires_at.timestamp()),
        "jti": str(uuid.uuid4()),
        NAMESPACE: aws_claims,
    }


def _principal_arn(ctx: OperationContext) -> str:
    """The caller's ARN; for a role session, the role's (as AWS's tokens name it)."""
    caller = ctx.caller
    if caller.kind != "assumed-role" or caller.entity_id is None:
        return caller.arn
    role = roles.get_role_by_id(ctx.conn, caller.entity_id)
    if role is None:
        return caller.arn
    return f"arn:{caller.partition}:iam::{caller.account_id}:role{role.path}{role.name}"


def _principal_tags(ctx: OperationContext) -> dict[str, str]:
    """The user's tags; for a role session, the role's overridden by the session's."""
    caller = ctx.caller
    kind = {"user": "user", "assumed-role": "role"}.get(caller.kind)
    own = tags.tags_of(ctx.conn, kind, caller.entity_id) if kind and caller.entity_id else []
    session_tags = caller.session.tags if caller.session is not None else ()
    overridden = {key.lower() for key, _ in session_tags}
    merged = [(key, value) for key, value in own if key.lower() not in overridden]
    return dict([*merged, *session_tags])


def _request_tags(tags: Sequence[Mapping[str, str]]) -> dict[str, str]:
    keys = [tag["Key"].lower() for tag in tags]
    if len(set(keys)) != len(keys):
        raise InvalidParameterValue("Duplicate tag keys found. Tag keys are case insensitive.")
    return {tag["Key"]: tag["Value"] for tag in tags}


OPERATIONS: OperationTable = {"GetWebIdentityToken": get_web_identity_token}
