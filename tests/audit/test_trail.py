"""The trail, driven through boto3: every call one CloudTrail record, with its reasons.

A write's event commits with the write (visible the moment the call returns); reads,
failures and refusals are batched and show up within the flush interval.
"""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from botocore.exceptions import ClientError

from audit.conftest import Trail, allow, deny, document
from support import IamdServer, RootCredential

DATE = re.compile(r"^[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}:\d{2} [AP]M$")


def test_a_write_and_its_event_commit_together(iam: Any, trail: Trail, account: Any) -> None:
    answer = iam.create_user(UserName="alice", Tags=[{"Key": "team", "Value": "blue"}])
    # No waiting: the event was committed in the CreateUser transaction.
    (event,) = trail.named("CreateUser")
    record = json.loads(event["CloudTrailEvent"])
    assert event["Username"] == "root" and event["ReadOnly"] == "false"
    assert event["Resources"] == [{"ResourceType": "AWS::IAM::User", "ResourceName": "alice"}]
    assert record["eventVersion"] == "1.11"
    assert record["userIdentity"] == {
        "type": "Root",
        "principalId": account.account_id,
        "arn": f"arn:aws:iam::{account.account_id}:root",
        "accountId": account.account_id,
        "accessKeyId": account.access_key_id,
    }
    assert (record["eventSource"], record["eventName"]) == ("iam.amazonaws.com", "CreateUser")
    assert record["awsRegion"] == "us-east-1" and record["sourceIPAddress"] == "127.0.0.1"
    assert "Boto3" in record["userAgent"]
    assert record["requestParameters"] == {
        "userName": "alice",
        "tags": [{"key": "team", "value": "blue"}],
    }
    user = record["responseElements"]["user"]
    assert user["userId"] == answer["User"]["UserId"] and DATE.match(user["createDate"])
    assert record["requestID"] == answer["ResponseMetadata"]["RequestId"]
    assert record["eventID"] == event["EventId"]
    assert (record["readOnly"], record["eventType"], record["managementEvent"]) == (
        False,
        "AwsApiCall",
        True,
    )
    assert record["recipientAccountId"] == account.account_id
    assert record["eventCategory"] == "Management"
    assert record["iamdDecision"]["decision"] == "allowed"


def test_a_read_is_recorded_without_its_answer(iam: Any, trail: Trail) -> None:
    iam.create_user(UserName="reader")
    iam.get_user(UserName="reader")
    (record,) = trail.wait_for("GetUser")
    assert record["readOnly"] is True
    assert record["requestParameters"] == {"userName": "reader"}
    assert record["responseElements"] is None  # CloudTrail keeps no answers of reads


def test_every_read_of_a_burst_is_recorded_once(iam: Any, trail: Trail) -> None:
    """A batch of any size is written whole (in statements of 128, 64, 32 … rows)."""
    iam.create_user(UserName="burst")
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: iam.get_user(UserName="burst"), range(300)))
    request_ids = [answer["ResponseMetadata"]["RequestId"] for answer in answers]
    records = trail.wait_for("GetUser", count=300)
    assert sorted(record["requestID"] for record in records) == sorted(request_ids)


def test_a_failed_call_records_the_modelled_error(iam: Any, trail: Trail) -> None:
    with pytest.raises(ClientError):
        iam.delete_user(UserName="nobody")
    (record,) = trail.wait_for("DeleteUser")
    assert record["errorCode"] == "NoSuchEntityException"
    assert record["errorMessage"] == "The user with name nobody cannot be found."
    assert record["responseElements"] is None


def test_secrets_are_never_written_down(
    server: IamdServer, iam: Any, trail: Trail, account: Any
) -> None:
    secrets: list[str] = []
    iam.create_user(UserName="holder")
    key = iam.create_access_key(UserName="holder")["AccessKey"]
    secrets.append(key["SecretAccessKey"])
    password, new_password = "Initial-Passw0rd!", "Changed-Passw0rd!"
    iam.create_login_profile(UserName="holder", Password=password)
    iam.update_login_profile(UserName="holder", Password=new_password + "x")
    secrets += [password, new_password + "x"]
    trust = document({"Effect": "Allow", "Principal": {"AWS": account.account_id}, "Action": "*"})
    role = iam.create_role(RoleName="vault", AssumeRolePolicyDocument=trust)["Role"]
    iam.put_user_policy(
        UserName="holder", PolicyName="assume", PolicyDocument=document(allow("sts:AssumeRole"))
    )
    sts = server.client("sts", key["AccessKeyId"], key["SecretAccessKey"])
    credentials = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="ss")["Credentials"]
    secrets += [credentials["SecretAccessKey"], credentials["SessionToken"]]
    session = sts.get_session_token()["Credentials"]
    secrets += [session["SecretAccessKey"], session["SessionToken"]]
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="token")["VirtualMFADevice"]
    secrets.append(device["Base32StringSeed"].decode())

    assume = trail.wait_for("AssumeRole")[0]
    assert set(assume["responseElements"]["credentials"]) == {"accessKeyId", "expiration"}
    trail.wait_for("GetSessionToken")
    text = json.dumps([e["CloudTrailEvent"] for e in trail.events()])
    assert [secret for secret in secrets if secret in text] == []
    (created,) = trail.named("CreateAccessKey")
    element = json.loads(created["CloudTrailEvent"])["responseElements"]["accessKey"]
    assert set(element) == {"userName", "accessKeyId", "status", "createDate"}
    (profile,) = trail.named("CreateLoginProfile")
    assert json.loads(profile["CloudTrailEvent"])["requestParameters"] == {"userName": "holder"}


