"""Constraint violations and AWS's ``ValidationError`` text built from them.

A `Violation` is one "Value … at 'path' failed to satisfy constraint: …" clause.
Parsing and validation both append to one list; `raise_violations` turns the list
into the single error AWS answers with::

    2 validation errors detected: Value at 'userName' failed to satisfy constraint:
    Member must have length less than or equal to 64; Value at 'path' …

Clauses come in the order of the paths in a ``java.util.HashMap`` of default
capacity, keyed by path: AWS's recorded multi-error messages (UpdateAccountPassword-
Policy's ``minimumPasswordLength; passwordReusePrevention; maxPasswordAge`` and
CreateOpenIDConnectProvider's ``clientIDList; thumbprintList; url``) follow neither
the model's member order nor the alphabet, but exactly that bucket order.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from botocore.model import Shape

from iamd.errors import ValidationError


class _Invalid:
    """Stands in for a value that could not be read, so it is not also 'missing'."""

    def __repr__(self) -> str:
        return "INVALID"


INVALID: Final = _Invalid()
NOT_NULL: Final = "Member must not be null"


@dataclass(frozen=True, slots=True)
class Violation:
    path: str
    subject: str  # "Value 'x'", "Value null" or, where AWS hides values, "Value"
    constraint: str

    def text(self) -> str:
        return f"{self.subject} at '{self.path}' failed to satisfy constraint: {self.constraint}"


def reveals(shape: Shape, reveal: bool) -> bool:
    """Whether values under ``shape`` may be quoted: never those the model marks sensitive."""
    return reveal and not shape.metadata.get("sensitive", False)


@functools.cache
def camel(name: str) -> str:
    """A member's name as AWS's paths spell it: ``UserName`` → ``userName``."""
    return name[:1].lower() + name[1:]


def member_path(path: str, name: str) -> str:
    return f"{path}.{camel(name)}" if path else camel(name)


def violation(path: str, value: Any, constraint: str, *, reveal: bool) -> Violation:
    """A violation at ``path``, naming ``value`` only where ``reveal`` allows."""
    return Violation(path, subject(value, reveal=reveal), constraint)


def subject(value: Any, *, reveal: bool) -> str:
    """How the message names the value: shown as Java prints it, or hidden."""
    if not reveal:
        return "Value"
    if value is None:
        return "Value null"
    return f"Value '{java_text(value)}'"


def java_text(value: Any) -> str:
    """The value as Java's ``toString`` would print it in AWS's message."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{k}: {java_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        return "[" + ", ".join(java_text(item) for item in value) + "]"
    return "null" if value is None else str(value)


def raise_violations(violations: list[Violation]) -> None:
    """Raise AWS's ValidationError for the violations, if there are any."""
    if not violations:
        return
    count = len(violations)
    noun = "validation error" if count == 1 else "validation errors"
    clauses = "; ".join(v.text() for v in _hash_map_order(violations))
    raise ValidationError(f"{count} {noun} detected: {clauses}")


def _hash_map_order(violations: list[Violation]) -> list[Violation]:
    by_path: dict[str, list[Violation]] = {}
    for violation in violations:
        by_path.setdefault(violation.path, []).append(violation)
    capacity = _capacity(len(by_path))
    paths = sorted(by_path, key=lambda path: _bucket(path, capacity))
    return [violation for path in paths for violation in by_path[path]]


def _capacity(entries: int) -> int:
    capacity = 16
    while entries > capacity * 3 // 4:
        capacity *= 2
    return capacity


def _bucket(key: str, capacity: int) -> int:
    """The bucket ``java.util.HashMap`` puts ``key`` in (its ``String.hashCode`` spread)."""
    code = 0
    for unit in _utf16_units(key):
        code = (31 * code + unit) & 0xFFFFFFFF
    return (code ^ (code >> 16)) & (capacity - 1)


def _utf16_units(text: str) -> list[int]:
    data = text.encode("utf-16-le", "surrogatepass")
    return [int.from_bytes(data[i : i + 2], "little") for i in range(0, len(data), 2)]
