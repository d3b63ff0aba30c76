"""The data plane's decisions on the trail: what the gateway calls, tested directly.

The gateway is not here yet; it will hand each decided request to
`data_plane_event` and queue the event on the process's trail. These tests decide a
request with the policy engine as the gateway will, record it, and read it back.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from iamd.audit.data_plane import DataPlaneRequest, data_plane_event
from iamd.audit.trail import Trail, TrailSettings
from iamd.auth.caller import Caller
from iamd.auth.origin import RequestMeta
from iamd.authz.journal import Evaluation, Journal, Origin
from iamd.clock import FixedClock
from iamd.policy import Principal, RequestContext, compile_policy, decide, parse_policy
from iamd.store.audit_events import EventQuery, find_events
from iamd.store.database import Database

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
CALLER_ACCOUNT, OWNER_ACCOUNT = "111111111111", "222222222222"
POLICY_ARN = f"arn:aws:iam::{CALLER_ACCOUNT}:policy/readers"
OBJECT_ARN = "arn:aws:s3:::reports/2026/q4.csv"
READERS = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
            {"Sid": "NoQ4", "Effect": "Deny", "Action": "s3:*", "Resource": "*/q4.csv"},
        ],
    }
)
ALICE = Caller(
    account_id=CALLER_ACCOUNT,
    kind="user",
    arn=f"arn:aws:iam::{CALLER_ACCOUNT}:user/alice",
    user_id="AIDAALICEEXAMPLE00001",
    name="alice",
    access_key_id="AKIAALICEEXAMPLE0001",
    entity_id="AIDAALICEEXAMPLE00001",
)


def _journal(resource: str) -> Journal:
    """The gateway's decision, made as `authz` makes one."""
    policy = compile_policy(parse_policy(READERS), policy_id=POLICY_ARN)
    principal = Principal(ALICE.arn, CALLER_ACCOUNT, "user", ALICE.user_id, "alice")
    decision = decide(RequestContext(principal, "s3:GetObject", resource), identity=[policy])
    journal = Journal()
    origins = {POLICY_ARN: (Origin("managed", None, "v1"),)}
    journal.add(
        Evaluation("s3:GetObject", resource, decision.allowed, decision=decision, origins=origins)
    )
    return journal


def _request(resource: str, **extra: Any) -> DataPlaneRequest:
    return DataPlaneRequest(
        service="s3",
        action="s3:GetObject",
        resource_arn=resource,
        resource_type="AWS::S3::Object",
        when=NOW,
        region="eu-west-1",
        meta=RequestMeta(source_ip="192.0.2.7", user_agent="aws-cli/2"),
        request_id="REQ1",
        journal=_journal(resource),
        caller=ALICE,
        access_key_id=ALICE.access_key_id,
        resource_account=OWNER_ACCOUNT,
        **extra,
    )


def _records(db: Database, account: str) -> list[dict[str, Any]]:
    query = EventQuery(account, NOW - timedelta(days=1), NOW + timedelta(days=1))
    with db.transaction(write=False) as conn:
        return [json.loads(event.row.record) for event in find_events(conn, query)]


def test_a_refused_request_is_a_data_event_in_both_accounts(db: Database) -> None:
    trail = Trail(db, FixedClock(NOW), TrailSettings(flush_interval=60))
    denied = _request(OBJECT_ARN, error_code="AccessDenied", error_message="Access Denied")
    trail.record_later(data_plane_event(denied))
    trail.close()
    (mine,) = _records(db, CALLER_ACCOUNT)
    (theirs,) = _records(db, OWNER_ACCOUNT)
    assert mine["sharedEventID"] == theirs["sharedEventID"]
    assert (mine["eventSource"], mine["eventName"]) == ("s3.amazonaws.com", "GetObject")
    assert (mine["eventCategory"], mine["managementEvent"]) == ("Data", False)
    assert mine["errorCode"] == "AccessDenied"
    assert mine["resources"] == [
        {"type": "AWS::S3::Object", "ARN": OBJECT_ARN, "accountId": OWNER_ACCOUNT}
    ]
    assert mine["userIdentity"]["userName"] == "alice"
    decision = mine["iamdDecision"]
    assert decision["decision"] == "denied"
    (evaluation,) = decision["evaluations"]
    assert evaluation["decision"] == "explicitDeny"
    assert [s["sid"] for s in evaluation["statements"]] == ["NoQ4"]
    assert evaluation["statements"][0]["versionId"] == "v1"


def test_an_allowed_request_names_the_statement_that_allowed_it(db: Database) -> None:
    trail = Trail(db, FixedClock(NOW), TrailSettings(flush_interval=60))
    trail.record_later(data_plane_event(_request("arn:aws:s3:::reports/2026/q3.csv")))
    trail.close()
    (record,) = _records(db, CALLER_ACCOUNT)
    assert "errorCode" not in record
    (evaluation,) = record["iamdDecision"]["evaluations"]
    assert [s["sid"] for s in evaluation["statements"]] == ["Read"]
