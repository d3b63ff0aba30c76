"""AssumeRoleWithWebIdentity: an OpenID Connect ID token in exchange for a role session.

In (unsigned): ``RoleArn``, ``RoleSessionName``, ``WebIdentityToken`` (a JWT), the
optional session policies and ``DurationSeconds``. Out: ``Credentials``,
``SubjectFromWebIdentityToken``, ``AssumedRoleUser``, ``Provider``, ``Audience`` and
``PackedPolicySize`` when policies or tags were passed.

The token's ``iss`` names the OIDC provider registered in the role's account
(``https://host/path`` → ``arn:aws:iam::<acct>:oidc-provider/host/path``); its
signature must verify (`oidc_token`) with a key of the issuer's JWKS, which
`oidc_prefetch` fetched before the transaction opened — this operation never fetches;
its ``aud`` must be one of the provider's client ids, and ``exp``/``nbf``/``iat`` must
be numbers that hold at the server's clock. The role's trust policy then sees the
provider as a ``Federated`` principal and the claims as ``<host/path>:sub``, ``:aud``,
``:azp``, ``:amr`` and ``:iss`` condition keys; the ``https://aws.amazon.com/tags``
claim carries session tags (``principal_tags``, ``transitive_tag_keys``). A claim of
the wrong JSON type is InvalidIdentityToken, never a crash.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from iamd.authz.context_keys import ContextKeys
from iamd.errors import ExpiredTokenException, InvalidIdentityToken
from iamd.operation import OperationContext, OperationTable, Output, Params
from iamd.store.providers import OidcProvider
from iamd.sts.federated import FederatedRequest, assume_federated, federated_role
from iamd.sts.oidc_prefetch import keys_for, provider_for
from iamd.sts.oidc_token import MALFORMED, NO_KEY, read_unverified, verified_claims
from iamd.sts.session_tags import SessionTags, token_tags
from iamd.sts.trust import checked_role_arn

ACTION = "sts:AssumeRoleWithWebIdentity"
TAGS_CLAIM = "https://aws.amazon.com/tags"
WRONG_AUDIENCE = "Incorrect token audience"
NOT_YET_VALID = "The web identity token is not yet valid."
BAD_TAGS = "The web identity token's https://aws.amazon.com/tags claim is not valid."
CLAIM_KEYS = ("sub", "aud", "azp", "amr", "iss")
# A NumericDate further from 1970 than the year 9999 is no date at all.
MAX_TIMESTAMP = 253_402_300_800
_SCHEME = "https://"


def assume_role_with_web_identity(ctx: OperationContext, params: Params) -> Output:
    role_arn = checked_role_arn(params["RoleArn"])
    token = read_unverified(params["WebIdentityToken"])
    provider = _provider(ctx, role_arn.partition, role_arn.account, token.issuer)
    keys = keys_for(ctx.prepared, provider)
    if keys is None or keys.is_failure:
        raise InvalidIdentityToken(NO_KEY)
    claims = verified_claims(token, keys.keys)
    _check_times(ctx, claims)
    audience = _audience(claims, provider)
    role = federated_role(ctx, params["RoleArn"], ACTION)
    request = FederatedRequest(
        action=ACTION,
        provider_arn=provider.arn,
        session_name=params["RoleSessionName"],
        claims=claim_keys(provider, claims, audience),
        tags=_tags(claims),
    )
    output = assume_federated(ctx, params, role, request)
    output["SubjectFromWebIdentityToken"] = str(claims.get("sub", ""))
    output["Provider"] = provider.url.removeprefix(_SCHEME)
    output["Audience"] = audience
    return output


def _provider(ctx: OperationContext, partition: str, account_id: str, issuer: str) -> OidcProvider:
    provider = provider_for(ctx.conn, partition, account_id, issuer)
    if provider is None:
        raise InvalidIdentityToken(f"No OpenIDConnect provider found in your account for {issuer}")
    return provider


def _check_times(ctx: OperationContext, claims: Mapping[str, Any]) -> None:
    now = int(ctx.now.timestamp())
    expires = _timestamp(claims, "exp")
    if expires is None:
        raise InvalidIdentityToken("The web identity token has no expiration time.")
    if now >= expires:
        raise ExpiredTokenException(
            f"Token expired: current date/time {now} must be before the expiration "
            f"date/time {expires}"
        )
    not_before, issued = _timestamp(claims, "nbf"), _timestamp(claims, "iat")
    if (not_before is not None and now < not_before) or (issued is not None and now < issued):
        raise InvalidIdentityToken(NOT_YET_VALID)


def _timestamp(claims: Mapping[str, Any], name: str) -> int | None:
    """A NumericDate claim in whole seconds; a string, boolean, NaN or infinity is malformed."""
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidIdentityToken(MALFORMED)
    # Compare before converting: math.isfinite of a 4,000-digit int overflows.
    if not -MAX_TIMESTAMP <= value <= MAX_TIMESTAMP or not math.isfinite(value):
        raise InvalidIdentityToken(MALFORMED)
    return int(value)


def _audience(claims: Mapping[str, Any], provider: OidcProvider) -> str:
    """The token's audience that the provider lists as a client id."""
    raw = claims.get("aud")
    audiences = [raw] if isinstance(raw, str) else raw if isinstance(raw, list) else []
    for audience in audiences:
        if isinstance(audience, str) and audience in provider.client_ids:
            return audience
    raise InvalidIdentityToken(WRONG_AUDIENCE)


def claim_keys(provider: OidcProvider, claims: Mapping[str, Any], audience: str) -> ContextKeys:
    """The claims as a trust policy reads them: ``<host/path>:sub`` and the like."""
    prefix = provider.url.removeprefix(_SCHEME).rstrip("/")
    keys: ContextKeys = {f"{prefix}:aud": audience}
    for name in CLAIM_KEYS:
        value = claims.get(name)
        if name == "aud" or value is None:
            continue
        keys[f"{prefix}:{name}"] = _claim_value(value)
    return keys


def _claim_value(value: Any) -> str | list[str]:
    """A string or a list of strings; anything else could slip past a negated condition."""
    if isinstance(value, str):
        return value
    if _is_strings(value):
        return list(value)
    raise InvalidIdentityToken(MALFORMED)


def _tags(claims: Mapping[str, Any]) -> SessionTags:
    raw = claims.get(TAGS_CLAIM)
    if raw is None:
        return token_tags((), ())
    if not isinstance(raw, dict):
        raise InvalidIdentityToken(BAD_TAGS)
    principal_tags = raw.get("principal_tags", {})
    transitive = raw.get("transitive_tag_keys", [])
    if not isinstance(principal_tags, dict) or not _is_strings(transitive):
        raise InvalidIdentityToken(BAD_TAGS)
    tags = tuple((key, _tag_value(value)) for key, value in principal_tags.items())
    return token_tags(tags, transitive)


def _tag_value(value: Any) -> str:
    """A tag's value: a string, or (as AWS documents it) a list holding one."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], str):
        return value[0]
    raise InvalidIdentityToken(BAD_TAGS)


def _is_strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


OPERATIONS: OperationTable = {"AssumeRoleWithWebIdentity": assume_role_with_web_identity}