def _user_client(server: IamdServer, iam: Any, name: str) -> Any:
    iam.create_user(UserName=name)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return server.client("iam", key["AccessKeyId"], key["SecretAccessKey"])


def test_the_decision_names_the_statement_that_allowed(
    server: IamdServer, iam: Any, trail: Trail, account: Any
) -> None:
    alice = _user_client(server, iam, "alice")
    iam.create_group(GroupName="ops")
    iam.add_user_to_group(GroupName="ops", UserName="alice")
    grant = document({"Sid": "MakeUsers", **allow("iam:CreateUser")})
    iam.put_group_policy(GroupName="ops", PolicyName="makers", PolicyDocument=grant)
    alice.create_user(UserName="bob")
    (record,) = [
        r for r in trail.wait_for("CreateUser", 2) if r["userIdentity"].get("userName") == "alice"
    ]
    assert record["userIdentity"]["type"] == "IAMUser"
    (evaluation,) = record["iamdDecision"]["evaluations"]
    assert evaluation["action"] == "iam:CreateUser"
    assert evaluation["resource"] == f"arn:aws:iam::{account.account_id}:user/bob"
    assert (evaluation["decision"], evaluation["decidedBy"]) == ("allowed", "identity-based")
    (statement,) = evaluation["statements"]
    assert statement == {
        "policy": "makers",
        "policyKind": "inline",
        "owner": "group/ops",
        "source": "identity-based",
        "effect": "Allow",
        "sid": "MakeUsers",
        "index": 0,
        "line": statement["line"],
        "column": statement["column"],
    }


def test_the_decision_names_a_managed_policy_and_its_version(
    server: IamdServer, iam: Any, trail: Trail
) -> None:
    carol = _user_client(server, iam, "carol")
    first = document(allow("iam:ListGroups"))
    policy = iam.create_policy(PolicyName="lister", PolicyDocument=first)["Policy"]
    second = document(deny("iam:ListRoles"), allow("iam:ListUsers"))
    iam.create_policy_version(PolicyArn=policy["Arn"], PolicyDocument=second, SetAsDefault=True)
    iam.attach_user_policy(UserName="carol", PolicyArn=policy["Arn"])
    carol.list_users()
    with pytest.raises(ClientError):
        carol.list_roles()
    (allowed,) = trail.wait_for("ListUsers", where=lambda r: "errorCode" not in r)
    statement = allowed["iamdDecision"]["evaluations"][0]["statements"][0]
    assert (statement["policy"], statement["versionId"], statement["index"]) == (
        policy["Arn"],
        "v2",
        1,
    )
    (denied,) = trail.wait_for("ListRoles")
    assert denied["errorCode"] == "AccessDenied"
    assert denied["errorMessage"].startswith("User: arn:aws:iam::")
    assert denied["iamdDecision"]["decision"] == "denied"
    (evaluation,) = denied["iamdDecision"]["evaluations"]
    assert evaluation["decision"] == "explicitDeny"
    assert evaluation["statements"][0]["effect"] == "Deny"


def test_a_boundary_that_caps_a_call_is_named(server: IamdServer, iam: Any, trail: Trail) -> None:
    dave = _user_client(server, iam, "dave")
    iam.put_user_policy(UserName="dave", PolicyName="all", PolicyDocument=document(allow("*")))
    boundary = iam.create_policy(
        PolicyName="reads-only", PolicyDocument=document(allow("iam:Get*"))
    )["Policy"]
    iam.put_user_permissions_boundary(UserName="dave", PermissionsBoundary=boundary["Arn"])
    with pytest.raises(ClientError):
        dave.create_group(GroupName="nope")
    (record,) = trail.wait_for("CreateGroup")
    (evaluation,) = record["iamdDecision"]["evaluations"]
    assert evaluation["decision"] == "implicitDeny"
    assert evaluation["decidedBy"] == "permissions boundary"
    assert evaluation["statements"] == []
    assert evaluation["limitedBy"] == [
        {"policy": boundary["Arn"], "policyKind": "permissions boundary", "versionId": "v1"}
    ]


