"""Managed policy attachments and permissions boundaries through boto3 against a live server."""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from botocore.exceptions import ClientError

from support import error_of

POLICY = json.dumps(
    {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}}
)
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": {
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
        },
    }
)
AWS_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonElasticMapReduceforEC2Role"
KINDS = ("user", "group", "role")


def make(iam: Any, kind: str, name: str, **extra: Any) -> None:
    if kind == "user":
        iam.create_user(UserName=name, **extra)
    elif kind == "group":
        iam.create_group(GroupName=name, **extra)
    else:
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST, **extra)


def call(iam: Any, verb: str, kind: str, name: str, **params: Any) -> Any:
    """``call(iam, "attach", "user", "alice", PolicyArn=…)`` → attach_user_policy(UserName=…)."""
    method = {
        "attach": f"attach_{kind}_policy",
        "detach": f"detach_{kind}_policy",
        "list": f"list_attached_{kind}_policies",
    }[verb]
    return getattr(iam, method)(**{f"{kind.capitalize()}Name": name}, **params)


@pytest.mark.parametrize("kind", KINDS)
def test_attach_list_detach(iam: Any, account: Any, kind: str) -> None:
    make(iam, kind, "p1")
    arn = iam.create_policy(PolicyName="mine", PolicyDocument=POLICY)["Policy"]["Arn"]
    empty = call(iam, "list", kind, "p1")
    assert (empty["AttachedPolicies"], empty["IsTruncated"]) == ([], False)
    call(iam, "attach", kind, "p1", PolicyArn=arn)
    call(iam, "attach", kind, "p1", PolicyArn=arn)  # again: no change
    call(iam, "attach", kind, "p1", PolicyArn=AWS_POLICY)
    listed = call(iam, "list", kind, "p1")
    assert listed["AttachedPolicies"] == [
        {"PolicyName": "AmazonElasticMapReduceforEC2Role", "PolicyArn": AWS_POLICY},
        {"PolicyName": "mine", "PolicyArn": arn},
    ]
    assert iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"] == 1
    service_roles = call(iam, "list", kind, "p1", PathPrefix="/service-role/")
    assert [p["PolicyArn"] for p in service_roles["AttachedPolicies"]] == [AWS_POLICY]

    call(iam, "detach", kind, "p1", PolicyArn=AWS_POLICY)
    with pytest.raises(ClientError) as excinfo:
        call(iam, "detach", kind, "p1", PolicyArn=AWS_POLICY)
    assert error_of(excinfo) == ("NoSuchEntity", f"Policy {AWS_POLICY} was not found.", 404)
    call(iam, "detach", kind, "p1", PolicyArn=arn)
    assert call(iam, "list", kind, "p1")["AttachedPolicies"] == []
    assert iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"] == 0


@pytest.mark.parametrize("kind", KINDS)
def test_attach_errors(iam: Any, account: Any, kind: str) -> None:
    make(iam, kind, "p1")
    missing = f"arn:aws:iam::{account.account_id}:policy/nonexistent"
    with pytest.raises(ClientError) as excinfo:
        call(iam, "attach", kind, "p1", PolicyArn=missing)
    assert error_of(excinfo) == (
        "NoSuchEntity",
        f"Policy {missing} does not exist or is not attachable.",
        404,
    )
    for bad in ("longpolicynamebutnoarn", "my-policy-name-only-long"):
        with pytest.raises(ClientError) as excinfo:
            call(iam, "attach", kind, "p1", PolicyArn=bad)
        assert error_of(excinfo) == ("ValidationError", f"ARN {bad} is not valid.", 400)
    with pytest.raises(ClientError) as excinfo:
        call(iam, "attach", kind, "nobody", PolicyArn=AWS_POLICY)
    assert error_of(excinfo) == (
        "NoSuchEntity",
        f"The {kind} with name nobody cannot be found.",
        404,
    )


