"""Output dicts and errors → the XML AWS answers Query requests with.

``serialize_result(operation, output, request_id)`` writes::

    <CreateUserResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
      <CreateUserResult><User>…</User></CreateUserResult>
      <ResponseMetadata><RequestId>…</RequestId></ResponseMetadata>
    </CreateUserResponse>

walking the output shape in the model's member order — the inverse of botocore's
``QueryParser``. Operations without an output shape have no Result element; ``None``
members are left out. IAM's policy documents (shape ``policyDocumentType``) are
URL-encoded as AWS encodes them, which botocore's ``json_decode_policies`` undoes.
``serialize_error`` writes the ``<ErrorResponse>`` envelope.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from botocore.model import OperationModel, Shape

from iamd.errors import ServiceError
from iamd.protocol.characters import xml_safe
from iamd.protocol.models import service_model, xml_namespace

_POLICY_DOCUMENT = "policyDocumentType"
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})

Parts = list[str]


def serialize_result(
    operation: OperationModel, output: Mapping[str, Any], request_id: str
) -> bytes:
    """The operation's success response, as AWS writes it."""
    name = operation.name
    namespace = xml_namespace(operation.service_model)
    parts: Parts = [f'<{name}Response xmlns="{namespace}">']
    shape = operation.output_shape
    if shape is not None:
        wrapper = shape.serialization.get("resultWrapper")
        parts.append(f"<{wrapper}>" if wrapper else "")
        _members(parts, shape, output)
        parts.append(f"</{wrapper}>" if wrapper else "")
    parts.append(
        f"<ResponseMetadata><RequestId>{escape(request_id)}</RequestId></ResponseMetadata>"
    )
    parts.append(f"</{name}Response>")
    return "".join(parts).encode("utf-8")


def serialize_error(
    error: ServiceError, request_id: str, *, service: str = "iam"
) -> tuple[int, bytes]:
    """AWS's error envelope for ``error``, in the namespace of ``service``, and its status."""
    namespace = xml_namespace(service_model(service))
    message = f"<Message>{escape(error.message)}</Message>" if error.message else ""
    body = (
        f'<ErrorResponse xmlns="{namespace}"><Error>'
        f"<Type>{error.fault_type}</Type><Code>{escape(error.code)}</Code>{message}"
        f"</Error><RequestId>{escape(request_id)}</RequestId></ErrorResponse>"
    )
    return error.status, body.encode("utf-8")


def escape(text: str) -> str:
    """Text content for XML: markup escaped, characters XML cannot hold replaced."""
    return xml_safe(text).translate(_ESCAPES)


def encode_policy_document(document: str) -> str:
    """URL-encode a policy document as AWS does (Java's ``URLEncoder``, space as ``%20``).

    AWS answers e.g. ``%7B%0A%20%20%22Version%22%3A%20%222012-10-17%22`` and
    ``%22Resource%22%3A%20%22*%22``: letters, digits and ``.-_*`` stay, all else is
    %XX of UTF-8. botocore decodes with ``unquote``, so ``+`` would not read as space.
    """
    return quote(document, safe="*", errors="replace").replace("~", "%7E")


def _members(parts: Parts, shape: Shape, value: Mapping[str, Any]) -> None:
    for name, member in shape.members.items():
        item = value.get(name)
        if item is not None:
            _element(parts, member, _tag(member, name), item)


def _tag(member: Shape, name: str) -> str:
    if member.type_name == "list" and member.serialization.get("flattened"):
        element_name: str | None = member.member.serialization.get("name")
        if element_name:
            return element_name
    tag: str = member.serialization.get("name", name)
    return tag


def _element(parts: Parts, shape: Shape, tag: str, value: Any) -> None:
    kind = shape.type_name
    if kind == "list" and shape.serialization.get("flattened"):
        for item in value:
            _element(parts, shape.member, tag, item)
        return
    if kind == "map" and shape.serialization.get("flattened"):
        for key, item in value.items():
            parts.append(f"<{tag}>")
            _entry(parts, shape, key, item)
            parts.append(f"</{tag}>")
        return
    parts.append(f"<{tag}>")
    _CONTENT[kind](parts, shape, value)
    parts.append(f"</{tag}>")


def _structure(parts: Parts, shape: Shape, value: Any) -> None:
    _members(parts, shape, value)


def _list(parts: Parts, shape: Shape, value: Any) -> None:
    tag = shape.member.serialization.get("name", "member")
    for item in value:
        _element(parts, shape.member, tag, item)


def _map(parts: Parts, shape: Shape, value: Any) -> None:
    for key, item in value.items():
        parts.append("<entry>")
        _entry(parts, shape, key, item)
        parts.append("</entry>")


def _entry(parts: Parts, shape: Shape, key: Any, item: Any) -> None:
    _element(parts, shape.key, shape.key.serialization.get("name", "key"), key)
    if item is not None:
        _element(parts, shape.value, shape.value.serialization.get("name", "value"), item)


def _string(parts: Parts, shape: Shape, value: Any) -> None:
    text = str(value)
    if shape.name == _POLICY_DOCUMENT:
        text = encode_policy_document(text)
    parts.append(escape(text))


def _boolean(parts: Parts, shape: Shape, value: Any) -> None:
    parts.append("true" if value else "false")


def _integer(parts: Parts, shape: Shape, value: Any) -> None:
    parts.append(str(int(value)))


def _float(parts: Parts, shape: Shape, value: Any) -> None:
    parts.append(repr(float(value)))


def _timestamp(parts: Parts, shape: Shape, value: Any) -> None:
    parts.append(format_timestamp(value) if isinstance(value, datetime) else escape(str(value)))


def format_timestamp(value: datetime) -> str:
    """AWS's ISO 8601 form, in UTC to the second: ``2026-11-25T09:27:51Z``."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _blob(parts: Parts, shape: Shape, value: Any) -> None:
    data = value.encode("utf-8") if isinstance(value, str) else bytes(value)
    parts.append(base64.b64encode(data).decode("ascii"))


_CONTENT: dict[str, Callable[[Parts, Shape, Any], None]] = {
    "structure": _structure,
    "list": _list,
    "map": _map,
    "string": _string,
    "boolean": _boolean,
    "integer": _integer,
    "long": _integer,
    "float": _float,
    "double": _float,
    "timestamp": _timestamp,
    "blob": _blob,
}
