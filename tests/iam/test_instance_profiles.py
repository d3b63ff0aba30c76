"""IAM instance profiles through boto3 against a live server: shapes, errors, pagination."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from botocore.exceptions import ClientError

from support import error_of

TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)
PROFILE_MEMBERS = {"Path", "InstanceProfileName", "InstanceProfileId", "Arn", "CreateDate", "Roles"}
ROLE_MEMBERS = {"Path", "RoleName", "RoleId", "Arn", "CreateDate", "AssumeRolePolicyDocument"}
MISSING = "Instance Profile nonexistent-profile cannot be found."


def error_from(call: Any) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as excinfo:
        call()
    return error_of(excinfo)


def make_role(iam: Any, name: str) -> Any:
    return iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST, Description="d")["Role"]


def test_instance_profile_lifecycle(iam: Any, account: Any) -> None:
    created = iam.create_instance_profile(InstanceProfileName="web", Path="/apps/")
    profile = created["InstanceProfile"]
    assert set(profile) == PROFILE_MEMBERS
    assert profile["Roles"] == []
    assert profile["Arn"] == f"arn:aws:iam::{account.account_id}:instance-profile/apps/web"
    assert re.fullmatch(r"AIPA[A-Z2-7]{17}", profile["InstanceProfileId"])

    fetched = iam.get_instance_profile(InstanceProfileName="WEB")["InstanceProfile"]
    assert set(fetched) == PROFILE_MEMBERS | {"Tags"}
    assert fetched["Tags"] == []
    assert fetched["InstanceProfileId"] == profile["InstanceProfileId"]
    assert fetched["CreateDate"] == profile["CreateDate"]

    iam.delete_instance_profile(InstanceProfileName="web")
    assert error_from(lambda: iam.get_instance_profile(InstanceProfileName="web")) == (
        "NoSuchEntity",
        "Instance Profile web cannot be found.",
        404,
    )


def test_names_are_unique_case_insensitively(iam: Any) -> None:
    iam.create_instance_profile(InstanceProfileName="Dup")
    assert error_from(lambda: iam.create_instance_profile(InstanceProfileName="dup")) == (
        "EntityAlreadyExists",
        "Instance Profile dup already exists.",
        409,
    )


def test_missing_profile_errors(iam: Any) -> None:
    make_role(iam, "role")
    calls = (
        lambda: iam.get_instance_profile(InstanceProfileName="nonexistent-profile"),
        lambda: iam.delete_instance_profile(InstanceProfileName="nonexistent-profile"),
        lambda: iam.add_role_to_instance_profile(
            InstanceProfileName="nonexistent-profile", RoleName="role"
        ),
        lambda: iam.remove_role_from_instance_profile(
            InstanceProfileName="nonexistent-profile", RoleName="role"
        ),
        lambda: iam.tag_instance_profile(
            InstanceProfileName="nonexistent-profile", Tags=[{"Key": "a", "Value": "b"}]
        ),
        lambda: iam.untag_instance_profile(
            InstanceProfileName="nonexistent-profile", TagKeys=["a"]
        ),
        lambda: iam.list_instance_profile_tags(InstanceProfileName="nonexistent-profile"),
    )
    for call in calls:
        assert error_from(call) == ("NoSuchEntity", MISSING, 404)


def test_missing_role_errors(iam: Any) -> None:
    iam.create_instance_profile(InstanceProfileName="profile")
    expected = ("NoSuchEntity", "The role with name nonexistent-role cannot be found.", 404)
    calls = (
        lambda: iam.add_role_to_instance_profile(
            InstanceProfileName="profile", RoleName="nonexistent-role"
        ),
        lambda: iam.remove_role_from_instance_profile(
            InstanceProfileName="profile", RoleName="nonexistent-role"
        ),
        lambda: iam.list_instance_profiles_for_role(RoleName="nonexistent-role"),
    )
    for call in calls:
        assert error_from(call) == expected


def test_add_and_remove_role(iam: Any, account: Any) -> None:
    iam.create_instance_profile(InstanceProfileName="profile")
    role = make_role(iam, "role")
    iam.add_role_to_instance_profile(InstanceProfileName="profile", RoleName="role")
    held = iam.get_instance_profile(InstanceProfileName="profile")["InstanceProfile"]["Roles"]
    assert [set(r) for r in held] == [ROLE_MEMBERS]
    assert held[0]["RoleId"] == role["RoleId"]
    assert held[0]["Arn"] == f"arn:aws:iam::{account.account_id}:role/role"
    assert held[0]["AssumeRolePolicyDocument"] == json.loads(TRUST)

    iam.remove_role_from_instance_profile(InstanceProfileName="profile", RoleName="role")
    assert iam.get_instance_profile(InstanceProfileName="profile")["InstanceProfile"]["Roles"] == []
    remove = lambda: iam.remove_role_from_instance_profile(  # noqa: E731
        InstanceProfileName="profile", RoleName="role"
    )
    assert error_from(remove) == (
        "NoSuchEntity",
        "Role role in Instance Profile profile cannot be found.",
        404,
    )


def test_one_role_per_profile(iam: Any) -> None:
    iam.create_instance_profile(InstanceProfileName="profile")
    make_role(iam, "first")
    make_role(iam, "second")
    iam.add_role_to_instance_profile(InstanceProfileName="profile", RoleName="first")
    for name in ("second", "first"):
        add = lambda name=name: iam.add_role_to_instance_profile(  # noqa: E731
            InstanceProfileName="profile", RoleName=name
        )
        assert error_from(add) == (
            "LimitExceeded",
            "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1",
            409,
        )


def test_delete_profile_holding_a_role(iam: Any) -> None:
    iam.create_instance_profile(InstanceProfileName="profile", Tags=[{"Key": "k", "Value": "v"}])
    make_role(iam, "role")
    iam.add_role_to_instance_profile(InstanceProfileName="profile", RoleName="role")
    assert error_from(lambda: iam.delete_instance_profile(InstanceProfileName="profile")) == (
        "DeleteConflict",
        "Cannot delete entity, must remove roles from instance profile first.",
        409,
    )
    iam.remove_role_from_instance_profile(InstanceProfileName="profile", RoleName="role")
    iam.delete_instance_profile(InstanceProfileName="profile")
    iam.create_instance_profile(InstanceProfileName="profile")
    assert iam.list_instance_profile_tags(InstanceProfileName="profile")["Tags"] == []


def test_list_instance_profiles(iam: Any) -> None:
    make_role(iam, "role")
    iam.create_instance_profile(InstanceProfileName="a-profile")
    iam.create_instance_profile(InstanceProfileName="b-profile", Path="/other/")
    iam.add_role_to_instance_profile(InstanceProfileName="a-profile", RoleName="role")
    listed = iam.list_instance_profiles()
    assert listed["IsTruncated"] is False
    assert [p["InstanceProfileName"] for p in listed["InstanceProfiles"]] == [
        "a-profile",
        "b-profile",
    ]
    assert all(set(p) == PROFILE_MEMBERS for p in listed["InstanceProfiles"])
    assert [r["RoleName"] for r in listed["InstanceProfiles"][0]["Roles"]] == ["role"]
    by_path = iam.list_instance_profiles(PathPrefix="/other/")["InstanceProfiles"]
    assert [p["InstanceProfileName"] for p in by_path] == ["b-profile"]
    assert iam.list_instance_profiles(PathPrefix="/none/")["InstanceProfiles"] == []


def test_list_instance_profiles_pagination(iam: Any) -> None:
    names = [f"profile-{i:02d}" for i in range(5)]
    for name in reversed(names):
        iam.create_instance_profile(InstanceProfileName=name)
    first = iam.list_instance_profiles(MaxItems=2)
    assert first["IsTruncated"] is True
    assert [p["InstanceProfileName"] for p in first["InstanceProfiles"]] == names[:2]
    rest = iam.list_instance_profiles(Marker=first["Marker"])
    assert [p["InstanceProfileName"] for p in rest["InstanceProfiles"]] == names[2:]
    assert rest["IsTruncated"] is False
    pages = iam.get_paginator("list_instance_profiles").paginate(PaginationConfig={"PageSize": 2})
    assert [p["InstanceProfileName"] for page in pages for p in page["InstanceProfiles"]] == names


def test_list_instance_profiles_for_role(iam: Any) -> None:
    make_role(iam, "role")
    make_role(iam, "lonely")
    names = [f"profile-{i}" for i in range(3)]
    for name in names:
        iam.create_instance_profile(InstanceProfileName=name, Path="/p/")
        iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName="role")
    iam.create_instance_profile(InstanceProfileName="unrelated")
    first = iam.list_instance_profiles_for_role(RoleName="role", MaxItems=2)
    assert [p["InstanceProfileName"] for p in first["InstanceProfiles"]] == names[:2]
    assert first["IsTruncated"] is True
    assert [r["RoleName"] for r in first["InstanceProfiles"][0]["Roles"]] == ["role"]
    rest = iam.list_instance_profiles_for_role(RoleName="role", Marker=first["Marker"])
    assert [p["InstanceProfileName"] for p in rest["InstanceProfiles"]] == names[2:]
    assert rest["IsTruncated"] is False
    empty = iam.list_instance_profiles_for_role(RoleName="lonely")
    assert (empty["InstanceProfiles"], empty["IsTruncated"]) == ([], False)


def test_instance_profile_tags(iam: Any) -> None:
    created = iam.create_instance_profile(
        InstanceProfileName="tagged", Tags=[{"Key": "InitialKey", "Value": "InitialValue"}]
    )["InstanceProfile"]
    assert created["Tags"] == [{"Key": "InitialKey", "Value": "InitialValue"}]
    iam.tag_instance_profile(InstanceProfileName="tagged", Tags=[{"Key": "MyKey", "Value": "v"}])
    expected = [{"Key": "InitialKey", "Value": "InitialValue"}, {"Key": "MyKey", "Value": "v"}]
    listed = iam.list_instance_profile_tags(InstanceProfileName="tagged")
    assert (listed["Tags"], listed["IsTruncated"]) == (expected, False)
    got = iam.get_instance_profile(InstanceProfileName="tagged")["InstanceProfile"]
    assert got["Tags"] == expected
    iam.untag_instance_profile(InstanceProfileName="tagged", TagKeys=["initialkey"])
    assert iam.list_instance_profile_tags(InstanceProfileName="tagged")["Tags"] == expected[1:]
    duplicate = [{"Key": "a", "Value": "1"}, {"Key": "A", "Value": "2"}]
    assert error_from(
        lambda: iam.create_instance_profile(InstanceProfileName="x", Tags=duplicate)
    ) == (
        "InvalidInput",
        "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
        400,
    )
