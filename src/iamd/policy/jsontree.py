"""A JSON reader that keeps where every value came from.

`json.loads` forgets positions, and AWS reports them (the simulator's `StartPosition`
and `EndPosition`), so the policy parser reads text into a small tree of `Node`s:
JSON objects keep their members in order with each key's position, and every node
carries its 1-based (line, column) start and end. Strings and numbers are decoded by
the standard library's own routines, so the accepted grammar is exactly RFC 8259 JSON
(no NaN, no trailing commas, no comments).
"""

from __future__ import annotations

import bisect
import json.decoder
import re
from collections.abc import Callable
from dataclasses import dataclass

JsonScalar = str | bool | None
NodeValue = JsonScalar | tuple["Node", ...] | tuple["Member", ...]

# The standard library's C string decoder (escapes, surrogates, control characters).
_scanstring: Callable[[str, int, bool], tuple[str, int]] = getattr(json.decoder, "scanstring")  # noqa: B009

_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?")
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_LITERALS: tuple[tuple[str, JsonScalar], ...] = (("true", True), ("false", False), ("null", None))


class JsonSyntaxError(ValueError):
    """The text is not JSON; `offset` is where reading stopped."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(f"{message} at offset {offset}")
        self.offset = offset


@dataclass(frozen=True, slots=True)
class Node:
    """One JSON value with its source span (1-based line and column, end inclusive)."""

    value: NodeValue
    kind: str  # "object" | "array" | "string" | "number" | "bool" | "null"
    start: tuple[int, int]
    end: tuple[int, int]

    @property
    def members(self) -> tuple[Member, ...]:
        assert self.kind == "object"
        return self.value  # type: ignore[return-value]

    @property
    def items(self) -> tuple[Node, ...]:
        assert self.kind == "array"
        return self.value  # type: ignore[return-value]

    def get(self, key: str) -> Node | None:
        """The value of `key` in an object (the last one, as `json.loads` does)."""
        found = None
        for member in self.members:
            if member.key == key:
                found = member.value
        return found

    def keys(self) -> tuple[str, ...]:
        return tuple(member.key for member in self.members)


@dataclass(frozen=True, slots=True)
class Member:
    key: str
    value: Node


def read_json(text: str) -> Node:
    """Parse `text` as one JSON document; raise `JsonSyntaxError` when it is not."""
    reader = _Reader(text)
    try:
        node = reader.value(reader.skip(0))
    except RecursionError:
        raise JsonSyntaxError("nested too deeply", 0) from None
    end = reader.skip(reader.offset)
    if end != len(text):
        raise JsonSyntaxError("extra data", end)
    return node


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.offset = 0
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self._line_starts, offset)
        return line, offset - self._line_starts[line - 1] + 1

    def skip(self, offset: int) -> int:
        match = _WHITESPACE.match(self.text, offset)
        assert match is not None
        return match.end()

    def value(self, offset: int) -> Node:
        char = self.text[offset : offset + 1]
        if char == "{":
            return self._object(offset)
        if char == "[":
            return self._array(offset)
        if char == '"':
            return self._string(offset)
        return self._scalar(offset)

    def _finish(self, value: NodeValue, kind: str, start: int, end: int) -> Node:
        self.offset = end
        return Node(value, kind, self.position(start), self.position(end - 1))

    def _string(self, offset: int) -> Node:
        try:
            decoded, end = _scanstring(self.text, offset + 1, True)
        except json.JSONDecodeError as error:
            raise JsonSyntaxError("bad string", error.pos) from None
        return self._finish(decoded, "string", offset, end)

    def _scalar(self, offset: int) -> Node:
        for literal, value in _LITERALS:
            if self.text.startswith(literal, offset):
                kind = "null" if value is None else "bool"
                return self._finish(value, kind, offset, offset + len(literal))
        match = _NUMBER.match(self.text, offset)
        if match is None or match.end() == offset:
            raise JsonSyntaxError("expected a value", offset)
        # INVARIANT: numbers keep their source text; policies compare them as strings.
        return self._finish(match.group(), "number", offset, match.end())

    def _array(self, offset: int) -> Node:
        items: list[Node] = []
        cursor = self.skip(offset + 1)
        if self.text.startswith("]", cursor):
            return self._finish((), "array", offset, cursor + 1)
        while True:
            items.append(self.value(cursor))
            cursor = self.skip(self.offset)
            char = self.text[cursor : cursor + 1]
            if char == "]":
                return self._finish(tuple(items), "array", offset, cursor + 1)
            if char != ",":
                raise JsonSyntaxError("expected ',' or ']'", cursor)
            cursor = self.skip(cursor + 1)

    def _object(self, offset: int) -> Node:
        members: list[Member] = []
        cursor = self.skip(offset + 1)
        if self.text.startswith("}", cursor):
            return self._finish((), "object", offset, cursor + 1)
        while True:
            members.append(self._member(cursor))
            cursor = self.skip(self.offset)
            char = self.text[cursor : cursor + 1]
            if char == "}":
                return self._finish(tuple(members), "object", offset, cursor + 1)
            if char != ",":
                raise JsonSyntaxError("expected ',' or '}'", cursor)
            cursor = self.skip(cursor + 1)

    def _member(self, offset: int) -> Member:
        if not self.text.startswith('"', offset):
            raise JsonSyntaxError("expected a key", offset)
        key = self._string(offset)
        cursor = self.skip(self.offset)
        if not self.text.startswith(":", cursor):
            raise JsonSyntaxError("expected ':'", cursor)
        value = self.value(self.skip(cursor + 1))
        return Member(str(key.value), value)
