"""``iamd gateway --service execute-api``: API Gateway's AWS_IAM authorization in front of
an HTTP API, with ``curl --aws-sigv4`` and botocore's SigV4Auth as the clients."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from gateway_support import (
    EchoUpstream,
    GatewayProcess,
    allow_policy,
    api_arn,
    start_api_gateway,
    user,
)
from gateway_support import api_curl as curl
from support import IamdServer, RootCredential

INVOKE = "execute-api:Invoke"


@pytest.fixture
def api_owner(server: IamdServer) -> RootCredential:
    return server.new_account()


@pytest.fixture
def api(
    server: IamdServer, echo: EchoUpstream, api_owner: RootCredential
) -> Iterator[GatewayProcess]:
    running = start_api_gateway(server, echo.endpoint, api_owner.account_id)
    yield running
    running.stop()


def botocore_call(
    gateway: GatewayProcess,
    key: tuple[str, str],
    method: str,
    path: str,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    tamper: bytes | None = None,
    token: str | None = None,
) -> tuple[int, dict[str, Any]]:
    import urllib.error
    import urllib.request

    request = AWSRequest(
        method=method, url=gateway.endpoint + path, data=body, headers=headers or {}
    )
    SigV4Auth(Credentials(key[0], key[1], token), "execute-api", "us-east-1").add_auth(request)
    prepared = urllib.request.Request(
        gateway.endpoint + path,
        data=tamper if tamper is not None else (body or None),
        method=method,
        headers=dict(request.headers.items()),
    )
    try:
        with urllib.request.urlopen(prepared) as answer:
            return answer.status, json.loads(answer.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def test_curl_with_aws_sigv4_reaches_the_api_as_the_signing_user(
    api: GatewayProcess, api_owner: RootCredential, make_client: Callable[..., Any]
) -> None:
    key = user(
        make_client,
        api_owner,
        "caller",
        {
            "Effect": "Allow",
            "Action": INVOKE,
            "Resource": api_arn(api_owner.account_id, "prod/GET/pets/*"),
        },
    )
    status, seen = curl(api, key, "/prod/pets/7?color=red")
    assert status == 200, seen
    assert seen["path"] == "/pets/7?color=red"
    assert (
        seen["headers"]["x-iamd-principal-arn"]
        == f"arn:aws:iam::{api_owner.account_id}:user/caller"
    )
    assert seen["headers"]["x-iamd-account"] == api_owner.account_id
    assert "authorization" not in seen["headers"]
    status, denial = curl(api, key, "/prod/pets/7", "-X", "DELETE")
    assert status == 403
    caller_arn = f"arn:aws:iam::{api_owner.account_id}:user/caller"
    resource = api_arn(api_owner.account_id, "prod/DELETE/pets/7")
    assert denial["Message"].startswith(
        f"User: {caller_arn} is not authorized to perform: {INVOKE} on resource: {resource}"
    )


def test_botocore_signed_bodies_are_checked(
    api: GatewayProcess, api_owner: RootCredential, make_client: Callable[..., Any]
) -> None:
    key = user(
        make_client,
        api_owner,
        "poster",
        {
            "Effect": "Allow",
            "Action": INVOKE,
            "Resource": api_arn(api_owner.account_id, "prod/POST/*"),
        },
    )
    status, seen = botocore_call(
        api, key, "POST", "/prod/orders", b'{"qty": 2}', {"content-type": "application/json"}
    )
    assert status == 200 and seen["body"] == '{"qty": 2}'
    status, error = botocore_call(
        api,
        key,
        "POST",
        "/prod/orders",
        b'{"qty": 2}',
        {"content-type": "application/json"},
        tamper=b'{"qty": 9}',
    )
    assert status == 403 and "signature" in error["message"]


def test_claims_in_x_iamd_headers_are_stripped_even_when_signed(
    api: GatewayProcess,
    api_owner: RootCredential,
    make_client: Callable[..., Any],
    echo: EchoUpstream,
) -> None:
    key = user(
        make_client, api_owner, "sneaky", {"Effect": "Allow", "Action": INVOKE, "Resource": "*"}
    )
    status, seen = botocore_call(
        api,
        key,
        "GET",
        "/prod/whoami",
        headers={
            "X-Iamd-Principal-Arn": "arn:aws:iam::999999999999:root",
            "x-IAMD-account": "999999999999",
            "X-Iamd-Session-Tags": "role=admin",
        },
    )
    assert status == 200
    assert seen["headers"]["x-iamd-principal-arn"].endswith(":user/sneaky")
    assert seen["headers"]["x-iamd-account"] == api_owner.account_id
    assert "x-iamd-session-tags" not in seen["headers"]


def test_unsigned_wrong_stage_and_unknown_keys_are_refused_as_api_gateway_does(
    api: GatewayProcess, echo: EchoUpstream
) -> None:
    import urllib.error
    import urllib.request

    before = len(echo.requests)
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(api.endpoint + "/prod/pets")
    assert caught.value.code == 403
    assert json.loads(caught.value.read()) == {"message": "Missing Authentication Token"}
    assert caught.value.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    status, body = curl(api, ("AKIAUNKNOWNKEY000000", "secret"), "/prod/pets")
    assert (
        status == 403
        and body["message"] == "The security token included in the request is invalid."
    )
    status, body = curl(api, ("AKIAUNKNOWNKEY000000", "secret"), "/test/pets")
    assert status == 403 and body == {"message": "Forbidden"}
    status, _ = curl(api, ("AKIAUNKNOWNKEY000000", "secret"), "/prod/a/%2e%2e/b")
    assert status == 400
    assert len(echo.requests) == before


def test_session_tags_reach_the_api(
    api: GatewayProcess, api_owner: RootCredential, make_client: Callable[..., Any]
) -> None:
    iam = make_client("iam", api_owner.access_key_id, api_owner.secret_access_key)
    trust = allow_policy(
        {
            "Effect": "Allow",
            "Principal": {"AWS": api_owner.account_id},
            "Action": ["sts:AssumeRole", "sts:TagSession"],
        }
    )
    iam.create_role(RoleName="caller-role", AssumeRolePolicyDocument=trust)
    iam.put_role_policy(
        RoleName="caller-role",
        PolicyName="p",
        PolicyDocument=allow_policy(
            {
                "Effect": "Allow",
                "Action": INVOKE,
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:PrincipalTag/team": "blue"}},
            }
        ),
    )
    assumer = user(
        make_client,
        api_owner,
        "assumer",
        {"Effect": "Allow", "Action": ["sts:AssumeRole", "sts:TagSession"], "Resource": "*"},
    )
    sts = make_client("sts", *assumer)
    role_arn = f"arn:aws:iam::{api_owner.account_id}:role/caller-role"
    for team, expected in (("blue", 200), ("red", 403)):
        credentials = sts.assume_role(
            RoleArn=role_arn, RoleSessionName="s1", Tags=[{"Key": "team", "Value": team}]
        )["Credentials"]
        key = (credentials["AccessKeyId"], credentials["SecretAccessKey"])
        status, seen = curl(api, key, "/prod/items", token=credentials["SessionToken"])
        assert status == expected, seen
        if expected == 200:
            assert seen["headers"]["x-iamd-session-tags"] == "team=blue"
            assert seen["headers"]["x-iamd-principal-arn"].endswith(":assumed-role/caller-role/s1")


def test_a_resource_policy_grants_another_account_and_denies_by_source_ip(
    server: IamdServer,
    echo: EchoUpstream,
    api_owner: RootCredential,
    make_client: Callable[..., Any],
) -> None:
    partner = server.new_account()
    everyone = user(
        make_client, partner, "partner-user", {"Effect": "Allow", "Action": INVOKE, "Resource": "*"}
    )
    policy = allow_policy(
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{partner.account_id}:root"},
            "Action": INVOKE,
            "Resource": "execute-api:/prod/GET/shared/*",
        },
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": INVOKE,
            "Resource": "execute-api:/prod/*/blocked/*",
            "Condition": {"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}},
        },
    )
    gateway = start_api_gateway(server, echo.endpoint, api_owner.account_id, policy)
    try:
        assert curl(gateway, everyone, "/prod/shared/doc")[0] == 200
        assert curl(gateway, everyone, "/prod/private/doc")[0] == 403  # not granted cross-account
        owner_user = user(
            make_client,
            api_owner,
            "insider",
            {"Effect": "Allow", "Action": INVOKE, "Resource": "*"},
        )
        assert curl(gateway, owner_user, "/prod/private/doc")[0] == 200  # same account: own policy
        status, body = curl(gateway, owner_user, "/prod/blocked/doc")
        assert status == 403 and "explicit deny in a resource-based policy" in body["Message"]
    finally:
        gateway.stop()


def test_a_method_no_api_can_have_is_api_gateways_missing_token(
    api: GatewayProcess,
    echo: EchoUpstream,
    api_owner: RootCredential,
    make_client: Callable[..., Any],
) -> None:
    anything = {"Effect": "Allow", "Action": INVOKE, "Resource": api_arn(api_owner.account_id, "*")}
    key = user(make_client, api_owner, "prober", anything)
    before = len(echo.requests)
    for method in ("PROPFIND", "TRACE"):
        status, body = botocore_call(api, key, method, "/prod/pets")
        assert (status, body) == (403, {"message": "Missing Authentication Token"})
    assert botocore_call(api, key, "GET", "/prod/pets")[0] == 200
    assert len(echo.requests) == before + 1
