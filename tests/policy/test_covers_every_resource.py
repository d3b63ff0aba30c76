"""Which compiled policies say the same of an action whatever resource it names.

Authorization remembers one allowance for every resource of such an action, so this
must never say yes when some statement naming the action could tell resources apart.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iamd.policy import Principal, RequestContext, decide
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


# Statements that might or might not name resources for the actions below.
ACTIONS = ["iam:CreateUser", "iam:Create*", "iam:*User", "*", "s3:*", "iam:GetUser"]
RESOURCES = ["*", "arn:aws:iam::*:user/a*", "arn:aws:iam::123456789012:user/b", "arn:*", "*/c"]
ARNS = ["arn:aws:iam::123456789012:user/a1", "arn:aws:iam::123456789012:user/b", "x/c", "*"]
USER = Principal.user("123456789012", "alice")


def _statement(
    effect: str, action: str, actions: list[str], resource: str, resources: list[str]
) -> dict[str, Any]:
    return {"Effect": effect, action: actions, resource: resources}


statements = st.builds(
    _statement,
    st.sampled_from(["Allow", "Deny"]),
    st.sampled_from(["Action", "NotAction"]),
    st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=3),
    st.sampled_from(["Resource", "NotResource"]),
    st.lists(st.sampled_from(RESOURCES), min_size=1, max_size=3),
)
policies = st.lists(statements, min_size=1, max_size=3).map(lambda s: compiled(*s))


@settings(max_examples=300, deadline=None)
@given(
    identity=st.lists(policies, min_size=1, max_size=2),
    boundary=st.none() | policies,
    action=st.sampled_from(["iam:CreateUser", "iam:DeleteUser", "s3:GetObject"]),
)
def test_a_policy_set_covering_every_resource_decides_alike_for_each(
    identity: list[Any], boundary: Any, action: str
) -> None:
    """Whenever the caller's policies cover every resource for an action, each resource
    gets the very decision the first did: what a remembered allowance relies on."""
    layers = [*identity, *([boundary] if boundary is not None else [])]
    covered = all(policy.covers_every_resource(action) for policy in layers)
    if not covered:
        return
    first, *others = (
        decide(RequestContext(USER, action, arn), identity=identity, boundary=boundary)
        for arn in ARNS
    )
    for other in others:
        assert (other.allowed, other.kind, other.matched) == (
            first.allowed,
            first.kind,
            first.matched,
        )
