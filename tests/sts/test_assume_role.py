"""AssumeRole through boto3: trust policies, shapes and messages as AWS records them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from support import error_of


def test_answer_has_aws_shape(
    iam: Any, account: Any, new_user: Any, new_role: Any, trust_doc: Any, make_client: Any
) -> None:
    alice = new_user("alice")
    role = new_role("reader", trust_doc({"AWS": alice.arn}))
    sts = make_client("sts", alice.key_id, alice.secret)
    answer = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="s-1")
    assert answer["AssumedRoleUser"] == {
        "AssumedRoleId": f"{role['RoleId']}:s-1",
        "Arn": f"arn:aws:sts::{account.account_id}:assumed-role/reader/s-1",
    }
    credentials = answer["Credentials"]
    assert credentials["AccessKeyId"].startswith("ASIA") and len(credentials["AccessKeyId"]) == 20
    assert len(credentials["SecretAccessKey"]) == 40
    assert "PackedPolicySize" not in answer  # recorded: absent without policies or tags
    last_used = iam.get_role(RoleName="reader")["Role"]["RoleLastUsed"]
    assert last_used["Region"] == "us-east-1" and "LastUsedDate" in last_used


def test_session_acts_as_the_role(
    new_user: Any, new_role: Any, trust_doc: Any, allow_doc: Any, make_client: Any, as_session: Any
) -> None:
    alice = new_user("alice")
    role = new_role("lister", trust_doc({"AWS": alice.arn}), policy=allow_doc("iam:ListUsers"))
    answer = make_client("sts", alice.key_id, alice.secret).assume_role(
        RoleArn=role["Arn"], RoleSessionName="work"
    )
    session_iam = as_session("iam", answer)
    assert [u["UserName"] for u in session_iam.list_users()["Users"]] == ["alice"]
    with pytest.raises(ClientError) as excinfo:
        session_iam.list_roles()
    code, message, status = error_of(excinfo)
    assert (code, status) == ("AccessDenied", 403)
    assert message.startswith(f"User: {answer['AssumedRoleUser']['Arn']} is not authorized")


@pytest.mark.parametrize(
    ("role_arn", "label"),
    [
        ("nothing-valid-in-here", "malformed-arn"),
        ("arn::b:::something/test-role", "no-partition"),
        ("arn:a::::something/test-role", "no-service"),
        ("arn:a:::something/test-role", "not-enough-colons"),
        ("arn:a:a::aaaaaaaaaa:", "no-resource"),
    ],
)
def test_malformed_role_arn(
    iam: Any, new_user: Any, make_client: Any, role_arn: str, label: str
) -> None:
    alice = new_user("alice")
    sts = make_client("sts", alice.key_id, alice.secret)
    with pytest.raises(ClientError) as excinfo:
        sts.assume_role(RoleArn=role_arn, RoleSessionName="s0")
    assert error_of(excinfo) == ("ValidationError", f"{role_arn} is invalid", 400), label


def test_session_name_validation_as_recorded(new_user: Any, make_client: Any, account: Any) -> None:
    alice = new_user("alice")
    sts = make_client("sts", alice.key_id, alice.secret)
    role_arn = f"arn:aws:iam::{account.account_id}:role/any"
    with pytest.raises(ClientError) as excinfo:
        sts.assume_role(RoleArn=role_arn, RoleSessionName="Session1:2")
    assert error_of(excinfo)[1] == (
        "1 validation error detected: Value 'Session1:2' at 'roleSessionName' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*"
    )
    with pytest.raises(ClientError) as excinfo:
        sts.assume_role(RoleArn=role_arn, RoleSessionName="s" * 65)
    assert error_of(excinfo)[1] == (
        f"1 validation error detected: Value '{'s' * 65}' at 'roleSessionName' failed to satisfy "
        "constraint: Member must have length less than or equal to 64"
    )


def test_root_may_not_assume_roles(sts: Any, new_role: Any, trust_doc: Any, account: Any) -> None:
    role = new_role("r", trust_doc({"AWS": account.account_id}))
    with pytest.raises(ClientError) as excinfo:
        sts.assume_role(RoleArn=role["Arn"], RoleSessionName="s0")
    assert error_of(excinfo) == ("AccessDenied", "Roles may not be assumed by root accounts.", 403)


def test_account_trust_needs_an_identity_policy(
    new_user: Any, new_role: Any, trust_doc: Any, allow_doc: Any, make_client: Any, account: Any
) -> None:
    role = new_role("r", trust_doc({"AWS": account.account_id}))
    bob = new_user("bob")
    with pytest.raises(ClientError) as excinfo:
        make_client("sts", bob.key_id, bob.secret).assume_role(
            RoleArn=role["Arn"], RoleSessionName="s0"
        )
    assert error_of(excinfo) == (
        "AccessDenied",
        f"User: {bob.arn} is not authorized to perform: sts:AssumeRole on resource: {role['Arn']}",
        403,
    )
    carol = new_user("carol", policy=allow_doc("sts:AssumeRole", role["Arn"]))
    make_client("sts", carol.key_id, carol.secret).assume_role(
        RoleArn=role["Arn"], RoleSessionName="s0"
    )


def test_missing_role_is_denied_like_a_refusal(
    new_user: Any, make_client: Any, account: Any
) -> None:
    alice = new_user(
        "alice",
        policy='{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
        '"Action":"sts:AssumeRole","Resource":"*"}]}',
    )
    role_arn = f"arn:aws:iam::{account.account_id}:role/ghost"
    with pytest.raises(ClientError) as excinfo:
        make_client("sts", alice.key_id, alice.secret).assume_role(
            RoleArn=role_arn, RoleSessionName="s0"
        )
    assert error_of(excinfo)[0] == "AccessDenied"
    assert role_arn in error_of(excinfo)[1]


def test_changed_trust_policy_denies_at_once(
    iam: Any, new_user: Any, new_role: Any, trust_doc: Any, make_client: Any, account: Any
) -> None:
    alice = new_user("alice")
    role = new_role("r", trust_doc({"AWS": alice.arn}))
    sts = make_client("sts", alice.key_id, alice.secret)
    sts.assume_role(RoleArn=role["Arn"], RoleSessionName="before")
    other = f"arn:aws:iam::{account.account_id}:user/someone-else"
    iam.create_user(UserName="someone-else")
    iam.update_assume_role_policy(RoleName="r", PolicyDocument=trust_doc({"AWS": other}))
    with pytest.raises(ClientError) as excinfo:
        sts.assume_role(RoleArn=role["Arn"], RoleSessionName="after")
    assert error_of(excinfo)[0] == "AccessDenied"


def test_external_id_condition(
    new_user: Any, new_role: Any, trust_doc: Any, make_client: Any
) -> None:
    alice = new_user("alice")
    condition = {"StringEquals": {"sts:ExternalId": "vendor-42"}}
    role = new_role("vendor", trust_doc({"AWS": alice.arn}, Condition=condition))
    sts = make_client("sts", alice.key_id, alice.secret)
    for external_id in (None, "wrong"):
        extra = {"ExternalId": external_id} if external_id else {}
        with pytest.raises(ClientError) as excinfo:
            sts.assume_role(RoleArn=role["Arn"], RoleSessionName="s0", **extra)
        assert error_of(excinfo)[0] == "AccessDenied"
    sts.assume_role(RoleArn=role["Arn"], RoleSessionName="s0", ExternalId="vendor-42")


def test_session_name_and_principal_tag_conditions(
    iam: Any, new_user: Any, new_role: Any, trust_doc: Any, make_client: Any
) -> None:
    alice = new_user("alice")
    iam.tag_user(UserName="alice", Tags=[{"Key": "team", "Value": "blue"}])
    condition = {
        "StringEquals": {"aws:PrincipalTag/team": "blue"},
        "StringLike": {"sts:RoleSessionName": "${aws:username}-*"},
    }
    role = new_role("team", trust_doc({"AWS": alice.arn}, Condition=condition))
    sts = make_client("sts", alice.key_id, alice.secret)
    sts.assume_role(RoleArn=role["Arn"], RoleSessionName="alice-laptop")
    with pytest.raises(ClientError):
        sts.assume_role(RoleArn=role["Arn"], RoleSessionName="bob-laptop")


def test_service_principal_cannot_be_impersonated(
    new_user: Any, new_role: Any, allow_doc: Any, make_client: Any
) -> None:
    trust = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "lambda.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    )
    role = new_role("lambda-exec", trust, policy=allow_doc("logs:*"))
    mallory = new_user("mallory", policy=allow_doc("sts:AssumeRole"))
    with pytest.raises(ClientError) as excinfo:
        make_client("sts", mallory.key_id, mallory.secret).assume_role(
            RoleArn=role["Arn"], RoleSessionName="pretend-lambda"
        )
    assert error_of(excinfo)[0] == "AccessDenied"


def test_deleted_role_sessions_stop_working(
    iam: Any,
    new_user: Any,
    new_role: Any,
    trust_doc: Any,
    allow_doc: Any,
    make_client: Any,
    as_session: Any,
) -> None:
    alice = new_user("alice")
    role = new_role("doomed", trust_doc({"AWS": alice.arn}), policy=allow_doc("iam:ListUsers"))
    answer = make_client("sts", alice.key_id, alice.secret).assume_role(
        RoleArn=role["Arn"], RoleSessionName="s0"
    )
    iam.delete_role_policy(RoleName="doomed", PolicyName="grant")
    iam.delete_role(RoleName="doomed")
    new_role("doomed", trust_doc({"AWS": alice.arn}), policy=allow_doc("iam:ListUsers"))
    for call in (
        as_session("sts", answer).get_caller_identity,
        as_session("iam", answer).list_users,
    ):
        with pytest.raises(ClientError) as excinfo:
            call()
        assert error_of(excinfo) == (
            "InvalidClientTokenId",
            "The security token included in the request is invalid.",
            403,
        )


def test_revoke_older_sessions(
    iam: Any,
    new_user: Any,
    new_role: Any,
    trust_doc: Any,
    allow_doc: Any,
    make_client: Any,
    as_session: Any,
) -> None:
    """AWS's "Revoke active sessions": a Deny on aws:TokenIssueTime before a moment."""
    from datetime import UTC, datetime, timedelta

    alice = new_user("alice")
    role = new_role("revocable", trust_doc({"AWS": alice.arn}), policy=allow_doc("iam:ListUsers"))
    sts = make_client("sts", alice.key_id, alice.secret)
    old = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="old")
    cutoff = (datetime.now(UTC) + timedelta(seconds=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    revoke = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "Action": ["*"],
                "Resource": ["*"],
                "Condition": {"DateLessThan": {"aws:TokenIssueTime": cutoff}},
            }
        ],
    }
    iam.put_role_policy(
        RoleName="revocable", PolicyName="AWSRevokeOlderSessions", PolicyDocument=json.dumps(revoke)
    )
    with pytest.raises(ClientError) as excinfo:
        as_session("iam", old).list_users()
    code, message, _ = error_of(excinfo)
    assert code == "AccessDenied" and message.endswith(
        "with an explicit deny in an identity-based policy"
    )
    later = json.dumps(
        {
            **revoke,
            "Statement": [
                {
                    **revoke["Statement"][0],
                    "Condition": {"DateLessThan": {"aws:TokenIssueTime": "2000-01-01T00:00:00Z"}},
                }
            ],
        }
    )
    iam.put_role_policy(
        RoleName="revocable", PolicyName="AWSRevokeOlderSessions", PolicyDocument=later
    )
    as_session("iam", old).list_users()


