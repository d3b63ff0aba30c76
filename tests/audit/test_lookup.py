"""CloudTrail's LookupEvents on iamd's endpoint: boto3's client and the AWS CLI, unchanged."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from audit.conftest import Trail, allow, document
from support import REGION, IamdServer, RootCredential, error_of

AWS = str(Path(sys.executable).parent / "aws")


@pytest.fixture
def history(iam: Any, trail: Trail) -> dict[str, Any]:
    """A few writes (each committed with its event): a user, its key, a role, a policy."""
    iam.create_user(UserName="alice")
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    ec2 = {"Service": "ec2.amazonaws.com"}
    trust = document({"Effect": "Allow", "Principal": ec2, "Action": "sts:AssumeRole"})
    iam.create_role(RoleName="worker", AssumeRolePolicyDocument=trust)
    policy = iam.create_policy(PolicyName="p", PolicyDocument=document(allow("iam:Get*")))
    return {"key": key, "policy": policy["Policy"]}


def _names(events: list[dict[str, Any]]) -> list[str]:
    return [event["EventName"] for event in events]


def _by(key: str, value: str) -> list[dict[str, str]]:
    return [{"AttributeKey": key, "AttributeValue": value}]


def test_events_come_newest_first(trail: Trail, history: Any) -> None:
    events = trail.events(LookupAttributes=_by("ReadOnly", "false"))
    assert _names(events) == ["CreatePolicy", "CreateRole", "CreateAccessKey", "CreateUser"]
    times = [event["EventTime"] for event in events]
    assert times == sorted(times, reverse=True)


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("EventName", "CreateRole", ["CreateRole"]),
        ("ResourceName", "alice", ["CreateAccessKey", "CreateUser"]),
        ("ResourceType", "AWS::IAM::Role", ["CreateRole"]),
        ("EventSource", "iam.amazonaws.com", ["CreatePolicy", "CreateRole"]),
        ("Username", "root", ["CreatePolicy", "CreateRole"]),
    ],
)
def test_one_lookup_attribute_at_a_time(
    trail: Trail, history: Any, key: str, value: str, expected: list[str]
) -> None:
    found = [e for e in trail.events(LookupAttributes=_by(key, value)) if e["ReadOnly"] == "false"]
    assert _names(found)[: len(expected)] == expected


def test_by_access_key_and_by_event_id(
    server: IamdServer, iam: Any, trail: Trail, history: Any
) -> None:
    key = history["key"]
    sts = server.client("sts", key["AccessKeyId"], key["SecretAccessKey"])
    sts.get_caller_identity()
    trail.wait_for("GetCallerIdentity")
    (used,) = trail.events(LookupAttributes=_by("AccessKeyId", key["AccessKeyId"]))
    assert used["EventName"] == "GetCallerIdentity" and used["Username"] == "alice"
    assert used["EventSource"] == "sts.amazonaws.com"
    (again,) = trail.events(LookupAttributes=_by("EventId", used["EventId"]))
    assert again == used


def test_resources_name_what_a_call_created(trail: Trail, history: Any) -> None:
    (event,) = trail.named("CreatePolicy")
    assert event["Resources"] == [
        {"ResourceType": "AWS::IAM::Policy", "ResourceName": history["policy"]["Arn"]}
    ]


def test_pages_follow_next_token(trail: Trail, history: Any) -> None:
    client = trail.client
    first = client.lookup_events(LookupAttributes=_by("ReadOnly", "false"), MaxResults=3)
    assert len(first["Events"]) == 3 and "NextToken" in first
    rest = client.lookup_events(
        LookupAttributes=_by("ReadOnly", "false"), MaxResults=3, NextToken=first["NextToken"]
    )
    assert _names(rest["Events"]) == ["CreateUser"] and "NextToken" not in rest
    pages = client.get_paginator("lookup_events").paginate(
        LookupAttributes=_by("ReadOnly", "false"), PaginationConfig={"PageSize": 1}
    )
    assert _names([e for page in pages for e in page["Events"]]) == [
        "CreatePolicy",
        "CreateRole",
        "CreateAccessKey",
        "CreateUser",
    ]


def test_a_token_is_good_only_for_its_own_query(trail: Trail, history: Any) -> None:
    client = trail.client
    first = client.lookup_events(MaxResults=1)
    for params in (
        {"NextToken": first["NextToken"], "LookupAttributes": _by("EventName", "CreateUser")},
        {"NextToken": "not-a-token"},
    ):
        with pytest.raises(ClientError) as excinfo:
            client.lookup_events(**params)
        assert error_of(excinfo)[0] == "InvalidNextTokenException"


def test_the_time_range_bounds_the_events(trail: Trail, history: Any) -> None:
    now = datetime.now(UTC)
    assert trail.events(EndTime=now - timedelta(hours=1)) == []
    found = trail.events(StartTime=now - timedelta(minutes=5), EndTime=now + timedelta(minutes=5))
    assert "CreateUser" in _names(found)
    with pytest.raises(ClientError) as excinfo:
        trail.client.lookup_events(StartTime=now, EndTime=now - timedelta(days=1))
    assert error_of(excinfo)[:1] == ("InvalidTimeRangeException",)


def test_more_than_one_attribute_is_refused(trail: Trail) -> None:
    attributes = _by("EventName", "CreateUser") + _by("Username", "root")
    with pytest.raises(ClientError) as excinfo:
        trail.client.lookup_events(LookupAttributes=attributes)
    assert error_of(excinfo)[0] == "InvalidLookupAttributesException"


def test_too_many_results_fail_validation(trail: Trail) -> None:
    with pytest.raises(ClientError) as excinfo:
        trail.client.lookup_events(MaxResults=51)
    code, message, status = error_of(excinfo)
    assert (code, status) == ("ValidationException", 400)
    assert "maxResults" in message


def test_an_account_sees_only_its_own_events(
    server: IamdServer, trail_of: Any, history: Any
) -> None:
    stranger = trail_of(server.new_account())
    assert stranger.named("CreateUser") == []


def test_looking_up_needs_cloudtrail_lookup_events(server: IamdServer, iam: Any) -> None:
    iam.create_user(UserName="auditor")
    key = iam.create_access_key(UserName="auditor")["AccessKey"]
    client = server.client("cloudtrail", key["AccessKeyId"], key["SecretAccessKey"])
    with pytest.raises(ClientError) as excinfo:
        client.lookup_events()
    code, message, status = error_of(excinfo)
    assert (code, status) == ("AccessDeniedException", 400)
    assert "cloudtrail:LookupEvents" in message
    grant = document(allow("cloudtrail:LookupEvents"))
    iam.put_user_policy(UserName="auditor", PolicyName="audit", PolicyDocument=grant)
    assert "Events" in client.lookup_events()


def test_the_aws_cli_looks_up_events_unchanged(
    server: IamdServer, account: RootCredential, history: Any, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": account.access_key_id,
        "AWS_SECRET_ACCESS_KEY": account.secret_access_key,
        "AWS_DEFAULT_REGION": REGION,
    }
    args = [AWS, "cloudtrail", "lookup-events", "--endpoint-url", server.endpoint]
    args += ["--lookup-attributes", "AttributeKey=ResourceName,AttributeValue=worker"]
    answer = subprocess.run(
        args, env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert answer.returncode == 0, answer.stderr
    (event,) = json.loads(answer.stdout)["Events"]
    assert event["EventName"] == "CreateRole"
    assert json.loads(event["CloudTrailEvent"])["requestParameters"]["roleName"] == "worker"
