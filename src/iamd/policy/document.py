"""Parse: policy JSON text → frozen dataclasses that remember their source positions.

`parse_policy(text)` accepts every document that has the *shape* of an IAM policy
(the grammar's element names and value types) and raises `MalformedPolicyDocument`
with AWS's "Syntax errors in policy." otherwise. Whether a well-shaped document is
acceptable for a given use (managed policy, trust policy, …) is `validate`'s job.

Shapes kept: string-or-list elements become tuples of strings; a condition becomes a
flat tuple of `Condition(operator, key, values)`; numbers and booleans used as
condition values keep their JSON spelling ("10", "true").
"""

from __future__ import annotations

from dataclasses import dataclass

from iamd.errors import MalformedPolicyDocument
from iamd.policy.jsontree import JsonSyntaxError, Node, read_json

SYNTAX_ERROR = "Syntax errors in policy."

TOP_LEVEL_ELEMENTS = frozenset({"Version", "Id", "Statement"})
STATEMENT_ELEMENTS = frozenset(
    {
        "Sid",
        "Effect",
        "Principal",
        "NotPrincipal",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Condition",
    }
)

Position = tuple[int, int]


class PolicySyntaxError(MalformedPolicyDocument):
    """The document is not JSON (`is_json` False) or not shaped like a policy."""

    def __init__(self, message: str = SYNTAX_ERROR, *, is_json: bool = True) -> None:
        super().__init__(message)
        self.is_json = is_json


@dataclass(frozen=True, slots=True)
class PrincipalSpec:
    """A Principal/NotPrincipal element: `"*"`, or principal type → identifiers."""

    is_wildcard: bool
    entries: tuple[tuple[str, tuple[str, ...]], ...] = ()


@dataclass(frozen=True, slots=True)
class Condition:
    """One condition test: operator (as written), context key, policy values."""

    operator: str
    key: str
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Statement:
    effect: str
    sid: str | None = None
    principal: PrincipalSpec | None = None
    not_principal: PrincipalSpec | None = None
    action: tuple[str, ...] | None = None
    not_action: tuple[str, ...] | None = None
    resource: tuple[str, ...] | None = None
    not_resource: tuple[str, ...] | None = None
    condition: tuple[Condition, ...] = ()
    has_condition: bool = False
    start: Position = (1, 1)
    end: Position = (1, 1)

    @property
    def is_allow(self) -> bool:
        # INVARIANT: only the exact spelling "Allow" grants; anything else fails closed.
        return self.effect == "Allow"


@dataclass(frozen=True, slots=True)
class PolicyDocument:
    version: str | None
    id: str | None
    statements: tuple[Statement, ...]
    text: str
    statement_is_list: bool = True

    @property
    def supports_variables(self) -> bool:
        """Policy variables exist only in the 2012-10-17 language."""
        return self.version == "2012-10-17"


def parse_policy(text: str) -> PolicyDocument:
    """Parse a policy document; raise `PolicySyntaxError` unless it is shaped like one."""
    try:
        root = read_json(text)
    except JsonSyntaxError:
        raise PolicySyntaxError(is_json=False) from None
    _require(root.kind == "object" and set(root.keys()) <= TOP_LEVEL_ELEMENTS)
    statements_node = root.get("Statement")
    _require(statements_node is not None)
    assert statements_node is not None
    return PolicyDocument(
        version=_optional_string(root.get("Version")),
        id=_optional_string(root.get("Id")),
        statements=_statements(statements_node),
        text=text,
        statement_is_list=statements_node.kind == "array",
    )


def _require(condition: bool) -> None:
    if not condition:
        raise PolicySyntaxError()


def _optional_string(node: Node | None) -> str | None:
    if node is None:
        return None
    _require(node.kind == "string")
    return str(node.value)


def _statements(node: Node) -> tuple[Statement, ...]:
    if node.kind == "object":
        return (_statement(node),)
    _require(node.kind == "array" and len(node.items) > 0)
    return tuple(_statement(item) for item in node.items)


def _statement(node: Node) -> Statement:
    _require(node.kind == "object" and set(node.keys()) <= STATEMENT_ELEMENTS)
    keys = set(node.keys())
    _require(not {"Action", "NotAction"} <= keys and not {"Resource", "NotResource"} <= keys)
    _require(not {"Principal", "NotPrincipal"} <= keys)
    condition_node = node.get("Condition")
    return Statement(
        effect=_effect(node.get("Effect")),
        sid=_optional_string(node.get("Sid")),
        principal=_principal(node.get("Principal")),
        not_principal=_principal(node.get("NotPrincipal")),
        action=_string_list(node.get("Action")),
        not_action=_string_list(node.get("NotAction")),
        resource=_string_list(node.get("Resource")),
        not_resource=_string_list(node.get("NotResource")),
        condition=_conditions(condition_node),
        has_condition=condition_node is not None,
        start=node.start,
        end=node.end,
    )


def _effect(node: Node | None) -> str:
    effect = _optional_string(node)
    _require(effect is not None and effect.lower() in ("allow", "deny"))
    assert effect is not None
    return effect


def _string_list(node: Node | None) -> tuple[str, ...] | None:
    if node is None:
        return None
    if node.kind == "string":
        return (str(node.value),)
    _require(node.kind == "array" and all(item.kind == "string" for item in node.items))
    return tuple(str(item.value) for item in node.items)


def _principal(node: Node | None) -> PrincipalSpec | None:
    if node is None:
        return None
    if node.kind == "string":
        _require(node.value == "*")
        return PrincipalSpec(is_wildcard=True)
    _require(node.kind == "object")
    entries = []
    for member in node.members:
        values = _string_list(member.value)
        assert values is not None
        entries.append((member.key, values))
    return PrincipalSpec(is_wildcard=False, entries=tuple(entries))


def _conditions(node: Node | None) -> tuple[Condition, ...]:
    if node is None:
        return ()
    _require(node.kind == "object")
    conditions: list[Condition] = []
    for block in node.members:
        _require(block.value.kind == "object")
        for entry in block.value.members:
            conditions.append(Condition(block.key, entry.key, _condition_values(entry.value)))
    return tuple(conditions)


def _condition_values(node: Node) -> tuple[str, ...]:
    items = node.items if node.kind == "array" else (node,)
    _require(all(item.kind in ("string", "number", "bool") for item in items))
    return tuple(_scalar_text(item) for item in items)


def _scalar_text(node: Node) -> str:
    if node.kind == "bool":
        return "true" if node.value else "false"
    return str(node.value)
