"""iamd.protocol.serialize: answers that botocore's own Query parser reads back."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from botocore.handlers import json_decode_policies
from botocore.model import OperationModel, Shape
from botocore.parsers import create_parser

from iamd.errors import EntityAlreadyExists, NoSuchEntity, ServiceFailure, ValidationError
from iamd.protocol import serialize_error, serialize_result, service_model
from iamd.protocol.serialize import encode_policy_document, format_timestamp
from protocol.protocol_samples import POLICY, operations, same_typed, sample_output

IAM = service_model("iam")
STS = service_model("sts")
ALL_OPERATIONS = operations(IAM) + operations(STS)


def parse(operation: OperationModel, body: bytes, status: int = 200) -> dict[str, Any]:
    response = {"body": body, "status_code": status, "headers": {}}
    parsed: dict[str, Any] = create_parser("query").parse(response, operation.output_shape)
    return parsed


def as_boto3_sees_it(operation: OperationModel, body: bytes) -> dict[str, Any]:
    parsed = parse(operation, body)
    if operation.service_model.service_name == "iam":
        json_decode_policies(parsed, operation)
    parsed.pop("ResponseMetadata")
    return parsed


def decoded_policies(shape: Shape, value: Any) -> Any:
    """``value`` with the policy documents botocore's handler decodes turned into dicts."""
    if shape.type_name == "structure":
        return {
            name: json.loads(item)
            if member.name == "policyDocumentType"
            else decoded_policies(member, item)
            for name, item in value.items()
            for member in [shape.members[name]]
        }
    if shape.type_name == "list":
        return [decoded_policies(shape.member, item) for item in value]
    return value


@pytest.mark.parametrize("operation", ALL_OPERATIONS, ids=lambda op: op.name)
def test_botocore_reads_back_every_output(operation: OperationModel) -> None:
    shape = operation.output_shape
    output = sample_output(shape) if shape is not None else {}
    body = serialize_result(operation, output, "req-1")
    expected = decoded_policies(shape, copy.deepcopy(output)) if shape is not None else {}
    assert same_typed(as_boto3_sees_it(operation, body), expected)
    assert parse(operation, body)["ResponseMetadata"]["RequestId"] == "req-1"


def test_envelope_of_an_iam_result() -> None:
    operation = IAM.operation_model("GetUser")
    user = {
        "Path": "/",
        "UserName": "bob",
        "UserId": "AIDAEXAMPLE",
        "Arn": "arn:aws:iam::111111111111:user/bob",
        "CreateDate": datetime(2026, 11, 25, 9, 27, 51, 123456, tzinfo=UTC),
    }
    body = serialize_result(operation, {"User": user}, "rid")
    assert body == (
        b'<GetUserResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetUserResult>'
        b"<User><Path>/</Path><UserName>bob</UserName><UserId>AIDAEXAMPLE</UserId>"
        b"<Arn>arn:aws:iam::111111111111:user/bob</Arn><CreateDate>2026-11-25T09:27:51Z"
        b"</CreateDate></User></GetUserResult><ResponseMetadata><RequestId>rid</RequestId>"
        b"</ResponseMetadata></GetUserResponse>"
    )


def test_model_member_order_not_dict_order() -> None:
    operation = IAM.operation_model("CreateAccessKey")
    key = {"Status": "Active", "AccessKeyId": "AKIA", "UserName": "u", "SecretAccessKey": "s"}
    body = serialize_result(operation, {"AccessKey": key}, "rid").decode()
    assert body.index("<UserName>") < body.index("<AccessKeyId>") < body.index("<Status>")


def test_no_result_element_without_an_output_shape() -> None:
    body = serialize_result(IAM.operation_model("DeleteUser"), {}, "rid")
    assert body == (
        b'<DeleteUserResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">'
        b"<ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata></DeleteUserResponse>"
    )


def test_sts_namespace_and_timestamps() -> None:
    operation = STS.operation_model("GetSessionToken")
    expiration = datetime(2026, 11, 25, 9, 27, 51, tzinfo=UTC)
    credentials = {
        "AccessKeyId": "ASIA",
        "SecretAccessKey": "secret",
        "SessionToken": "token",
        "Expiration": expiration,
    }
    body = serialize_result(operation, {"Credentials": credentials}, "rid")
    assert body.startswith(
        b'<GetSessionTokenResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
        b"<GetSessionTokenResult><Credentials>"
    )
    assert b"<Expiration>2026-11-25T09:27:51Z</Expiration>" in body
    assert parse(operation, body)["Credentials"]["Expiration"] == expiration


