"""A small OpenID Connect issuer on loopback: discovery, a JWKS, tokens signed with PyJWT.

The issuer's URL is ``https://127.0.0.1:<port><path>`` (IAM wants ``https://``; iamd
fetches loopback issuers over plain HTTP). A test may slow the JWKS down, replace its
body, add keys, and sign tokens with any of the issuer's keys or with raw JSON text
(PyJWS signs bytes, so a correctly signed token may carry claims json.dumps would not
write, like a 5,000-digit number).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

CLIENT_ID = "iamd-test-client"


@dataclass
class SigningKey:
    kid: str
    private_key: Any
    jwk: dict[str, Any]


def rsa_key(kid: str, **members: Any) -> SigningKey:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(RSAAlgorithm.to_jwk(private.public_key()))
    return SigningKey(kid, private, {**jwk, "kid": kid, **members})


def ec_key(kid: str, curve: ec.EllipticCurve, **members: Any) -> SigningKey:
    private = ec.generate_private_key(curve)
    jwk = json.loads(ECAlgorithm.to_jwk(private.public_key()))
    return SigningKey(kid, private, {**jwk, "kid": kid, **members})


@dataclass
class Issuer:
    """An OIDC issuer serving ``<path>/.well-known/openid-configuration`` and ``<path>/jwks``."""

    path: str = ""
    jwks_delay: float = 0.0
    jwks_body: bytes | None = None  # served instead of the key set, when set
    keys: list[SigningKey] = field(default_factory=list)
    requests: int = 0  # every GET, discovery included
    jwks_requests: int = 0
    jwks_served_at: float | None = None

    def __post_init__(self) -> None:
        if not self.keys:
            self.keys = [
                rsa_key("rsa-1", alg="RS256", use="sig"),
                ec_key("ec-1", ec.SECP256R1(), alg="ES256", use="sig"),
            ]
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.port = self.httpd.server_address[1]
        self.url = f"https://127.0.0.1:{self.port}{self.path}"
        self.host_path = self.url.removeprefix("https://")
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def key(self, kid: str) -> SigningKey:
        return next(key for key in self.keys if key.kid == kid)

    def jwks(self) -> dict[str, Any]:
        return {"keys": [key.jwk for key in self.keys]}

    def token(
        self, claims: dict[str, Any], *, kid: str = "rsa-1", algorithm: str = "RS256", **header: Any
    ) -> str:
        signing = self.key(kid)
        headers = {"kid": kid, "typ": "JWT", **header}
        return jwt.encode(claims, signing.private_key, algorithm=algorithm, headers=headers)

    def raw_token(self, payload: str, *, kid: str = "rsa-1", algorithm: str = "RS256") -> str:
        """A token correctly signed over this exact JSON text."""
        signing = self.key(kid)
        return jwt.api_jws.encode(
            payload.encode(), signing.private_key, algorithm=algorithm, headers={"kid": kid}
        )

    def claims(self, **claims: Any) -> dict[str, Any]:
        """Minimal valid claims for this issuer, updated with `claims`."""
        now = int(time.time())
        base = {"iss": self.url, "sub": "user-123", "aud": CLIENT_ID, "iat": now, "exp": now + 300}
        return {**base, **claims}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                issuer.requests += 1
                base = f"http://127.0.0.1:{issuer.port}{issuer.path}"
                if self.path == f"{issuer.path}/.well-known/openid-configuration":
                    body = json.dumps({"issuer": issuer.url, "jwks_uri": f"{base}/jwks"}).encode()
                elif self.path == f"{issuer.path}/jwks":
                    body = issuer._serve_jwks()
                else:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                return None

        return Handler

    def _serve_jwks(self) -> bytes:
        self.jwks_requests += 1
        time.sleep(self.jwks_delay)
        self.jwks_served_at = time.monotonic()
        return self.jwks_body if self.jwks_body is not None else json.dumps(self.jwks()).encode()
