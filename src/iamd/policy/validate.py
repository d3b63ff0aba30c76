"""Validate: AWS's `MalformedPolicyDocument` rules, in AWS's order, per kind of policy.

Kinds: "managed" (CreatePolicy, CreatePolicyVersion, permissions boundaries),
"inline" (Put{User,Group,Role}Policy), "session" (the Policy of AssumeRole* and
GetFederationToken), "trust" (a role's AssumeRolePolicyDocument) and "resource"
(a resource-based policy). The checks run in the order AWS applies them, because
AWS reports only the first failure, and the messages are AWS's own words (checked
against recorded AWS responses in the tests):

1. JSON and shape: "Syntax errors in policy." ("This policy contains invalid Json"
   for trust policies that are not JSON), unknown operators with tests included;
2. principals where they may not be, prohibited fields;
3. the language version (managed policies need 2012-10-17);
4. "The policy failed legacy parsing": Effect spelled exactly, dates readable,
   resources with enough ARN parts;
5. duplicate Sids, missing actions, missing resources, then the first resource
   format error, then action prefixes;
6. trust and resource policies: their principals and (trust) their actions.

`policy_size(text)` is the size AWS counts against quotas: characters that are not
whitespace.
"""

from __future__ import annotations

import re
from typing import Literal

from iamd.errors import MalformedPolicyDocument
from iamd.policy.conditions import parse_operator
from iamd.policy.document import (
    SYNTAX_ERROR,
    PolicyDocument,
    PolicySyntaxError,
    Statement,
    parse_policy,
)
from iamd.policy.resources import legacy_resource_ok, resource_format_error
from iamd.policy.validate_principals import check_principals, check_trust_actions

PolicyKind = Literal["managed", "inline", "session", "trust", "resource"]
IDENTITY_KINDS = frozenset({"managed", "inline", "session"})

INVALID_JSON_TRUST = "This policy contains invalid Json"
VERSION_TOO_OLD = "Policy document must be version 2012-10-17 or greater."
LEGACY_PARSING = "The policy failed legacy parsing"
DUPLICATE_SID = "Statement IDs (SID) in a single policy must be unique."
NO_ACTIONS = "Policy statement must contain actions."
NO_RESOURCES = "Policy statement must contain resources."
NO_PRINCIPAL_ALLOWED = "Policy document should not specify a principal."
NO_VENDOR = "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
ONE_COLON = "Actions/Condition can contain only one colon."
KNOWN_VERSIONS = frozenset({"2008-10-17", "2012-10-17"})

_BAD_VENDOR = re.compile(r"[^a-zA-Z0-9\-.]")
_LONG_MAX = 2**63 - 1


def policy_size(text: str) -> int:
    """The policy's size as AWS counts it: every character except whitespace."""
    return sum(1 for char in text if not char.isspace())


def validate_policy(text: str, kind: PolicyKind) -> PolicyDocument:
    """Parse and validate; raise `MalformedPolicyDocument` with AWS's message."""
    document = _parse(text, kind)
    _check_syntax(document)
    _check_kind_fields(document, kind)
    if kind == "managed" and document.version != "2012-10-17":
        raise MalformedPolicyDocument(VERSION_TOO_OLD)
    resource_error = _legacy_parse(document)
    _check_sids(document)
    _check_actions_exist(document)
    if kind != "trust":
        _check_resources_exist(document)
    if resource_error is not None:
        raise MalformedPolicyDocument(resource_error)
    _check_action_prefixes(document)
    if kind in ("trust", "resource"):
        check_principals(document, kind)
    if kind == "trust":
        check_trust_actions(document)
    return document


def _parse(text: str, kind: PolicyKind) -> PolicyDocument:
    try:
        return parse_policy(text)
    except PolicySyntaxError as error:
        if kind == "trust" and not error.is_json:
            raise MalformedPolicyDocument(INVALID_JSON_TRUST) from None
        raise MalformedPolicyDocument(SYNTAX_ERROR) from None


def _check_syntax(document: PolicyDocument) -> None:
    if document.version is not None and document.version not in KNOWN_VERSIONS:
        raise MalformedPolicyDocument(SYNTAX_ERROR)
    for statement in document.statements:
        for condition in statement.condition:
            # An unknown operator is a syntax error once it holds a test (AWS accepts `{}`).
            if parse_operator(condition.operator) is None:
                raise MalformedPolicyDocument(SYNTAX_ERROR)


def _check_kind_fields(document: PolicyDocument, kind: PolicyKind) -> None:
    for statement in document.statements:
        has_principal = statement.principal is not None or statement.not_principal is not None
        if kind in IDENTITY_KINDS and has_principal:
            raise MalformedPolicyDocument(NO_PRINCIPAL_ALLOWED)
        if kind == "trust" and statement.resource is not None:
            raise MalformedPolicyDocument("Has prohibited field Resource")
        if kind == "trust" and statement.not_resource is not None:
            raise MalformedPolicyDocument("Has prohibited field NotResource")


