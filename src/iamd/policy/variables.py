"""Policy variables: `${aws:username}` and friends, resolved per request.

A policy string is split once into a `Template` of parts: text as written (where `*`
and `?` are still wildcards), literal characters from `${*}`, `${?}` and `${$}`, and
variables (a context key, optionally with a default: `${aws:username, 'anonymous'}`).
Rendering asks a lookup function for each variable; a variable that resolves to
nothing and has no default makes the whole string unresolvable (`None`), and callers
treat an unresolvable value as one that matches nothing.

Only 2012-10-17 documents have variables: `parse_template(..., enabled=False)` keeps
`${...}` as plain text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from iamd.policy.context import next_memo_serial
from iamd.policy.match import glob_to_regex

Lookup = Callable[[str], str | None]

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_KEY_AND_DEFAULT = re.compile(r"^\s*([^\s,']+)\s*(?:,\s*'([^']*)'\s*)?$")
_SPECIAL = {"*": "*", "?": "?", "$": "$"}


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


@dataclass(frozen=True, slots=True)
class Template:
    parts: tuple[Part, ...]
    # INVARIANT: serials are never reused; they key per-request memos.
    serial: int = field(default_factory=next_memo_serial, compare=False)

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
    return Template(tuple(parts))


def _variable_part(match: re.Match[str]) -> Part:
    body = match.group(1)
    if body.strip() in _SPECIAL:
        return Part.literal(_SPECIAL[body.strip()])
    key_default = _KEY_AND_DEFAULT.match(body)
    if key_default is None:
        # Not a variable AWS recognises: keep the characters as written.
        return Part.glob(match.group(0))
    return Part("variable", key_default.group(1).lower(), key_default.group(2))
