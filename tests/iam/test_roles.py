"""IAM roles through boto3 against a live server: shapes, errors and pagination as AWS's."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError

from iam.test_users import tag_rows
from iamd.store.roles import record_role_use
from support import IamdServer, error_of

EC2_TRUST: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}
LAMBDA_TRUST: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}
CORE_MEMBERS = {"Path", "RoleName", "RoleId", "Arn", "CreateDate", "AssumeRolePolicyDocument"}
MISSING = "The role with name nonexistent-role cannot be found."


def make_role(iam: Any, name: str, trust: dict[str, Any] = EC2_TRUST, **extra: Any) -> Any:
    return iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust), **extra)


def error_from(call: Any) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as excinfo:
        call()
    return error_of(excinfo)


def test_create_role_answers_the_core_members(iam: Any, account: Any) -> None:
    role = make_role(iam, "app", Description="not echoed", MaxSessionDuration=7200)["Role"]
    assert set(role) == CORE_MEMBERS
    assert role["Arn"] == f"arn:aws:iam::{account.account_id}:role/app"
    assert re.fullmatch(r"AROA[A-Z2-7]{17}", role["RoleId"])
    assert role["Path"] == "/"
    assert role["AssumeRolePolicyDocument"] == EC2_TRUST


def test_get_role_defaults(iam: Any) -> None:
    created = make_role(iam, "defaults")["Role"]
    role = iam.get_role(RoleName="defaults")["Role"]
    assert set(role) == CORE_MEMBERS | {"MaxSessionDuration", "RoleLastUsed"}
    assert role["MaxSessionDuration"] == 3600
    assert role["RoleLastUsed"] == {}
    assert role["RoleId"] == created["RoleId"]
    assert role["CreateDate"] == created["CreateDate"]


def test_role_with_path_description_and_duration(iam: Any, account: Any) -> None:
    make_role(iam, "pathed", Path="/team/app/", Description="My role", MaxSessionDuration=43200)
    role = iam.get_role(RoleName="pathed")["Role"]
    assert role["Arn"] == f"arn:aws:iam::{account.account_id}:role/team/app/pathed"
    assert role["Description"] == "My role"
    assert role["MaxSessionDuration"] == 43200


def test_trust_policy_text_is_kept_as_sent(iam: Any) -> None:
    text = '{\n  "Version": "2012-10-17",\n  "Statement": [{"Effect": "Allow", '
    text += '"Principal": {"Service": ["ec2.amazonaws.com"]}, "Action": ["sts:AssumeRole"]}]\n}'
    iam.create_role(RoleName="verbatim", AssumeRolePolicyDocument=text)
    document = iam.get_role(RoleName="verbatim")["Role"]["AssumeRolePolicyDocument"]
    assert document == json.loads(text)


def test_lambda_execution_role(iam: Any) -> None:
    """Getting started: a role Lambda may assume."""
    role = make_role(iam, "lambda-exec", LAMBDA_TRUST)["Role"]
    statement = role["AssumeRolePolicyDocument"]["Statement"][0]
    assert statement["Principal"] == {"Service": "lambda.amazonaws.com"}
    assert iam.get_role(RoleName="lambda-exec")["Role"]["RoleName"] == "lambda-exec"


def test_cross_account_role(iam: Any) -> None:
    """Getting started: a role another account may assume."""
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::210987654321:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    role = make_role(iam, "cross-account", trust)["Role"]
    principal = role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]
    assert principal == {"AWS": "arn:aws:iam::210987654321:root"}


def test_names_are_unique_case_insensitively(iam: Any) -> None:
    make_role(iam, "Shared")
    assert error_from(lambda: make_role(iam, "shared")) == (
        "EntityAlreadyExists",
        "Role with name shared already exists.",
        409,
    )
    assert iam.get_role(RoleName="SHARED")["Role"]["RoleName"] == "Shared"


def test_a_taken_name_leaves_the_new_tags_unwritten(iam: Any, server: IamdServer) -> None:
    make_role(iam, "Tagged", Tags=[{"Key": "team", "Value": "blue"}])
    stored = tag_rows(server)
    taken = error_from(lambda: make_role(iam, "tagged", Tags=[{"Key": "team", "Value": "red"}]))
    assert taken == ("EntityAlreadyExists", "Role with name tagged already exists.", 409)
    assert iam.list_role_tags(RoleName="Tagged")["Tags"] == [{"Key": "team", "Value": "blue"}]
    assert tag_rows(server) == stored


def test_missing_role_errors(iam: Any) -> None:
    calls = (
        lambda: iam.get_role(RoleName="nonexistent-role"),
        lambda: iam.update_role(RoleName="nonexistent-role", Description="x"),
        lambda: iam.update_role_description(RoleName="nonexistent-role", Description="x"),
        lambda: iam.update_assume_role_policy(
            RoleName="nonexistent-role", PolicyDocument=json.dumps(EC2_TRUST)
        ),
        lambda: iam.delete_role(RoleName="nonexistent-role"),
        lambda: iam.tag_role(RoleName="nonexistent-role", Tags=[{"Key": "a", "Value": "b"}]),
        lambda: iam.untag_role(RoleName="nonexistent-role", TagKeys=["a"]),
        lambda: iam.list_role_tags(RoleName="nonexistent-role"),
    )
    for call in calls:
        assert error_from(call) == ("NoSuchEntity", MISSING, 404)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("not valid json", "This policy contains invalid Json"),
        (
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "ec2.amazonaws.com"},
                        "Action": "sts:InvalidAction",
                    }
                ],
            },
            "AssumeRole policy may only specify STS AssumeRole actions.",
        ),
        (
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "ec2.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                        "Resource": "arn:aws:s3:::example_bucket",
                    }
                ],
            },
            "Has prohibited field Resource",
        ),
    ],
)
def test_malformed_trust_policies(iam: Any, document: Any, message: str) -> None:
    text = document if isinstance(document, str) else json.dumps(document)
    make_role(iam, "target")
    expected = ("MalformedPolicyDocument", message, 400)
    update = lambda: iam.update_assume_role_policy(RoleName="target", PolicyDocument=text)  # noqa: E731
    assert error_from(update) == expected
    create = lambda: iam.create_role(RoleName="other", AssumeRolePolicyDocument=text)  # noqa: E731
    assert error_from(create) == expected


def test_trust_policy_size_quota(iam: Any) -> None:
    condition = {"StringEquals": {"sts:ExternalId": "x" * 2100}}
    statement = {**EC2_TRUST["Statement"][0], "Condition": condition}
    text = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    assert error_from(lambda: iam.create_role(RoleName="big", AssumeRolePolicyDocument=text)) == (
        "LimitExceeded",
        "Cannot exceed quota for ACLSizePerRole: 2048",
        409,
    )


def test_update_assume_role_policy(iam: Any) -> None:
    make_role(iam, "retrust")
    answer = iam.update_assume_role_policy(
        RoleName="retrust", PolicyDocument=json.dumps(LAMBDA_TRUST)
    )
    assert set(answer) == {"ResponseMetadata"}
    role = iam.get_role(RoleName="retrust")["Role"]
    assert role["AssumeRolePolicyDocument"] == LAMBDA_TRUST


def test_update_role_and_description(iam: Any) -> None:
    make_role(iam, "upd", Description="initial description")
    iam.update_role(RoleName="upd", Description="updated description", MaxSessionDuration=7200)
    role = iam.get_role(RoleName="upd")["Role"]
    assert (role["Description"], role["MaxSessionDuration"]) == ("updated description", 7200)

    answered = iam.update_role_description(RoleName="upd", Description="via description")["Role"]
    assert set(answered) == CORE_MEMBERS | {"Description"}
    assert answered["Description"] == "via description"

    iam.update_role(RoleName="upd")  # nothing given: nothing changes
    role = iam.get_role(RoleName="upd")["Role"]
    assert (role["Description"], role["MaxSessionDuration"]) == ("via description", 7200)

    iam.update_role(RoleName="upd", Description="")
    assert "Description" not in iam.get_role(RoleName="upd")["Role"]


def test_max_signin_session_duration(iam: Any) -> None:
    make_role(iam, "signin", MaxSigninSessionDuration=86400)
    assert iam.get_role(RoleName="signin")["Role"]["MaxSigninSessionDuration"] == 86400
    assert iam.list_roles()["Roles"][0]["MaxSigninSessionDuration"] == 86400
    iam.update_role(RoleName="signin", MaxSigninSessionDuration=7776000)
    assert iam.get_role(RoleName="signin")["Role"]["MaxSigninSessionDuration"] == 7776000
    both = lambda: iam.update_role(  # noqa: E731
        RoleName="signin", MaxSigninSessionDuration=3600, ResetMaxSigninSessionDuration=True
    )
    assert error_from(both)[0] == "InvalidInput"
    iam.update_role(RoleName="signin", ResetMaxSigninSessionDuration=True)
    assert "MaxSigninSessionDuration" not in iam.get_role(RoleName="signin")["Role"]


def test_max_session_duration_bounds(iam: Any) -> None:
    make_role(iam, "bounded")
    code, message, status = error_from(
        lambda: iam.update_role(RoleName="bounded", MaxSessionDuration=43201)
    )
    assert (code, status) == ("ValidationError", 400)
    assert "maxSessionDuration" in message


def test_list_roles_members_and_path_prefix(iam: Any) -> None:
    make_role(iam, "plain")
    make_role(iam, "tagged", Path="/tagged/", Tags=[{"Key": "k", "Value": "v"}], Description="d")
    listed = iam.list_roles(PathPrefix="/tagged/")
    assert listed["IsTruncated"] is False
    (role,) = listed["Roles"]
    assert set(role) == CORE_MEMBERS | {"Description", "MaxSessionDuration"}
    assert [r["RoleName"] for r in iam.list_roles()["Roles"]] == ["plain", "tagged"]
    assert iam.list_roles(PathPrefix="/nonexistent-path/")["Roles"] == []


def test_list_roles_pagination(iam: Any) -> None:
    names = [f"role-{i:02d}" for i in range(5)]
    for name in reversed(names):
        make_role(iam, name, Path="/paged/")
    first = iam.list_roles(PathPrefix="/paged/", MaxItems=2)
    assert [r["RoleName"] for r in first["Roles"]] == names[:2]
    assert first["IsTruncated"] is True
    second = iam.list_roles(PathPrefix="/paged/", MaxItems=2, Marker=first["Marker"])
    assert [r["RoleName"] for r in second["Roles"]] == names[2:4]
    third = iam.list_roles(PathPrefix="/paged/", Marker=second["Marker"])
    assert [r["RoleName"] for r in third["Roles"]] == names[4:]
    assert third["IsTruncated"] is False
    assert "Marker" not in third
    paginated = iam.get_paginator("list_roles").paginate(PaginationConfig={"PageSize": 2})
    assert [r["RoleName"] for page in paginated for r in page["Roles"]] == names


def test_role_tags(iam: Any) -> None:
    created = make_role(iam, "tags", Tags=[{"Key": "test", "Value": "value"}])["Role"]
    assert created["Tags"] == [{"Key": "test", "Value": "value"}]
    iam.tag_role(
        RoleName="tags",
        Tags=[{"Key": "somekey", "Value": "somevalue"}, {"Key": "TEST", "Value": "again"}],
    )
    expected = [{"Key": "test", "Value": "again"}, {"Key": "somekey", "Value": "somevalue"}]
    assert iam.get_role(RoleName="tags")["Role"]["Tags"] == expected
    listed = iam.list_role_tags(RoleName="tags")
    assert (listed["Tags"], listed["IsTruncated"]) == (expected, False)
    iam.untag_role(RoleName="tags", TagKeys=["Test"])
    assert iam.list_role_tags(RoleName="tags")["Tags"] == [expected[1]]
    iam.tag_role(RoleName="tags", Tags=[{"Key": "third", "Value": "3"}])
    page = iam.list_role_tags(RoleName="tags", MaxItems=1)
    assert (page["Tags"], page["IsTruncated"]) == ([expected[1]], True)
    rest = iam.list_role_tags(RoleName="tags", Marker=page["Marker"])
    assert rest["Tags"] == [{"Key": "third", "Value": "3"}]


def test_role_tag_errors(iam: Any) -> None:
    make_role(iam, "tagerr")
    duplicate = [{"Key": "mykey", "Value": "1"}, {"Key": "MyKey", "Value": "2"}]
    message = "Duplicate tag keys found. Please note that Tag keys are case insensitive."
    assert error_from(lambda: iam.tag_role(RoleName="tagerr", Tags=duplicate)) == (
        "InvalidInput",
        message,
        400,
    )
    assert error_from(lambda: make_role(iam, "dup", Tags=duplicate)) == (
        "InvalidInput",
        message,
        400,
    )
    too_many = [{"Key": str(i), "Value": str(i)} for i in range(51)]
    assert error_from(lambda: make_role(iam, "many", Tags=too_many)) == (
        "ValidationError",
        "1 validation error detected: Value at 'tags' failed to satisfy constraint: "
        "Member must have length less than or equal to 50",
        400,
    )


def test_permissions_boundary_on_create(iam: Any, account: Any) -> None:
    boundary = "arn:aws:iam::aws:policy/PowerUserAccess"
    created = make_role(iam, "bounded", PermissionsBoundary=boundary)["Role"]
    expected = {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": boundary}
    assert created["PermissionsBoundary"] == expected
    assert iam.get_role(RoleName="bounded")["Role"]["PermissionsBoundary"] == expected
    assert "PermissionsBoundary" not in iam.list_roles()["Roles"][0]

    invalid = f"arn:aws:iam::{account.account_id}:not_a_policy/invalid"
    assert error_from(lambda: make_role(iam, "bad", PermissionsBoundary=invalid)) == (
        "InvalidInput",
        f"ARN {invalid} is not valid.",
        400,
    )
    missing = f"arn:aws:iam::{account.account_id}:policy/nonexistent-policy"
    assert error_from(lambda: make_role(iam, "bad", PermissionsBoundary=missing)) == (
        "NoSuchEntity",
        f"Scope ARN: {missing} does not exist or is not attachable.",
        404,
    )


def test_role_last_used_is_reported(iam: Any, server: IamdServer) -> None:
    role_id = make_role(iam, "used")["Role"]["RoleId"]
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    db, _ = server.open_store()
    try:
        with db.transaction() as conn:
            record_role_use(conn, role_id, when, "eu-west-1")
    finally:
        db.dispose()
    last_used = iam.get_role(RoleName="used")["Role"]["RoleLastUsed"]
    assert last_used == {"LastUsedDate": when, "Region": "eu-west-1"}


@pytest.mark.parametrize(
    ("inline", "message"),
    [
        (False, "Cannot delete entity, must detach all policies first."),
        (True, "Cannot delete entity, must delete policies first."),
    ],
)
def test_delete_role_with_policies(iam: Any, inline: bool, message: str) -> None:
    make_role(iam, "held")
    if inline:
        statement = {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}
        document = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
        iam.put_role_policy(RoleName="held", PolicyName="inline", PolicyDocument=document)
    else:
        iam.attach_role_policy(RoleName="held", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    assert error_from(lambda: iam.delete_role(RoleName="held")) == ("DeleteConflict", message, 409)


def test_delete_role_in_instance_profile(iam: Any) -> None:
    make_role(iam, "profiled", Tags=[{"Key": "k", "Value": "v"}])
    iam.create_instance_profile(InstanceProfileName="profile")
    iam.add_role_to_instance_profile(InstanceProfileName="profile", RoleName="profiled")
    assert error_from(lambda: iam.delete_role(RoleName="profiled")) == (
        "DeleteConflict",
        "Cannot delete entity, must remove roles from instance profile first.",
        409,
    )
    iam.remove_role_from_instance_profile(InstanceProfileName="profile", RoleName="profiled")
    iam.delete_role(RoleName="profiled")
    assert error_from(lambda: iam.get_role(RoleName="profiled")) == (
        "NoSuchEntity",
        "The role with name profiled cannot be found.",
        404,
    )
    make_role(iam, "profiled")
    assert "Tags" not in iam.get_role(RoleName="profiled")["Role"]


def test_reserved_paths_are_refused(iam: Any) -> None:
    code, _, status = error_from(
        lambda: make_role(iam, "AWSServiceRoleForECS", Path="/aws-service-role/ecs.amazonaws.com/")
    )
    assert (code, status) == ("InvalidInput", 400)