def test_a_failed_signature_is_recorded_in_the_keys_account(
    server: IamdServer, iam: Any, trail: Trail, account: Any
) -> None:
    iam.create_user(UserName="mallory")
    key = iam.create_access_key(UserName="mallory")["AccessKey"]
    forged = server.client("iam", key["AccessKeyId"], "not-the-secret-at-all-0123456789abcdefg")
    with pytest.raises(ClientError):
        forged.list_users()
    (record,) = trail.wait_for("ListUsers")
    assert record["errorCode"] == "SignatureDoesNotMatch"
    assert record["userIdentity"] == {
        "type": "Unknown",
        "accessKeyId": key["AccessKeyId"],
        "accountId": account.account_id,
    }
    assert record["iamdDecision"] == {"decision": "notEvaluated", "evaluations": []}


def test_cross_account_assume_role_is_recorded_in_both_accounts(
    server: IamdServer, iam: Any, trail: Trail, trail_of: Any, account: RootCredential
) -> None:
    other = server.new_account()
    other_iam = server.client("iam", other.access_key_id, other.secret_access_key)
    trust = document(
        {"Effect": "Allow", "Principal": {"AWS": account.account_id}, "Action": "sts:AssumeRole"}
    )
    role = other_iam.create_role(RoleName="shared", AssumeRolePolicyDocument=trust)["Role"]
    alice = iam.create_user(UserName="alice")["User"]
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    iam.put_user_policy(
        UserName="alice", PolicyName="hop", PolicyDocument=document(allow("sts:AssumeRole"))
    )
    sts = server.client("sts", key["AccessKeyId"], key["SecretAccessKey"])
    answer = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="visit")

    (mine,) = trail.named("AssumeRole")
    (theirs,) = trail_of(other).named("AssumeRole")
    mine_record, theirs_record = (json.loads(e["CloudTrailEvent"]) for e in (mine, theirs))
    assert mine_record["sharedEventID"] == theirs_record["sharedEventID"]
    assert mine_record["eventID"] != theirs_record["eventID"]
    assert mine_record["recipientAccountId"] == account.account_id
    assert theirs_record["recipientAccountId"] == other.account_id
    assert theirs_record["userIdentity"]["arn"] == alice["Arn"]
    assert theirs_record["resources"] == [
        {"accountId": other.account_id, "type": "AWS::IAM::Role", "ARN": role["Arn"]}
    ]
    statements = theirs_record["iamdDecision"]["evaluations"][0]["statements"]
    assert {s["policyKind"] for s in statements} == {"inline", "trust policy"}

    # The session's own calls name the role that issued it.
    session_iam = server.client(
        "iam",
        answer["Credentials"]["AccessKeyId"],
        answer["Credentials"]["SecretAccessKey"],
        answer["Credentials"]["SessionToken"],
    )
    with pytest.raises(ClientError):
        session_iam.list_users()
    (listed,) = trail_of(other).wait_for("ListUsers")
    identity = listed["userIdentity"]
    assert identity["type"] == "AssumedRole"
    assert identity["principalId"] == f"{role['RoleId']}:visit"
    assert identity["sessionContext"]["sessionIssuer"] == {
        "type": "Role",
        "principalId": role["RoleId"],
        "arn": role["Arn"],
        "accountId": other.account_id,
        "userName": "shared",
    }
    assert identity["sessionContext"]["attributes"]["mfaAuthenticated"] == "false"


def test_an_iam_call_naming_another_accounts_arn_stays_in_the_callers_history(
    server: IamdServer, iam: Any, trail: Trail, trail_of: Any, account: RootCredential
) -> None:
    other = server.new_account()
    other_iam = server.client("iam", other.access_key_id, other.secret_access_key)
    policy = other_iam.create_policy(PolicyName="theirs", PolicyDocument=document(allow("*")))
    with pytest.raises(ClientError):
        iam.get_policy(PolicyArn=policy["Policy"]["Arn"])
    (record,) = trail.wait_for("GetPolicy")
    assert record["recipientAccountId"] == account.account_id and "sharedEventID" not in record
    assert trail_of(other).named("GetPolicy") == []
