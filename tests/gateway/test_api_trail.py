"""execute-api decisions on the audit trail: the gateway's and forward-auth's, each a
CloudTrail data event with the statement behind it, read back with LookupEvents."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from gateway_support import (
    API_ID,
    EchoUpstream,
    GatewayProcess,
    api_arn,
    check,
    signed_headers,
    start_api_gateway,
    user,
)
from gateway_support import api_curl as curl
from support import IamdServer, RootCredential

PATIENCE = 10.0  # data events are batched (every 0.2 s)
INVOKE = "execute-api:Invoke"


@pytest.fixture
def owner(server: IamdServer) -> RootCredential:
    return server.new_account()


@pytest.fixture
def api(server: IamdServer, echo: EchoUpstream, owner: RootCredential) -> Iterator[GatewayProcess]:
    running = start_api_gateway(server, echo.endpoint, owner.account_id)
    yield running
    running.stop()


def _invocations(server: IamdServer, owner: RootCredential, arn: str) -> list[dict[str, Any]]:
    """The owner's Invoke events about ``arn``, once they have arrived."""
    cloudtrail = server.client("cloudtrail", owner.access_key_id, owner.secret_access_key)
    attribute = {"AttributeKey": "ResourceName", "AttributeValue": arn}
    deadline = time.monotonic() + PATIENCE
    while True:
        events = cloudtrail.lookup_events(LookupAttributes=[attribute])["Events"]
        if events or time.monotonic() > deadline:
            assert events, arn
            return [json.loads(event["CloudTrailEvent"]) for event in events]
        time.sleep(0.1)


def test_the_gateway_records_allowed_and_denied_invocations(
    server: IamdServer,
    api: GatewayProcess,
    owner: RootCredential,
    make_client: Callable[..., Any],
) -> None:
    pets = api_arn(owner.account_id, "prod/GET/pets/*")
    statement = {"Sid": "ReadPets", "Effect": "Allow", "Action": INVOKE, "Resource": pets}
    key = user(make_client, owner, "caller", statement)
    assert curl(api, key, "/prod/pets/7")[0] == 200
    assert curl(api, key, "/prod/pets/7", "-X", "DELETE")[0] == 403

    (allowed,) = _invocations(server, owner, api_arn(owner.account_id, "prod/GET/pets/7"))
    assert allowed["eventSource"] == "execute-api.amazonaws.com"
    assert allowed["eventName"] == "Invoke" and allowed["eventCategory"] == "Data"
    assert allowed["userIdentity"]["arn"] == f"arn:aws:iam::{owner.account_id}:user/caller"
    assert allowed["requestParameters"] == {"httpMethod": "GET", "path": "/pets/7"}
    assert allowed["iamdDecision"]["decision"] == "allowed"
    (evaluation,) = allowed["iamdDecision"]["evaluations"]
    assert [s["sid"] for s in evaluation["statements"]] == ["ReadPets"]

    (denied,) = _invocations(server, owner, api_arn(owner.account_id, "prod/DELETE/pets/7"))
    assert denied["errorCode"] == "AccessDeniedException"
    assert denied["readOnly"] is False
    assert denied["iamdDecision"]["decision"] != "allowed"


def test_forward_auth_on_iamd_serve_records_its_decisions(
    server: IamdServer, owner: RootCredential, make_client: Callable[..., Any]
) -> None:
    anything = {"Effect": "Allow", "Action": INVOKE, "Resource": api_arn(owner.account_id, "*")}
    key = user(make_client, owner, "proxied", anything)
    signed = signed_headers(key, "GET", "http://api.internal/orders/3")
    prefix = f"{server.endpoint}/_iamd/ext-authz/us-east-1/{owner.account_id}/{API_ID}/prod"
    assert check(prefix + "/orders/3", "GET", {**signed, "Host": "api.internal"})[0] == 200
    forged = {**signed, "Host": "api.internal", "X-Amz-Date": "20200101T000000Z"}
    assert check(prefix + "/orders/4", "GET", forged)[0] in (401, 403)

    (allowed,) = _invocations(server, owner, api_arn(owner.account_id, "prod/GET/orders/3"))
    assert allowed["userIdentity"]["arn"] == f"arn:aws:iam::{owner.account_id}:user/proxied"
    assert allowed["iamdDecision"]["decision"] == "allowed"
    (refused,) = _invocations(server, owner, api_arn(owner.account_id, "prod/GET/orders/4"))
    assert refused["userIdentity"]["type"] == "Unknown"
    assert refused["userIdentity"]["accessKeyId"] == key[0]
    assert refused["errorCode"]
