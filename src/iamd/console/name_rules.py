"""Names as a person reads their rules: "User names can have up to 64 letters, digits
and +=,.@_-", checked in the page before any request and on the server again.

In: the kind of name and what was typed, and for a refused request the API's own
`ValidationError`. Out: the words to show by the field, with the API's message below
them (``problems[field + ":api"]``), and the attributes that let the page check the
name as it is typed (``pattern``, ``maxlength``, the words for `console.js`).

Each rule is the API's own: its length and pattern are read from the member of
botocore's model the operation takes (`iamd.protocol`), and a name is checked with
the API's validator, so the page refuses exactly what the API refuses (``Zoë`` too:
Java's ``\\w`` is ASCII). The page's ``pattern`` is the same class written for
HTML, whose browsers compile it with JavaScript's ``v`` flag, where ``\\w`` is ASCII
as well and a literal ``-`` in a class must be escaped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from botocore.model import Shape

from iamd.errors import ServiceError
from iamd.protocol import service_model
from iamd.protocol.validate import validate
from iamd.protocol.violations import camel

# The only shape of pattern IAM's name members have: one class of \w and literal
# characters, repeated. Anything else is refused at import, not guessed at.
_NAME_CLASS = re.compile(r"\[((?:\\w|[^\\\[\]])+)\]\+")
_HTML_SPECIAL = frozenset("()[]{}/-\\|")  # escaped in a `v`-flag class


@dataclass(frozen=True)
class NameRule:
    noun: str  # "User names"
    max_length: int
    pattern: str  # the whole name, in HTML's pattern syntax
    characters: str  # the characters besides letters and digits, "+=,.@_-"
    input_shape: Shape  # the operation's input, which the API validates
    member: str  # "UserName"

    @property
    def words(self) -> str:
        return f"{self.noun} can have up to {self.max_length} letters, digits and {self.characters}"

    def problem(self, value: str) -> str | None:
        """The words when the API would refuse ``value``; None when it keeps the rule."""
        path = camel(self.member)
        violations = validate(self.input_shape, {self.member: value}, reveal_values=False)
        return self.words if any(found.path == path for found in violations) else None


def rule_of(noun: str, operation: str, member: str) -> NameRule:
    """The rule of ``member`` of IAM's ``operation``, from botocore's model."""
    input_shape = service_model("iam").operation_model(operation).input_shape
    constraints = input_shape.members[member].metadata
    body = name_class(constraints["pattern"])
    return NameRule(
        noun=noun,
        max_length=constraints["max"],
        pattern=html_pattern(body),
        characters=_characters(body),
        input_shape=input_shape,
        member=member,
    )


def name_class(pattern: str) -> str:
    """The body of a name pattern's one class, ``\\w+=,.@-``; ValueError for any other pattern."""
    found = _NAME_CLASS.fullmatch(pattern)
    body = found.group(1) if found else ""
    literal = body.replace("\\w", "")
    # A "-" inside the class would be a range, a leading "^" a negation.
    if not found or "-" in literal.strip("-") or body.startswith("^"):
        raise ValueError(f"not a name pattern the console can show: {pattern!r}")
    return body


def html_pattern(body: str) -> str:
    """The class as HTML's ``pattern`` attribute reads it (JavaScript, ``v`` flag)."""
    parts = body.split("\\w")
    escaped = ["".join("\\" + c if c in _HTML_SPECIAL else c for c in p) for p in parts]
    return "[" + "\\w".join(escaped) + "]+"


def _characters(body: str) -> str:
    """The characters a person may type besides letters and digits: ``\\w``'s ``_`` too."""
    literal = body.replace("\\w", "")
    others = [c for c in literal if c != "-"]
    if "\\w" in body and "_" not in others:
        others.append("_")
    return "".join(others) + ("-" if "-" in literal else "")


USER = rule_of("User names", "CreateUser", "UserName")
GROUP = rule_of("Group names", "CreateGroup", "GroupName")
ROLE = rule_of("Role names", "CreateRole", "RoleName")
POLICY = rule_of("Policy names", "CreatePolicy", "PolicyName")
SAML_PROVIDER = rule_of("Provider names", "CreateSAMLProvider", "Name")


def problems_for(
    field: str, rule: NameRule, value: str, error: ServiceError | None = None
) -> dict[str, str]:
    """The field's problems: the rule in words (if broken or refused), the API's message."""
    words = rule.problem(value)
    if error is None:
        return {field: words} if words else {}
    return {field: words or error.message, f"{field}:api": error.message}
