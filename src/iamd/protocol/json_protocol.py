"""AWS's JSON 1.1 protocol (CloudTrail's), driven by botocore's model like the Query one.

Requests in: the operation is named by ``X-Amz-Target`` (``<targetPrefix>.<Operation>``,
e.g. ``com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents``), the
input is the JSON body read by the operation's input shape — timestamps as epoch
seconds (what botocore sends) or ISO 8601, blobs as base64 — then validated against
the model's constraints (`iamd.protocol.validate`). Answers out: the output dict as
JSON by the output shape, timestamps as epoch seconds; errors as ``{"__type": code,
"message": text}``, which botocore's JSON parser reads.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from botocore.model import OperationModel, ServiceModel, Shape

from iamd.errors import ClientError, ServiceError, ValidationError
from iamd.protocol.models import operation_names
from iamd.protocol.parse import ParsedRequest
from iamd.protocol.validate import validate
from iamd.protocol.violations import raise_violations

CONTENT_TYPE = "application/x-amz-json-1.1"


class UnknownOperationException(ClientError):
    code = "UnknownOperationException"


class SerializationException(ClientError):
    code = "SerializationException"


# The Query protocol's errors that JSON services spell otherwise: (code, HTTP status).
# A JSON service's AccessDeniedException is an HTTP 400, like DynamoDB's and CloudTrail's.
_JSON_ERRORS = {
    ValidationError.code: ("ValidationException", 400),
    "AccessDenied": ("AccessDeniedException", 400),
}


def target_operation(service: ServiceModel, target: str) -> str:
    """The operation an ``X-Amz-Target`` header names, or AWS's error for one it does not."""
    prefix, _, name = target.rpartition(".")
    if prefix != service.metadata.get("targetPrefix") or name not in operation_names(service):
        raise UnknownOperationException("")
    return name


def parse_json_request(service: ServiceModel, target: str, body: bytes) -> ParsedRequest:
    """The operation named by ``target`` and its JSON input, validated against the model."""
    operation: OperationModel = service.operation_model(target_operation(service, target))
    shape = operation.input_shape
    document = _document(body)
    if shape is None:
        return ParsedRequest(operation, {})
    params = _read(shape, document)
    raise_violations(validate(shape, params, reveal_values=True))
    return ParsedRequest(operation, params)


def serialize_json_result(operation: OperationModel, output: Mapping[str, Any]) -> bytes:
    shape = operation.output_shape
    value = _write(shape, output) if shape is not None else {}
    return json.dumps(value, separators=(",", ":")).encode()


def serialize_json_error(error: ServiceError) -> tuple[int, bytes]:
    code, status = _JSON_ERRORS.get(error.code, (error.code, error.status))
    body = {"__type": code, "message": error.message}
    return status, json.dumps(body).encode()


def _document(body: bytes) -> Mapping[str, Any]:
    if not body.strip():
        return {}
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise SerializationException(
            "Start of structure or map found where not expected."
        ) from None
    if not isinstance(document, dict):
        raise SerializationException("Start of structure or map found where not expected.")
    return document


def _read(shape: Shape, value: Any) -> Any:
    """A JSON value as the shape's Python type; SerializationException when it is not one."""
    if value is None:
        return None
    reader: Callable[[Shape, Any], Any] = _READERS.get(shape.type_name, _read_scalar)
    return reader(shape, value)


def _read_structure(shape: Shape, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise SerializationException(f"Expected a structure for {shape.name}.")
    return {name: _read(member, value.get(name)) for name, member in shape.members.items()}


def _read_list(shape: Shape, value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise SerializationException(f"Expected a list for {shape.name}.")
    return [_read(shape.member, item) for item in value]


def _read_map(shape: Shape, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise SerializationException(f"Expected a map for {shape.name}.")
    return {str(key): _read(shape.value, item) for key, item in value.items()}


def _read_timestamp(shape: Shape, value: Any) -> datetime:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC)
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
        except ValueError:
            pass
    raise SerializationException(f"Expected a timestamp for {shape.name}.")


def _read_blob(shape: Shape, value: Any) -> bytes:
    try:
        return base64.b64decode(str(value), validate=True)
    except (binascii.Error, ValueError):
        raise SerializationException(f"Expected base64 for {shape.name}.") from None


_SCALARS: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "boolean": (bool,),
    "integer": (int,),
    "long": (int,),
    "float": (int, float),
    "double": (int, float),
}


def _read_scalar(shape: Shape, value: Any) -> Any:
    kinds = _SCALARS.get(shape.type_name, (object,))
    numeric = shape.type_name not in ("string", "boolean")
    if not isinstance(value, kinds) or (numeric and isinstance(value, bool)):
        raise SerializationException(f"Expected {shape.type_name} for {shape.name}.")
    return value


_READERS: dict[str, Callable[[Shape, Any], Any]] = {
    "structure": _read_structure,
    "list": _read_list,
    "map": _read_map,
    "timestamp": _read_timestamp,
    "blob": _read_blob,
}


def _write(shape: Shape, value: Any) -> Any:
    match shape.type_name:
        case "structure":
            return {
                name: _write(member, value[name])
                for name, member in shape.members.items()
                if value.get(name) is not None
            }
        case "list":
            return [_write(shape.member, item) for item in value]
        case "map":
            return {str(key): _write(shape.value, item) for key, item in value.items()}
        case "timestamp":
            return value.timestamp() if isinstance(value, datetime) else value
        case "blob":
            return base64.b64encode(value).decode() if isinstance(value, bytes) else value
        case _:
            return value
