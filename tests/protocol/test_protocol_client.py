"""The protocol end to end under an unmodified botocore client.

A ``before-send`` hook hands each request botocore would put on the wire to
``decode_form`` + ``parse_request`` and answers with ``serialize_result`` or
``serialize_error``; the client parses the answer with its own parser and handlers.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import botocore.session
import pytest
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.config import Config
from botocore.exceptions import ClientError

from iamd.errors import NoSuchEntity, ServiceError
from iamd.protocol import (
    decode_form,
    parse_request,
    serialize_error,
    serialize_result,
    service_model,
)

CREATED = datetime(2026, 11, 25, 9, 27, 51, tzinfo=UTC)
DOCUMENT = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*"}]}


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


def _create_user(params: dict[str, Any]) -> dict[str, Any]:
    user = {"Path": "/", "UserName": params["UserName"], "UserId": "AIDA", "CreateDate": CREATED}
    return {"User": {**user, "Arn": "arn:aws:iam::111111111111:user/u", "Tags": params["Tags"]}}


def _get_role_policy(params: dict[str, Any]) -> dict[str, Any]:
    return {**params, "PolicyDocument": json.dumps(DOCUMENT, indent=4)}


def _get_user(params: dict[str, Any]) -> dict[str, Any]:
    raise NoSuchEntity(f"The user with name {params['UserName']} cannot be found.")


def _caller(params: dict[str, Any]) -> dict[str, Any]:
    return {"UserId": "AIDA", "Account": "111111111111", "Arn": "arn:aws:iam::1:user/u"}


HANDLERS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "CreateUser": _create_user,
    "GetRolePolicy": _get_role_policy,
    "GetUser": _get_user,
    "GetCallerIdentity": _caller,
}


def _answer(service: str, request: AWSPreparedRequest) -> AWSResponse:
    body = request.body.encode() if isinstance(request.body, str) else request.body or b""
    try:
        parsed = parse_request(service_model(service), decode_form(body))
        output = HANDLERS[parsed.operation.name](parsed.params)
        status, answer = 200, serialize_result(parsed.operation, output, "rid")
    except ServiceError as error:
        status, answer = serialize_error(error, "rid", service=service)
    return AWSResponse(request.url, status, {}, _Raw(answer))


def client(service: str) -> Any:
    session = botocore.session.get_session()
    made = session.create_client(
        service,
        region_name="us-east-1",
        endpoint_url="https://iamd.test",
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="secret",
        config=Config(parameter_validation=False, retries={"max_attempts": 0}),
    )
    made.meta.events.register(
        f"before-send.{service}", lambda request, **_: _answer(service, request)
    )
    return made


def test_create_user_round_trip() -> None:
    tags = [{"Key": "team", "Value": "blue green"}]
    user = client("iam").create_user(UserName="bob", Tags=tags)["User"]
    assert user["UserName"] == "bob" and user["Tags"] == tags and user["CreateDate"] == CREATED


def test_boto3_reads_the_policy_document_as_a_dict() -> None:
    got = client("iam").get_role_policy(RoleName="r", PolicyName="p")
    assert got["PolicyDocument"] == DOCUMENT


def test_modeled_error_reaches_the_caller() -> None:
    with pytest.raises(ClientError) as caught:
        client("iam").get_user(UserName="nobody")
    error = caught.value.response["Error"]
    assert error == {
        "Type": "Sender",
        "Code": "NoSuchEntity",
        "Message": "The user with name nobody cannot be found.",
    }
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert type(caught.value).__name__ == "NoSuchEntityException"


def test_server_side_validation_reaches_the_caller() -> None:
    with pytest.raises(ClientError) as caught:
        client("iam").create_user(UserName="x y", Tags=[])
    assert caught.value.response["Error"]["Code"] == "ValidationError"
    assert caught.value.response["Error"]["Message"] == (
        "1 validation error detected: Value at 'userName' failed to satisfy constraint: "
        r"Member must satisfy regular expression pattern: [\w+=,.@-]+"
    )


def test_sts_round_trip() -> None:
    assert client("sts").get_caller_identity()["Account"] == "111111111111"