def _legacy_parse(document: PolicyDocument) -> str | None:
    """AWS's legacy parser; returns the first resource format error for later."""
    for statement in document.statements:
        if statement.effect not in ("Allow", "Deny"):  # the legacy parser is case-sensitive
            raise MalformedPolicyDocument(LEGACY_PARSING)
        for condition in statement.condition:
            spec = parse_operator(condition.operator)
            is_date = spec is not None and spec.family.startswith("date-")
            if is_date and not all(legacy_date_ok(value) for value in condition.values):
                raise MalformedPolicyDocument(LEGACY_PARSING)
    first_error: str | None = None
    for element in ("resource", "not_resource"):
        for statement in document.statements:
            first_error = _check_resource_element(getattr(statement, element), first_error)
    return first_error


def _check_resource_element(
    patterns: tuple[str, ...] | None, first_error: str | None
) -> str | None:
    if patterns is None:
        return first_error
    for pattern in patterns:
        first_error = first_error or resource_format_error(pattern)
    if first_error is None and not all(legacy_resource_ok(p) for p in patterns):
        raise MalformedPolicyDocument(LEGACY_PARSING)
    return first_error


def legacy_date_ok(value: str) -> bool:
    """Would AWS's legacy parser read this date condition value?"""
    lowered = value.lower()
    try:
        if "t" not in lowered and "-" not in lowered:
            return 0 <= int(lowered) <= _LONG_MAX
        return _legacy_iso_ok(lowered)
    except ValueError:
        return False


def _legacy_iso_ok(value: str) -> bool:
    date_text, _, time_text = value.partition("t")
    negative = date_text.startswith("-")
    date_parts = (date_text[1:] if negative else date_text).split("-")
    year = int(date_parts[0]) * (-1 if negative else 1)
    checks = [-292275054 <= year <= 292278993, len(date_parts) < 4]
    checks += [1 <= int(date_parts[1]) <= 12] if len(date_parts) > 1 else []
    checks += [1 <= int(date_parts[2]) <= 31] if len(date_parts) > 2 else []
    return all(checks) and _legacy_time_ok(time_text)


def _legacy_time_ok(time_text: str) -> bool:
    clock, zone = _split_zone(time_text)
    parts = clock.split(":")
    ranges = (23, 59, 59)
    if len(parts) > 3 or (parts[0] == "" and len(parts) > 1):
        return False
    for part, highest in zip(parts, ranges, strict=False):
        whole, dot, fraction = part.partition(".")
        if part and not 0 <= int(whole) <= highest:
            return False
        if dot and not 0 <= int(fraction) <= 999_999_999:
            return False
    return _legacy_zone_ok(zone)


def _split_zone(time_text: str) -> tuple[str, str]:
    for marker in ("z", "+", "-"):
        if marker in time_text:
            clock, found, zone = time_text.partition(marker)
            return clock, found + zone
    return time_text, ""


def _legacy_zone_ok(zone: str) -> bool:
    if zone in ("", "z"):
        return True
    hours, colon, minutes = zone[1:].partition(":")
    if len(hours) != 2 or not 0 <= int(hours) <= 23:
        return False
    return not colon or (len(minutes) == 2 and 0 <= int(minutes) <= 59)


def _check_sids(document: PolicyDocument) -> None:
    seen: set[str] = set()
    for statement in document.statements:
        if statement.sid:
            if statement.sid in seen:
                raise MalformedPolicyDocument(DUPLICATE_SID)
            seen.add(statement.sid)


def _check_actions_exist(document: PolicyDocument) -> None:
    for statement in document.statements:
        if not (statement.action or statement.not_action):
            raise MalformedPolicyDocument(NO_ACTIONS)


def _check_resources_exist(document: PolicyDocument) -> None:
    for statement in document.statements:
        if not (statement.resource or statement.not_resource):
            raise MalformedPolicyDocument(NO_RESOURCES)


def _check_action_prefixes(document: PolicyDocument) -> None:
    for element in ("action", "not_action"):
        for statement in document.statements:
            for action in _values(statement, element):
                check_action_prefix(action)


def _values(statement: Statement, element: str) -> tuple[str, ...]:
    values: tuple[str, ...] | None = getattr(statement, element)
    return values or ()


def check_action_prefix(action: str) -> None:
    """Raise AWS's message when an action is not `vendor:name` (or `*`)."""
    parts = action.split(":")
    if len(parts) == 1 and parts[0] != "*":
        raise MalformedPolicyDocument(NO_VENDOR)
    if len(parts) > 2:
        raise MalformedPolicyDocument(ONE_COLON)
    if parts[0] != "*" and _BAD_VENDOR.search(parts[0]):
        raise MalformedPolicyDocument(f"Vendor {parts[0]} is not valid")
