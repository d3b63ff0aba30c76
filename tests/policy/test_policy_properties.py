"""Properties of the evaluation logic over generated policies and requests.

- adding a Deny statement never turns a deny into an allow;
- adding an Allow to identity policies never turns an allow into a deny;
- a permissions boundary never widens what identity policies allow;
- deciding is deterministic and never raises for a document AWS accepts.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from iamd.errors import MalformedPolicyDocument
from iamd.policy import Principal, RequestContext, compile_policy, decide, validate_policy
from iamd.policy.evaluate import Policy
from iamd.policy.validate import PolicyKind

ACCT = "111122223333"
ACTIONS = ["s3:GetObject", "s3:PutObject", "iam:GetUser", "ec2:DescribeInstances"]
ACTION_PATTERNS = [*ACTIONS, "s3:*", "s3:Get*", "*", "iam:*", "ec2:Describe*", "S3:get?bject"]
RESOURCES = ["arn:aws:s3:::b/alice/x", "arn:aws:s3:::b/bob/y", "arn:aws:s3:::c/z", "*"]
RESOURCE_PATTERNS = [
    "*",
    "arn:aws:s3:::b/*",
    "arn:aws:s3:::b/${aws:username}/*",
    "arn:aws:s3:::c/?",
    "arn:aws:s3:::*",
]
KEYS = [
    "aws:SourceIp",
    "aws:PrincipalTag/team",
    "aws:TagKeys",
    "s3:max-keys",
    "aws:CurrentTime",
    "aws:username",
]
OPERATORS = [
    "StringEquals",
    "StringNotEquals",
    "StringLike",
    "ForAllValues:StringEquals",
    "ForAnyValue:StringNotLike",
    "NumericLessThan",
    "NumericEqualsIfExists",
    "DateGreaterThan",
    "IpAddress",
    "NotIpAddress",
    "Bool",
    "Null",
    "ArnLike",
    "BinaryEquals",
    "StringEqualsIgnoreCase",
]
VALUES = [
    "blue",
    "10",
    "203.0.113.0/24",
    "2024-01-01T00:00:00Z",
    "true",
    "false",
    "alice",
    "b*",
    "${aws:username}",
    "x",
]
CONTEXT_VALUES: dict[str, list[Any]] = {
    "aws:SourceIp": ["203.0.113.9", "198.51.100.1", "nonsense"],
    "aws:PrincipalTag/team": ["blue", "red"],
    "aws:TagKeys": [["blue"], ["blue", "x"], []],
    "s3:max-keys": ["5", "50", "many"],
    "aws:CurrentTime": ["2023-06-01T00:00:00Z", "2025-06-01T00:00:00Z"],
}

conditions = st.dictionaries(
    st.sampled_from(OPERATORS),
    st.dictionaries(
        st.sampled_from(KEYS), st.lists(st.sampled_from(VALUES), min_size=1, max_size=2), max_size=2
    ),
    max_size=2,
)


@st.composite
def statements(draw: Any, effect: str | None = None) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": effect or draw(st.sampled_from(["Allow", "Deny"]))}
    action_key = draw(st.sampled_from(["Action", "Action", "NotAction"]))
    statement[action_key] = draw(st.lists(st.sampled_from(ACTION_PATTERNS), min_size=1, max_size=3))
    resource_key = draw(st.sampled_from(["Resource", "Resource", "NotResource"]))
    statement[resource_key] = draw(
        st.lists(st.sampled_from(RESOURCE_PATTERNS), min_size=1, max_size=2)
    )
    condition = draw(conditions)
    if condition:
        statement["Condition"] = condition
    return statement


documents = st.lists(statements(), min_size=1, max_size=4)


@st.composite
def requests(draw: Any) -> RequestContext:
    principal = draw(
        st.sampled_from(
            [
                Principal.user(ACCT, "alice", tags={"team": "blue"}),
                Principal.user(ACCT, "bob"),
                Principal.role_session(ACCT, "app", "s1", tags={"team": "red"}),
            ]
        )
    )
    keys = draw(st.lists(st.sampled_from(sorted(CONTEXT_VALUES)), unique=True))
    context = {key: draw(st.sampled_from(CONTEXT_VALUES[key])) for key in keys}
    return RequestContext(
        principal, draw(st.sampled_from(ACTIONS)), draw(st.sampled_from(RESOURCES)), context
    )


def compiled(statement_list: list[dict[str, Any]], kind: PolicyKind = "inline") -> Policy:
    text = json.dumps({"Version": "2012-10-17", "Statement": statement_list})
    try:
        document = validate_policy(text, kind)
    except MalformedPolicyDocument:
        assume(False)
        raise
    return compile_policy(document, policy_id="generated")


@settings(max_examples=200, deadline=None)
@given(st.lists(documents, max_size=3), statements(effect="Deny"), requests())
def test_adding_a_deny_never_allows_more(
    policies: list[Any], extra: dict[str, Any], request: RequestContext
) -> None:
    before = decide(request, identity=[compiled(p) for p in policies])
    after = decide(request, identity=[compiled(p) for p in policies] + [compiled([extra])])
    assert not (after.allowed and not before.allowed)


@settings(max_examples=200, deadline=None)
@given(st.lists(documents, max_size=3), statements(effect="Allow"), requests())
def test_adding_an_allow_never_denies_more(
    policies: list[Any], extra: dict[str, Any], request: RequestContext
) -> None:
    before = decide(request, identity=[compiled(p) for p in policies])
    after = decide(request, identity=[compiled(p) for p in policies] + [compiled([extra])])
    assert not (before.allowed and not after.allowed)


@settings(max_examples=200, deadline=None)
@given(st.lists(documents, max_size=3), documents, requests())
def test_a_boundary_never_widens(
    policies: list[Any], boundary: list[Any], request: RequestContext
) -> None:
    identity = [compiled(p) for p in policies]
    bounded = decide(request, identity=identity, boundary=compiled(boundary, "managed"))
    assert not (bounded.allowed and not decide(request, identity=identity).allowed)


@settings(max_examples=200, deadline=None)
@given(st.lists(documents, max_size=3), st.one_of(st.none(), documents), requests())
def test_deciding_is_deterministic(
    policies: list[Any], session: list[Any] | None, request: RequestContext
) -> None:
    identity = [compiled(p) for p in policies]
    sessions = None if session is None else [compiled(session, "session")]
    first = decide(request, identity=identity, session=sessions)
    second = decide(request, identity=identity, session=sessions)
    assert first == second
    assert first.allowed == (first.kind == "allowed")


FUZZ_OPERATORS = st.one_of(st.sampled_from(OPERATORS), st.text(max_size=12))
FUZZ_VALUES = st.one_of(st.text(max_size=8), st.integers(), st.booleans())


@st.composite
def fuzzed(draw: Any) -> dict[str, Any]:
    statement = draw(statements())
    statement["Condition"] = draw(
        st.dictionaries(
            FUZZ_OPERATORS,
            st.dictionaries(
                st.text(max_size=8),
                st.one_of(FUZZ_VALUES, st.lists(FUZZ_VALUES, max_size=3)),
                max_size=2,
            ),
            max_size=3,
        )
    )
    result: dict[str, Any] = statement
    return result


@settings(max_examples=200, deadline=None)
@given(st.lists(fuzzed(), min_size=1, max_size=3), requests())
def test_any_accepted_document_evaluates_without_raising(
    statement_list: list[Any], request: RequestContext
) -> None:
    decision = decide(request, identity=[compiled(statement_list)])
    assert decision.kind in ("allowed", "explicitDeny", "implicitDeny")