def test_service_role_policies_are_not_attachable(iam: Any) -> None:
    make(iam, "role", "r")
    arn = "arn:aws:iam::aws:policy/aws-service-role/AmazonElasticsearchServiceRolePolicy"
    with pytest.raises(ClientError) as excinfo:
        iam.attach_role_policy(RoleName="r", PolicyArn=arn)
    assert error_of(excinfo) == (
        "PolicyNotAttachable",
        "Cannot attach a Service Role Policy to a Customer Role.",
        400,
    )


@pytest.mark.parametrize(
    ("kind", "quota"),
    [("user", "PoliciesPerUser"), ("group", "PoliciesPerGroup"), ("role", "PoliciesPerRole")],
)
def test_at_most_ten_policies(iam: Any, kind: str, quota: str) -> None:
    make(iam, kind, "p1")
    arns = [
        iam.create_policy(PolicyName=f"p{i:02}", PolicyDocument=POLICY)["Policy"]["Arn"]
        for i in range(11)
    ]
    for arn in arns[:10]:
        call(iam, "attach", kind, "p1", PolicyArn=arn)
    call(iam, "attach", kind, "p1", PolicyArn=arns[0])  # already attached: still fine
    with pytest.raises(ClientError) as excinfo:
        call(iam, "attach", kind, "p1", PolicyArn=arns[10])
    assert error_of(excinfo) == ("LimitExceeded", f"Cannot exceed quota for {quota}: 10", 409)
    first = call(iam, "list", kind, "p1", MaxItems=4)
    assert first["IsTruncated"] is True
    names = [p["PolicyName"] for p in first["AttachedPolicies"]]
    marker = first["Marker"]
    while marker:
        page = call(iam, "list", kind, "p1", MaxItems=4, Marker=marker)
        names += [p["PolicyName"] for p in page["AttachedPolicies"]]
        marker = page.get("Marker")
    assert names == [f"p{i:02}" for i in range(10)]


@pytest.mark.parametrize("kind", ["user", "role"])
def test_delete_with_attached_policy_conflicts(iam: Any, kind: str) -> None:
    make(iam, kind, "p1")
    call(iam, "attach", kind, "p1", PolicyArn=AWS_POLICY)
    delete: Callable[[], Any] = (
        (lambda: iam.delete_user(UserName="p1"))
        if kind == "user"
        else (lambda: iam.delete_role(RoleName="p1"))
    )
    with pytest.raises(ClientError) as excinfo:
        delete()
    assert error_of(excinfo) == (
        "DeleteConflict",
        "Cannot delete entity, must detach all policies first.",
        409,
    )
    call(iam, "detach", kind, "p1", PolicyArn=AWS_POLICY)
    delete()


@pytest.mark.parametrize("kind", ["user", "role"])
def test_permissions_boundary(iam: Any, account: Any, kind: str) -> None:
    make(iam, kind, "p1")
    arn = iam.create_policy(PolicyName="limit", PolicyDocument=POLICY)["Policy"]["Arn"]
    name = {f"{kind.capitalize()}Name": "p1"}
    getattr(iam, f"put_{kind}_permissions_boundary")(PermissionsBoundary=arn, **name)
    entity = getattr(iam, f"get_{kind}")(**name)[kind.capitalize()]
    assert entity["PermissionsBoundary"] == {
        "PermissionsBoundaryType": "Policy",
        "PermissionsBoundaryArn": arn,
    }
    assert iam.get_policy(PolicyArn=arn)["Policy"]["PermissionsBoundaryUsageCount"] == 1
    with pytest.raises(ClientError) as excinfo:
        iam.delete_policy(PolicyArn=arn)
    assert error_of(excinfo)[0] == "DeleteConflict"

    getattr(iam, f"delete_{kind}_permissions_boundary")(**name)
    assert "PermissionsBoundary" not in getattr(iam, f"get_{kind}")(**name)[kind.capitalize()]
    assert iam.get_policy(PolicyArn=arn)["Policy"]["PermissionsBoundaryUsageCount"] == 0

    missing = f"arn:aws:iam::{account.account_id}:policy/nonexistent-policy"
    with pytest.raises(ClientError) as excinfo:
        getattr(iam, f"put_{kind}_permissions_boundary")(PermissionsBoundary=missing, **name)
    assert error_of(excinfo) == (
        "NoSuchEntity",
        f"Scope ARN: {missing} does not exist or is not attachable.",
        404,
    )
    invalid = f"arn:aws:iam::{account.account_id}:not_a_policy/invalid"
    with pytest.raises(ClientError) as excinfo:
        getattr(iam, f"put_{kind}_permissions_boundary")(PermissionsBoundary=invalid, **name)
    assert error_of(excinfo) == ("InvalidInput", f"ARN {invalid} is not valid.", 400)
    with pytest.raises(ClientError) as excinfo:
        getattr(iam, f"put_{kind}_permissions_boundary")(
            PermissionsBoundary=arn, **{f"{kind.capitalize()}Name": "nonexistent"}
        )
    assert error_of(excinfo) == (
        "NoSuchEntity",
        f"The {kind} with name nonexistent cannot be found.",
        404,
    )


