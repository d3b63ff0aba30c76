"""Java regular expressions, as botocore's models carry them, compiled for Python.

AWS checks ``pattern`` constraints with ``java.util.regex`` and ``matches()``: the
whole value must match. The models' patterns use Java syntax that Python's ``re``
reads differently or not at all, so each is translated once:

- ``\\p{L}``, ``\\p{Z}``, ``\\p{N}`` (and other general categories) become explicit
  code-point ranges built from ``unicodedata``; ``re`` has no ``\\p``.
- ``\\uXXXX`` takes exactly four hex digits, as in Java: the model's
  ``\\u10000-\\u10FFFF`` means U+1000, the range ``0``–U+10FF, ``F`` and ``F`` to
  Java, and so it does here.
- ``\\w``, ``\\d``, ``\\s`` are ASCII in Java; the pattern is compiled with
  ``re.ASCII``.
- ``.`` stops at every Java line terminator, not only ``\\n``.

Constructs no model uses (nested classes, ``&&`` intersections, ``\\Q…\\E``) raise
``ValueError`` rather than being guessed at.
"""

from __future__ import annotations

import functools
import re
import unicodedata

_JAVA_DOT = "[^\\n\\r\\u0085\\u2028\\u2029]"
_UNSUPPORTED_ESCAPES = frozenset("QEGzZRXhvkNc")


@functools.cache
def compile_java_pattern(pattern: str) -> re.Pattern[str]:
    """Compile a model's Java pattern; match it with ``fullmatch`` as AWS does."""
    return re.compile(translate(pattern), re.ASCII)


def translate(pattern: str) -> str:
    """The Python ``re`` source equivalent to a Java pattern."""
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            text, i = _escape(pattern, i + 1, in_class=in_class)
            out.append(text)
            continue
        if char == "[":
            if in_class:
                raise ValueError(f"nested character classes are not supported: {pattern!r}")
            in_class = True
        elif char == "]" and in_class:
            in_class = False
        elif char == "&" and in_class and pattern.startswith("&&", i):
            raise ValueError(f"class intersections are not supported: {pattern!r}")
        elif char == "." and not in_class:
            char = _JAVA_DOT
        out.append(char)
        i += 1
    return "".join(out)


def _escape(pattern: str, i: int, *, in_class: bool) -> tuple[str, int]:
    """Translate the escape whose letter is at ``pattern[i]``; return it and the next index."""
    if i >= len(pattern):
        raise ValueError(f"pattern ends with a backslash: {pattern!r}")
    letter = pattern[i]
    if letter in "pP":
        name, end = _property_name(pattern, i + 1)
        return _property_class(name, negated=letter == "P", in_class=in_class), end
    if letter == "u":
        digits = pattern[i + 1 : i + 5]
        if len(digits) != 4 or not all(c in "0123456789abcdefABCDEF" for c in digits):
            raise ValueError(f"\\u needs four hex digits: {pattern!r}")
        return f"\\u{digits}", i + 5
    if letter == "x" and pattern.startswith("{", i + 1):
        end = pattern.index("}", i)
        return f"\\U{int(pattern[i + 2 : end], 16):08X}", end + 1
    if letter in _UNSUPPORTED_ESCAPES:
        raise ValueError(f"\\{letter} is not supported: {pattern!r}")
    return "\\" + letter, i + 1


def _property_name(pattern: str, i: int) -> tuple[str, int]:
    if pattern.startswith("{", i):
        end = pattern.index("}", i)
        return pattern[i + 1 : end], end + 1
    return pattern[i : i + 1], i + 1


def _property_class(name: str, *, negated: bool, in_class: bool) -> str:
    body = _category_ranges(name.removeprefix("Is"))
    if in_class:
        if negated:
            raise ValueError(f"\\P{{{name}}} inside a class is not supported")
        return body
    return f"[^{body}]" if negated else f"[{body}]"


@functools.cache
def _category_ranges(category: str) -> str:
    """Class body matching a Unicode general category (``L``) or subcategory (``Lu``)."""
    if not 1 <= len(category) <= 2 or not category.isalpha():
        raise ValueError(f"unsupported character property: {category!r}")
    runs = [(start, end) for cat, start, end in _category_runs() if cat.startswith(category)]
    if not runs:
        raise ValueError(f"unknown character property: {category!r}")
    return "".join(_range_text(start, end) for start, end in _merge(runs))


@functools.cache
def _category_runs() -> tuple[tuple[str, int, int], ...]:
    """Every code point's general category, as runs of (category, first, last)."""
    runs: list[tuple[str, int, int]] = []
    current, start = unicodedata.category("\0"), 0
    for code_point in range(1, 0x110000):
        category = unicodedata.category(chr(code_point))
        if category != current:
            runs.append((current, start, code_point - 1))
            current, start = category, code_point
    runs.append((current, start, 0x10FFFF))
    return tuple(runs)


def _merge(runs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in runs:
        if merged and merged[-1][1] + 1 == start:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _range_text(start: int, end: int) -> str:
    if start == end:
        return f"\\U{start:08X}"
    return f"\\U{start:08X}-\\U{end:08X}"
