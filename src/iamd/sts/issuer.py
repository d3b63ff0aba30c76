"""The documents iamd publishes as an OpenID Connect issuer for outbound federation.

In: an account's issuer (`iamd.store.outbound_federation`) and the published signing
keys. Out: the OpenID discovery document served at
``<issuer>/.well-known/openid-configuration`` and the JSON Web Key Set at its
``jwks_uri`` (``<issuer>/.well-known/jwks.json``) — what an external service fetches
to verify a token from sts:GetWebIdentityToken.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from iamd.store import outbound_federation, token_signing_keys

DISCOVERY_PATH = "/.well-known/openid-configuration"
JWKS_PATH = "/.well-known/jwks.json"


def discovery_document(conn: Connection, issuer_id: str) -> dict[str, Any] | None:
    """The issuer's discovery document; None for an issuer iamd never made."""
    federation = outbound_federation.find_by_issuer_id(conn, issuer_id)
    if federation is None:
        return None
    return {
        "issuer": federation.issuer_url,
        "jwks_uri": federation.issuer_url + JWKS_PATH,
        "response_types_supported": ["id_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": list(token_signing_keys.ALGORITHMS),
        "claims_supported": ["iss", "aud", "sub", "iat", "exp", "jti"],
    }


def key_set(conn: Connection, issuer_id: str, now: datetime) -> dict[str, Any] | None:
    """The keys that verify the issuer's tokens (every issuer shares iamd's keys)."""
    if outbound_federation.find_by_issuer_id(conn, issuer_id) is None:
        return None
    return {"keys": token_signing_keys.published_jwks(conn, now)}
