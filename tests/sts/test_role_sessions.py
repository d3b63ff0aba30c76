"""Role sessions: durations and chaining, session policies, session tags, source identity."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from support import error_of


@pytest.fixture
def alice(new_user: Any) -> Any:
    return new_user("alice")


@pytest.fixture
def alice_sts(alice: Any, make_client: Any) -> Any:
    return make_client("sts", alice.key_id, alice.secret)


def _expires_in(answer: dict[str, Any]) -> float:
    return (answer["Credentials"]["Expiration"] - datetime.now(UTC)).total_seconds()


def test_duration_defaults_and_limits(
    alice: Any, alice_sts: Any, new_role: Any, trust_doc: Any, iam: Any
) -> None:
    role = new_role("r", trust_doc({"AWS": alice.arn}), MaxSessionDuration=7200)
    assert (
        3590 < _expires_in(alice_sts.assume_role(RoleArn=role["Arn"], RoleSessionName="a1")) <= 3600
    )
    long = alice_sts.assume_role(RoleArn=role["Arn"], RoleSessionName="a2", DurationSeconds=7200)
    assert 7190 < _expires_in(long) <= 7200
    with pytest.raises(ClientError) as excinfo:
        alice_sts.assume_role(RoleArn=role["Arn"], RoleSessionName="a3", DurationSeconds=7201)
    assert error_of(excinfo) == (
        "ValidationError",
        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
        400,
    )


def test_role_chaining_is_limited_to_one_hour(
    alice: Any, alice_sts: Any, new_role: Any, trust_doc: Any, as_session: Any, account: Any
) -> None:
    first = new_role("first", trust_doc({"AWS": alice.arn}))
    second = new_role("second", trust_doc({"AWS": first["Arn"]}), MaxSessionDuration=43200)
    hop = as_session("sts", alice_sts.assume_role(RoleArn=first["Arn"], RoleSessionName="h1"))
    with pytest.raises(ClientError) as excinfo:
        hop.assume_role(RoleArn=second["Arn"], RoleSessionName="h2", DurationSeconds=3601)
    assert error_of(excinfo) == (
        "ValidationError",
        "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by "
        "role chaining.",
        400,
    )
    chained = hop.assume_role(RoleArn=second["Arn"], RoleSessionName="h2")
    assert chained["AssumedRoleUser"]["Arn"].endswith(":assumed-role/second/h2")
    identity = as_session("sts", chained).get_caller_identity()
    assert identity["Arn"] == f"arn:aws:sts::{account.account_id}:assumed-role/second/h2"


def test_session_policy_intersects(
    alice: Any, alice_sts: Any, new_role: Any, trust_doc: Any, allow_doc: Any, as_session: Any
) -> None:
    broad = allow_doc(["iam:ListUsers", "iam:ListRoles"])
    role = new_role("broad", trust_doc({"AWS": alice.arn}), policy=broad)
    answer = alice_sts.assume_role(
        RoleArn=role["Arn"],
        RoleSessionName="narrow",
        Policy=allow_doc(["iam:ListUsers", "iam:ListGroups"]),
    )
    assert 0 < answer["PackedPolicySize"] < 100
    iam = as_session("iam", answer)
    iam.list_users()
    for call in (iam.list_roles, iam.list_groups):  # outside the role, or outside the session
        with pytest.raises(ClientError) as excinfo:
            call()
        assert error_of(excinfo)[0] == "AccessDenied"
    with pytest.raises(ClientError) as excinfo:
        iam.list_roles()
    assert error_of(excinfo)[1].endswith(
        "because no session policy allows the iam:ListRoles action"
    )


def test_managed_session_policy_arns(
    iam: Any,
    alice: Any,
    alice_sts: Any,
    new_role: Any,
    trust_doc: Any,
    allow_doc: Any,
    as_session: Any,
    account: Any,
) -> None:
    role = new_role("admin", trust_doc({"AWS": alice.arn}), policy=allow_doc("iam:*"))
    answer = alice_sts.assume_role(
        RoleArn=role["Arn"],
        RoleSessionName="ro",
        PolicyArns=[{"arn": "arn:aws:iam::aws:policy/IAMReadOnlyAccess"}],
    )
    session = as_session("iam", answer)
    session.list_users()
    with pytest.raises(ClientError):
        session.create_user(UserName="nope")
    missing = f"arn:aws:iam::{account.account_id}:policy/missing"
    with pytest.raises(ClientError) as excinfo:
        alice_sts.assume_role(
            RoleArn=role["Arn"], RoleSessionName="x1", PolicyArns=[{"arn": missing}]
        )
    assert error_of(excinfo)[0] == "MalformedPolicyDocument"


def test_malformed_and_oversized_session_policies(
    alice: Any, alice_sts: Any, new_role: Any, trust_doc: Any
) -> None:
    role = new_role("r", trust_doc({"AWS": alice.arn}))
    with pytest.raises(ClientError) as excinfo:
        alice_sts.assume_role(RoleArn=role["Arn"], RoleSessionName="m1", Policy="{not json")
    assert error_of(excinfo) == ("MalformedPolicyDocument", "Syntax errors in policy.", 400)
    statements = [
        {
            "Effect": "Allow",
            "Action": [f"s3:GetObject{i}", f"s3:PutObject{i}"],
            "Resource": f"arn:aws:s3:::my-example-bucket-with-long-name/folder-name-{i}/*",
        }
        for i in range(12)
    ]
    big = json.dumps({"Version": "2012-10-17", "Statement": statements})
    assert len(big) < 2048
    with pytest.raises(ClientError) as excinfo:
        alice_sts.assume_role(RoleArn=role["Arn"], RoleSessionName="m2", Policy=big)
    code, message, _ = error_of(excinfo)
    assert code == "PackedPolicyTooLarge"
    assert message.startswith("Packed policy consumes ") and message.endswith("% of allotted space")


def test_session_tags_become_principal_tags(
    alice: Any, alice_sts: Any, new_role: Any, trust_doc: Any, as_session: Any, iam: Any
) -> None:
    tagged_only = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "iam:ListUsers",
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:PrincipalTag/project": "blue"}},
            }
        ],
    }
    role = new_role("tagged", trust_doc({"AWS": alice.arn}), policy=json.dumps(tagged_only))
    iam.tag_role(RoleName="tagged", Tags=[{"Key": "project", "Value": "red"}])
    plain = as_session("iam", alice_sts.assume_role(RoleArn=role["Arn"], RoleSessionName="t1"))
    with pytest.raises(ClientError):
        plain.list_users()  # the role's own tag says red
    answer = alice_sts.assume_role(
        RoleArn=role["Arn"], RoleSessionName="t2", Tags=[{"Key": "project", "Value": "blue"}]
    )
    assert "PackedPolicySize" in answer
    as_session("iam", answer).list_users()  # the session tag overrides the role's


def test_tagging_needs_tag_session_in_trust(
    alice: Any, alice_sts: Any, new_role: Any, trust_doc: Any
) -> None:
    role = new_role("no-tags", trust_doc({"AWS": alice.arn}, Action="sts:AssumeRole"))
    with pytest.raises(ClientError) as excinfo:
        alice_sts.assume_role(
            RoleArn=role["Arn"], RoleSessionName="t9", Tags=[{"Key": "k", "Value": "v"}]
        )
    assert "sts:TagSession" in error_of(excinfo)[1]


def test_tag_validation_as_recorded(
    alice: Any, alice_sts: Any, new_role: Any, trust_doc: Any
) -> None:
    role = new_role("r", trust_doc({"AWS": alice.arn}))
    with pytest.raises(ClientError) as excinfo:
        alice_sts.assume_role(
            RoleArn=role["Arn"],
            RoleSessionName="v1",
            Tags=[{"Key": "a", "Value": "1"}],
            TransitiveTagKeys=["b"],
        )
    assert error_of(excinfo) == (
        "InvalidParameterValue",
        "The specified transitive tag key must be included in the requested tags.",
        400,
    )
    with pytest.raises(ClientError) as excinfo:
        alice_sts.assume_role(
            RoleArn=role["Arn"],
            RoleSessionName="v2",
            Tags=[{"Key": "Team", "Value": "1"}, {"Key": "team", "Value": "2"}],
        )
    assert error_of(excinfo) == (
        "InvalidParameterValue",
        "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
        400,
    )


def test_transitive_tags_carry_along_a_chain(
    alice: Any, alice_sts: Any, new_role: Any, trust_doc: Any, as_session: Any
) -> None:
    first = new_role("one", trust_doc({"AWS": alice.arn}))
    needs_tag = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "iam:ListUsers",
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:PrincipalTag/cost-center": "42"}},
            }
        ],
    }
    second = new_role("two", trust_doc({"AWS": first["Arn"]}), policy=json.dumps(needs_tag))
    hop = as_session(
        "sts",
        alice_sts.assume_role(
            RoleArn=first["Arn"],
            RoleSessionName="c1",
            Tags=[{"Key": "cost-center", "Value": "42"}, {"Key": "note", "Value": "x"}],
            TransitiveTagKeys=["cost-center"],
        ),
    )
    chained = hop.assume_role(RoleArn=second["Arn"], RoleSessionName="c2")
    as_session("iam", chained).list_users()
    for key in ("cost-center", "COST-CENTER"):  # recorded: case is ignored
        with pytest.raises(ClientError) as excinfo:
            hop.assume_role(
                RoleArn=second["Arn"],
                RoleSessionName="c3",
                Tags=[{"Key": key, "Value": "7"}],
                TransitiveTagKeys=[key],
            )
        assert error_of(excinfo) == (
            "InvalidParameterValue",
            "One of the specified transitive tag keys can't be set because it conflicts with a "
            "transitive tag key from the calling session.",
            400,
        )
    untagged = hop.assume_role(RoleArn=first["Arn"].replace("one", "two"), RoleSessionName="c4")
    as_session("iam", untagged).list_users()  # still inherited in every later session


def test_non_transitive_tags_stop_at_one_hop(
    alice: Any, alice_sts: Any, new_role: Any, trust_doc: Any, as_session: Any
) -> None:
    first = new_role("one", trust_doc({"AWS": alice.arn}))
    condition = {"StringEquals": {"aws:PrincipalTag/note": "x"}}
    statement = {
        "Effect": "Allow",
        "Action": "iam:ListUsers",
        "Resource": "*",
        "Condition": condition,
    }
    policy = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    second = new_role("two", trust_doc({"AWS": first["Arn"]}), policy=policy)
    hop = as_session(
        "sts",
        alice_sts.assume_role(
            RoleArn=first["Arn"], RoleSessionName="n1", Tags=[{"Key": "note", "Value": "x"}]
        ),
    )
    chained = as_session("iam", hop.assume_role(RoleArn=second["Arn"], RoleSessionName="n2"))
    with pytest.raises(ClientError):
        chained.list_users()


def test_source_identity_is_immutable_along_a_chain(
    alice: Any, alice_sts: Any, new_role: Any, trust_doc: Any, as_session: Any
) -> None:
    actions = ["sts:AssumeRole", "sts:SetSourceIdentity"]
    first = new_role("one", trust_doc({"AWS": alice.arn}, Action=actions))
    condition = {"StringEquals": {"aws:SourceIdentity": "alice@example.com"}}
    second = new_role("two", trust_doc({"AWS": first["Arn"]}, Action=actions, Condition=condition))
    answer = alice_sts.assume_role(
        RoleArn=first["Arn"], RoleSessionName="s1", SourceIdentity="alice@example.com"
    )
    assert answer["SourceIdentity"] == "alice@example.com"
    hop = as_session("sts", answer)
    assert hop.assume_role(RoleArn=second["Arn"], RoleSessionName="s2")["SourceIdentity"] == (
        "alice@example.com"
    )
    with pytest.raises(ClientError) as excinfo:
        hop.assume_role(RoleArn=second["Arn"], RoleSessionName="s3", SourceIdentity="mallory")
    assert error_of(excinfo)[0] == "InvalidParameterValue"


def test_source_identity_needs_set_source_identity(
    alice: Any, alice_sts: Any, new_role: Any, trust_doc: Any
) -> None:
    role = new_role("plain", trust_doc({"AWS": alice.arn}, Action="sts:AssumeRole"))
    with pytest.raises(ClientError) as excinfo:
        alice_sts.assume_role(RoleArn=role["Arn"], RoleSessionName="s1", SourceIdentity="alice")
    assert "sts:SetSourceIdentity" in error_of(excinfo)[1]


def test_role_session_token_issue_time_is_a_condition_key(
    alice: Any, alice_sts: Any, new_role: Any, trust_doc: Any, as_session: Any
) -> None:
    future = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    condition = {"DateLessThan": {"aws:TokenIssueTime": future}}
    statement = {
        "Effect": "Allow",
        "Action": "iam:ListUsers",
        "Resource": "*",
        "Condition": condition,
    }
    role = new_role(
        "fresh",
        trust_doc({"AWS": alice.arn}),
        policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]}),
    )
    as_session("iam", alice_sts.assume_role(RoleArn=role["Arn"], RoleSessionName="f1")).list_users()
