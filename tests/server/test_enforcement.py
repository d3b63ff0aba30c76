"""Enforcement end to end: IAM users with real policies call a live server with boto3,
and every call is allowed or denied as AWS decides it — with AWS's AccessDenied words.

The policies are the IAM User Guide's own patterns: group and managed policies, an
explicit deny that wins, AWS managed IAMReadOnlyAccess and AdministratorAccess,
conditions on aws:SourceIp, aws:MultiFactorAuthPresent (Bool vs BoolIfExists),
aws:RequestTag and aws:TagKeys, iam:PermissionsBoundary ("delegate user creation only
with a boundary"), ``${aws:username}`` ("manage your own access keys"), and a
permissions boundary that limits an administrator.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from support import error_of

READ_ONLY = "arn:aws:iam::aws:policy/IAMReadOnlyAccess"
ADMINISTRATOR = "arn:aws:iam::aws:policy/AdministratorAccess"


def policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action: str | list[str], resource: str = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: str | list[str], resource: str = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


class Account:
    """The test's account: root's client, and clients for the users it creates."""

    def __init__(self, iam: Any, account_id: str, make_client: Callable[..., Any]) -> None:
        self.iam = iam
        self.id = account_id
        self.make_client = make_client

    def arn(self, kind: str, name: str, path: str = "/") -> str:
        return f"arn:aws:iam::{self.id}:{kind}{path}{name}"

    def user(self, name: str, *statements: dict[str, Any], path: str = "/") -> Any:
        """A user with an inline policy of ``statements`` (if any), and its client."""
        self.iam.create_user(UserName=name, Path=path)
        if statements:
            self.iam.put_user_policy(
                UserName=name, PolicyName="Inline", PolicyDocument=policy(*statements)
            )
        key = self.iam.create_access_key(UserName=name)["AccessKey"]
        return self.make_client("iam", key["AccessKeyId"], key["SecretAccessKey"])

    def denial(self, user: str, action: str, resource: str | None, tail: str) -> str:
        """AWS's AccessDenied message for ``user`` doing ``action`` on ``resource``."""
        on = f" on resource: {resource}" if resource else ""
        return f"User: {self.arn('user', user)} is not authorized to perform: {action}{on} {tail}"


def no_identity_allows(action: str) -> str:
    return f"because no identity-based policy allows the {action} action"


def no_boundary_allows(action: str) -> str:
    return f"because no permissions boundary allows the {action} action"


EXPLICIT_DENY = "with an explicit deny in an identity-based policy"


@pytest.fixture
def acct(iam: Any, account: Any, make_client: Callable[..., Any]) -> Account:
    return Account(iam, account.account_id, make_client)


def denied(call: Callable[..., Any], **params: Any) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as excinfo:
        call(**params)
    return error_of(excinfo)


# --- identity policies ---------------------------------------------------------------------


def test_an_inline_policy_allows_what_it_names_and_nothing_else(acct: Account) -> None:
    alice = acct.user("alice", allow("iam:ListUsers"))
    assert [u["UserName"] for u in alice.list_users()["Users"]] == ["alice"]
    assert denied(alice.create_user, UserName="bob") == (
        "AccessDenied",
        acct.denial(
            "alice", "iam:CreateUser", acct.arn("user", "bob"), no_identity_allows("iam:CreateUser")
        ),
        403,
    )


def test_a_user_without_policies_is_denied_everything(acct: Account) -> None:
    alice = acct.user("alice")
    code, message, status = denied(alice.list_users)
    assert (code, status) == ("AccessDenied", 403)
    assert message == acct.denial(
        "alice",
        "iam:ListUsers",
        f"arn:aws:iam::{acct.id}:user/",
        no_identity_allows("iam:ListUsers"),
    )


def test_an_attached_customer_managed_policy_allows(acct: Account) -> None:
    alice = acct.user("alice")
    managed = acct.iam.create_policy(
        PolicyName="Groups", PolicyDocument=policy(allow("iam:*Group*"))
    )
    acct.iam.attach_user_policy(UserName="alice", PolicyArn=managed["Policy"]["Arn"])
    alice.create_group(GroupName="devs")
    assert alice.get_group(GroupName="devs")["Group"]["GroupName"] == "devs"
    acct.iam.detach_user_policy(UserName="alice", PolicyArn=managed["Policy"]["Arn"])
    assert denied(alice.get_group, GroupName="devs")[0] == "AccessDenied"


def test_an_explicit_deny_wins_over_any_allow(acct: Account) -> None:
    alice = acct.user("alice", allow("iam:*"), deny("iam:DeleteUser"))
    acct.iam.create_user(UserName="bob")
    alice.get_user(UserName="bob")
    code, message, status = denied(alice.delete_user, UserName="bob")
    assert (code, status) == ("AccessDenied", 403)
    head = f"User: {acct.arn('user', 'alice')} is not authorized to perform: iam:DeleteUser on "
    assert message.startswith(head) and message.endswith(EXPLICIT_DENY)


