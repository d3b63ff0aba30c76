"""Globs: action names (case-insensitive) and resource ARNs (case-sensitive).

In a policy, `*` matches any run of characters and `?` any one character, `:` and
`/` included; every other character means itself, so a pattern is escaped before it
becomes a regular expression. Patterns are compiled once and cached: a statement's
`Action` list becomes one `NameSet` (a set of exact names plus at most one combined
regular expression), so deciding whether an action matches costs a set lookup and
at most one `fullmatch`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

_WILDCARDS = re.compile(r"[*?]")


def has_wildcard(pattern: str) -> bool:
    return "*" in pattern or "?" in pattern


def glob_to_regex(pattern: str) -> str:
    """The regular expression (unanchored source) for one glob pattern."""
    parts: list[str] = []
    last = 0
    for match in _WILDCARDS.finditer(pattern):
        parts.append(re.escape(pattern[last : match.start()]))
        parts.append(".*" if match.group() == "*" else ".")
        last = match.end()
    parts.append(re.escape(pattern[last:]))
    return "".join(parts)


@lru_cache(maxsize=4096)
def compile_regex(source: str, ignore_case: bool) -> re.Pattern[str]:
    """Compile (and cache) a regular expression built from globs."""
    return re.compile(source, re.DOTALL | (re.IGNORECASE if ignore_case else 0))


@dataclass(frozen=True, slots=True)
class NameSet:
    """A compiled list of glob patterns: does a name match any of them?"""

    matches_all: bool
    exact: frozenset[str]
    regex: re.Pattern[str] | None
    ignore_case: bool

    def matches(self, name: str) -> bool:
        if self.matches_all:
            return True
        key = name.lower() if self.ignore_case else name
        if key in self.exact:
            return True
        return self.regex is not None and self.regex.fullmatch(name) is not None


def compile_names(patterns: Iterable[str], *, ignore_case: bool) -> NameSet:
    """Compile glob patterns into one `NameSet`."""
    patterns = tuple(patterns)
    if any(_matches_everything(pattern) for pattern in patterns):
        return NameSet(True, frozenset(), None, ignore_case)
    literal = [p for p in patterns if not has_wildcard(p)]
    globbed = [p for p in patterns if has_wildcard(p)]
    exact = frozenset(p.lower() for p in literal) if ignore_case else frozenset(literal)
    regex = None
    if globbed:
        source = "|".join(f"(?:{glob_to_regex(p)})" for p in globbed)
        regex = compile_regex(source, ignore_case)
    return NameSet(False, exact, regex, ignore_case)


def _matches_everything(pattern: str) -> bool:
    return bool(pattern) and set(pattern) == {"*"}


def compile_actions(patterns: Iterable[str]) -> NameSet:
    """Action globs: `iam:Get*` matches `IAM:getuser` (service and name ignore case)."""
    return compile_names(patterns, ignore_case=True)


def compile_resources(patterns: Iterable[str]) -> NameSet:
    """Resource globs: case-sensitive, `*` and `?` cross `:` and `/`."""
    return compile_names(patterns, ignore_case=False)


def glob_matches(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """Does one glob pattern match `value`? (Cached compile; for one-off checks.)"""
    if not has_wildcard(pattern):
        return pattern.lower() == value.lower() if ignore_case else pattern == value
    return compile_regex(glob_to_regex(pattern), ignore_case).fullmatch(value) is not None


def action_service(action: str) -> str:
    """The service prefix of an action name, lower-cased (`""` when there is none)."""
    service, _, _ = action.partition(":")
    return service.lower() if _ else ""


def arn_matches(pattern: str, arn: str) -> bool:
    """ARN condition matching: each of the six colon-separated parts on its own."""
    pattern_parts = pattern.split(":", 5)
    arn_parts = arn.split(":", 5)
    if len(pattern_parts) != 6 or len(arn_parts) != 6:
        return False
    return all(glob_matches(p, a) for p, a in zip(pattern_parts, arn_parts, strict=True))
