"""An OpenID Connect ID token read with PyJWT: its claims before, then after, the signature holds.

In: the compact JWT text; then the issuer's keys (`oidc_keys`). Out: `UnverifiedToken`
(header and claims, trusted only to find the issuer and its key), then the verified
claims — or AWS's InvalidIdentityToken.

Only the asymmetric algorithms AWS accepts are: RS256/384/512, PS256/384/512 and
ES256/384/512; never ``none`` or HMAC, whose "key" would be public. A key is tried only
for the algorithm it fits: its ``kty`` (and for EC its ``crv``) must be the
algorithm's, its ``alg`` — when it names one — the token's, its ``use`` — when given —
``sig``, and its ``kid`` the token's when the token names one. PyJWT checks the
signature; times, issuer and audience are the caller's to check against the server's
clock and the registered provider.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import jwt
from jwt.types import Options

from iamd.errors import InvalidIdentityToken
from iamd.sts.oidc_keys import Jwk

MALFORMED = (
    "The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)"
)
BAD_SIGNATURE = "The web identity token's signature could not be verified."
NO_KEY = (
    "Couldn't retrieve verification key from your identity provider,  please reference "
    "AssumeRoleWithWebIdentity documentation for requirements"
)
# Algorithm → the key type it needs and, for ECDSA, the curve.
ALGORITHMS: Mapping[str, tuple[str, str | None]] = {
    "RS256": ("RSA", None),
    "RS384": ("RSA", None),
    "RS512": ("RSA", None),
    "PS256": ("RSA", None),
    "PS384": ("RSA", None),
    "PS512": ("RSA", None),
    "ES256": ("EC", "P-256"),
    "ES384": ("EC", "P-384"),
    "ES512": ("EC", "P-521"),
}
# PyJWT checks the signature (and that sub and jti are strings); the rest is ours.
VERIFY_OPTIONS: Options = {
    "verify_signature": True,
    "verify_exp": False,
    "verify_nbf": False,
    "verify_iat": False,
    "verify_aud": False,
    "verify_iss": False,
    "require": [],
    "enforce_minimum_key_length": True,
}
_READ_FAILURES = (jwt.PyJWTError, RecursionError, ValueError, TypeError)


@dataclass(frozen=True)
class UnverifiedToken:
    text: str
    algorithm: str
    key_id: str | None
    issuer: str
    claims: Mapping[str, Any]  # not yet trusted


def read_unverified(text: str) -> UnverifiedToken:
    """The token's header and claims, not yet trusted; InvalidIdentityToken unless a JWS."""
    try:
        header = jwt.get_unverified_header(text)
        claims = jwt.decode(text, options={"verify_signature": False})
    except _READ_FAILURES:
        raise InvalidIdentityToken(MALFORMED) from None
    algorithm, key_id, issuer = header.get("alg"), header.get("kid"), claims.get("iss", "")
    if not isinstance(algorithm, str) or not isinstance(issuer, str) or "crit" in header:
        raise InvalidIdentityToken(MALFORMED)
    if key_id is not None and not isinstance(key_id, str):
        raise InvalidIdentityToken(MALFORMED)
    return UnverifiedToken(text, algorithm, key_id, issuer, claims)


def fits(key: Jwk, token: UnverifiedToken) -> bool:
    """Whether this key may verify this token: bound to its algorithm, use and kid."""
    needs = ALGORITHMS.get(token.algorithm)
    if needs is None:
        return False
    key_type, curve = needs
    return (
        key.get("kty") == key_type
        and (curve is None or key.get("crv") == curve)
        and key.get("alg", token.algorithm) == token.algorithm
        and key.get("use", "sig") == "sig"
        and (token.key_id is None or key.get("kid") == token.key_id)
    )


def verified_claims(token: UnverifiedToken, keys: Iterable[Jwk]) -> Mapping[str, Any]:
    """The claims, once one of the issuer's fitting keys verifies the signature."""
    if token.algorithm not in ALGORITHMS:
        raise InvalidIdentityToken(BAD_SIGNATURE)
    candidates = [key for key in keys if fits(key, token)]
    if not candidates:
        raise InvalidIdentityToken(NO_KEY)
    for key in candidates:
        claims = _verified_with(token, key)
        if claims is not None:
            return claims
    raise InvalidIdentityToken(BAD_SIGNATURE)


def _verified_with(token: UnverifiedToken, key: Jwk) -> Mapping[str, Any] | None:
    """The claims if this key verifies the token; None if it does not or cannot."""
    try:
        jwk = jwt.PyJWK(dict(key), algorithm=token.algorithm)
    except Exception:  # a key PyJWT or cryptography cannot build is simply not used
        return None
    try:
        claims: Mapping[str, Any] = jwt.decode(
            token.text, key=jwk, algorithms=[token.algorithm], options=VERIFY_OPTIONS
        )
    except (jwt.InvalidSignatureError, jwt.InvalidKeyError, jwt.InvalidAlgorithmError):
        return None
    except _READ_FAILURES:
        raise InvalidIdentityToken(MALFORMED) from None
    return claims
