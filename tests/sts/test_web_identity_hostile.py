"""Hostile web identity tokens and key sets: each is AWS's error, never an InternalFailure.

Tokens nested thousands deep, correctly signed tokens whose times are NaN, infinite,
strings, booleans or 4,000-digit numbers, session-tag claims of the wrong JSON type,
key sets nested 50,000 deep or megabytes long, and text that is not base64 at all.
"""

from __future__ import annotations

import base64
import hmac
import json
import time
from collections.abc import Callable, Iterator
from hashlib import sha256
from typing import Any

import jwt.algorithms
import pytest
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import serialization

from sts.oidc_issuer import Issuer
from support import error_of

TAGS = "https://aws.amazon.com/tags"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _error(sts: Any, role: dict[str, Any], token: str) -> tuple[str, str]:
    with pytest.raises(ClientError) as excinfo:
        sts.assume_role_with_web_identity(
            RoleArn=role["Arn"], RoleSessionName="s1", WebIdentityToken=token
        )
    code, message, _ = error_of(excinfo)
    return code, message


@pytest.fixture(scope="module")
def issuer() -> Iterator[Issuer]:
    """One issuer for the tests that do not change it (each has its own account)."""
    running = Issuer()
    yield running
    running.stop()


@pytest.fixture
def role(issuer: Issuer, oidc_role: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    return oidc_role(issuer)


def test_a_header_nested_thousands_deep(
    unsigned_sts: Any, issuer: Issuer, role: dict[str, Any]
) -> None:
    header = '{"alg":"RS256","kid":' + "[" * 4000 + "]" * 4000 + "}"
    body = _b64(json.dumps(issuer.claims()).encode())
    token = f"{_b64(header.encode())}.{body}.{_b64(b'signature')}"
    assert _error(unsigned_sts, role, token)[0] == "InvalidIdentityToken"


def test_claims_nested_thousands_deep_and_signed(
    unsigned_sts: Any, issuer: Issuer, role: dict[str, Any]
) -> None:
    claims = json.dumps(issuer.claims())[:-1] + ', "amr": ' + "[" * 4000 + "]" * 4000 + "}"
    assert _error(unsigned_sts, role, issuer.raw_token(claims))[0] == "InvalidIdentityToken"


@pytest.mark.parametrize("depth", [200, 900])
def test_a_claim_nested_just_under_the_parsers_limit(
    unsigned_sts: Any, issuer: Issuer, role: dict[str, Any], depth: int
) -> None:
    """Deep enough that turning it into text would recurse, shallow enough to parse."""
    for name in ("sub", "azp", "amr", "aud"):
        claims = json.dumps(issuer.claims())[:-1] + f', "{name}": ' + "[" * depth + "]" * depth
        token = issuer.raw_token(claims + "}")
        assert _error(unsigned_sts, role, token)[0] == "InvalidIdentityToken", name


@pytest.mark.parametrize("claim", ["exp", "iat", "nbf"])
@pytest.mark.parametrize(
    "value",
    [
        "1e400",
        "-1e400",
        "NaN",
        "Infinity",
        "-Infinity",
        '"1700000000"',
        "true",
        "false",
        "[1700000000]",
        '{"at": 1700000000}',
        "9" * 4000,
        "-" + "9" * 4000,
        "9" * 5000,
        "1" + "0" * 30,
        "1.5e300",
    ],
)
def test_times_that_are_not_numbers(
    unsigned_sts: Any, issuer: Issuer, role: dict[str, Any], claim: str, value: str
) -> None:
    claims = {key: val for key, val in issuer.claims().items() if key != claim}
    text = json.dumps(claims)[:-1] + f', "{claim}": {value}' + "}"
    assert _error(unsigned_sts, role, issuer.raw_token(text))[0] == "InvalidIdentityToken"


@pytest.mark.parametrize(
    "tags",
    [
        [],
        "team=blue",
        42,
        None,
        {"principal_tags": ["team", "blue"]},
        {"principal_tags": "team=blue"},
        {"principal_tags": {"team": {"value": "blue"}}},
        {"principal_tags": {"team": [["blue"]]}},
        {"principal_tags": {"team": []}},
        {"principal_tags": {"team": ["blue", "green"]}},
        {"principal_tags": {"team": [7]}},
        {"principal_tags": {"team": None}},
        {"principal_tags": {"team": ["blue"]}, "transitive_tag_keys": "team"},
        {"principal_tags": {"team": ["blue"]}, "transitive_tag_keys": {"team": 1}},
        {"principal_tags": {"team": ["blue"]}, "transitive_tag_keys": [1, 2]},
        {"principal_tags": {"team": ["blue"]}, "transitive_tag_keys": [["team"]]},
    ],
)
def test_session_tag_claims_of_the_wrong_type(
    unsigned_sts: Any, issuer: Issuer, role: dict[str, Any], tags: Any
) -> None:
    token = issuer.token(issuer.claims(**{TAGS: tags}))
    if tags is None:  # a null claim is an absent one
        unsigned_sts.assume_role_with_web_identity(
            RoleArn=role["Arn"], RoleSessionName="s1", WebIdentityToken=token
        )
        return
    assert _error(unsigned_sts, role, token)[0] == "InvalidIdentityToken"


@pytest.mark.parametrize(
    "token",
    [
        "not-a-jwt",
        "ab.cd",
        "a.b.c.d",
        "!!!!.@@@@.####",
        "eyJhbGciOiJSUzI1NiJ9.%%%%.abc",
        _b64(b"\xff\xfe\xfd") + "." + _b64(b"{}") + ".abc",
        _b64(b'{"alg":"RS256"}') + "." + _b64(b"[1, 2]") + ".abc",
        _b64(b'"just a string"') + "." + _b64(b"{}") + ".abc",
        "é" * 10 + "." + "ü" * 10 + ".x",
        _b64(b'{"alg":"RS256"}') + ".." + "a" * 5,
    ],
)
def test_text_that_is_no_token(unsigned_sts: Any, role: dict[str, Any], token: str) -> None:
    assert _error(unsigned_sts, role, token)[0] == "InvalidIdentityToken"


@pytest.mark.parametrize(
    "header",
    [
        {"alg": "none"},
        {"alg": "HS256"},
        {"alg": "HS512", "kid": "rsa-1"},
        {"alg": "EdDSA", "kid": "rsa-1"},
        {"alg": ["RS256"]},
        {"alg": "RS256", "kid": 7},
        {"alg": "RS256", "kid": "rsa-1", "crit": ["b64"], "b64": False},
    ],
)
def test_headers_that_are_refused(
    unsigned_sts: Any, issuer: Issuer, role: dict[str, Any], header: dict[str, Any]
) -> None:
    body = _b64(json.dumps(issuer.claims()).encode())
    token = f"{_b64(json.dumps(header).encode())}.{body}.{_b64(b'x' * 256)}"
    assert _error(unsigned_sts, role, token)[0] == "InvalidIdentityToken"


def test_an_hmac_token_keyed_with_the_public_key(
    unsigned_sts: Any, issuer: Issuer, role: dict[str, Any]
) -> None:
    """The classic confusion: HS256 with the issuer's public key as the shared secret."""
    public_pem = (
        issuer.key("rsa-1")
        .private_key.public_key()
        .public_bytes(
            encoding=serialization.Encoding.PEM,
            format=serialization.PublicFormat.SubjectPublicKeyInfo,
        )
    )
    signing_input = (
        _b64(json.dumps({"alg": "HS256", "kid": "rsa-1"}).encode())
        + "."
        + _b64(json.dumps(issuer.claims()).encode())
    )
    signature = hmac.new(public_pem, signing_input.encode(), sha256).digest()
    token = f"{signing_input}.{_b64(signature)}"
    assert _error(unsigned_sts, role, token)[0] == "InvalidIdentityToken"


@pytest.mark.parametrize(
    "jwks_body",
    [
        b"[" * 50_000 + b"]" * 50_000,
        b'{"keys": ' + b"[" * 50_000 + b"]" * 50_000 + b"}",
        b'{"keys": [' + b" " * (3 * 1024 * 1024) + b"]}",
        b'{"keys": "none"}',
        b"not json at all",
        b'{"keys": [{"kty": "RSA", "kid": "rsa-1", "n": "!!!", "e": "AQAB"}]}',
        b'{"keys": [{"kty": "RSA", "kid": "rsa-1", "n": ' + b"[" * 900 + b"]" * 900 + b"}]}",
        b'{"keys": [{"kty": "RSA", "kid": "rsa-1", "n": 12345, "e": true}]}',
        b'{"keys": [{"kty": "RSA", "kid": "rsa-1"}]}',
        b'{"keys": [{"kty": "oct", "kid": "rsa-1", "k": "c2VjcmV0"}]}',
        b'{"keys": [' + b'{"kty": "RSA"},' * 20_000 + b"{}]}",
        b'{"keys": [{"kty": "RSA", "kid": "rsa-1", "n": "' + b"A" * 400_000 + b'", "e": "AQAB"}]}',
        b'{"keys": [{"kty": "RSA", "kid": "rsa-1", "n": "' + b"_" * 400_000 + b'", "e": "AQAB"}]}',
    ],
)
def test_key_sets_that_are_hostile(
    unsigned_sts: Any,
    new_issuer: Callable[..., Issuer],
    oidc_role: Callable[..., dict[str, Any]],
    jwks_body: bytes,
) -> None:
    issuer = new_issuer(jwks_body=jwks_body)
    role = oidc_role(issuer)
    assert _error(unsigned_sts, role, issuer.token(issuer.claims()))[0] == "InvalidIdentityToken"


def test_a_private_key_in_the_key_set_is_not_used(
    unsigned_sts: Any, new_issuer: Callable[..., Issuer], oidc_role: Callable[..., dict[str, Any]]
) -> None:
    """A JWK carrying its private part (an issuer's mistake) is not used to verify."""
    issuer = new_issuer()
    private_jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(issuer.key("rsa-1").private_key))
    issuer.jwks_body = json.dumps({"keys": [{**private_jwk, "kid": "rsa-1"}]}).encode()
    role = oidc_role(issuer)
    code, message = _error(unsigned_sts, role, issuer.token(issuer.claims()))
    assert (code, message[:39]) == (
        "InvalidIdentityToken",
        "Couldn't retrieve verification key from",
    )


def test_an_issuer_that_is_down(
    unsigned_sts: Any, new_issuer: Callable[..., Issuer], oidc_role: Callable[..., dict[str, Any]]
) -> None:
    issuer = new_issuer()
    role = oidc_role(issuer)
    token = issuer.token(issuer.claims())
    issuer.stop()
    code, message = _error(unsigned_sts, role, token)
    assert code == "InvalidIdentityToken"
    assert message.startswith("Couldn't retrieve verification key from your identity provider")


def test_an_expired_token_keeps_awss_message(
    unsigned_sts: Any, issuer: Issuer, role: dict[str, Any]
) -> None:
    now = int(time.time())
    code, message = _error(
        unsigned_sts, role, issuer.token(issuer.claims(iat=now - 90, exp=now - 30))
    )
    assert code == "ExpiredTokenException"
    assert message == (
        f"Token expired: current date/time {message.split()[4]} must be before the expiration "
        f"date/time {now - 30}"
    )
