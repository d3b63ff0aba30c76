"""Input validation against the constraints of botocore's model, worded as AWS words it.

`validate(shape, params, reveal_values=…)` walks typed params (as `iamd.protocol.parse`
builds them) along the input shape and returns a `Violation` per failed constraint:
required members (``Member must not be null``), string and blob length, list and
map size, integer range, ``pattern`` (a Java regex, matched against the whole value),
``enum``, and in every string the characters XML 1.0 allows. Paths are AWS's:
lowerCamelCase members, ``tags.1.member.key`` inside lists of structures. Constraints
of a list's scalar members are reported once, on the list, with all of the member's
constraints in brackets, as AWS does for ``tagKeys``; map keys and values likewise
(``Map keys must satisfy constraint``).

Rules are built once per shape and cached: the model never changes while we run.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from botocore.model import Shape

from iamd.protocol.characters import NOT_XML_CONSTRAINT, is_xml_text
from iamd.protocol.patterns import compile_java_pattern
from iamd.protocol.violations import (
    INVALID,
    NOT_NULL,
    Violation,
    member_path,
    reveals,
    violation,
)

# AWS's recorded IAM messages never show the value ("Value at 'userName' …", even for
# a too-long path or a bad enum), while STS's show it ("Value 'Session1:2' at
# 'roleSessionName' …"). Members the model marks sensitive are hidden everywhere.
_REVEALING_SERVICES = frozenset({"sts"})

# AWS adds "Member must not be null" to the bracketed member constraints of these
# lists (recorded for UntagRole/UntagPolicy's tagKeys) but not of others
# (CreateOpenIDConnectProvider's clientIDList, thumbprintList); botocore's model
# does not carry the difference.
_NON_NULL_MEMBER_LISTS = frozenset({"tagKeyListType"})

_CONTAINERS = frozenset({"structure", "list", "map"})

Failed = Callable[[Any], bool]


@dataclass(frozen=True, slots=True)
class _Rule:
    failed: Failed
    text: str


def reveals_values(service_name: str) -> bool:
    """Whether the service's validation messages quote the offending value."""
    return service_name in _REVEALING_SERVICES


def validate(shape: Shape, params: Mapping[str, Any], *, reveal_values: bool) -> list[Violation]:
    """Every constraint of ``shape`` that ``params`` fails, as AWS reports it."""
    sink: list[Violation] = []
    _structure(shape, params, "", reveals(shape, reveal_values), sink)
    return sink


def _value(shape: Shape, value: Any, path: str, reveal: bool, sink: list[Violation]) -> None:
    reveal = reveals(shape, reveal)
    kind = shape.type_name
    if kind == "structure":
        _structure(shape, value, path, reveal, sink)
        return
    _check(shape, value, path, reveal, sink)
    if kind == "list":
        _list_members(shape, value, path, reveal, sink)
    elif kind == "map":
        _map_entries(shape, value, path, reveal, sink)


def _structure(
    shape: Shape, value: Mapping[str, Any], path: str, reveal: bool, sink: list[Violation]
) -> None:
    required = shape.metadata.get("required", ())
    for name, member in shape.members.items():
        item = value.get(name)
        if item is None:
            if name in required:
                sink.append(violation(member_path(path, name), None, NOT_NULL, reveal=reveal))
        elif item is not INVALID:
            _value(member, item, member_path(path, name), reveal, sink)


def _list_members(
    shape: Shape, items: list[Any], path: str, reveal: bool, sink: list[Violation]
) -> None:
    member = shape.member
    if member.type_name in _CONTAINERS:
        for index, item in enumerate(items, 1):
            element_path = f"{path}.{index}.member"
            if item is None:
                sink.append(violation(element_path, None, NOT_NULL, reveal=reveal))
            elif item is not INVALID:
                _value(member, item, element_path, reveal, sink)
    elif any(_fails(member, item, reveal) for item in items):
        not_null = shape.name in _NON_NULL_MEMBER_LISTS
        texts = _bracketed(member, items, reveal, not_null=not_null)
        constraint = f"Member must satisfy constraint: {texts}"
        sink.append(violation(path, items, constraint, reveal=reveal))


