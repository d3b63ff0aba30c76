"""Which compiled policies say the same of an action whatever resource it names.

Authorization remembers one allowance for every resource of such an action, so this
must never say yes when some statement naming the action could tell resources apart.
"""

from __future__ import annotations

from typing import Any

import pytest

from policy.test_context_free import compiled

ANY = {"Effect": "Allow", "Action": "iam:*", "Resource": "*"}


@pytest.mark.parametrize(
    "statements",
    [
        [ANY],
        [{**ANY, "Resource": ["arn:aws:iam::*:user/a", "*"]}],
        # statements that do not name the action do not count
        [ANY, {"Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::b"}],
        [ANY, {"Effect": "Deny", "Action": "iam:DeleteUser", "Resource": "arn:aws:iam::*:user/a"}],
        [ANY, {"Effect": "Deny", "NotAction": "iam:CreateUser", "NotResource": "arn:aws:s3:::b"}],
    ],
)
def test_every_resource(statements: list[dict[str, Any]]) -> None:
    assert compiled(*statements).covers_every_resource("iam:CreateUser")


@pytest.mark.parametrize(
    "statement",
    [
        {**ANY, "Resource": "arn:aws:iam::*:user/*"},
        {**ANY, "Resource": "arn:*"},
        {**ANY, "Resource": "*/*"},
        {"Effect": "Deny", "Action": "iam:CreateUser", "Resource": "arn:aws:iam::*:user/admin*"},
        {"Effect": "Deny", "Action": "iam:Create*", "NotResource": "arn:aws:iam::*:user/team-*"},
        {"Effect": "Allow", "NotAction": "s3:*", "Resource": "arn:aws:iam::*:user/team-*"},
        {"Effect": "Allow", "Action": "*", "NotResource": "arn:aws:iam::*:user/x"},
        {**ANY, "Resource": "arn:aws:iam::*:user/${aws:username}"},
    ],
)
def test_a_statement_naming_the_action_and_some_resources(statement: dict[str, Any]) -> None:
    assert not compiled(ANY, statement).covers_every_resource("iam:CreateUser")
    assert not compiled(statement, ANY).covers_every_resource("IAM:createuser")


def test_the_answer_is_per_action() -> None:
    policy = compiled(ANY, {**ANY, "Action": "iam:DeleteUser", "Resource": "arn:aws:iam::*:user/a"})
    assert policy.covers_every_resource("iam:CreateUser")
    assert not policy.covers_every_resource("iam:DeleteUser")
    assert policy.covers_every_resource("iam:CreateUser")  # remembered, the same
