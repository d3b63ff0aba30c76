"""Allowances remembered between calls decide exactly as a fresh decision would.

`iamd.authz.allowances` keeps an allowance when the caller's policies hold no
condition, principal or policy variable. These calls, through a real server, show
that a conditional allowance is never reused for a request its condition refuses,
that a remembered one ends with the policies it came from, and that the audit trail
records the same reasons for a remembered allowance as for the first.
"""

from __future__ import annotations

import json
import time
from typing import Any

import boto3
from botocore.config import Config

from authz.test_stored_entities import denied
from server.test_enforcement import allow, deny, policy
from support import REGION, IamdServer, RootCredential

PATIENCE = 10.0  # seconds for a batched read event to reach LookupEvents


def user_client(
    server: IamdServer, iam: Any, name: str, *statements: dict[str, Any], agent: str = ""
) -> Any:
    """A new user with an inline policy, and a client that says ``agent`` in its User-Agent."""
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="Inline", PolicyDocument=policy(*statements))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return another_client(server, key, agent)


def another_client(server: IamdServer, key: dict[str, Any], agent: str) -> Any:
    return boto3.client(
        "iam",
        endpoint_url=server.endpoint,
        region_name=REGION,
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
        config=Config(user_agent_extra=agent) if agent else None,
    )


def test_a_conditional_allowance_is_decided_again_for_each_request(
    server: IamdServer, iam: Any
) -> None:
    only_the_robot = allow("iam:GetUser", Condition={"StringLike": {"aws:UserAgent": "*robot/1*"}})
    robot = user_client(server, iam, "robot", only_the_robot, agent="robot/1")
    for _ in range(3):
        assert robot.get_user()["User"]["UserName"] == "robot"
    key = iam.create_access_key(UserName="robot")["AccessKey"]
    person = another_client(server, key, "")
    for _ in range(2):
        assert "no identity-based policy allows" in denied(person.get_user)
        assert robot.get_user()["User"]["UserName"] == "robot"


def test_a_remembered_allowance_ends_with_the_policies_it_came_from(
    server: IamdServer, iam: Any
) -> None:
    reader = user_client(server, iam, "reader", allow("iam:GetUser"))
    for _ in range(3):
        assert reader.get_user(UserName="reader")["User"]["UserName"] == "reader"
    iam.put_user_policy(
        UserName="reader", PolicyName="NoMore", PolicyDocument=policy(deny("iam:GetUser"))
    )
    assert "explicit deny in an identity-based policy" in denied(reader.get_user, UserName="reader")
    iam.delete_user_policy(UserName="reader", PolicyName="NoMore")
    assert reader.get_user(UserName="reader")["User"]["UserName"] == "reader"
    iam.delete_user_policy(UserName="reader", PolicyName="Inline")
    assert "no identity-based policy allows" in denied(reader.get_user, UserName="reader")


def test_an_allowance_is_per_resource(server: IamdServer, iam: Any) -> None:
    iam.create_user(UserName="other")
    own_only = allow("iam:GetUser", "arn:aws:iam::*:user/${aws:username}")
    alice = user_client(server, iam, "alice", own_only)
    for _ in range(2):
        assert alice.get_user(UserName="alice")["User"]["UserName"] == "alice"
        assert "no identity-based policy allows" in denied(alice.get_user, UserName="other")


def test_an_allowance_of_every_resource_never_outlasts_a_statement_naming_one(
    server: IamdServer, iam: Any
) -> None:
    """An Allow of ``"*"`` is remembered for any user; a Deny of some users still denies."""
    admin = user_client(
        server,
        iam,
        "creator",
        allow("iam:CreateUser"),
        deny("iam:CreateUser", "arn:aws:iam::*:user/admin-*"),
    )
    for n in range(3):
        assert admin.create_user(UserName=f"plain-{n}")["User"]["UserName"] == f"plain-{n}"
        refused = denied(admin.create_user, UserName=f"admin-{n}")
        assert "explicit deny in an identity-based policy" in refused
    only_team = user_client(
        server, iam, "team-lead", allow("iam:CreateUser", "arn:aws:iam::*:user/team-*")
    )
    for n in range(3):
        assert only_team.create_user(UserName=f"team-{n}")["User"]["UserName"] == f"team-{n}"
        assert "no identity-based policy allows" in denied(only_team.create_user, UserName=f"x{n}")


def test_a_boundary_naming_resources_is_read_for_every_resource(
    server: IamdServer, iam: Any
) -> None:
    creator = user_client(server, iam, "bounded-creator", allow("iam:CreateUser"))
    assert creator.create_user(UserName="before")["User"]["UserName"] == "before"
    boundary = iam.create_policy(
        PolicyName="TeamOnly",
        PolicyDocument=policy(allow("iam:CreateUser", "arn:aws:iam::*:user/team-*")),
    )["Policy"]["Arn"]
    iam.put_user_permissions_boundary(UserName="bounded-creator", PermissionsBoundary=boundary)
    for n in range(3):
        assert creator.create_user(UserName=f"team-b{n}")["User"]["UserName"] == f"team-b{n}"
        assert "permissions boundary" in denied(creator.create_user, UserName=f"other-b{n}")


def test_a_remembered_allowance_has_the_first_ones_reasons_on_the_trail(
    server: IamdServer, iam: Any, account: RootCredential
) -> None:
    reader = user_client(server, iam, "trailed", allow(["iam:GetUser", "iam:ListUsers"]))
    for _ in range(3):
        reader.list_users()
    records = _events(server, account, "ListUsers", "trailed", count=3)
    decisions = [record["iamdDecision"] for record in records]
    assert decisions[0]["evaluations"][0]["decision"] == "allowed"
    assert decisions[0]["evaluations"][0]["statements"], decisions[0]
    assert all(decision == decisions[0] for decision in decisions), decisions


def _events(
    server: IamdServer, account: RootCredential, name: str, user: str, *, count: int
) -> list[dict[str, Any]]:
    trail = server.client("cloudtrail", account.access_key_id, account.secret_access_key)
    attribute = {"AttributeKey": "Username", "AttributeValue": user}
    deadline = time.monotonic() + PATIENCE
    while True:
        events = trail.lookup_events(LookupAttributes=[attribute])["Events"]
        records = [json.loads(e["CloudTrailEvent"]) for e in events if e["EventName"] == name]
        if len(records) >= count or time.monotonic() > deadline:
            assert len(records) >= count, records
            return records
        time.sleep(0.1)


def test_a_condition_in_a_boundary_is_read_too(server: IamdServer, iam: Any) -> None:
    robot = user_client(server, iam, "bounded", allow("iam:GetUser"), agent="robot/1")
    key = iam.create_access_key(UserName="bounded")["AccessKey"]
    person = another_client(server, key, "")
    assert person.get_user()["User"]["UserName"] == "bounded"
    boundary = iam.create_policy(
        PolicyName="RobotsOnly",
        PolicyDocument=policy(allow("*", Condition={"StringLike": {"aws:UserAgent": "*robot/1*"}})),
    )["Policy"]["Arn"]
    iam.put_user_permissions_boundary(UserName="bounded", PermissionsBoundary=boundary)
    for _ in range(2):
        assert robot.get_user()["User"]["UserName"] == "bounded"
        assert "permissions boundary" in denied(person.get_user)
