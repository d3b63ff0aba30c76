"""JSON Web Tokens as AssumeRoleWithWebIdentity reads them: parsed, then signature-checked.

In: the compact JWT text, then the issuer's JSON Web Key Set. Out: `Jwt` (header,
claims) once its signature verifies with one of the issuer's keys, or AWS's
InvalidIdentityToken. RS256/RS384/RS512 (RSASSA-PKCS1-v1_5) and ES256/ES384/ES512
(ECDSA) are accepted, checked with `cryptography`; "none" and the HMAC algorithms —
whose "key" would be public — never are.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from iamd.errors import InvalidIdentityToken

MALFORMED = (
    "The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)"
)
BAD_SIGNATURE = "The web identity token's signature could not be verified."
NO_KEY = (
    "Couldn't retrieve verification key from your identity provider,  please reference "
    "AssumeRoleWithWebIdentity documentation for requirements"
)

_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "256": hashes.SHA256,
    "384": hashes.SHA384,
    "512": hashes.SHA512,
}
_CURVES: dict[str, type[ec.EllipticCurve]] = {
    "P-256": ec.SECP256R1,
    "P-384": ec.SECP384R1,
    "P-521": ec.SECP521R1,
}
_KEY_TYPES = {"RS": "RSA", "ES": "EC"}


@dataclass(frozen=True)
class Jwt:
    header: Mapping[str, Any]
    claims: Mapping[str, Any]
    signing_input: bytes
    signature: bytes

    @property
    def algorithm(self) -> str:
        return str(self.header.get("alg", ""))


def parse_jwt(token: str) -> Jwt:
    """The token's parts, not yet trusted; InvalidIdentityToken unless it is a JWS."""
    parts = token.split(".")
    if len(parts) != 3:
        raise InvalidIdentityToken(MALFORMED)
    try:
        header = json.loads(b64url(parts[0]))
        claims = json.loads(b64url(parts[1]))
        signature = b64url(parts[2])
    except (ValueError, binascii.Error):
        raise InvalidIdentityToken(MALFORMED) from None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise InvalidIdentityToken(MALFORMED)
    return Jwt(header, claims, f"{parts[0]}.{parts[1]}".encode("ascii"), signature)


def b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def verify_jwt(jwt: Jwt, keys: Sequence[Mapping[str, Any]]) -> None:
    """Raise InvalidIdentityToken unless one of the issuer's keys verifies the token."""
    family, digest = jwt.algorithm[:2], _HASHES.get(jwt.algorithm[2:])
    if family not in _KEY_TYPES or digest is None:
        raise InvalidIdentityToken(BAD_SIGNATURE)
    candidates = [key for key in keys if _fits(key, jwt, _KEY_TYPES[family])]
    if not candidates:
        raise InvalidIdentityToken(NO_KEY)
    if not any(_verifies(key, jwt, digest()) for key in candidates):
        raise InvalidIdentityToken(BAD_SIGNATURE)


def has_key_for(jwt: Jwt, keys: Sequence[Mapping[str, Any]]) -> bool:
    family = _KEY_TYPES.get(jwt.algorithm[:2], "")
    return any(_fits(key, jwt, family) for key in keys)


def _fits(key: Mapping[str, Any], jwt: Jwt, key_type: str) -> bool:
    kid = jwt.header.get("kid")
    return key.get("kty") == key_type and (kid is None or key.get("kid") == kid)


def _verifies(key: Mapping[str, Any], jwt: Jwt, digest: hashes.HashAlgorithm) -> bool:
    try:
        if key["kty"] == "RSA":
            rsa_key = _rsa_key(key)
            rsa_key.verify(jwt.signature, jwt.signing_input, padding.PKCS1v15(), digest)
        else:
            ec_key = _ec_key(key)
            ec_key.verify(_der_signature(jwt.signature), jwt.signing_input, ec.ECDSA(digest))
    except (InvalidSignature, ValueError, KeyError, TypeError, binascii.Error):
        return False
    return True


def _rsa_key(key: Mapping[str, Any]) -> rsa.RSAPublicKey:
    numbers = rsa.RSAPublicNumbers(_integer(key["e"]), _integer(key["n"]))
    return numbers.public_key()


def _ec_key(key: Mapping[str, Any]) -> ec.EllipticCurvePublicKey:
    curve = _CURVES[str(key["crv"])]()
    numbers = ec.EllipticCurvePublicNumbers(_integer(key["x"]), _integer(key["y"]), curve)
    return numbers.public_key()


def _integer(text: str) -> int:
    return int.from_bytes(b64url(text), "big")


def _der_signature(raw: bytes) -> bytes:
    """JWS's ECDSA signature is r || s; cryptography wants DER."""
    if not raw or len(raw) % 2:
        raise ValueError("an ECDSA signature is two equal halves")
    half = len(raw) // 2
    return encode_dss_signature(
        int.from_bytes(raw[:half], "big"), int.from_bytes(raw[half:], "big")
    )
