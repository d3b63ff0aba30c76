"""A call's input and output as CloudTrail writes them: requestParameters, responseElements.

In: the operation's botocore model and its validated input (or its output dict), keyed
by the shapes' member names. Out: the same tree with CloudTrail's spelling —
lowerCamelCase members (``UserName`` → ``userName``, ``SAMLAssertion`` →
``sAMLAssertion``), timestamps as IAM's and STS's records print them (``Mar 14,
2026, 3:32:34 PM``) — and without what must never be written down:

- members whose shape the model marks ``sensitive`` (passwords, secret access keys,
  private keys, service passwords, SAML assertions, web identity tokens, virtual MFA
  seeds): CloudTrail leaves them out, so a CreateAccessKey record carries the key's
  id and no secret;
- session tokens: AWS's AssumeRole records carry them, but an iamd session token is
  a whole credential (it seals its own secret), so it is left out like a secret;
- MFA codes (``AuthenticationCode1``, ``TokenCode``): one-time, but proof of a
  device; left out.

Rules are built once per shape: the model never changes while we run.
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from botocore.model import OperationModel, Shape

# Shapes the model does not mark sensitive whose values are credentials all the same.
_SECRET_SHAPES = frozenset({"tokenType", "tokenCodeType", "authenticationCodeType"})

Convert = Callable[[Any], Any]


def request_parameters(operation: OperationModel, params: Mapping[str, Any]) -> Any:
    """The input as CloudTrail's ``requestParameters`` (None when there is none)."""
    shape = operation.input_shape
    if shape is None or not params:
        return None
    return _converter(shape)(params) or None


def response_elements(operation: OperationModel, output: Mapping[str, Any]) -> Any:
    """The output as CloudTrail's ``responseElements`` (None when there is none)."""
    shape = operation.output_shape
    if shape is None or not output:
        return None
    return _converter(shape)(output) or None


def camel(member: str) -> str:
    """CloudTrail's name for a member: its first letter lower-cased."""
    return member[:1].lower() + member[1:]


def record_time(value: datetime) -> str:
    """A timestamp as IAM's and STS's CloudTrail records print them."""
    moment = value.astimezone(UTC)
    hour = moment.hour % 12 or 12
    return (
        f"{moment:%b} {moment.day}, {moment.year}, "
        f"{hour}:{moment:%M:%S} {'AM' if moment.hour < 12 else 'PM'}"
    )


def is_secret(shape: Shape) -> bool:
    return bool(shape.metadata.get("sensitive")) or shape.name in _SECRET_SHAPES


@functools.cache
def _converter(shape: Shape) -> Convert:
    match shape.type_name:
        case "structure":
            return _structure(shape)
        case "list":
            item = _converter(shape.member)
            return lambda values: [item(value) for value in values]
        case "map":
            value_of = _converter(shape.value)
            return lambda values: {str(k): value_of(v) for k, v in values.items()}
        case "timestamp":
            return lambda value: record_time(value) if isinstance(value, datetime) else value
        case "blob":
            return _blob
        case _:
            return _scalar


def _structure(shape: Shape) -> Convert:
    members = [
        (name, camel(name), _converter(member))
        for name, member in shape.members.items()
        if not is_secret(member)
    ]

    def convert(values: Mapping[str, Any]) -> dict[str, Any]:
        return {
            key: convert_member(values[name])
            for name, key, convert_member in members
            if values.get(name) is not None
        }

    return convert


def _blob(value: Any) -> Any:
    return base64.b64encode(value).decode() if isinstance(value, bytes) else value


def _scalar(value: Any) -> Any:
    return value