def test_cross_account_needs_both_sides_and_external_id(
    server: Any, iam: Any, account: Any, new_role: Any, trust_doc: Any, allow_doc: Any
) -> None:
    other = server.new_account()
    other_iam = server.client("iam", other.access_key_id, other.secret_access_key)
    condition = {"StringEquals": {"sts:ExternalId": "ext-1"}}
    role = new_role(
        "partner",
        trust_doc({"AWS": other.account_id}, Condition=condition),
        policy=allow_doc("iam:ListRoles"),
    )
    other_iam.create_user(UserName="bea")
    key = other_iam.create_access_key(UserName="bea")["AccessKey"]
    bea = server.client("sts", key["AccessKeyId"], key["SecretAccessKey"])
    with pytest.raises(ClientError) as excinfo:  # B's policies do not allow it yet
        bea.assume_role(RoleArn=role["Arn"], RoleSessionName="s0", ExternalId="ext-1")
    assert error_of(excinfo)[0] == "AccessDenied"
    grant = allow_doc("sts:AssumeRole", role["Arn"])
    other_iam.put_user_policy(UserName="bea", PolicyName="p", PolicyDocument=grant)
    with pytest.raises(ClientError):  # the wrong external id
        bea.assume_role(RoleArn=role["Arn"], RoleSessionName="s0", ExternalId="nope")
    answer = bea.assume_role(RoleArn=role["Arn"], RoleSessionName="s0", ExternalId="ext-1")
    session = server.client(
        "sts",
        answer["Credentials"]["AccessKeyId"],
        answer["Credentials"]["SecretAccessKey"],
        answer["Credentials"]["SessionToken"],
    )
    assert session.get_caller_identity()["Account"] == account.account_id
    other_root = server.client("sts", other.access_key_id, other.secret_access_key)
    info = other_root.get_access_key_info(AccessKeyId=answer["Credentials"]["AccessKeyId"])
    assert info["Account"] == account.account_id


def test_cross_account_trust_must_name_the_caller(
    server: Any, new_role: Any, trust_doc: Any, allow_doc: Any, account: Any
) -> None:
    other = server.new_account()
    other_iam = server.client("iam", other.access_key_id, other.secret_access_key)
    role = new_role("private", trust_doc({"AWS": account.account_id}))
    other_iam.create_user(UserName="eve")
    other_iam.put_user_policy(UserName="eve", PolicyName="p", PolicyDocument=allow_doc("sts:*"))
    key = other_iam.create_access_key(UserName="eve")["AccessKey"]
    eve = server.client("sts", key["AccessKeyId"], key["SecretAccessKey"])
    with pytest.raises(ClientError) as excinfo:
        eve.assume_role(RoleArn=role["Arn"], RoleSessionName="s0")
    assert error_of(excinfo)[0] == "AccessDenied"
