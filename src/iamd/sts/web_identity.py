"""AssumeRoleWithWebIdentity: an OpenID Connect ID token in exchange for a role session.

In (unsigned): ``RoleArn``, ``RoleSessionName``, ``WebIdentityToken`` (a JWT), the
optional session policies and ``DurationSeconds``. Out: ``Credentials``,
``SubjectFromWebIdentityToken``, ``AssumedRoleUser``, ``Provider``, ``Audience`` and
``PackedPolicySize`` when policies or tags were passed.

The token's ``iss`` names the OIDC provider registered in the role's account
(``https://host/path`` → ``arn:aws:iam::<acct>:oidc-provider/host/path``); its
signature must verify with a key of the issuer's JWKS (`oidc_keys`, `jwt`), its
``aud`` must be one of the provider's client ids, and ``exp``/``nbf``/``iat`` must
hold at the server's clock. The role's trust policy then sees the provider as a
``Federated`` principal and the claims as ``<host/path>:sub``, ``:aud``, ``:azp``,
``:amr`` and ``:iss`` condition keys; the ``https://aws.amazon.com/tags`` claim
carries session tags (``principal_tags``, ``transitive_tag_keys``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from iamd.authz.context_keys import ContextKeys
from iamd.errors import ExpiredTokenException, InvalidIdentityToken
from iamd.operation import OperationContext, OperationTable, Output, Params
from iamd.store import providers
from iamd.store.providers import OidcProvider
from iamd.sts import oidc_keys
from iamd.sts.federated import FederatedRequest, assume_federated, federated_role
from iamd.sts.jwt import Jwt, has_key_for, parse_jwt, verify_jwt
from iamd.sts.session_tags import SessionTags, token_tags
from iamd.sts.trust import checked_role_arn

ACTION = "sts:AssumeRoleWithWebIdentity"
TAGS_CLAIM = "https://aws.amazon.com/tags"
WRONG_AUDIENCE = "Incorrect token audience"
NOT_YET_VALID = "The web identity token is not yet valid."
CLAIM_KEYS = ("sub", "aud", "azp", "amr", "iss")
_SCHEME = "https://"


def assume_role_with_web_identity(ctx: OperationContext, params: Params) -> Output:
    role_arn = checked_role_arn(params["RoleArn"])
    token = parse_jwt(params["WebIdentityToken"])
    issuer = str(token.claims.get("iss") or "")
    provider = _provider(ctx, role_arn.partition, role_arn.account, issuer)
    _verify_signature(token, provider)
    _check_times(ctx, token.claims)
    audience = _audience(token.claims, provider)
    role = federated_role(ctx, params["RoleArn"], ACTION)
    request = FederatedRequest(
        action=ACTION,
        provider_arn=provider.arn,
        session_name=params["RoleSessionName"],
        claims=claim_keys(provider, token.claims, audience),
        tags=_tags(token.claims),
    )
    output = assume_federated(ctx, params, role, request)
    output["SubjectFromWebIdentityToken"] = str(token.claims.get("sub", ""))
    output["Provider"] = provider.url.removeprefix(_SCHEME)
    output["Audience"] = audience
    return output


def _provider(ctx: OperationContext, partition: str, account_id: str, issuer: str) -> OidcProvider:
    host_path = issuer.removeprefix(_SCHEME).rstrip("/")
    arn = f"arn:{partition}:iam::{account_id}:oidc-provider/{host_path}"
    provider = providers.oidc_provider_for(ctx.conn, arn) if issuer.startswith(_SCHEME) else None
    if provider is None:
        raise InvalidIdentityToken(f"No OpenIDConnect provider found in your account for {issuer}")
    return provider


def _verify_signature(token: Jwt, provider: OidcProvider) -> None:
    keys = oidc_keys.issuer_keys(provider.url)
    if not has_key_for(token, keys):  # perhaps a key rotated in since we fetched
        keys = oidc_keys.issuer_keys(provider.url, refresh=True)
    verify_jwt(token, keys)


def _check_times(ctx: OperationContext, claims: Mapping[str, Any]) -> None:
    now = int(ctx.now.timestamp())
    expires = _number(claims.get("exp"))
    if expires is None:
        raise InvalidIdentityToken("The web identity token has no expiration time.")
    if now >= expires:
        raise ExpiredTokenException(
            f"Token expired: current date/time {now} must be before the expiration "
            f"date/time {expires}"
        )
    not_before, issued = _number(claims.get("nbf")), _number(claims.get("iat"))
    if (not_before is not None and now < not_before) or (issued is not None and now < issued):
        raise InvalidIdentityToken(NOT_YET_VALID)


def _number(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _audience(claims: Mapping[str, Any], provider: OidcProvider) -> str:
    """The token's audience that the provider lists as a client id."""
    raw = claims.get("aud")
    audiences = [raw] if isinstance(raw, str) else list(raw) if isinstance(raw, list) else []
    for audience in audiences:
        if audience in provider.client_ids:
            return str(audience)
    raise InvalidIdentityToken(WRONG_AUDIENCE)


def claim_keys(provider: OidcProvider, claims: Mapping[str, Any], audience: str) -> ContextKeys:
    """The claims as a trust policy reads them: ``<host/path>:sub`` and the like."""
    prefix = provider.url.removeprefix(_SCHEME).rstrip("/")
    keys: ContextKeys = {f"{prefix}:aud": audience}
    for name in CLAIM_KEYS:
        value = claims.get(name)
        if name == "aud" or value is None:
            continue
        key = f"{prefix}:{name}"
        keys[key] = [str(item) for item in value] if isinstance(value, list) else str(value)
    return keys


def _tags(claims: Mapping[str, Any]) -> SessionTags:
    raw = claims.get(TAGS_CLAIM)
    if not isinstance(raw, dict):
        return token_tags((), ())
    principal_tags = raw.get("principal_tags") or {}
    tags = tuple(
        (str(key), str(values[0] if isinstance(values, list) and values else values))
        for key, values in principal_tags.items()
    )
    transitive = [str(key) for key in raw.get("transitive_tag_keys") or []]
    return token_tags(tags, transitive)


OPERATIONS: OperationTable = {"AssumeRoleWithWebIdentity": assume_role_with_web_identity}