def test_group_policies_apply_to_members_only_while_they_are_members(acct: Account) -> None:
    alice = acct.user("alice")
    acct.iam.create_group(GroupName="readers")
    acct.iam.put_group_policy(
        GroupName="readers", PolicyName="Read", PolicyDocument=policy(allow("iam:ListGroups"))
    )
    assert denied(alice.list_groups)[0] == "AccessDenied"
    acct.iam.add_user_to_group(GroupName="readers", UserName="alice")
    assert [g["GroupName"] for g in alice.list_groups()["Groups"]] == ["readers"]
    acct.iam.remove_user_from_group(GroupName="readers", UserName="alice")
    assert denied(alice.list_groups)[0] == "AccessDenied"


def test_a_deny_in_a_group_policy_wins_over_the_users_allow(acct: Account) -> None:
    alice = acct.user("alice", allow("iam:*"))
    acct.iam.create_group(GroupName="careful")
    acct.iam.put_group_policy(
        GroupName="careful", PolicyName="NoKeys", PolicyDocument=policy(deny("iam:*AccessKey*"))
    )
    acct.iam.add_user_to_group(GroupName="careful", UserName="alice")
    code, message, _ = denied(alice.list_access_keys)
    assert code == "AccessDenied" and message.endswith(EXPLICIT_DENY)


def test_aws_managed_read_only_access_reads_and_does_not_write(acct: Account) -> None:
    alice = acct.user("alice")
    acct.iam.attach_user_policy(UserName="alice", PolicyArn=READ_ONLY)
    assert alice.get_user(UserName="alice")["User"]["UserName"] == "alice"
    assert alice.list_attached_user_policies(UserName="alice")["AttachedPolicies"]
    assert alice.get_account_summary()["SummaryMap"]["Users"] == 1
    assert denied(alice.create_user, UserName="bob")[1] == acct.denial(
        "alice", "iam:CreateUser", acct.arn("user", "bob"), no_identity_allows("iam:CreateUser")
    )


def test_aws_managed_administrator_access_does_everything(acct: Account) -> None:
    alice = acct.user("alice")
    acct.iam.attach_user_policy(UserName="alice", PolicyArn=ADMINISTRATOR)
    alice.create_user(UserName="bob")
    alice.attach_user_policy(UserName="bob", PolicyArn=READ_ONLY)
    alice.detach_user_policy(UserName="bob", PolicyArn=READ_ONLY)
    alice.delete_user(UserName="bob")


# --- conditions ----------------------------------------------------------------------------