def test_list_entities_for_policy(iam: Any, account: Any) -> None:
    arn = iam.create_policy(PolicyName="shared", PolicyDocument=POLICY)["Policy"]["Arn"]
    empty = iam.list_entities_for_policy(PolicyArn=arn)
    assert (empty["PolicyGroups"], empty["PolicyUsers"], empty["PolicyRoles"]) == ([], [], [])
    user = iam.create_user(UserName="alice")["User"]
    group = iam.create_group(GroupName="team")["Group"]
    role = iam.create_role(RoleName="worker", AssumeRolePolicyDocument=TRUST)["Role"]
    iam.attach_user_policy(UserName="alice", PolicyArn=arn)
    iam.attach_group_policy(GroupName="team", PolicyArn=arn)
    iam.attach_role_policy(RoleName="worker", PolicyArn=arn)

    every = iam.list_entities_for_policy(PolicyArn=arn)
    assert every["PolicyUsers"] == [{"UserName": "alice", "UserId": user["UserId"]}]
    assert every["PolicyGroups"] == [{"GroupName": "team", "GroupId": group["GroupId"]}]
    assert every["PolicyRoles"] == [{"RoleName": "worker", "RoleId": role["RoleId"]}]
    only_roles = iam.list_entities_for_policy(PolicyArn=arn, EntityFilter="Role")
    assert (only_roles["PolicyUsers"], only_roles["PolicyGroups"]) == ([], [])
    assert len(only_roles["PolicyRoles"]) == 1
    local = iam.list_entities_for_policy(PolicyArn=arn, EntityFilter="LocalManagedPolicy")
    assert (local["PolicyUsers"], local["PolicyGroups"], local["PolicyRoles"]) == ([], [], [])

    missing = f"arn:aws:iam::{account.account_id}:policy/NonExistentPolicy"
    with pytest.raises(ClientError) as excinfo:
        iam.list_entities_for_policy(PolicyArn=missing)
    assert error_of(excinfo) == (
        "NoSuchEntity",
        f"Policy {missing} does not exist or is not attachable.",
        404,
    )


def test_list_entities_usage_filter_and_pages(iam: Any) -> None:
    arn = iam.create_policy(PolicyName="shared", PolicyDocument=POLICY)["Policy"]["Arn"]
    for index in range(5):
        iam.create_user(UserName=f"user-{index}", Path="/staff/" if index % 2 else "/")
        iam.attach_user_policy(UserName=f"user-{index}", PolicyArn=arn)
    iam.create_user(UserName="bounded", PermissionsBoundary=arn)
    for index in range(3):
        iam.create_group(GroupName=f"group-{index}")
        iam.attach_group_policy(GroupName=f"group-{index}", PolicyArn=arn)

    pages = list(
        iam.get_paginator("list_entities_for_policy").paginate(
            PolicyArn=arn, PaginationConfig={"PageSize": 3}
        )
    )
    groups = [g["GroupName"] for p in pages for g in p["PolicyGroups"]]
    users = [u["UserName"] for p in pages for u in p["PolicyUsers"]]
    assert groups == ["group-0", "group-1", "group-2"]
    assert users == ["bounded"] + [f"user-{i}" for i in range(5)]
    assert len(pages) == 3

    boundary = iam.list_entities_for_policy(PolicyArn=arn, PolicyUsageFilter="PermissionsBoundary")
    assert [u["UserName"] for u in boundary["PolicyUsers"]] == ["bounded"]
    assert boundary["PolicyGroups"] == []
    permissions = iam.list_entities_for_policy(
        PolicyArn=arn, PolicyUsageFilter="PermissionsPolicy", EntityFilter="User"
    )
    assert len(permissions["PolicyUsers"]) == 5
    staff = iam.list_entities_for_policy(PolicyArn=arn, PathPrefix="/staff/")
    assert [u["UserName"] for u in staff["PolicyUsers"]] == ["user-1", "user-3"]


