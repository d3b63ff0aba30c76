"""An event's row and its iamdDecision in words, from LookupEvents' own output."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from iamd.console.event_records import evaluations_of, event_row

POLICY = "arn:aws:iam::111122223333:policy/Ops"
BOUNDARY = "arn:aws:iam::111122223333:policy/Boundary"


def _event(record: dict[str, object]) -> dict[str, object]:
    return {
        "EventId": "e1",
        "EventName": "DeleteRole",
        "EventTime": datetime(2026, 12, 4, tzinfo=UTC),
        "Username": "alice",
        "EventSource": "iam.amazonaws.com",
        "Resources": [{"ResourceType": "AWS::IAM::Role", "ResourceName": "app"}],
        "CloudTrailEvent": json.dumps(record),
    }


def test_a_row_reads_the_error_and_the_outcome_from_the_record() -> None:
    row = event_row(_event({"errorCode": "AccessDenied", "iamdDecision": {"decision": "denied"}}))
    assert (row.user_name, row.error_code, row.outcome) == ("alice", "AccessDenied", "Denied")
    assert row.resources == [{"ResourceType": "AWS::IAM::Role", "ResourceName": "app"}]


def test_a_record_that_is_not_json_is_a_row_without_a_decision() -> None:
    event = {**_event({}), "CloudTrailEvent": "not json"}
    row = event_row(event)
    assert (row.record, row.outcome, row.error_code) == ({}, "", "")
    assert evaluations_of(row.record) == []


def test_each_deciding_statement_is_said_in_words() -> None:
    statement = {
        "policy": POLICY,
        "policyKind": "managed",
        "versionId": "v2",
        "source": "identity-based",
        "effect": "Allow",
        "sid": "Roles",
        "index": 1,
        "line": 3,
        "column": 5,
    }
    evaluation = {
        "action": "iam:DeleteRole",
        "resource": "arn:aws:iam::111122223333:role/app",
        "decision": "allowed",
        "basis": "policies",
        "decidedBy": "identity-based",
        "reasons": ["allowed by identity-based policy"],
        "statements": [statement],
    }
    record = {"iamdDecision": {"decision": "allowed", "evaluations": [evaluation]}}
    (said,) = evaluations_of(record)
    assert (said.decision, said.is_allowed, said.decided_by) == (
        "Allowed",
        True,
        "identity-based",
    )
    (words,) = said.statements
    assert words.words == 'Allow statement 1 (Sid "Roles")'
    assert words.policy_is_arn and words.policy == POLICY
    assert words.detail == "managed policy, version v2, line 3, column 5"


def test_an_inline_policy_is_named_with_its_owner_and_a_capping_boundary_is_named() -> None:
    inline = {"policy": "makers", "policyKind": "inline", "owner": "group/ops", "effect": "Deny"}
    inline |= {"index": 0, "line": 1, "column": 40}
    boundary = {"policy": BOUNDARY, "policyKind": "permissions boundary", "versionId": "v1"}
    evaluations = [
        {"action": "iam:CreateUser", "decision": "explicitDeny", "statements": [inline]},
        {"action": "iam:CreateGroup", "decision": "implicitDeny", "limitedBy": [boundary]},
    ]
    record = {"iamdDecision": {"decision": "denied", "evaluations": evaluations}}
    denied, capped = evaluations_of(record)
    assert denied.decision == "Denied by an explicit Deny" and not denied.is_allowed
    assert not denied.statements[0].policy_is_arn
    assert denied.statements[0].detail == "inline policy, of group/ops, line 1, column 40"
    assert capped.decision == "Denied: no statement allows it"
    assert capped.limited_by[0].detail == "permissions boundary, version v1"
