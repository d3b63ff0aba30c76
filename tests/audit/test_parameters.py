"""requestParameters and responseElements: CloudTrail's spelling, and no secret in either.

The redaction is checked against every operation of IAM and STS: each input and
output is filled in from its shape, secrets with a marker, and the marker must never
come out.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.model import Shape

from iamd.audit.parameters import (
    camel,
    is_secret,
    record_time,
    request_parameters,
    response_elements,
)
from iamd.protocol import service_model

MARKER = "SECRET-MARKER"


def _filled(shape: Shape, depth: int = 0) -> Any:
    """A value for every member of ``shape``; secrets hold the marker."""
    if is_secret(shape):
        return MARKER if shape.type_name == "string" else MARKER.encode()
    match shape.type_name:
        case "structure":
            if depth > 6:
                return {}
            return {name: _filled(member, depth + 1) for name, member in shape.members.items()}
        case "list":
            return [_filled(shape.member, depth + 1)]
        case "map":
            return {"k": _filled(shape.value, depth + 1)}
        case "timestamp":
            return datetime(2026, 3, 14, 15, 32, 34, tzinfo=UTC)
        case "boolean":
            return True
        case "integer" | "long":
            return 1
        case "blob":
            return b"public"
        case _:
            return "value"


def _operations() -> list[tuple[str, str]]:
    return [
        (service, name)
        for service in ("iam", "sts")
        for name in service_model(service).operation_names
    ]


@pytest.mark.parametrize(("service", "name"), _operations())
def test_no_secret_survives(service: str, name: str) -> None:
    operation = service_model(service).operation_model(name)
    written = []
    if operation.input_shape is not None:
        written.append(request_parameters(operation, _filled(operation.input_shape)))
    if operation.output_shape is not None:
        written.append(response_elements(operation, _filled(operation.output_shape)))
    assert MARKER not in json.dumps(written, default=str)


def test_names_are_lower_camel_case_and_dates_are_cloudtrails() -> None:
    operation = service_model("iam").operation_model("CreateUser")
    output = {
        "User": {"UserName": "a", "CreateDate": datetime(2026, 3, 14, 15, 32, 34, tzinfo=UTC)}
    }
    assert response_elements(operation, output) == {
        "user": {"userName": "a", "createDate": "Mar 14, 2026, 3:32:34 PM"}
    }
    assert camel("SAMLAssertion") == "sAMLAssertion"
    assert record_time(datetime(2026, 1, 2, 0, 5, 6, tzinfo=UTC)) == "Jan 2, 2026, 12:05:06 AM"


def test_the_known_secrets_are_secret() -> None:
    iam, sts = service_model("iam"), service_model("sts")
    for model, shape in [
        (iam, "accessKeySecretType"),
        (iam, "passwordType"),
        (iam, "privateKeyType"),
        (iam, "BootstrapDatum"),
        (iam, "authenticationCodeType"),
        (sts, "tokenType"),
        (sts, "tokenCodeType"),
        (sts, "SAMLAssertionType"),
        (sts, "clientTokenType"),
    ]:
        assert is_secret(model.shape_for(shape)), shape
