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
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from botocore.model import OperationModel, Shape

from iamd.errors import ServiceError
from iamd.protocol.characters import xml_safe
from iamd.protocol.models import member_tag, service_model, xml_namespace

_POLICY_DOCUMENT = "policyDocumentType"
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
# What text content cannot hold as it is: what XML 1.0 cannot carry, markup, and CR.
_NEEDS_CARE = re.compile(
    "[^\t\n\x20-\x25\x27-\x3b\x3d\x3f-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)

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
        _writer_of(shape)(parts, output)
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
    if _NEEDS_CARE.search(text) is None:  # most text: returned as it is, after one scan
        return text
    return xml_safe(text).translate(_ESCAPES)


def encode_policy_document(document: str) -> str:
    """URL-encode a policy document as AWS does (Java's ``URLEncoder``, space as ``%20``).

    AWS answers e.g. ``%7B%0A%20%20%22Version%22%3A%20%222012-10-17%22`` and
    ``%22Resource%22%3A%20%22*%22``: letters, digits and ``.-_*`` stay, all else is
    %XX of UTF-8. botocore decodes with ``unquote``, so ``+`` would not read as space.
    """
    return quote(document, safe="*", errors="replace").replace("~", "%7E")


# A shape's writer: given the parts so far and a value, appends the value's XML (its
# content, between tags its element writes). Built once per shape from the model, so a
# response walks closures rather than the model's dictionaries.
Writer = Callable[[Parts, Any], None]
_writers: dict[int, tuple[Shape, Writer]] = {}


def _writer_of(shape: Shape) -> Writer:
    """The content writer of ``shape``, built on first use (shapes live as long as the
    process's models, and each is kept beside its writer so its id is never reused)."""
    known = _writers.get(id(shape))
    if known is not None and known[0] is shape:
        return known[1]
    writer = _build(shape)
    _writers[id(shape)] = (shape, writer)
    return writer


def _build(shape: Shape) -> Writer:
    kind = shape.type_name
    if kind == "structure":
        return _structure_writer(shape)
    if kind == "list":
        member = shape.member
        return _repeated(_element_writer(member, member.serialization.get("name", "member")))
    if kind == "map":
        return _entries_writer(shape, "entry")
    text = _text_of(shape)

    def write(parts: Parts, value: Any) -> None:
        parts.append(text(value))

    return write


def _text_of(shape: Shape) -> Callable[[Any], str]:
    """A scalar shape's value as element content."""
    if shape.type_name == "string":
        return _policy_document if shape.name == _POLICY_DOCUMENT else _string
    return _SCALARS[shape.type_name]


def _structure_writer(shape: Shape) -> Writer:
    members = [
        (name, _element_writer(member, member_tag(member, name)))
        for name, member in shape.members.items()
    ]

    def write(parts: Parts, value: Any) -> None:
        for name, element in members:
            item = value.get(name)
            if item is not None:
                element(parts, item)

    return write


# Names of the shapes whose writers are being built: a shape met again inside itself
# is looked up when written instead (its writer does not exist yet when it is met).
_building: set[str] = set()


def _element_writer(shape: Shape, tag: str) -> Writer:
    """``shape`` as the element ``tag`` (a flattened list or map: one per item)."""
    flattened = shape.serialization.get("flattened")
    if shape.type_name == "list" and flattened:
        return _repeated(_element_writer(shape.member, tag))
    if shape.type_name == "map" and flattened:
        return _entries_writer(shape, tag)
    opening, closing = f"<{tag}>", f"</{tag}>"
    if shape.type_name not in _CONTAINERS:
        text = _text_of(shape)

        def write_scalar(parts: Parts, value: Any) -> None:
            parts.append(f"{opening}{text(value)}{closing}")

        return write_scalar
    content = _content_writer(shape)

    def write(parts: Parts, value: Any) -> None:
        parts.append(opening)
        content(parts, value)
        parts.append(closing)

    return write


def _content_writer(shape: Shape) -> Writer:
    if shape.name in _building:
        return lambda parts, value: _writer_of(shape)(parts, value)
    _building.add(shape.name)
    try:
        return _writer_of(shape)
    finally:
        _building.discard(shape.name)


_CONTAINERS = frozenset({"structure", "list", "map"})


def _repeated(element: Writer) -> Writer:
    def write(parts: Parts, value: Any) -> None:
        for item in value:
            element(parts, item)

    return write


def _entries_writer(shape: Shape, tag: str) -> Writer:
    key = _element_writer(shape.key, shape.key.serialization.get("name", "key"))
    item_writer = _element_writer(shape.value, shape.value.serialization.get("name", "value"))
    opening, closing = f"<{tag}>", f"</{tag}>"

    def write(parts: Parts, value: Any) -> None:
        for name, item in value.items():
            parts.append(opening)
            key(parts, name)
            if item is not None:
                item_writer(parts, item)
            parts.append(closing)

    return write


def _string(value: Any) -> str:
    return escape(str(value))


def _policy_document(value: Any) -> str:
    return escape(encode_policy_document(str(value)))


def _boolean(value: Any) -> str:
    return "true" if value else "false"


def _integer(value: Any) -> str:
    return str(int(value))


def _float(value: Any) -> str:
    return repr(float(value))


def _timestamp(value: Any) -> str:
    return format_timestamp(value) if isinstance(value, datetime) else escape(str(value))


def format_timestamp(value: datetime) -> str:
    """AWS's ISO 8601 form, in UTC to the second: ``2026-11-25T09:27:51Z``."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    if value.year < 1000:  # strftime writes such a year unpadded; isoformat would pad it
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    return value.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def _blob(value: Any) -> str:
    data = value.encode("utf-8") if isinstance(value, str) else bytes(value)
    return base64.b64encode(data).decode("ascii")


_SCALARS: dict[str, Callable[[Any], str]] = {
    "boolean": _boolean,
    "integer": _integer,
    "long": _integer,
    "float": _float,
    "double": _float,
    "timestamp": _timestamp,
    "blob": _blob,
}
