"""Which compiled policies only the action and the resource can decide (`is_context_free`).

Authorization remembers allowances of such policies, so this must never say yes to
a policy that reads anything else of a request.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from iamd.policy import compile_policy, parse_policy


def compiled(*statements: dict[str, Any], version: str = "2012-10-17") -> Any:
    text = json.dumps({"Version": version, "Statement": list(statements)})
    return compile_policy(parse_policy(text), policy_id="p")


ALLOW = {"Effect": "Allow", "Action": "iam:Get*", "Resource": "*"}


@pytest.mark.parametrize(
    "statement",
    [
        ALLOW,
        {"Effect": "Deny", "NotAction": "iam:*", "NotResource": "arn:aws:iam::*:user/a*"},
        {"Effect": "Allow", "Action": "*", "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"]},
    ],
)
def test_action_and_resource_alone(statement: dict[str, Any]) -> None:
    assert compiled(statement).is_context_free


@pytest.mark.parametrize(
    "statement",
    [
        {**ALLOW, "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}},
        {**ALLOW, "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}},
        {**ALLOW, "Resource": "arn:aws:iam::*:user/${aws:username}"},
        {"Effect": "Deny", "Action": "*", "NotResource": "arn:aws:s3:::${aws:userid}/*"},
        {**ALLOW, "Principal": {"AWS": "*"}},
        {**ALLOW, "NotPrincipal": {"AWS": "arn:aws:iam::123456789012:root"}},
    ],
)
def test_anything_else_read_is_not(statement: dict[str, Any]) -> None:
    assert not compiled(ALLOW, statement).is_context_free


def test_a_2008_policy_has_no_variables_to_read() -> None:
    literal = {**ALLOW, "Resource": "arn:aws:iam::*:user/${aws:username}"}
    assert compiled(literal, version="2008-10-17").is_context_free
