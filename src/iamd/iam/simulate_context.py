"""The policy simulator's context: typed ContextEntries, and the keys policies reference.

In: the ``ContextEntries`` of SimulateCustomPolicy/SimulatePrincipalPolicy as the input
shape holds them (``ContextKeyName``, ``ContextKeyValues``, ``ContextKeyType``), and
parsed policy documents. Out: context key → values for `iamd.policy.RequestContext`
(names as the caller wrote them, booleans normalised to ``true``/``false``), and the
context keys a set of documents references, in the order they first appear — what
GetContextKeysFor*Policy lists and what ``MissingContextValues`` is made of.

A key counts as referenced when a Condition tests it or when a policy variable
(``${aws:username}``) in a Resource, NotResource or string-like condition value reads
it; AWS lists ``aws:username`` before ``aws:CurrentTime`` for a statement whose
Resource holds the one and whose Condition tests the other, so resources come first.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from iamd.errors import InvalidInput
from iamd.policy import PolicyDocument
from iamd.policy.conditions import (
    VARIABLE_FAMILIES,
    parse_bool,
    parse_date,
    parse_number,
    parse_operator,
)
from iamd.policy.document import Condition, Statement

ContextValues = dict[str, tuple[str, ...]]

CONTEXT_KEY_TYPES = (
    "string",
    "numeric",
    "boolean",
    "ip",
    "binary",
    "date",
)

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_KEY_AND_DEFAULT = re.compile(r"\s*([^\s,']+)\s*(?:,\s*'[^']*'\s*)?")
_LITERALS = frozenset({"*", "?", "$"})  # ${*}, ${?} and ${$} name no key


# --- ContextEntries ---------------------------------------------------------------------


def context_values(entries: Sequence[Mapping[str, Any]]) -> ContextValues:
    """Key → values of the ContextEntries; InvalidInput when a value is not of its type."""
    values: ContextValues = {}
    for entry in entries:
        name = entry.get("ContextKeyName")
        if not name:
            raise InvalidInput("ContextKeyName is required in every ContextEntry.")
        key_type = entry.get("ContextKeyType") or "string"
        values[str(name)] = typed_values(
            str(name), str(key_type), list(entry.get("ContextKeyValues") or [])
        )
    return values


def typed_values(name: str, key_type: str, raw: Sequence[str]) -> tuple[str, ...]:
    """The values of one key, checked against its ContextKeyType (``numericList`` …)."""
    base = key_type.removesuffix("List")
    if base not in CONTEXT_KEY_TYPES:
        raise InvalidInput(f"Invalid ContextKeyType {key_type} for context key {name}.")
    if base == key_type and len(raw) != 1:
        raise InvalidInput(
            f"Context key {name} of type {key_type} takes exactly one value; "
            f"use {key_type}List for several."
        )
    return tuple(_typed(name, key_type, base, str(value)) for value in raw)


def _typed(name: str, key_type: str, base: str, value: str) -> str:
    checked = _CHECKS[base](value)
    if checked is None:
        raise InvalidInput(f"Invalid value {value} for context key {name} of type {key_type}.")
    return checked


def _as_string(value: str) -> str | None:
    return value


def _as_numeric(value: str) -> str | None:
    return value if parse_number(value) is not None else None


def _as_boolean(value: str) -> str | None:
    parsed = parse_bool(value)
    return None if parsed is None else ("true" if parsed else "false")


def _as_ip(value: str) -> str | None:
    try:
        ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    return value.strip()


def _as_binary(value: str) -> str | None:
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    return value


def _as_date(value: str) -> str | None:
    return value if parse_date(value) is not None else None


_CHECKS = {
    "string": _as_string,
    "numeric": _as_numeric,
    "boolean": _as_boolean,
    "ip": _as_ip,
    "binary": _as_binary,
    "date": _as_date,
}


# --- the keys policies reference --------------------------------------------------------


def referenced_keys(documents: Iterable[PolicyDocument]) -> list[str]:
    """Every context key the documents read, once (case-insensitively), as first written."""
    found: dict[str, str] = {}
    for document in documents:
        for key in _document_keys(document):
            found.setdefault(key.lower(), key)
    return list(found.values())


def missing_keys(referenced: Sequence[str], supplied: Iterable[str]) -> tuple[str, ...]:
    """The referenced keys the request does not carry (names compare case-insensitively)."""
    present = {name.lower() for name in supplied}
    return tuple(key for key in referenced if key.lower() not in present)


def _document_keys(document: PolicyDocument) -> Iterator[str]:
    variables = document.supports_variables  # no variables before 2012-10-17
    for statement in document.statements:
        yield from _resource_keys(statement, variables)
        for condition in statement.condition:
            yield from _condition_keys(condition, variables)


def _resource_keys(statement: Statement, variables: bool) -> Iterator[str]:
    if not variables:
        return
    for pattern in (statement.resource or ()) + (statement.not_resource or ()):
        yield from _variables_in(pattern)


def _condition_keys(condition: Condition, variables: bool) -> Iterator[str]:
    yield condition.key
    spec = parse_operator(condition.operator)
    if variables and spec is not None and spec.family in VARIABLE_FAMILIES:
        for value in condition.values:
            yield from _variables_in(value)


def _variables_in(text: str) -> Iterator[str]:
    for match in _VARIABLE.finditer(text):
        body = match.group(1)
        if body.strip() in _LITERALS:
            continue
        key = _KEY_AND_DEFAULT.fullmatch(body)
        if key is not None:
            yield key.group(1)