def test_none_members_are_left_out() -> None:
    operation = IAM.operation_model("GetUser")
    body = serialize_result(operation, {"User": {"UserName": "u", "Path": None}}, "rid")
    assert b"<Path>" not in body


def test_policy_documents_are_encoded_as_aws_encodes_them() -> None:
    document = '{\n  "Version": "2012-10-17",\n  "Statement": [{"Resource": "*"}]\n}'
    assert encode_policy_document(document) == (
        "%7B%0A%20%20%22Version%22%3A%20%222012-10-17%22%2C%0A%20%20%22Statement%22%3A%20%5B"
        "%7B%22Resource%22%3A%20%22*%22%7D%5D%0A%7D"
    )
    assert encode_policy_document("a+b ~c/é_.-") == "a%2Bb%20%7Ec%2F%C3%A9_.-"


@pytest.mark.parametrize(
    "document",
    [
        POLICY,
        '{"Statement":[{"Condition":{"StringLike":{"s3:prefix":["home/${aws:username}/*"]}}}]}',
        '{"Sid": "Ünïcode + plus ~ tilde % percent & amp < lt"}',
    ],
)
def test_boto3_sees_the_original_policy_document(document: str) -> None:
    operation = IAM.operation_model("GetRolePolicy")
    output = {"RoleName": "r", "PolicyName": "p", "PolicyDocument": document}
    parsed = as_boto3_sees_it(operation, serialize_result(operation, output, "rid"))
    assert parsed["PolicyDocument"] == json.loads(document)


def test_text_that_xml_cannot_carry() -> None:
    operation = IAM.operation_model("GetUser")
    name = "a\x00b\x1fc\r\nd<&>\"'\ufffe"
    parsed = parse(operation, serialize_result(operation, {"User": {"UserName": name}}, "rid"))
    assert parsed["User"]["UserName"] == "a\ufffdb\ufffdc\r\nd<&>\"'\ufffd"


@pytest.mark.parametrize(
    ("error", "status", "fault"),
    [
        (NoSuchEntity("The user with name bob cannot be found."), 404, "Sender"),
        (EntityAlreadyExists("User with name bob already exists."), 409, "Sender"),
        (ValidationError("1 validation error detected: <&>"), 400, "Sender"),
        (ServiceFailure("Internal"), 500, "Receiver"),
    ],
)
def test_error_envelopes_as_botocore_reads_them(error: Any, status: int, fault: str) -> None:
    code, body = serialize_error(error, "rid-9")
    assert code == status
    parsed = parse(IAM.operation_model("GetUser"), body, status)
    assert parsed["Error"] == {"Type": fault, "Code": error.code, "Message": error.message}
    metadata = parsed["ResponseMetadata"]
    assert metadata["RequestId"] == "rid-9" and metadata["HTTPStatusCode"] == status


def test_error_envelope_text_and_namespace() -> None:
    status, body = serialize_error(NoSuchEntity("gone"), "rid", service="sts")
    assert status == 404
    assert body == (
        b'<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error>'
        b"<Type>Sender</Type><Code>NoSuchEntity</Code><Message>gone</Message></Error>"
        b"<RequestId>rid</RequestId></ErrorResponse>"
    )
    _, iam_body = serialize_error(NoSuchEntity("gone"), "rid")
    assert iam_body.startswith(b'<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">')


@pytest.mark.parametrize(
    ("moment", "written"),
    [
        (datetime(2026, 12, 4, 17, 32, 7, 999999, tzinfo=UTC), "2026-12-04T17:32:07Z"),
        (datetime(2026, 12, 4, 18, 0, tzinfo=timezone(timedelta(hours=2))), "2026-12-04T16:00:00Z"),
        (datetime(2026, 12, 4, 17, 32, 7), "2026-12-04T17:32:07Z"),
        (datetime(999, 1, 2, 3, 4, 5, tzinfo=UTC), "999-01-02T03:04:05Z"),
    ],
)
def test_timestamps_in_utc_to_the_second(moment: datetime, written: str) -> None:
    assert format_timestamp(moment) == written


def test_a_long_listing_reads_back_whole() -> None:
    operation = IAM.operation_model("ListUsers")
    users = [
        {"Path": "/", "UserName": f"u&{i}", "UserId": f"AIDA{i:017d}", "Arn": f"arn:u/{i}",
         "CreateDate": datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=i)}
        for i in range(150)
    ]  # fmt: skip
    parsed = parse(operation, serialize_result(operation, {"Users": users}, "rid"))
    assert [user["UserName"] for user in parsed["Users"]] == [f"u&{i}" for i in range(150)]
    assert parsed["Users"][149]["CreateDate"] == datetime(2026, 1, 1, 0, 2, 29, tzinfo=UTC)
