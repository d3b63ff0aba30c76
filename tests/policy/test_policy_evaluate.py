"""Compiled policies and whether one statement applies."""

from __future__ import annotations

import json
from typing import Any

from iamd.policy import Principal, RequestContext, compile_policy, parse_policy
from iamd.policy.evaluate import (
    ACTION_MEMO_SIZE,
    NO_ACTION,
    NO_CONDITION,
    NO_PRINCIPAL,
    NO_RESOURCE,
    Policy,
    applicability,
)
from iamd.policy.match import compile_regex

ACCT = "111122223333"
ALICE = Principal.user(ACCT, "alice")


def policy(*statements: dict[str, Any], version: str = "2012-10-17") -> Policy:
    text = json.dumps({"Version": version, "Statement": list(statements)})
    return compile_policy(parse_policy(text), policy_id="p")


def request(
    action: str = "s3:GetObject", resource: str = "arn:aws:s3:::b/k", **context: str
) -> RequestContext:
    return RequestContext(ALICE, action, resource, context)


def test_candidates_are_indexed_by_service() -> None:
    compiled = policy(
        {"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"},
        {"Effect": "Allow", "Action": ["iam:GetUser", "S3:PutObject"], "Resource": "*"},
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Allow", "NotAction": "ec2:*", "Resource": "*"},
        {"Effect": "Allow", "Action": "e?2:Run*", "Resource": "*"},
    )
    assert [s.index for s in compiled.candidates(request("s3:GetObject"))] == [0, 1, 2, 3, 4]
    assert [s.index for s in compiled.candidates(request("iam:GetUser"))] == [1, 2, 3, 4]
    assert [s.index for s in compiled.candidates(request("sqs:SendMessage"))] == [2, 3, 4]


