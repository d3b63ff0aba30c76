"""AssumeRoleWithWebIdentity against a small OpenID Connect issuer on loopback."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from support import error_of

CLIENT_ID = "iamd-test-client"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _int(value: int) -> str:
    return _b64(value.to_bytes((value.bit_length() + 7) // 8, "big"))


class Issuer:
    """An OIDC issuer: discovery document, JWKS, and tokens signed RS256 or ES256."""

    def __init__(self) -> None:
        self.rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.ec_key = ec.generate_private_key(ec.SECP256R1())
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"https://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def jwks(self) -> dict[str, Any]:
        rsa_numbers = self.rsa_key.public_key().public_numbers()
        ec_numbers = self.ec_key.public_key().public_numbers()
        return {
            "keys": [
                {
                    "kty": "RSA",
                    "kid": "rsa-1",
                    "alg": "RS256",
                    "use": "sig",
                    "n": _int(rsa_numbers.n),
                    "e": _int(rsa_numbers.e),
                },
                {
                    "kty": "EC",
                    "kid": "ec-1",
                    "crv": "P-256",
                    "alg": "ES256",
                    "x": _b64(ec_numbers.x.to_bytes(32, "big")),
                    "y": _b64(ec_numbers.y.to_bytes(32, "big")),
                },
            ]
        }

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                base = f"http://127.0.0.1:{issuer.httpd.server_address[1]}"
                documents = {
                    "/.well-known/openid-configuration": {
                        "issuer": issuer.url,
                        "jwks_uri": f"{base}/jwks",
                    },
                    "/jwks": issuer.jwks(),
                }
                body = json.dumps(documents.get(self.path, {})).encode()
                self.send_response(200 if self.path in documents else 404)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                return None

        return Handler

    def token(self, *, algorithm: str = "RS256", **claims: Any) -> str:
        now = int(time.time())
        body = {"iss": self.url, "sub": "user-123", "aud": CLIENT_ID, "iat": now, "exp": now + 300}
        body.update(claims)
        kid = "rsa-1" if algorithm == "RS256" else "ec-1"
        header = {"alg": algorithm, "kid": kid, "typ": "JWT"}
        signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(body).encode())}"
        return f"{signing_input}.{_b64(self._sign(signing_input.encode(), algorithm))}"

    def _sign(self, data: bytes, algorithm: str) -> bytes:
        if algorithm == "RS256":
            return self.rsa_key.sign(data, padding.PKCS1v15(), hashes.SHA256())
        r, s = decode_dss_signature(self.ec_key.sign(data, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")


@pytest.fixture(scope="module")
def issuer() -> Iterator[Issuer]:
    running = Issuer()
    yield running
    running.httpd.shutdown()


@pytest.fixture
def anonymous_sts(server: Any) -> Any:
    return boto3.client(
        "sts",
        endpoint_url=server.endpoint,
        region_name="us-east-1",
        config=Config(signature_version=UNSIGNED),
    )


@pytest.fixture
def web_role(iam: Any, issuer: Issuer, account: Any) -> dict[str, Any]:
    provider = iam.create_open_id_connect_provider(
        Url=issuer.url, ClientIDList=[CLIENT_ID], ThumbprintList=["a" * 40]
    )["OpenIDConnectProviderArn"]
    host = issuer.url.removeprefix("https://")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": provider},
                "Action": ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"],
                "Condition": {
                    "StringEquals": {f"{host}:sub": "user-123", f"{host}:aud": CLIENT_ID}
                },
            }
        ],
    }
    role: dict[str, Any] = iam.create_role(
        RoleName="web", AssumeRolePolicyDocument=json.dumps(trust)
    )["Role"]
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "iam:ListRoles", "Resource": "*"}],
    }
    iam.put_role_policy(RoleName="web", PolicyName="p", PolicyDocument=json.dumps(policy))
    return role


@pytest.mark.parametrize("algorithm", ["RS256", "ES256"])
def test_token_for_a_role_session(
    anonymous_sts: Any,
    issuer: Issuer,
    web_role: dict[str, Any],
    account: Any,
    as_session: Any,
    algorithm: str,
) -> None:
    answer = anonymous_sts.assume_role_with_web_identity(
        RoleArn=web_role["Arn"],
        RoleSessionName="web-session",
        WebIdentityToken=issuer.token(algorithm=algorithm),
    )
    assert answer["SubjectFromWebIdentityToken"] == "user-123"
    assert answer["Audience"] == CLIENT_ID
    assert answer["Provider"] == issuer.url.removeprefix("https://")
    assert answer["AssumedRoleUser"]["Arn"] == (
        f"arn:aws:sts::{account.account_id}:assumed-role/web/web-session"
    )
    assert [r["RoleName"] for r in as_session("iam", answer).list_roles()["Roles"]] == ["web"]


@pytest.mark.parametrize(
    ("claims", "expected"),
    [
        ({"aud": "someone-else"}, ("InvalidIdentityToken", "Incorrect token audience")),
        (
            {"sub": "user-999"},
            ("AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity"),
        ),
        ({"iss": "https://127.0.0.1:1"}, ("InvalidIdentityToken", None)),
    ],
)
def test_claims_are_checked(
    anonymous_sts: Any,
    issuer: Issuer,
    web_role: dict[str, Any],
    claims: dict[str, Any],
    expected: tuple[str, str | None],
) -> None:
    with pytest.raises(ClientError) as excinfo:
        anonymous_sts.assume_role_with_web_identity(
            RoleArn=web_role["Arn"], RoleSessionName="s1", WebIdentityToken=issuer.token(**claims)
        )
    code, message, _ = error_of(excinfo)
    assert code == expected[0]
    if expected[1] is not None:
        assert message == expected[1]


def test_expired_and_forged_tokens(
    anonymous_sts: Any, issuer: Issuer, web_role: dict[str, Any]
) -> None:
    now = int(time.time())
    expired = issuer.token(iat=now - 600, exp=now - 60)
    with pytest.raises(ClientError) as excinfo:
        anonymous_sts.assume_role_with_web_identity(
            RoleArn=web_role["Arn"], RoleSessionName="s1", WebIdentityToken=expired
        )
    assert error_of(excinfo)[0] == "ExpiredTokenException"
    header, body, signature = issuer.token().split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=="))
    forged_body = _b64(json.dumps({**claims, "sub": "admin"}).encode())
    with pytest.raises(ClientError) as excinfo:
        anonymous_sts.assume_role_with_web_identity(
            RoleArn=web_role["Arn"],
            RoleSessionName="s1",
            WebIdentityToken=f"{header}.{forged_body}.{signature}",
        )
    assert error_of(excinfo)[0] == "InvalidIdentityToken"
    none_header = _b64(json.dumps({"alg": "none"}).encode())
    with pytest.raises(ClientError) as excinfo:
        anonymous_sts.assume_role_with_web_identity(
            RoleArn=web_role["Arn"], RoleSessionName="s1", WebIdentityToken=f"{none_header}.{body}."
        )
    assert error_of(excinfo)[0] == "InvalidIdentityToken"


def test_session_tags_from_the_token(
    anonymous_sts: Any, issuer: Issuer, web_role: dict[str, Any], as_session: Any
) -> None:
    tags = {"principal_tags": {"team": ["blue"]}, "transitive_tag_keys": ["team"]}
    answer = anonymous_sts.assume_role_with_web_identity(
        RoleArn=web_role["Arn"],
        RoleSessionName="tagged",
        WebIdentityToken=issuer.token(**{"https://aws.amazon.com/tags": tags}),
    )
    assert answer["PackedPolicySize"] >= 0
    assert as_session("sts", answer).get_caller_identity()["Arn"].endswith("/web/tagged")
