"""The keys iamd signs outbound web identity tokens with, rotated and published.

In: an algorithm (RS256: RSA 2048; ES384: ECDSA P-384), the clock and the sealer.
Out: the current signing key of that algorithm — made on first use, replaced once it
is `ROTATE_AFTER` old — and the public keys to publish in the JWKS: every key in use
and every retired key for `PUBLISH_RETIRED_FOR` after it retired, longer than any
token it signed can live, so a verifier never meets a token whose key it cannot find.
Private keys are stored sealed under the master key, bound to their key id.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from sqlalchemy import Connection, insert, or_, select, update

from iamd.clock import as_utc
from iamd.store.schema import token_signing_keys
from iamd.store.sealing import Sealer

ALGORITHMS = ("RS256", "ES384")
ROTATE_AFTER = timedelta(days=30)
PUBLISH_RETIRED_FOR = timedelta(days=1)  # tokens live an hour at most
_TABLE = token_signing_keys.c

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


@dataclass(frozen=True)
class SigningKey:
    key_id: str
    algorithm: str
    private_key: PrivateKey


def current_key(conn: Connection, sealer: Sealer, algorithm: str, now: datetime) -> SigningKey:
    """The key to sign with now: the newest unretired one, rotated when it is too old."""
    query = (
        select(token_signing_keys)
        .where(_TABLE.algorithm == algorithm, _TABLE.retired_at.is_(None))
        .order_by(_TABLE.created_at.desc())
    )
    row = conn.execute(query).first()
    if row is not None and now - as_utc(row.created_at) < ROTATE_AFTER:
        return _opened(row, sealer)
    if row is not None:
        retire = update(token_signing_keys).where(_TABLE.key_id == row.key_id)
        conn.execute(retire.values(retired_at=now))
    return _new_key(conn, sealer, algorithm, now)


def published_jwks(conn: Connection, now: datetime) -> list[dict[str, Any]]:
    """The public keys a verifier may need, as JWKs, newest first."""
    recent = or_(_TABLE.retired_at.is_(None), _TABLE.retired_at > now - PUBLISH_RETIRED_FOR)
    query = select(_TABLE.public_jwk).where(recent).order_by(_TABLE.created_at.desc())
    return [json.loads(text) for text in conn.execute(query).scalars()]


def _new_key(conn: Connection, sealer: Sealer, algorithm: str, now: datetime) -> SigningKey:
    key_id = secrets.token_urlsafe(16)
    private_key = _generate(algorithm)
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    row = {
        "key_id": key_id,
        "algorithm": algorithm,
        "private_key_sealed": sealer.seal(pem, _bound_to(key_id)),
        "public_jwk": json.dumps(_public_jwk(private_key, key_id, algorithm)),
        "created_at": now,
    }
    conn.execute(insert(token_signing_keys).values(row))
    return SigningKey(key_id, algorithm, private_key)


def _generate(algorithm: str) -> PrivateKey:
    if algorithm == "RS256":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ec.generate_private_key(ec.SECP384R1())


def _public_jwk(private_key: PrivateKey, key_id: str, algorithm: str) -> dict[str, Any]:
    public_key = private_key.public_key()
    jwk: dict[str, Any]
    if isinstance(public_key, rsa.RSAPublicKey):
        jwk = RSAAlgorithm.to_jwk(public_key, as_dict=True)
    else:
        jwk = ECAlgorithm.to_jwk(public_key, as_dict=True)
    return {**jwk, "kid": key_id, "alg": algorithm, "use": "sig"}


def _opened(row: Any, sealer: Sealer) -> SigningKey:
    pem = sealer.open(row.private_key_sealed, _bound_to(row.key_id))
    private_key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(private_key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise ValueError(f"signing key {row.key_id} is not an RSA or EC key")
    return SigningKey(row.key_id, row.algorithm, private_key)


def _bound_to(key_id: str) -> str:
    return f"iamd-token-signing-key:{key_id}"
