"""Every key any applicable policy reads is there: boundary, session and trust too.

A resource's tags are resolved when a policy asks about them, whichever policy that
is, never from a guess about which policies might; and a NotPrincipal Deny spares no
caller that has a permissions boundary, as AWS documents.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from authz.test_stored_entities import denied
from server.test_enforcement import Account, allow, deny, policy


@pytest.fixture
def acct(iam: Any, account: Any, make_client: Callable[..., Any]) -> Account:
    return Account(iam, account.account_id, make_client)


def protected(key: str = "aws:ResourceTag/protected") -> dict[str, Any]:
    return deny("iam:*", Condition={"StringEquals": {key: "yes"}})


@pytest.mark.parametrize("key", ["aws:ResourceTag/protected", "iam:ResourceTag/Protected"])
def test_a_boundary_reads_the_resource_tags(acct: Account, key: str) -> None:
    acct.iam.create_user(UserName="guarded", Tags=[{"Key": "protected", "Value": "yes"}])
    acct.iam.create_user(UserName="open")
    boundary = acct.iam.create_policy(
        PolicyName="Guard", PolicyDocument=policy(allow("*"), protected(key))
    )["Policy"]["Arn"]
    ops = acct.user("ops", allow("iam:*"))
    acct.iam.put_user_permissions_boundary(UserName="ops", PermissionsBoundary=boundary)
    message = denied(ops.create_access_key, UserName="guarded")
    assert "with an explicit deny in a permissions boundary" in message
    ops.create_access_key(UserName="open")


def trust(account_id: str) -> str:
    principal = {"AWS": f"arn:aws:iam::{account_id}:root"}
    return policy({"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"})


def clients(acct: Account, name: str, *statements: dict[str, Any]) -> tuple[Any, Any]:
    """A user with an inline policy, and its (iam, sts) clients."""
    acct.iam.create_user(UserName=name)
    acct.iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=policy(*statements))
    key = acct.iam.create_access_key(UserName=name)["AccessKey"]
    secret = (key["AccessKeyId"], key["SecretAccessKey"])
    return acct.make_client("iam", *secret), acct.make_client("sts", *secret)


def as_session(acct: Account, credentials: dict[str, Any]) -> Any:
    return acct.make_client(
        "iam",
        credentials["AccessKeyId"],
        credentials["SecretAccessKey"],
        credentials["SessionToken"],
    )


def test_a_session_policy_reads_the_resource_tags(acct: Account) -> None:
    tags = [{"Key": "protected", "Value": "yes"}]
    acct.iam.create_role(RoleName="tagged", Tags=tags, AssumeRolePolicyDocument=trust(acct.id))
    worker = acct.iam.create_role(RoleName="worker", AssumeRolePolicyDocument=trust(acct.id))
    acct.iam.put_role_policy(RoleName="worker", PolicyName="all", PolicyDocument=policy(allow("*")))
    _, sts = clients(acct, "caller", allow("sts:AssumeRole"))
    session = sts.assume_role(
        RoleArn=worker["Role"]["Arn"], RoleSessionName="s1", Policy=policy(allow("*"), protected())
    )["Credentials"]
    iam = as_session(acct, session)
    message = denied(iam.delete_role_policy, RoleName="tagged", PolicyName="none")
    assert "with an explicit deny in a session policy" in message
    assert iam.list_role_policies(RoleName="worker")["PolicyNames"] == ["all"]


@pytest.mark.parametrize("key", ["aws:ResourceTag/sensitive", "iam:ResourceTag/sensitive"])
def test_assume_role_reads_the_role_tags(acct: Account, key: str) -> None:
    tags = [{"Key": "sensitive", "Value": "true"}]
    secret = acct.iam.create_role(
        RoleName="secret", Tags=tags, AssumeRolePolicyDocument=trust(acct.id)
    )["Role"]["Arn"]
    plain = acct.iam.create_role(RoleName="plain", AssumeRolePolicyDocument=trust(acct.id))
    no_sensitive = {"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "*"}
    no_sensitive["Condition"] = {"StringEquals": {key: "true"}}
    _, sts = clients(acct, "caller", allow("sts:AssumeRole"), no_sensitive)
    message = denied(sts.assume_role, RoleArn=secret, RoleSessionName="s1")
    assert f"sts:AssumeRole on resource: {secret}" in message
    sts.assume_role(RoleArn=plain["Role"]["Arn"], RoleSessionName="s1")


def test_a_trust_policy_reads_the_role_tags(acct: Account) -> None:
    trusting = policy(
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{acct.id}:root"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:ResourceTag/open": "yes"}},
        }
    )
    role = acct.iam.create_role(RoleName="gated", AssumeRolePolicyDocument=trusting)["Role"]
    _, sts = clients(acct, "caller", allow("sts:AssumeRole"))
    denied(sts.assume_role, RoleArn=role["Arn"], RoleSessionName="s1")
    acct.iam.tag_role(RoleName="gated", Tags=[{"Key": "open", "Value": "yes"}])
    sts.assume_role(RoleArn=role["Arn"], RoleSessionName="s1")


def test_not_principal_deny_spares_no_caller_with_a_boundary(acct: Account) -> None:
    acct.iam.create_user(UserName="reader")
    acct.iam.put_user_policy(
        UserName="reader", PolicyName="p", PolicyDocument=policy(allow("s3:GetObject"))
    )
    reader = acct.arn("user", "reader")
    bucket_policy = policy(
        {
            "Effect": "Deny",
            "NotPrincipal": {"AWS": [reader, f"arn:aws:iam::{acct.id}:root"]},
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::bucket/*",
        }
    )

    def decision() -> str:
        results = acct.iam.simulate_principal_policy(
            PolicySourceArn=reader,
            ActionNames=["s3:GetObject"],
            ResourceArns=["arn:aws:s3:::bucket/key"],
            ResourcePolicy=bucket_policy,
        )["EvaluationResults"]
        return str(results[0]["EvalDecision"])

    assert decision() == "allowed"
    boundary = acct.iam.create_policy(PolicyName="b", PolicyDocument=policy(allow("s3:*")))
    acct.iam.put_user_permissions_boundary(
        UserName="reader", PermissionsBoundary=boundary["Policy"]["Arn"]
    )
    assert decision() == "explicitDeny"
