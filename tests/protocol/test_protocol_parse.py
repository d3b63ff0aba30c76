"""iamd.protocol.parse: what botocore's Query serializer writes, read back unchanged."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.awsrequest import AWSRequest
from botocore.model import OperationModel
from botocore.serialize import create_serializer

from iamd.errors import InvalidAction, InvalidParameterValue, MissingAction, ValidationError
from iamd.protocol import decode_form, parse_request, service_model
from protocol.protocol_samples import Unsatisfiable, operations, same_typed, sample_input

IAM = service_model("iam")
STS = service_model("sts")
ALL_OPERATIONS = operations(IAM) + operations(STS)


def wire_body(operation: OperationModel, params: dict[str, Any]) -> bytes:
    """The body botocore sends for ``params``, byte for byte."""
    request = create_serializer("query").serialize_to_request(params, operation)
    prepared = AWSRequest(method="POST", url="https://iam.amazonaws.com/", data=request["body"])
    body = prepared.prepare().body
    assert isinstance(body, str)
    return body.encode("ascii")


def round_trip(operation: OperationModel, params: dict[str, Any]) -> dict[str, Any]:
    parsed = parse_request(operation.service_model, decode_form(wire_body(operation, params)))
    assert parsed.operation.name == operation.name
    return parsed.params


@pytest.mark.parametrize("operation", ALL_OPERATIONS, ids=lambda op: op.name)
def test_every_operation_reads_back_what_botocore_serialized(operation: OperationModel) -> None:
    shape = operation.input_shape
    try:
        params = sample_input(shape) if shape is not None else {}
    except Unsatisfiable as error:
        pytest.skip(f"no sample for {error}")
    assert same_typed(round_trip(operation, params), params)


def test_most_operations_have_samples() -> None:
    sampled = 0
    for operation in ALL_OPERATIONS:
        try:
            sample_input(operation.input_shape) if operation.input_shape else None
            sampled += 1
        except Unsatisfiable:
            pass
    assert sampled >= len(ALL_OPERATIONS) - 2


def test_nested_lists_typed_scalars_and_empty_lists() -> None:
    params = {
        "RoleArn": "arn:aws:iam::123456789012:role/r",
        "RoleSessionName": "session",
        "PolicyArns": [{"arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}],
        "DurationSeconds": 3600,
        "Tags": [{"Key": "k", "Value": "v w"}, {"Key": "k2", "Value": ""}],
        "TransitiveTagKeys": ["k"],
    }
    assert same_typed(round_trip(STS.operation_model("AssumeRole"), params), params)
    oidc = {"Url": "https://example.com", "ClientIDList": [], "ThumbprintList": ["a" * 40]}
    assert same_typed(round_trip(IAM.operation_model("CreateOpenIDConnectProvider"), oidc), oidc)


def test_booleans_and_max_items_are_typed() -> None:
    operation = IAM.operation_model("CreatePolicyVersion")
    params = {"PolicyArn": "arn:aws:iam::123456789012:policy/p", "PolicyDocument": "{}"}
    assert round_trip(operation, {**params, "SetAsDefault": False})["SetAsDefault"] is False
    listed = round_trip(IAM.operation_model("ListUsers"), {"MaxItems": 100})
    assert listed == {"MaxItems": 100} and type(listed["MaxItems"]) is int


def test_a_raw_query_string_with_presigned_parameters() -> None:
    query = (
        b"Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256"
        b"&X-Amz-Credential=AKID%2F20260101%2Fus-east-1%2Fsts%2Faws4_request&X-Amz-Signature=ab"
    )
    parsed = parse_request(STS, decode_form(query))
    assert parsed.operation.name == "GetCallerIdentity" and parsed.params == {}


def test_unknown_parameters_are_ignored() -> None:
    form = [("Action", "GetUser"), ("Version", "2010-05-08"), ("UserName", "bob"), ("Foo", "1")]
    assert parse_request(IAM, form).params == {"UserName": "bob"}


def test_an_operation_without_input_shape() -> None:
    parsed = parse_request(IAM, [("Action", "GetAccountSummary"), ("Version", "2010-05-08")])
    assert parsed.operation.name == "GetAccountSummary" and parsed.params == {}


def test_unknown_action() -> None:
    with pytest.raises(InvalidAction) as caught:
        parse_request(IAM, [("Action", "CreateBucket"), ("Version", "2010-05-08")])
    assert caught.value.message == "Could not find operation CreateBucket for version 2010-05-08"
    assert caught.value.status == 400


def test_action_names_are_case_sensitive() -> None:
    with pytest.raises(InvalidAction):
        parse_request(IAM, [("Action", "listusers"), ("Version", "2010-05-08")])


def test_missing_and_wrong_version() -> None:
    with pytest.raises(InvalidAction) as missing:
        parse_request(IAM, [("Action", "ListUsers")])
    expected = "Could not find operation ListUsers for version NO_VERSION_SPECIFIED"
    assert missing.value.message == expected
    with pytest.raises(InvalidAction) as sts_version:
        parse_request(IAM, [("Action", "ListUsers"), ("Version", "2011-06-15")])
    assert sts_version.value.message == "Could not find operation ListUsers for version 2011-06-15"


def test_an_iam_action_sent_to_sts() -> None:
    with pytest.raises(InvalidAction) as caught:
        parse_request(STS, [("Action", "ListUsers"), ("Version", "2011-06-15")])
    assert caught.value.message == "Could not find operation ListUsers for version 2011-06-15"


@pytest.mark.parametrize("form", [[], [("Version", "2010-05-08")], [("Action", "")]])
def test_missing_action(form: list[tuple[str, str]]) -> None:
    with pytest.raises(MissingAction) as caught:
        parse_request(IAM, form)
    assert caught.value.status == 400


@pytest.mark.parametrize("name", ["UserName", "Action", "Version"])
def test_a_parameter_given_twice_is_refused(name: str) -> None:
    form = [("Action", "GetUser"), ("Version", "2010-05-08"), ("UserName", "bob"), (name, "bob")]
    with pytest.raises(InvalidParameterValue) as caught:
        parse_request(IAM, form)
    assert name in caught.value.message


def test_list_indices_are_read_in_numeric_order() -> None:
    form = [("Action", "UntagUser"), ("Version", "2010-05-08"), ("UserName", "u")]
    form += [(f"TagKeys.member.{i}", f"k{i}") for i in (10, 2, 1)]
    assert parse_request(IAM, form).params["TagKeys"] == ["k1", "k2", "k10"]


def test_malformed_indices_are_not_list_members() -> None:
    form = [("Action", "UntagUser"), ("Version", "2010-05-08"), ("UserName", "u")]
    form += [("TagKeys.member.01", "a"), ("TagKeys.member.x", "b"), ("TagKeys.member.1", "c")]
    assert parse_request(IAM, form).params["TagKeys"] == ["c"]


@pytest.mark.parametrize(
    ("value", "expected"), [("TRUE", True), ("false", False), ("yes", None), ("1", None)]
)
def test_booleans_read_strictly(value: str, expected: bool | None) -> None:
    form = [("Action", "CreatePolicyVersion"), ("Version", "2010-05-08"), ("SetAsDefault", value)]
    form += [("PolicyArn", "arn:aws:iam::123456789012:policy/p"), ("PolicyDocument", "{}")]
    if expected is None:
        with pytest.raises(ValidationError) as caught:
            parse_request(IAM, form)
        assert "at 'setAsDefault' failed" in caught.value.message
    else:
        assert parse_request(IAM, form).params["SetAsDefault"] is expected


@pytest.mark.parametrize("value", ["abc", "1_0", "٣", " 5", "99999999999", "1.5", ""])
def test_integers_read_as_java_reads_them(value: str) -> None:
    form = [("Action", "ListUsers"), ("Version", "2010-05-08"), ("MaxItems", value)]
    with pytest.raises(ValidationError) as caught:
        parse_request(IAM, form)
    assert caught.value.message == (
        "1 validation error detected: Value at 'maxItems' failed to satisfy constraint: "
        "Member must be an integer"
    )


@pytest.mark.parametrize(("value", "number"), [("+5", 5), ("0010", 10), ("1000", 1000)])
def test_integer_forms_java_accepts(value: str, number: int) -> None:
    form = [("Action", "ListUsers"), ("Version", "2010-05-08"), ("MaxItems", value)]
    assert parse_request(IAM, form).params == {"MaxItems": number}


def test_a_type_error_is_not_also_reported_missing() -> None:
    form = [("Action", "AssumeRole"), ("Version", "2011-06-15"), ("DurationSeconds", "x")]
    form += [("RoleArn", "arn:aws:iam::123456789012:role/r"), ("RoleSessionName", "session")]
    with pytest.raises(ValidationError) as caught:
        parse_request(STS, form)
    assert caught.value.message == (
        "1 validation error detected: Value 'x' at 'durationSeconds' failed to satisfy "
        "constraint: Member must be an integer"
    )


def test_a_key_that_is_both_a_value_and_a_branch() -> None:
    form = [("Action", "GetUser"), ("Version", "2010-05-08"), ("UserName", "u")]
    form += [("UserName.member.1", "x")]
    assert parse_request(IAM, form).params == {"UserName": "u"}


@pytest.mark.parametrize("value", ["9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00"])
def test_a_timestamp_outside_the_years_python_holds_is_a_type_error(value: str) -> None:
    from iamd.protocol.scalars import read_timestamp

    with pytest.raises(ValueError, match="Member must be an ISO 8601 timestamp"):
        read_timestamp(value)
