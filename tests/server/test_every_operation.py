"""Every operation in botocore's IAM and STS models is served: none answers 501.

Each operation is called once through boto3 with input built from its model (each
required member, at its minimum, matching its pattern) by a fresh account's root user.
What it answers is the operation's business (success, NoSuchEntity, AccessDenied…);
it must not be NotImplemented, and the input must have passed validation, so that the
call reached the operation rather than stopping at the protocol.
"""

from __future__ import annotations

from typing import Any

import botocore.session
import pytest
from botocore.exceptions import ClientError
from botocore.model import OperationModel, Shape

from iamd.server.pipeline import OPERATIONS

# What the endpoint serves: IAM's operations with the access advisor's (from the trail).
IMPLEMENTED = {"iam": OPERATIONS["iam"], "sts": OPERATIONS["sts"]}
# Answers that mean the input never reached the operation.
PROTOCOL_ERRORS = {"NotImplemented", "ValidationError", "MissingParameter", "InvalidAction"}
ACCOUNT = "123456789012"

# Members whose model pattern a generic value would not meet, by member name.
VALUES: dict[str, Any] = {
    "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess",
    "PolicySourceArn": f"arn:aws:iam::{ACCOUNT}:user/nobody",
    "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/nobody",
    "PrincipalArn": f"arn:aws:iam::{ACCOUNT}:saml-provider/nobody",
    "OpenIDConnectProviderArn": f"arn:aws:iam::{ACCOUNT}:oidc-provider/example.com",
    "SAMLProviderArn": f"arn:aws:iam::{ACCOUNT}:saml-provider/nobody",
    "EntityArn": f"arn:aws:iam::{ACCOUNT}:delegation-request/nobody",
    "TemplateArn": "arn:aws:iam::aws:role-template/nobody",
    "TargetPrincipal": ACCOUNT,
    "SerialNumber": f"arn:aws:iam::{ACCOUNT}:mfa/nobody",
    "Url": "https://example.com",
    "AssumeRolePolicyDocument": '{"Version":"2012-10-17","Statement":[]}',
    "PolicyDocument": '{"Version":"2012-10-17","Statement":[]}',
    "PolicyInputList": ['{"Version":"2012-10-17","Statement":[]}'],
    "SAMLMetadataDocument": "x" * 1000,
    "SAMLAssertion": "x" * 4,
    "WebIdentityToken": "x" * 4,
    "EncodedMessage": "x",
    "AccessKeyId": "AKIAIOSFODNN7EXAMPLE",
    "ServiceName": "codecommit.amazonaws.com",
    "AWSServiceName": "ecs.amazonaws.com",
    "DeletionTaskId": "task/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS/x",
    "EntityPath": "o-a1b2c3d4e5/r-ab12/123456789012",
    "SigningAlgorithm": "RS256",
    "Properties": {"RoleManager/Enabled": "true"},
    "Permissions": {"PolicyTemplateArn": "arn:aws:iam::aws:policy-template/nobody"},
    "TaskPolicyArn": {"arn": "arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials"},
    "VersionId": "v1",
    "AuthenticationCode1": "123456",
    "AuthenticationCode2": "654321",
}
# Optional members given anyway: without them the root user names no IAM user.
ALWAYS = ("UserName",)


def _value(name: str, shape: Shape) -> Any:
    if name in VALUES:
        return VALUES[name]
    match shape.type_name:
        case "structure":
            return {
                member: _value(member, shape.members[member]) for member in shape.required_members
            }
        case "list":
            return [_value(name, shape.member)]  # type: ignore[attr-defined]
        case "map":
            return {"k": _value(name, shape.value)}  # type: ignore[attr-defined]
        case "integer" | "long":
            return max(int(shape.metadata.get("min", 1)), 1) if "min" in shape.metadata else 900
        case "boolean":
            return True
        case "timestamp":
            return "2030-01-01T00:00:00Z"
        case _:
            return _string(shape)


def _string(shape: Shape) -> str:
    if shape.enum:
        return str(shape.enum[0])
    length = max(int(shape.metadata.get("min", 1)), 8)
    pattern = str(shape.metadata.get("pattern", ""))
    if "0-9" in pattern and "a-z" not in pattern and "A-Z" not in pattern:
        return "1" * length
    return "a" * length


def _operations() -> list[tuple[str, str]]:
    session = botocore.session.get_session()
    return [
        (service, name)
        for service in ("iam", "sts")
        for name in session.get_service_model(service).operation_names
    ]


@pytest.mark.parametrize(("service", "operation"), _operations())
def test_registry_implements_every_modelled_operation(service: str, operation: str) -> None:
    assert operation in IMPLEMENTED[service]


def _call(client: Any, model: OperationModel) -> str | None:
    """The error code of one call with generated input, or None when it succeeded."""
    members = model.input_shape.members if model.input_shape else {}
    wanted = [*(model.input_shape.required_members if model.input_shape else [])]
    wanted += [member for member in ALWAYS if member in members and member not in wanted]
    params = {member: _value(member, members[member]) for member in wanted}
    method = getattr(client, botocore.xform_name(model.name))
    try:
        method(**params)
    except ClientError as error:
        return str(error.response["Error"]["Code"])
    return None


@pytest.mark.parametrize("service", ["iam", "sts"])
def test_no_operation_answers_not_implemented(server: Any, account: Any, service: str) -> None:
    client = server.client(service, account.access_key_id, account.secret_access_key)
    model = botocore.session.get_session().get_service_model(service)
    answers = {name: _call(client, model.operation_model(name)) for name in model.operation_names}
    unreached = {name: code for name, code in answers.items() if code in PROTOCOL_ERRORS}
    assert unreached == {}
