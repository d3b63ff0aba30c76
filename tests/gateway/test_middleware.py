"""iamd in-process: ``IamdAuthorizer.authorize`` and ``IamdMiddleware`` around a Starlette app,
over the store the session's ``iamd serve`` keeps — the gateway's decisions, no proxy."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from gateway_support import allow_policy
from iamd.auth.sigv4 import HttpRequest
from iamd.gateway.middleware import Api, IamdAuthorizer, IamdMiddleware
from support import IamdServer, RootCredential

API_ID = "inproc1234"


@pytest.fixture
def owner(server: IamdServer) -> RootCredential:
    return server.new_account()


@pytest.fixture
def authorizer(server: IamdServer, owner: RootCredential) -> Iterator[IamdAuthorizer]:
    api = Api(API_ID, "prod", owner.account_id)
    opened = IamdAuthorizer.open(api, data_dir=server.data_dir, database_url=server.database_url)
    yield opened
    opened.db.dispose()


def user(
    make_client: Callable[..., Any], owner: RootCredential, name: str, resource: str
) -> tuple[str, str]:
    iam = make_client("iam", owner.access_key_id, owner.secret_access_key)
    iam.create_user(UserName=name)
    statement = {
        "Sid": "ReadPets",
        "Effect": "Allow",
        "Action": "execute-api:Invoke",
        "Resource": resource,
    }
    iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=allow_policy(statement))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


def signed(key: tuple[str, str], method: str, url: str, body: bytes = b"") -> dict[str, str]:
    request = AWSRequest(method=method, url=url, data=body, headers={})
    SigV4Auth(Credentials(*key), "execute-api", "us-east-1").add_auth(request)
    return dict(request.headers.items())


def test_authorize_names_the_principal_and_the_deciding_statement(
    authorizer: IamdAuthorizer, owner: RootCredential, make_client: Callable[..., Any]
) -> None:
    arn = f"arn:aws:execute-api:us-east-1:{owner.account_id}:{API_ID}/prod/GET/pets/*"
    key = user(make_client, owner, "svc", arn)
    headers = {k.lower(): v for k, v in signed(key, "GET", "http://svc.internal/pets/1").items()}
    headers["host"] = "svc.internal"
    result = authorizer.authorize(HttpRequest("GET", "/pets/1", "", headers, b""))
    assert result.allowed and result.principal_arn == f"arn:aws:iam::{owner.account_id}:user/svc"
    assert result.statement is not None and result.statement.sid == "ReadPets"
    denied = authorizer.authorize(HttpRequest("DELETE", "/pets/1", "", headers, b""))
    assert not denied.allowed and denied.caller is None  # the signature was for GET
    unsigned = authorizer.authorize(HttpRequest("GET", "/pets/1", "", {"host": "x"}, b""))
    assert not unsigned.allowed and unsigned.error is not None
    assert unsigned.error.message == "Missing Authentication Token"


def test_the_middleware_passes_only_allowed_requests_with_who_called(
    authorizer: IamdAuthorizer, owner: RootCredential, make_client: Callable[..., Any]
) -> None:
    async def echo(request: Request) -> JSONResponse:
        decision = request.state.iamd
        return JSONResponse({
            "principal": decision.principal_arn,
            "header": request.headers.get("x-iamd-principal-arn"),
            "body": (await request.body()).decode(),
        })  # fmt: skip

    app = IamdMiddleware(
        Starlette(routes=[Route("/{p:path}", echo, methods=["GET", "POST"])]), authorizer
    )
    arn = f"arn:aws:execute-api:us-east-1:{owner.account_id}:{API_ID}/prod/POST/orders"
    key = user(make_client, owner, "writer", arn)
    headers = signed(key, "POST", "http://testserver/orders", b'{"n": 1}')
    forged = {**headers, "X-Iamd-Principal-Arn": "forged"}
    other = signed(key, "POST", "http://testserver/refunds", b"")

    async def scenario() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            return [
                await client.post("/orders", content=b'{"n": 1}', headers=forged),
                await client.post("/orders", content=b'{"n": 2}', headers=headers),
                await client.post("/refunds", headers=other),
                await client.get("/orders"),
            ]

    answer, tampered, refused, unsigned = asyncio.run(scenario())
    assert answer.status_code == 200
    assert answer.json() == {
        "principal": f"arn:aws:iam::{owner.account_id}:user/writer",
        "header": f"arn:aws:iam::{owner.account_id}:user/writer",
        "body": '{"n": 1}',
    }
    assert tampered.status_code == 401
    assert refused.status_code == 403 and "execute-api:Invoke" in refused.json()["Message"]
    assert unsigned.status_code == 401


def test_an_authorizer_with_the_trail_records_its_decisions(
    server: IamdServer, owner: RootCredential, make_client: Callable[..., Any]
) -> None:
    api = Api(API_ID, "prod", owner.account_id)
    recording = IamdAuthorizer.open(
        api, data_dir=server.data_dir, database_url=server.database_url, audit_trail=True
    )
    arn = f"arn:aws:execute-api:us-east-1:{owner.account_id}:{API_ID}/prod/GET/pets/*"
    key = user(make_client, owner, "recorded", arn)
    headers = {k.lower(): v for k, v in signed(key, "GET", "http://svc.internal/pets/2").items()}
    headers["host"] = "svc.internal"
    try:
        assert recording.authorize(HttpRequest("GET", "/pets/2", "", headers, b"")).allowed
    finally:
        recording.close()  # writes what is pending
    cloudtrail = make_client("cloudtrail", owner.access_key_id, owner.secret_access_key)
    resource = f"arn:aws:execute-api:us-east-1:{owner.account_id}:{API_ID}/prod/GET/pets/2"
    attribute = {"AttributeKey": "ResourceName", "AttributeValue": resource}
    (event,) = cloudtrail.lookup_events(LookupAttributes=[attribute])["Events"]
    record = json.loads(event["CloudTrailEvent"])
    assert record["eventName"] == "Invoke"
    assert record["userIdentity"]["arn"] == f"arn:aws:iam::{owner.account_id}:user/recorded"
    assert record["iamdDecision"]["decision"] == "allowed"
