"""A Query request's form fields → the operation and its validated, typed input.

``parse_request(service, decode_form(body))`` reads ``Action`` and ``Version`` the
way AWS answers them, reads the other fields by the operation's input shape
(`iamd.protocol.decode`), checks the model's constraints (`iamd.protocol.validate`)
and raises one ``ValidationError`` listing every violation, or returns a
`ParsedRequest` whose params are keyed by the input shape's member names.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from botocore.model import OperationModel, ServiceModel

from iamd.errors import InvalidAction, InvalidParameterValue, MissingAction
from iamd.protocol.decode import build_tree, read_input
from iamd.protocol.models import operation_names
from iamd.protocol.validate import reveals_values, validate
from iamd.protocol.violations import Violation, raise_violations

# AWS's words for a Version that is absent: "Could not find operation ListUsers for
# version NO_VERSION_SPECIFIED".
_NO_VERSION = "NO_VERSION_SPECIFIED"


@dataclass(frozen=True)
class ParsedRequest:
    operation: OperationModel
    params: dict[str, Any]


def parse_request(service: ServiceModel, form: Iterable[tuple[str, str]]) -> ParsedRequest:
    """The operation named by ``Action`` and its input, validated against the model."""
    fields = unique_fields(form)
    operation = find_operation(service, fields)
    shape = operation.input_shape
    if shape is None:
        return ParsedRequest(operation, {})
    reveal = reveals_values(service.service_name)
    violations: list[Violation] = []
    params = read_input(shape, build_tree(shape, fields), reveal=reveal, sink=violations)
    violations += validate(shape, params, reveal_values=reveal)
    raise_violations(violations)
    return ParsedRequest(operation, params)


def unique_fields(form: Iterable[tuple[str, str]]) -> dict[str, str]:
    """The fields by name; a name given twice is refused.

    No AWS documentation or recording says which of two values AWS would take, and
    any choice lets a proxy, a signer or a log read a different request than the one
    iamd runs. botocore and the AWS CLI never repeat a name, so refusing costs no
    real client anything.
    """
    fields: dict[str, str] = {}
    for name, value in form:
        if name in fields:
            raise InvalidParameterValue(f"The parameter {name} must not be given more than once.")
        fields[name] = value
    return fields


def find_operation(service: ServiceModel, fields: dict[str, str]) -> OperationModel:
    """The operation for ``Action`` at this ``Version``, or AWS's error for the pair."""
    action = fields.get("Action")
    if not action:
        raise MissingAction("Missing Action")
    version = fields.get("Version")
    if version != service.api_version or action not in operation_names(service):
        raise InvalidAction(
            f"Could not find operation {action} for version {version or _NO_VERSION}"
        )
    operation: OperationModel = service.operation_model(action)
    return operation
