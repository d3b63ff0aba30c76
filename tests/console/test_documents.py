"""Policy documents: pretty-printed, and a refused one's problem put on its line."""

from __future__ import annotations

import pytest

from iamd.console import documents
from iamd.errors import MalformedPolicyDocument
from iamd.policy import validate_policy

TWO_STATEMENTS = """{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
    {
      "Effect": "Allow",
      "Resource": "*"
    }
  ]
}"""


def _problem(text: str) -> documents.Problem:
    with pytest.raises(MalformedPolicyDocument) as refused:
        validate_policy(text, "managed")
    return documents.problem_in(text, refused.value, "managed")


def test_pretty_keeps_member_order_and_indents() -> None:
    text = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'
    assert documents.pretty(text).splitlines()[:3] == [
        "{",
        '  "Version": "2012-10-17",',
        '  "Statement": [',
    ]
    assert documents.pretty("not json") == "not json"


def test_the_failing_statement_is_located() -> None:
    assert _problem(TWO_STATEMENTS) == documents.Problem(
        "Policy statement must contain actions.", 5
    )


def test_a_json_error_is_located_where_reading_stopped() -> None:
    broken = TWO_STATEMENTS.replace('"Resource": "*"}', '"Resource": "*"},,', 1)
    problem = _problem(broken)
    assert problem.message == "Syntax errors in policy." and problem.line == 4


def test_a_document_wide_problem_points_at_the_version() -> None:
    text = TWO_STATEMENTS.replace("2012-10-17", "2008-10-17")
    problem = _problem(text)
    assert problem == documents.Problem("Policy document must be version 2012-10-17 or greater.", 2)


def test_a_trust_policy_statement_is_located() -> None:
    text = (
        '{"Version": "2012-10-17",\n"Statement": [\n'
        '{"Effect": "Allow", "Action": "sts:AssumeRole"}]}'
    )
    with pytest.raises(MalformedPolicyDocument) as refused:
        validate_policy(text, "trust")
    assert documents.problem_in(text, refused.value, "trust").line == 3


def test_numbered_lines() -> None:
    assert documents.numbered("a\nb") == ["a", "b"]
