"""Compiled policies and whether one statement applies."""

from __future__ import annotations

import json
from typing import Any

from iamd.policy import Principal, RequestContext, compile_policy, parse_policy
from iamd.policy.evaluate import (
    NO_ACTION,
    NO_CONDITION,
    NO_PRINCIPAL,
    NO_RESOURCE,
    Policy,
    applicability,
)

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
