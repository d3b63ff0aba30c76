"""Policy variables: `${aws:username}` and friends, resolved per request.

A policy string is split once into a `Template` of parts: text as written (where `*`
and `?` are still wildcards), literal characters from `${*}`, `${?}` and `${$}`, and
variables (a context key, optionally with a default: `${aws:username, 'anonymous'}`).
Rendering asks a lookup function for each variable; a variable that resolves to
nothing and has no default makes the whole string unresolvable (`None`), and callers
treat an unresolvable value as one that matches nothing.

Only 2012-10-17 documents have variables: `parse_template(..., enabled=False)` keeps
`${...}` as plain text.

Matching does not render per request: `compile_templates` turns templates into one
`VariablePattern`, a regular expression compiled once whose variables are named
groups. A request supplies its values as a prefix of the subject (per variable:
SOH, the value, NUL; a bare NUL when it is unresolvable) and the templates refer to
them by backreference, which matches the substituted text literally (IAM: substituted
text has no wildcards). A backreference to an unresolvable variable's group fails, so
such a template matches nothing, as when rendering gives None. A value holding NUL
cannot be framed: `prefix` says None and callers fall back to rendering.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from iamd.policy.context import next_memo_serial
from iamd.policy.match import compile_regex, glob_to_regex

Lookup = Callable[[str], str | None]

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_KEY_AND_DEFAULT = re.compile(r"^\s*([^\s,']+)\s*(?:,\s*'([^']*)'\s*)?$")
_SPECIAL = {"*": "*", "?": "?", "$": "$"}
# Separators of a pattern's subject: values cannot hold NUL (callers fall back to rendering).
_RESOLVED, _END = "\x01", "\x00"


@dataclass(frozen=True, slots=True)
class Part:
    kind: str  # "glob" (text as written) | "literal" | "variable"
    text: str  # the text, or the variable's context key (lower-cased)
    default: str | None = None
    regex: str = ""  # the part as regular-expression source (glob or literal parts)

    @classmethod
    def glob(cls, text: str) -> Part:
        return cls("glob", text, regex=glob_to_regex(text))

    @classmethod
    def literal(cls, text: str) -> Part:
        return cls("literal", text, regex=re.escape(text))


Slot = tuple[str, str | None]  # a variable's context key and its default


@dataclass(frozen=True, slots=True)
class VariablePattern:
    """Templates compiled once; each distinct variable is a named group (`slots`)."""

    slots: tuple[Slot, ...]
    regex: re.Pattern[str]

    def prefix(self, lookup: Lookup) -> str | None:
        """The variables' values as a subject prefix; None when a value holds NUL."""
        pieces: list[str] = []
        for key, default in self.slots:
            value = lookup(key)
            if value is None:
                value = default
            if value is None:
                pieces.append(_END)  # the group stays unset: its backreferences fail
            elif _END in value:
                return None
            else:
                pieces.append(f"{_RESOLVED}{value}{_END}")
        return "".join(pieces)

    def fullmatch(self, prefix: str, subject: str) -> bool:
        """Does `subject` match one of the templates, given the values in `prefix`?"""
        return self.regex.fullmatch(prefix + subject) is not None


@dataclass(frozen=True, slots=True)
class Template:
    parts: tuple[Part, ...]
    # INVARIANT: serials are never reused; they key per-request memos.
    serial: int = field(default_factory=next_memo_serial, compare=False)
    pattern: VariablePattern | None = field(default=None, compare=False, repr=False)

    @property
    def has_variables(self) -> bool:
        return any(part.kind != "glob" for part in self.parts)

    @property
    def source(self) -> str:
        """The text when there are no variables (glob parts joined)."""
        return "".join(part.text for part in self.parts)

    def render_text(self, lookup: Lookup) -> str | None:
        """The string with variables substituted (wildcards stay as written)."""
        pieces: list[str] = []
        for part in self.parts:
            piece = _resolve(part, lookup) if part.kind == "variable" else part.text
            if piece is None:
                return None
            pieces.append(piece)
        return "".join(pieces)

    def render_regex(self, lookup: Lookup) -> str | None:
        """A regular expression: wildcards from the policy, substituted text literal."""
        pieces: list[str] = []
        for part in self.parts:
            if part.kind != "variable":
                pieces.append(part.regex)
                continue
            piece = _resolve(part, lookup)
            if piece is None:
                return None
            pieces.append(re.escape(piece))
        return "".join(pieces)


def compile_templates(templates: Sequence[Template]) -> VariablePattern:
    """One pattern matching any of `templates`; a variable used twice is one group."""
    return _compile([template.parts for template in templates])


def _compile(part_lists: Sequence[tuple[Part, ...]]) -> VariablePattern:
    slots: list[Slot] = []
    bodies = ["".join(_part_regex(part, slots) for part in parts) for parts in part_lists]
    # Per variable: SOH, value, NUL sets group v<i>; a bare NUL leaves it unset.
    groups = "".join(rf"(?:\x01(?P<v{i}>[^\x00]*))?\x00" for i in range(len(slots)))
    alternatives = "|".join(f"(?:{body})" for body in bodies)
    return VariablePattern(tuple(slots), compile_regex(f"{groups}(?:{alternatives})", False))


def _part_regex(part: Part, slots: list[Slot]) -> str:
    if part.kind != "variable":
        return part.regex
    slot = (part.text, part.default)
    if slot not in slots:
        slots.append(slot)
    return f"(?P=v{slots.index(slot)})"


def _resolve(part: Part, lookup: Lookup) -> str | None:
    value = lookup(part.text)
    return part.default if value is None else value


@lru_cache(maxsize=8192)
def parse_template(text: str, *, enabled: bool = True) -> Template:
    """Split `text` into a `Template`; with `enabled` False, `${...}` is plain text."""
    if not enabled or "${" not in text:
        return Template((Part.glob(text),))
    parts: list[Part] = []
    last = 0
    for match in _VARIABLE.finditer(text):
        if match.start() > last:
            parts.append(Part.glob(text[last : match.start()]))
        parts.append(_variable_part(match))
        last = match.end()
    if last < len(text):
        parts.append(Part.glob(text[last:]))
    found = tuple(parts)
    if all(part.kind == "glob" for part in found):
        return Template(found)
    return Template(found, pattern=_compile((found,)))


def _variable_part(match: re.Match[str]) -> Part:
    body = match.group(1)
    if body.strip() in _SPECIAL:
        return Part.literal(_SPECIAL[body.strip()])
    key_default = _KEY_AND_DEFAULT.match(body)
    if key_default is None:
        # Not a variable AWS recognises: keep the characters as written.
        return Part.glob(match.group(0))
    return Part("variable", key_default.group(1).lower(), key_default.group(2))
