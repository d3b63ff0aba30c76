"""Parsing policy text into the policy dataclasses."""

from __future__ import annotations

import pytest

from iamd.policy.document import Condition, PolicySyntaxError, PrincipalSpec, parse_policy

POLICY = """{
  "Version": "2012-10-17",
  "Id": "example",
  "Statement": [
    {
      "Sid": "First",
      "Effect": "Allow",
      "Action": "s3:GetObject",
      "Resource": ["arn:aws:s3:::a/*", "arn:aws:s3:::b/*"],
      "Condition": {"NumericLessThan": {"s3:max-keys": 10}, "Bool": {"aws:SecureTransport": true}}
    },
    {"Effect": "Deny", "NotAction": "iam:*", "NotResource": "*",
     "Principal": {"AWS": ["111122223333"]}}
  ]
}"""


def test_parse_keeps_elements_and_positions() -> None:
    document = parse_policy(POLICY)
    assert (document.version, document.id, document.text) == ("2012-10-17", "example", POLICY)
    first, second = document.statements
    assert first.sid == "First" and first.is_allow
    assert first.action == ("s3:GetObject",)
    assert first.resource == ("arn:aws:s3:::a/*", "arn:aws:s3:::b/*")
    assert first.condition == (
        Condition("NumericLessThan", "s3:max-keys", ("10",)),
        Condition("Bool", "aws:SecureTransport", ("true",)),
    )
    assert (first.start, first.end) == ((5, 5), (11, 5))
    assert second.start == (12, 5) and second.end == (13, 44)
    assert second.not_action == ("iam:*",) and second.not_resource == ("*",)
    assert second.principal == PrincipalSpec(False, (("AWS", ("111122223333",)),))
    assert not second.is_allow


def test_single_statement_object() -> None:
    document = parse_policy(
        '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}'
    )
    assert len(document.statements) == 1 and not document.statement_is_list
    assert document.statements[0].start == (1, 37)  # 1-based column of the "{"


def test_principal_wildcard() -> None:
    text = '{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}}'
    assert parse_policy(text).statements[0].principal == PrincipalSpec(True)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "[]",
        '{"Statement": 1}',
        '{"Statement": []}',
        '{"Version": 1, "Statement": {"Effect": "Allow"}}',
        '{"Statement": {"Effect": "Maybe"}}',
        '{"Statement": {"Effect": "Allow", "Action": 1}}',
        '{"Statement": {"Effect": "Allow", "Principal": "someone"}}',
        '{"Statement": {"Effect": "Allow", "Condition": {"StringEquals": {"k": null}}}}',
        '{"Statement": {"Effect": "Allow"}, "Other": 1}',
    ],
)
def test_shapes_that_are_not_policies(text: str) -> None:
    with pytest.raises(PolicySyntaxError):
        parse_policy(text)


def test_not_json_is_flagged() -> None:
    with pytest.raises(PolicySyntaxError) as raised:
        parse_policy("{")
    assert raised.value.is_json is False