def _map_entries(
    shape: Shape, entries: Mapping[Any, Any], path: str, reveal: bool, sink: list[Violation]
) -> None:
    if any(_fails(shape.key, key, reveal) for key in entries):
        texts = _bracketed(shape.key, list(entries), reveal, not_null=False)
        constraint = f"Map keys must satisfy constraint: {texts}"
        sink.append(violation(path, entries, constraint, reveal=reveal))
    value_shape = shape.value
    if value_shape.type_name in _CONTAINERS:
        for key, item in entries.items():
            if item is not INVALID:
                _value(value_shape, item, f"{path}.{key}", reveal, sink)
    elif any(_fails(value_shape, item, reveal) for item in entries.values()):
        texts = _bracketed(value_shape, list(entries.values()), reveal, not_null=False)
        constraint = f"Map value must satisfy constraint: {texts}"
        sink.append(violation(path, entries, constraint, reveal=reveal))


def _check(shape: Shape, value: Any, path: str, reveal: bool, sink: list[Violation]) -> None:
    failed = [rule.text for rule in _rules(shape, reveal) if rule.failed(value)]
    if not failed and _is_unsafe_text(shape, value):
        failed.append(NOT_XML_CONSTRAINT)
    sink.extend(violation(path, value, text, reveal=reveal) for text in failed)


def _fails(shape: Shape, value: Any, reveal: bool) -> bool:
    if value is None:
        return True
    if value is INVALID:
        return False
    rules = _rules(shape, reveals(shape, reveal))
    return any(rule.failed(value) for rule in rules) or _is_unsafe_text(shape, value)


def _is_unsafe_text(shape: Shape, value: Any) -> bool:
    """A string holding characters XML cannot carry (`iamd.protocol.characters`).

    Checked for every string, with a model pattern or without: such a value could
    neither be answered in XML nor stored by PostgreSQL (U+0000), so it is refused
    here, the same way on every backend.
    """
    return shape.type_name == "string" and isinstance(value, str) and not is_xml_text(value)


def _bracketed(shape: Shape, values: list[Any], reveal: bool, *, not_null: bool) -> str:
    rules = _rules(shape, reveals(shape, reveal))
    texts = [rule.text for rule in rules]
    if any(
        _is_unsafe_text(shape, value) and not any(rule.failed(value) for rule in rules)
        for value in values
        if value is not None and value is not INVALID
    ):
        texts.append(NOT_XML_CONSTRAINT)
    if not_null:
        texts.append(NOT_NULL)
    return "[" + ", ".join(texts) + "]"


@functools.cache
def _rules(shape: Shape, reveal: bool) -> tuple[_Rule, ...]:
    """The shape's constraints in the order AWS lists them: max, min, pattern, enum."""
    kind = shape.type_name
    if kind in ("integer", "long", "float", "double"):
        return _range_rules(shape)
    if kind == "string":
        return _length_rules(shape, _java_length) + _string_rules(shape, reveal)
    if kind == "blob":
        return _length_rules(shape, len)
    if kind in ("list", "map"):
        return _length_rules(shape, len)
    return ()


def _range_rules(shape: Shape) -> tuple[_Rule, ...]:
    rules: list[_Rule] = []
    high, low = shape.metadata.get("max"), shape.metadata.get("min")
    if high is not None:
        text = f"Member must have value less than or equal to {high}"
        rules.append(_Rule(lambda v: v > high, text))
    if low is not None:
        text = f"Member must have value greater than or equal to {low}"
        rules.append(_Rule(lambda v: v < low, text))
    return tuple(rules)


def _length_rules(shape: Shape, length: Callable[[Any], int]) -> tuple[_Rule, ...]:
    rules: list[_Rule] = []
    high, low = shape.metadata.get("max"), shape.metadata.get("min")
    if high is not None:
        text = f"Member must have length less than or equal to {high}"
        rules.append(_Rule(lambda v: length(v) > high, text))
    if low is not None:
        text = f"Member must have length greater than or equal to {low}"
        rules.append(_Rule(lambda v: length(v) < low, text))
    return tuple(rules)


def _string_rules(shape: Shape, reveal: bool) -> tuple[_Rule, ...]:
    rules: list[_Rule] = []
    pattern = shape.metadata.get("pattern")
    if pattern is not None:
        compiled = compile_java_pattern(pattern)
        text = f"Member must satisfy regular expression pattern: {pattern}"
        rules.append(_Rule(lambda v: compiled.fullmatch(v) is None, text))
    enum = shape.enum
    if enum:
        allowed = frozenset(enum)
        text = "Member must satisfy enum value set"
        # IAM's recorded text stops here; services that quote values (STS) also list
        # the set, as AWS's other Coral services do: "…enum value set: [A, B]".
        if reveal:
            text += ": [" + ", ".join(enum) + "]"
        rules.append(_Rule(lambda v: v not in allowed, text))
    return tuple(rules)


def _java_length(text: str) -> int:
    """``String.length()`` as AWS's Java counts it: UTF-16 code units."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2