def test_aws_source_ip_is_the_clients_address(acct: Account) -> None:
    loopback = acct.user(
        "local", allow("iam:ListUsers", Condition={"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}})
    )
    assert loopback.list_users()["Users"]
    office = acct.user(
        "office", allow("iam:ListUsers", Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})
    )
    assert denied(office.list_users)[1].endswith(no_identity_allows("iam:ListUsers"))


def test_deny_unless_from_the_office_network(acct: Account) -> None:
    """IAM User Guide: "AWS: Denies access to AWS based on the source IP"."""
    alice = acct.user(
        "alice",
        allow("iam:*"),
        deny("*", Condition={"NotIpAddress": {"aws:SourceIp": ["192.0.2.0/24", "203.0.113.0/24"]}}),
    )
    assert denied(alice.list_users)[1].endswith(EXPLICIT_DENY)


def test_mfa_deny_with_bool_if_exists_blocks_long_term_keys(acct: Account) -> None:
    """Long-term access keys carry no aws:MultiFactorAuthPresent: ...IfExists denies them."""
    alice = acct.user(
        "alice",
        allow("iam:*"),
        deny("iam:*", Condition={"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}),
    )
    assert denied(alice.list_users)[1].endswith(EXPLICIT_DENY)


def test_mfa_deny_with_plain_bool_lets_long_term_keys_through(acct: Account) -> None:
    """The documented pitfall: a missing key makes Bool false, so the Deny never applies."""
    alice = acct.user(
        "alice",
        allow("iam:ListUsers"),
        deny("iam:*", Condition={"Bool": {"aws:MultiFactorAuthPresent": "false"}}),
    )
    assert alice.list_users()["Users"]


def test_mfa_required_allow_denies_long_term_keys(acct: Account) -> None:
    alice = acct.user(
        "alice", allow("iam:ListUsers", Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}})
    )
    assert denied(alice.list_users)[1].endswith(no_identity_allows("iam:ListUsers"))


TAGGED_CREATE = allow(
    ["iam:CreateUser", "iam:TagUser"],
    Condition={
        "StringEquals": {"aws:RequestTag/team": ["red", "blue"]},
        "ForAllValues:StringEquals": {"aws:TagKeys": ["team"]},
    },
)


def test_request_tags_and_tag_keys_control_create_user(acct: Account) -> None:
    alice = acct.user("alice", TAGGED_CREATE)
    alice.create_user(UserName="ok", Tags=[{"Key": "team", "Value": "red"}])
    assert acct.iam.list_user_tags(UserName="ok")["Tags"] == [{"Key": "team", "Value": "red"}]
    for tags in (
        [{"Key": "team", "Value": "green"}],  # a value not allowed
        [{"Key": "team", "Value": "red"}, {"Key": "cost", "Value": "1"}],  # a key not allowed
        [],  # no team tag at all
    ):
        message = denied(alice.create_user, UserName="nope", Tags=tags)[1]
        assert message == acct.denial(
            "alice",
            "iam:CreateUser",
            acct.arn("user", "nope"),
            no_identity_allows("iam:CreateUser"),
        )
    assert denied(acct.iam.get_user, UserName="nope")[0] == "NoSuchEntity"


def test_create_user_with_tags_needs_tag_user_too(acct: Account) -> None:
    alice = acct.user("alice", allow("iam:CreateUser"))
    alice.create_user(UserName="untagged")
    message = denied(alice.create_user, UserName="tagged", Tags=[{"Key": "team", "Value": "red"}])[
        1
    ]
    assert message == acct.denial(
        "alice", "iam:TagUser", acct.arn("user", "tagged"), no_identity_allows("iam:TagUser")
    )


def test_tag_keys_limit_what_tag_user_may_add(acct: Account) -> None:
    acct.iam.create_user(UserName="bob")
    alice = acct.user(
        "alice",
        allow("iam:TagUser", Condition={"ForAllValues:StringEquals": {"aws:TagKeys": ["team"]}}),
    )
    alice.tag_user(UserName="bob", Tags=[{"Key": "team", "Value": "red"}])
    message = denied(alice.tag_user, UserName="bob", Tags=[{"Key": "boss", "Value": "1"}])[1]
    assert message.endswith(no_identity_allows("iam:TagUser"))


def delegation_policy(account_id: str) -> tuple[dict[str, Any], ...]:
    """The IAM User Guide's "delegate user creation only with a boundary" statements."""
    boundary = f"arn:aws:iam::{account_id}:policy/DeveloperBoundary"
    return (
        allow(
            ["iam:CreateUser", "iam:PutUserPermissionsBoundary"],
            Condition={"StringEquals": {"iam:PermissionsBoundary": boundary}},
        ),
        deny(
            "iam:DeleteUserPermissionsBoundary",
            Condition={"StringEquals": {"iam:PermissionsBoundary": boundary}},
        ),
        allow(["iam:GetUser", "iam:ListUsers"]),
    )


def test_user_creation_delegated_only_with_the_boundary(acct: Account) -> None:
    boundary = acct.iam.create_policy(
        PolicyName="DeveloperBoundary", PolicyDocument=policy(allow("s3:*"))
    )["Policy"]["Arn"]
    other = acct.iam.create_policy(PolicyName="Other", PolicyDocument=policy(allow("*")))
    admin = acct.user("admin", *delegation_policy(acct.id))
    created = admin.create_user(UserName="dev", PermissionsBoundary=boundary)["User"]
    assert created["PermissionsBoundary"]["PermissionsBoundaryArn"] == boundary
    unbounded = acct.denial(
        "admin", "iam:CreateUser", acct.arn("user", "free"), no_identity_allows("iam:CreateUser")
    )
    assert denied(admin.create_user, UserName="free")[1] == unbounded
    other_arn = other["Policy"]["Arn"]
    assert denied(admin.create_user, UserName="free", PermissionsBoundary=other_arn)[1] == unbounded
    assert denied(acct.iam.get_user, UserName="free")[0] == "NoSuchEntity"


def test_own_access_keys_with_aws_username(acct: Account) -> None:
    """IAM User Guide: "IAM: Allows IAM users to manage their own access keys"."""
    own = "arn:aws:iam::*:user/${aws:username}"
    alice = acct.user(
        "alice",
        allow(
            ["iam:CreateAccessKey", "iam:DeleteAccessKey", "iam:ListAccessKeys",
             "iam:UpdateAccessKey", "iam:GetAccessKeyLastUsed"],
            own,
        ),
    )  # fmt: skip
    acct.iam.create_user(UserName="bob")
    assert len(alice.list_access_keys()["AccessKeyMetadata"]) == 1  # no UserName: herself
    second = alice.create_access_key(UserName="alice")["AccessKey"]
    alice.update_access_key(AccessKeyId=second["AccessKeyId"], Status="Inactive")
    alice.delete_access_key(AccessKeyId=second["AccessKeyId"])
    message = denied(alice.list_access_keys, UserName="bob")[1]
    assert message.endswith(no_identity_allows("iam:ListAccessKeys"))
    assert denied(alice.create_access_key, UserName="bob")[0] == "AccessDenied"


# --- permissions boundaries ----------------------------------------------------------------


def test_a_boundary_limits_an_administrator(acct: Account) -> None:
    boundary = acct.iam.create_policy(
        PolicyName="ReadOnlyBoundary", PolicyDocument=policy(allow(["iam:Get*", "iam:List*"]))
    )["Policy"]["Arn"]
    alice = acct.user("alice")
    acct.iam.attach_user_policy(UserName="alice", PolicyArn=ADMINISTRATOR)
    alice.create_user(UserName="before")
    acct.iam.put_user_permissions_boundary(UserName="alice", PermissionsBoundary=boundary)
    assert alice.get_user(UserName="before")["User"]["UserName"] == "before"
    assert denied(alice.create_user, UserName="after") == (
        "AccessDenied",
        acct.denial(
            "alice",
            "iam:CreateUser",
            acct.arn("user", "after"),
            no_boundary_allows("iam:CreateUser"),
        ),
        403,
    )
    acct.iam.delete_user_permissions_boundary(UserName="alice")
    alice.create_user(UserName="after")


def test_a_boundary_grants_nothing_by_itself(acct: Account) -> None:
    boundary = acct.iam.create_policy(PolicyName="All", PolicyDocument=policy(allow("*")))
    alice = acct.user("alice")
    acct.iam.put_user_permissions_boundary(
        UserName="alice", PermissionsBoundary=boundary["Policy"]["Arn"]
    )
    assert denied(alice.list_users)[1].endswith(no_identity_allows("iam:ListUsers"))


# --- what a denied caller can learn --------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "params"),
    [
        ("get_user", {}),
        ("delete_user", {}),
        ("list_access_keys", {}),
        ("list_user_policies", {}),
        ("get_login_profile", {}),
    ],
)
def test_a_denied_caller_cannot_tell_existing_users_from_missing_ones(
    acct: Account, method: str, params: dict[str, Any]
) -> None:
    acct.iam.create_user(UserName="bob")
    alice = acct.user("alice", allow("iam:ListGroups"))
    answers = {}
    for name in ("bob", "nobody"):
        code, message, status = denied(getattr(alice, method), UserName=name, **params)
        answers[name] = (code, message.replace(name, "<name>"), status)
    assert answers["bob"] == answers["nobody"]
    assert answers["bob"][0] == "AccessDenied"


