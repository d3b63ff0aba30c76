"""Policy documents on a page: pretty-printed, and a validation error put on its line.

In: a policy's JSON text (as the API returns it) and, for a refused document, the
`MalformedPolicyDocument` AWS answered. Out: the text indented two spaces per level
(members in their order), and the 1-based line the problem is on when it can be
told: where the JSON stops being JSON, or the first statement that fails AWS's rules
on its own. AWS names no position in its messages; the line is the console's help.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from iamd.errors import MalformedPolicyDocument
from iamd.policy import PolicyKind, validate_policy
from iamd.policy.jsontree import JsonSyntaxError, Node, read_json


def pretty(text: str) -> str:
    """The document indented for reading; text that is not JSON, unchanged."""
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except ValueError:
        return text


@dataclass(frozen=True)
class Problem:
    message: str
    line: int | None
    code: str = MalformedPolicyDocument.code


def problem_in(text: str, error: MalformedPolicyDocument, kind: PolicyKind) -> Problem:
    """Where in ``text`` the error AWS reported lies, as far as one statement tells."""
    try:
        root = read_json(text)
    except JsonSyntaxError as syntax:
        return Problem(error.message, _line_at(text, syntax.offset))
    return Problem(error.message, _failing_statement_line(text, root, kind, error.message))


def _line_at(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _failing_statement_line(text: str, root: Node, kind: PolicyKind, message: str) -> int | None:
    statements = root.get("Statement") if root.kind == "object" else None
    if statements is None:
        return None
    items = statements.items if statements.kind == "array" else (statements,)
    version = root.get("Version")
    if _fails_anyway(version, kind, message):  # the document's, not a statement's
        return version.start[0] if version is not None else None
    for item in items:
        alone = _document_of(text, item, version)
        try:
            validate_policy(alone, kind)
        except MalformedPolicyDocument as failure:
            if failure.message == message:
                return item.start[0]
    return None


# A statement every kind of policy accepts: what fails with it is the document's fault.
_NEUTRAL = {
    "trust": '{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, '
    '"Action": "sts:AssumeRole"}',
    "resource": '{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}',
}
_NEUTRAL_IDENTITY = '{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}'


def _fails_anyway(version: Node | None, kind: PolicyKind, message: str) -> bool:
    head = f'"Version": {json.dumps(version.value)}, ' if version is not None else ""
    neutral = _NEUTRAL.get(kind, _NEUTRAL_IDENTITY)
    try:
        validate_policy("{" + head + '"Statement": [' + neutral + "]}", kind)
    except MalformedPolicyDocument as failure:
        return failure.message == message
    return False


def _document_of(text: str, statement: Node, version: Node | None) -> str:
    """A document of this one statement (and the original Version, if any)."""
    lines = text.splitlines(keepends=True)
    (first, start), (last, end) = statement.start, statement.end
    if first == last:
        body = lines[first - 1][start - 1 : end]
    else:
        middle = "".join(lines[first : last - 1])
        body = lines[first - 1][start - 1 :] + middle + lines[last - 1][:end]
    head = f'"Version": {json.dumps(version.value)}, ' if version is not None else ""
    return "{" + head + '"Statement": [' + body + "]}"


def numbered(text: str) -> list[str]:
    """The lines of a document, for a listing that numbers them."""
    return text.split("\n")
