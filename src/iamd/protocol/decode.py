"""Query parameters → the input shape's typed params, as botocore's serializer wrote them.

botocore flattens input into dotted keys; this reads them back by walking the shape:

- structure members by name (or ``locationName``): ``PermissionsBoundary``
- lists as ``Name.member.N`` (``Name.N`` when flattened), ``Name=`` for an empty list
- maps as ``Name.entry.N.key`` / ``Name.entry.N.value``
- scalars by type (`iamd.protocol.scalars`): ``MaxItems=100`` → ``100``

Keys the shape does not name are ignored, as AWS ignores them (SigV4's presigned
``X-Amz-*`` parameters arrive this way). A value that cannot be read as its type
becomes a `Violation` and `INVALID` in its place, so that it is reported once, not
also as missing.
"""

from __future__ import annotations

import functools
import re
from typing import Any, Final

from botocore.model import Shape

from iamd.protocol.models import member_tag
from iamd.protocol.scalars import READERS
from iamd.protocol.violations import (
    INVALID,
    NOT_NULL,
    Violation,
    member_path,
    reveals,
    violation,
)

_INDEX = re.compile(r"[1-9][0-9]{0,8}", re.ASCII)
_ABSENT: Final = object()


class Node:
    """One dotted-key segment: its value (if the key ends here) and deeper segments."""

    __slots__ = ("children", "value")

    def __init__(self) -> None:
        self.value: str | None = None
        self.children: dict[str, Node] = {}


def build_tree(shape: Shape, fields: dict[str, str]) -> Node:
    """The parameters as a tree keyed by the segments of their dotted names.

    Only keys under a member of ``shape`` are kept: the rest would be ignored anyway.
    """
    root = Node()
    names = _root_names(shape)
    for key, value in fields.items():
        if key.partition(".")[0] not in names:
            continue
        node = root
        for segment in key.split("."):
            child = node.children.get(segment)
            if child is None:
                child = node.children[segment] = Node()
            node = child
        node.value = value
    return root


def read_input(shape: Shape, root: Node, *, reveal: bool, sink: list[Violation]) -> dict[str, Any]:
    """The input shape's params from the tree; unreadable values go to ``sink``."""
    return _structure(shape, root, "", reveals(shape, reveal), sink)


def _read(shape: Shape, node: Node, path: str, reveal: bool, sink: list[Violation]) -> Any:
    reveal = reveals(shape, reveal)
    kind = shape.type_name
    if kind == "structure":
        return _structure(shape, node, path, reveal, sink)
    if kind == "list":
        return _list(shape, node, path, reveal, sink)
    if kind == "map":
        return _map(shape, node, path, reveal, sink)
    if node.value is None:
        return _ABSENT
    return _scalar(kind, node.value, path, reveal, sink)


def _scalar(kind: str, text: str, path: str, reveal: bool, sink: list[Violation]) -> Any:
    try:
        return READERS[kind](text)
    except ValueError as error:
        sink.append(violation(path, text, str(error), reveal=reveal))
        return INVALID


def _structure(
    shape: Shape, node: Node, path: str, reveal: bool, sink: list[Violation]
) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for name, wire_name, member in _wire_members(shape):
        child = node.children.get(wire_name)
        if child is not None:
            value = _read(member, child, member_path(path, name), reveal, sink)
            if value is not _ABSENT:
                params[name] = value
    return params


@functools.cache
def _wire_members(shape: Shape) -> tuple[tuple[str, str, Shape], ...]:
    """(member name, key segment, shape) for each member, as botocore's serializer names them."""
    return tuple((name, member_tag(member, name), member) for name, member in shape.members.items())


@functools.cache
def _root_names(shape: Shape) -> frozenset[str]:
    return frozenset(wire_name for _, wire_name, _ in _wire_members(shape))


def _list(shape: Shape, node: Node, path: str, reveal: bool, sink: list[Violation]) -> Any:
    if shape.serialization.get("flattened"):
        holder: Node | None = node
    else:
        holder = node.children.get(shape.member.serialization.get("name", "member"))
    elements = _indexed(holder)
    if not elements and holder is None and node.value is None:
        return _ABSENT
    items = []
    for index, element in enumerate(elements, 1):
        item = _read(shape.member, element, f"{path}.{index}.member", reveal, sink)
        if item is not _ABSENT:
            items.append(item)
    return items


def _indexed(holder: Node | None) -> list[Node]:
    """The numbered children ``1``, ``2``, … in numeric order (gaps closed up)."""
    if holder is None:
        return []
    numbered = [(int(key), node) for key, node in holder.children.items() if _INDEX.fullmatch(key)]
    return [node for _, node in sorted(numbered, key=lambda pair: pair[0])]


def _map(shape: Shape, node: Node, path: str, reveal: bool, sink: list[Violation]) -> Any:
    holder = node if shape.serialization.get("flattened") else node.children.get("entry")
    entries = _indexed(holder)
    if not entries and holder is None and node.value is None:
        return _ABSENT
    key_name = shape.key.serialization.get("name", "key")
    value_name = shape.value.serialization.get("name", "value")
    result: dict[Any, Any] = {}
    for index, entry in enumerate(entries, 1):
        entry_path = f"{path}.entry.{index}"
        key = _entry_part(
            shape.key, entry.children.get(key_name), f"{entry_path}.key", reveal, sink
        )
        value = _entry_part(
            shape.value, entry.children.get(value_name), f"{entry_path}.value", reveal, sink
        )
        if key is _ABSENT or value is _ABSENT:
            continue
        if key in result:
            sink.append(violation(path, key, "Map keys must be unique", reveal=reveal))
        result[key] = value
    return result


def _entry_part(
    shape: Shape, node: Node | None, path: str, reveal: bool, sink: list[Violation]
) -> Any:
    """A map entry's key or value; a missing one is reported as null."""
    value = _ABSENT if node is None else _read(shape, node, path, reveal, sink)
    if value is _ABSENT:
        sink.append(violation(path, None, NOT_NULL, reveal=reveal))
    return value