def test_a_denied_caller_cannot_tell_existing_roles_or_policies(acct: Account) -> None:
    trust = policy(
        {
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    )
    acct.iam.create_role(RoleName="app", AssumeRolePolicyDocument=trust)
    real = acct.iam.create_policy(PolicyName="Real", PolicyDocument=policy(allow("s3:*")))
    alice = acct.user("alice")
    role_answers = {
        name: denied(alice.get_role, RoleName=name)[1].replace(name, "<name>")
        for name in ("app", "ghost")
    }
    assert role_answers["app"] == role_answers["ghost"]
    missing = real["Policy"]["Arn"].replace("Real", "Ghost")
    policy_answers = {
        arn: denied(alice.get_policy, PolicyArn=arn)[1].replace(arn, "<arn>")
        for arn in (real["Policy"]["Arn"], missing)
    }
    assert len(set(policy_answers.values())) == 1


# AWS names an IAM user or role it was asked about by name as "user <name>"
# ("… iam:ListAccessKeys on resource: user bob because …"), not by its ARN, while
# CreateUser and CreateRole name the new ARN: a denied caller learns nothing of
# whether, or under which path, the entity exists.
@pytest.mark.parametrize(
    ("method", "action"),
    [
        ("get_user", "iam:GetUser"),
        ("list_access_keys", "iam:ListAccessKeys"),
        ("list_user_policies", "iam:ListUserPolicies"),
    ],
)
def test_denials_name_a_user_asked_about_by_name_as_aws_does(
    acct: Account, method: str, action: str
) -> None:
    acct.iam.create_user(UserName="bob", Path="/team/")
    alice = acct.user("alice")
    message = denied(getattr(alice, method), UserName="bob")[1]
    assert message == acct.denial("alice", action, "user bob", no_identity_allows(action))


def test_a_path_does_not_betray_an_existing_user(acct: Account) -> None:
    """A user under /team/ answers a denied GetUser exactly as a missing user does."""
    acct.iam.create_user(UserName="hidden", Path="/team/")
    alice = acct.user("alice")
    existing = denied(alice.get_user, UserName="hidden")[1].replace("hidden", "<name>")
    missing = denied(alice.get_user, UserName="ghost")[1].replace("ghost", "<name>")
    assert existing == missing
