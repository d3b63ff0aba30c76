"""Outbound web identity federation: iamd as an OpenID Connect issuer for its principals.

Enable/Disable/GetOutboundWebIdentityFederationInfo, sts:GetWebIdentityToken's claims
and rules, the discovery document and JWKS iamd serves, and end to end: a token iamd
issues to a principal of one account is accepted by AssumeRoleWithWebIdentity in a
second account whose OIDC provider names that issuer.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

import boto3
import jwt
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from support import error_of

AUDIENCE = "https://api.example.com"
NAMESPACE = "https://sts.amazonaws.com/"
ALLOW_STS = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "sts:*", "Resource": "*"}],
}


def error_from(call: Callable[[], Any]) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as excinfo:
        call()
    return error_of(excinfo)


def fetch_json(url: str) -> Any:
    """GET a document iamd serves (over plain HTTP: the test server has no TLS)."""
    with urllib.request.urlopen(url.replace("https://", "http://", 1), timeout=5) as answer:
        return json.loads(answer.read())


def verify(token: str, issuer: str, audience: str = AUDIENCE) -> dict[str, Any]:
    """Verify a token the way an outside service does: discovery, JWKS, signature."""
    discovery = fetch_json(issuer + "/.well-known/openid-configuration")
    assert discovery["issuer"] == issuer
    keys = {key["kid"]: key for key in fetch_json(discovery["jwks_uri"])["keys"]}
    header = jwt.get_unverified_header(token)
    key = jwt.PyJWK(keys[header["kid"]])
    claims: dict[str, Any] = jwt.decode(
        token, key.key, algorithms=[header["alg"]], audience=audience, issuer=issuer
    )
    return claims


def test_enable_info_disable(iam: Any, server: Any) -> None:
    info = lambda: iam.get_outbound_web_identity_federation_info()  # noqa: E731
    assert error_from(info)[0::2] == ("FeatureDisabled", 404)
    issuer = iam.enable_outbound_web_identity_federation()["IssuerIdentifier"]
    assert issuer.startswith("https://127.0.0.1:")
    assert "/outbound-federation/" in issuer
    assert info()["IssuerIdentifier"] == issuer
    assert info()["JwtVendingEnabled"] is True
    enable = lambda: iam.enable_outbound_web_identity_federation()  # noqa: E731
    assert error_from(enable)[0::2] == ("FeatureEnabled", 409)
    iam.disable_outbound_web_identity_federation()
    after = info()
    assert (after["IssuerIdentifier"], after["JwtVendingEnabled"]) == (issuer, False)
    disable = lambda: iam.disable_outbound_web_identity_federation()  # noqa: E731
    assert error_from(disable)[0::2] == ("FeatureDisabled", 404)
    assert enable()["IssuerIdentifier"] == issuer  # the account keeps its issuer


def test_token_needs_the_feature(sts: Any, iam: Any) -> None:
    call = lambda: sts.get_web_identity_token(Audience=[AUDIENCE], SigningAlgorithm="RS256")  # noqa: E731
    assert error_from(call)[0::2] == ("OutboundWebIdentityFederationDisabledException", 403)
    iam.enable_outbound_web_identity_federation()
    iam.disable_outbound_web_identity_federation()
    assert error_from(call)[0] == "OutboundWebIdentityFederationDisabledException"


@pytest.mark.parametrize("algorithm", ["RS256", "ES384"])
def test_token_claims_for_a_user(iam: Any, account: Any, make_client: Any, algorithm: str) -> None:
    issuer = iam.enable_outbound_web_identity_federation()["IssuerIdentifier"]
    user = iam.create_user(UserName="builder", Tags=[{"Key": "team", "Value": "data"}])["User"]
    policy = {"Effect": "Allow", "Action": "sts:GetWebIdentityToken", "Resource": "*"}
    document = json.dumps({"Version": "2012-10-17", "Statement": [policy]})
    iam.put_user_policy(UserName="builder", PolicyName="p", PolicyDocument=document)
    key = iam.create_access_key(UserName="builder")["AccessKey"]
    sts = make_client("sts", key["AccessKeyId"], key["SecretAccessKey"])
    answer = sts.get_web_identity_token(
        Audience=[AUDIENCE],
        SigningAlgorithm=algorithm,
        DurationSeconds=120,
        Tags=[{"Key": "job", "Value": "42"}],
    )
    claims = verify(answer["WebIdentityToken"], issuer)
    assert claims["sub"] == user["Arn"]
    assert claims["exp"] - claims["iat"] == 120
    assert int(answer["Expiration"].timestamp()) == claims["exp"]
    assert claims[NAMESPACE] == {
        "aws_account": account.account_id,
        "source_region": "us-east-1",
        "principal_id": user["Arn"],
        "principal_tags": {"team": "data"},
        "request_tags": {"job": "42"},
    }
    assert jwt.get_unverified_header(answer["WebIdentityToken"])["alg"] == algorithm


def test_needs_permission(iam: Any, new_user: Any, make_client: Any) -> None:
    iam.enable_outbound_web_identity_federation()
    denied = new_user("nobody")
    sts = make_client("sts", denied.key_id, denied.secret)
    call = lambda: sts.get_web_identity_token(Audience=[AUDIENCE], SigningAlgorithm="RS256")  # noqa: E731
    code, message, status = error_from(call)
    assert (code, status) == ("AccessDenied", 403)
    assert "sts:GetWebIdentityToken" in message


def test_rules_on_the_request(sts: Any, iam: Any) -> None:
    issuer = iam.enable_outbound_web_identity_federation()["IssuerIdentifier"]
    two = sts.get_web_identity_token(Audience=["a", "b"], SigningAlgorithm="RS256")
    claims = jwt.decode(two["WebIdentityToken"], options={"verify_signature": False})
    assert claims["aud"] == ["a", "b"] and claims["iss"] == issuer
    assert claims["exp"] - claims["iat"] == 300  # the default duration
    bad_algorithm = lambda: sts.get_web_identity_token(Audience=["a"], SigningAlgorithm="HS256")  # noqa: E731
    assert error_from(bad_algorithm)[0] == "InvalidParameterValue"
    origin = lambda: sts.get_web_identity_token(  # noqa: E731
        Audience=["a"], SigningAlgorithm="RS256", SubjectMode="OriginIdentity"
    )
    assert error_from(origin)[0] == "InvalidParameterValue"


def test_token_never_outlives_the_session(
    iam: Any, new_user: Any, new_role: Any, trust_doc: Any, make_client: Any, as_session: Any
) -> None:
    iam.enable_outbound_web_identity_federation()
    caller = new_user("caller", policy=json.dumps(ALLOW_STS))
    role = new_role("vendor", trust_doc({"AWS": caller.arn}), policy=json.dumps(ALLOW_STS))
    sts = make_client("sts", caller.key_id, caller.secret)
    answer = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="s1", DurationSeconds=900)
    session_sts = as_session("sts", answer)
    long = lambda: session_sts.get_web_identity_token(  # noqa: E731
        Audience=["a"], SigningAlgorithm="RS256", DurationSeconds=3600
    )
    assert error_from(long)[0::2] == ("SessionDurationEscalationException", 403)
    token = session_sts.get_web_identity_token(Audience=["a"], SigningAlgorithm="RS256")
    claims = jwt.decode(token["WebIdentityToken"], options={"verify_signature": False})
    assert claims["sub"] == role["Arn"]  # a role session is named by its role


def test_documents_for_an_unknown_issuer_are_not_found(server: Any) -> None:
    url = server.endpoint + "/outbound-federation/nope/.well-known/openid-configuration"
    with pytest.raises(urllib.error.HTTPError) as excinfo:
        urllib.request.urlopen(url, timeout=5)
    assert excinfo.value.code == 404


def test_token_from_one_account_assumes_a_role_in_another(
    server: Any, iam: Any, sts: Any, account: Any
) -> None:
    """iamd trusts its own issuer as it would any OIDC provider (an iamd extension:
    AWS's own tokens are not accepted by AWS's AssumeRoleWithWebIdentity)."""
    issuer = iam.enable_outbound_web_identity_federation()["IssuerIdentifier"]
    token = sts.get_web_identity_token(Audience=[AUDIENCE], SigningAlgorithm="ES384")
    subject = f"arn:aws:iam::{account.account_id}:root"
    other = server.new_account()
    other_iam = server.client("iam", other.access_key_id, other.secret_access_key)
    provider_arn = other_iam.create_open_id_connect_provider(Url=issuer, ClientIDList=[AUDIENCE])[
        "OpenIDConnectProviderArn"
    ]
    host_path = issuer.removeprefix("https://")
    trust = {
        "Effect": "Allow",
        "Principal": {"Federated": provider_arn},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {f"{host_path}:sub": subject}},
    }
    role = other_iam.create_role(
        RoleName="from-partner",
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [trust]}),
    )["Role"]
    anonymous = boto3.client(
        "sts",
        endpoint_url=server.endpoint,
        region_name="us-east-1",
        config=Config(signature_version=UNSIGNED),
    )
    answer = anonymous.assume_role_with_web_identity(
        RoleArn=role["Arn"], RoleSessionName="partner", WebIdentityToken=token["WebIdentityToken"]
    )
    assert answer["SubjectFromWebIdentityToken"] == subject
    assert answer["Audience"] == AUDIENCE
    assert answer["AssumedRoleUser"]["Arn"] == (
        f"arn:aws:sts::{other.account_id}:assumed-role/from-partner/partner"
    )