def test_aws_managed_policy_usage_is_per_account(iam: Any, make_client: Any, server: Any) -> None:
    iam.create_user(UserName="alice")
    iam.attach_user_policy(UserName="alice", PolicyArn=AWS_POLICY)
    assert iam.get_policy(PolicyArn=AWS_POLICY)["Policy"]["AttachmentCount"] == 1
    other = server.new_account()
    other_iam = make_client("iam", other.access_key_id, other.secret_access_key)
    assert other_iam.get_policy(PolicyArn=AWS_POLICY)["Policy"]["AttachmentCount"] == 0
    assert other_iam.list_entities_for_policy(PolicyArn=AWS_POLICY)["PolicyUsers"] == []


def test_identity_policy_documents(iam: Any, account: Any, server: Any) -> None:
    from iamd.store.attachments import identity_policy_documents
    from iamd.store.catalog import aws_managed_policies

    own = iam.create_policy(PolicyName="own", PolicyDocument=POLICY)["Policy"]
    user = iam.create_user(UserName="alice")["User"]
    iam.create_group(GroupName="team")
    iam.add_user_to_group(GroupName="team", UserName="alice")
    iam.put_user_policy(UserName="alice", PolicyName="mine", PolicyDocument=POLICY)
    iam.attach_user_policy(UserName="alice", PolicyArn=own["Arn"])
    iam.put_group_policy(GroupName="team", PolicyName="ours", PolicyDocument=POLICY)
    iam.attach_group_policy(GroupName="team", PolicyArn=AWS_POLICY)
    role = iam.create_role(RoleName="worker", AssumeRolePolicyDocument=TRUST)["Role"]
    iam.put_role_policy(RoleName="worker", PolicyName="job", PolicyDocument=POLICY)

    aws = aws_managed_policies()[AWS_POLICY]
    db, _ = server.open_store()
    try:
        with db.transaction(write=False) as conn:
            user_docs = identity_policy_documents(conn, account.account_id, "user", user["UserId"])
            role_docs = identity_policy_documents(conn, account.account_id, "role", role["RoleId"])
    finally:
        db.dispose()
    assert user_docs == [
        ("mine", "inline", POLICY),
        (own["Arn"], "managed", POLICY),
        ("ours", "inline", POLICY),
        (AWS_POLICY, "managed", aws.document),
    ]
    assert role_docs == [("job", "inline", POLICY)]


def test_concurrent_attaches_respect_the_quota(iam: Any) -> None:
    iam.create_user(UserName="alice")
    arns = [
        iam.create_policy(PolicyName=f"p{i:02}", PolicyDocument=POLICY)["Policy"]["Arn"]
        for i in range(14)
    ]

    def attach(arn: str) -> str:
        try:
            iam.attach_user_policy(UserName="alice", PolicyArn=arn)
            return "ok"
        except ClientError as error:
            return str(error.response["Error"]["Code"])

    with ThreadPoolExecutor(max_workers=7) as pool:
        outcomes = list(pool.map(attach, arns))
    assert outcomes.count("ok") == 10
    assert outcomes.count("LimitExceeded") == 4
    assert len(iam.list_attached_user_policies(UserName="alice")["AttachedPolicies"]) == 10
