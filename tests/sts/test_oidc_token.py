"""Which of an issuer's keys may verify a token: bound to its algorithm, use and kid."""

from __future__ import annotations

from typing import Any

import pytest

from iamd.errors import InvalidIdentityToken
from iamd.sts.oidc_token import UnverifiedToken, fits, read_unverified, verified_claims


def _token(algorithm: str, key_id: str | None = "k1") -> UnverifiedToken:
    return UnverifiedToken("", algorithm, key_id, "https://idp.example.com", {})


RSA = {"kty": "RSA", "kid": "k1", "n": "AQAB", "e": "AQAB"}
P256 = {"kty": "EC", "kid": "k1", "crv": "P-256", "x": "AA", "y": "AA"}


@pytest.mark.parametrize(
    ("algorithm", "key", "expected"),
    [
        ("RS256", RSA, True),
        ("PS384", RSA, True),
        ("RS256", {**RSA, "alg": "RS256", "use": "sig"}, True),
        ("PS256", {**RSA, "alg": "RS256"}, False),  # the key names another algorithm
        ("RS256", {**RSA, "use": "enc"}, False),  # meant for encryption
        ("RS256", {**RSA, "kid": "k2"}, False),  # another key
        ("ES256", RSA, False),  # wrong key type
        ("ES256", P256, True),
        ("ES384", P256, False),  # the curve is the algorithm's
        ("ES512", {**P256, "crv": "P-521"}, True),
        ("RS256", P256, False),
        ("HS256", {"kty": "oct", "kid": "k1", "k": "AA"}, False),
        ("HS256", RSA, False),
        ("none", RSA, False),
        ("EdDSA", {"kty": "OKP", "kid": "k1", "crv": "Ed25519", "x": "AA"}, False),
    ],
)
def test_a_key_fits_only_its_algorithm(algorithm: str, key: dict[str, Any], expected: bool) -> None:
    assert fits(key, _token(algorithm)) is expected


def test_a_token_without_kid_may_use_any_fitting_key() -> None:
    assert fits({**RSA, "kid": "whatever"}, _token("RS256", key_id=None))


@pytest.mark.parametrize("algorithm", ["none", "HS256", "HS384", "HS512", "EdDSA", ""])
def test_symmetric_and_unsigned_tokens_are_refused(algorithm: str) -> None:
    with pytest.raises(InvalidIdentityToken):
        verified_claims(_token(algorithm), [RSA])


@pytest.mark.parametrize("text", ["", "x", "a.b.c", "...", "e30.e30.", "e30.W10.x"])
def test_text_that_is_no_jws(text: str) -> None:
    with pytest.raises(InvalidIdentityToken):
        read_unverified(text)