def test_applicability_says_why_not() -> None:
    statement = policy(
        {
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::b/*",
            "Condition": {"Bool": {"aws:SecureTransport": "true"}},
        }
    ).statements[0]
    assert applicability(statement, request("s3:PutObject"), check_principal=False) is NO_ACTION
    assert (
        applicability(statement, request(resource="arn:aws:s3:::c/k"), check_principal=False)
        is NO_RESOURCE
    )
    assert applicability(statement, request(), check_principal=False) is NO_CONDITION
    ok = request(**{"aws:SecureTransport": "true"})
    assert applicability(statement, ok, check_principal=False).applies


def test_erroneous_condition_is_reported_as_error() -> None:
    statement = policy(
        {
            "Effect": "Allow",
            "Action": "*",
            "Resource": "*",
            "Condition": {"NumericEquals": {"k": "ten"}},
        }
    ).statements[0]
    result = applicability(statement, request(k="10"), check_principal=False)
    assert not result.applies and result.is_error


def test_principal_is_checked_only_when_asked() -> None:
    statement = policy(
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111122223333:user/bob"},
            "Action": "*",
            "Resource": "*",
        }
    ).statements[0]
    assert applicability(statement, request(), check_principal=True) is NO_PRINCIPAL
    assert applicability(statement, request(), check_principal=False).applies


def test_statement_without_resource_applies_to_any_resource() -> None:
    statement = policy(
        {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}
    ).statements[0]
    result = applicability(
        statement, request("sts:AssumeRole", "arn:aws:iam::1:role/r"), check_principal=True
    )
    assert result.applies and result.principal_match == "wildcard"


def test_version_2008_does_not_substitute_variables() -> None:
    statement = policy(
        {"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::b/${aws:username}"},
        version="2008-10-17",
    ).statements[0]
    assert not applicability(
        statement, request(resource="arn:aws:s3:::b/alice"), check_principal=False
    ).applies
    literal = request(resource="arn:aws:s3:::b/${aws:username}")
    assert applicability(statement, literal, check_principal=False).applies


# --- statements matching an action, remembered per policy ------------------------------


def test_action_matches_keeps_the_statements_whose_action_matches() -> None:
    compiled = policy(
        {"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"},
        {"Effect": "Allow", "Action": ["iam:GetUser", "S3:PutObject"], "Resource": "*"},
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Allow", "NotAction": "ec2:*", "Resource": "*"},
        {"Effect": "Allow", "NotAction": "s3:Get*", "Resource": "*"},
    )
    assert [s.index for s in compiled.action_matches(request("s3:GetObject"))] == [0, 2, 3]
    assert [s.index for s in compiled.action_matches(request("s3:putobject"))] == [1, 2, 3, 4]
    assert [s.index for s in compiled.action_matches(request("ec2:RunInstances"))] == [2, 4]
    assert [s.index for s in compiled.action_matches(request("nothing"))] == [2, 3, 4]
    # Asked again, the remembered answer is the same.
    assert [s.index for s in compiled.action_matches(request("S3:GETOBJECT"))] == [0, 2, 3]


def test_action_matches_agrees_with_applicability() -> None:
    compiled = policy(
        {"Effect": "Allow", "Action": ["s3:Get*", "iam:?et*"], "Resource": "*"},
        {"Effect": "Deny", "NotAction": ["s3:*"], "Resource": "*"},
    )
    for action in ("s3:GetObject", "IAM:GETUSER", "iam:SetX", "s3:Put", "ſ3:GetObject", "İam:Get"):
        req = request(action)
        expected = [
            s.index
            for s in compiled.candidates(req)
            if applicability(s, req, check_principal=False) != NO_ACTION
        ]
        assert [s.index for s in compiled.action_matches(req)] == expected, action


def test_action_memo_is_bounded() -> None:
    compiled = policy({"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"})
    for number in range(ACTION_MEMO_SIZE * 3):
        found = compiled.action_matches(request(f"s3:GetJunk{number}"))
        assert [s.index for s in found] == [0]
        assert len(compiled.by_action) <= ACTION_MEMO_SIZE
    # Past the cap the memo starts over; answers stay right.
    assert compiled.action_matches(request("s3:PutObject")) == ()
    assert [s.index for s in compiled.action_matches(request("s3:GetObject"))] == [0]


def test_the_memo_does_not_affect_equality() -> None:
    first, second = (
        policy({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}),
        policy({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}),
    )
    first.action_matches(request())
    assert first == second


def test_applicability_can_skip_the_action_test() -> None:
    compiled = policy({"Effect": "Allow", "Action": "iam:GetUser", "Resource": "*"})
    statement = compiled.statements[0]
    assert applicability(statement, request(), check_principal=False) == NO_ACTION
    result = applicability(statement, request(), check_principal=False, check_action=False)
    assert result.applies


# --- templated resources: compiled once, not per user -----------------------------------


def test_templated_resource_compiles_no_regex_per_user() -> None:
    compiled = policy(
        {
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::home/${aws:username}/${aws:PrincipalTag/team, 'none'}/*",
        }
    )
    statement = compiled.statements[0]
    before = compile_regex.cache_info()
    for number in range(300):
        user = Principal.user(ACCT, f"u{number}", tags={"team": "t*"} if number % 2 else None)
        team = "t*" if number % 2 else "none"
        hit = RequestContext(user, "s3:GetObject", f"arn:aws:s3:::home/u{number}/{team}/k")
        miss = RequestContext(user, "s3:GetObject", f"arn:aws:s3:::home/u{number}/tX/k")
        assert applicability(statement, hit, check_principal=False).applies
        assert applicability(statement, miss, check_principal=False) == NO_RESOURCE
    after = compile_regex.cache_info()
    assert after.misses == before.misses and after.currsize == before.currsize


def test_templated_resource_with_a_missing_variable_matches_nothing() -> None:
    compiled = policy(
        {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/${aws:userid}*"},
        {"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::b/${aws:userid}*"},
    )
    req = request(resource="arn:aws:s3:::b/x")
    assert applicability(compiled.statements[0], req, check_principal=False) == NO_RESOURCE
    assert applicability(compiled.statements[1], req, check_principal=False).applies


def test_templated_resource_value_with_nul_falls_back_to_rendering() -> None:
    compiled = policy(
        {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/${aws:username}/*"}
    )
    user = Principal.user(ACCT, "a\x00b")
    hit = RequestContext(user, "s3:GetObject", "arn:aws:s3:::b/a\x00b/k")
    miss = RequestContext(user, "s3:GetObject", "arn:aws:s3:::b/a\x00c/k")
    assert applicability(compiled.statements[0], hit, check_principal=False).applies
    assert applicability(compiled.statements[0], miss, check_principal=False) == NO_RESOURCE
