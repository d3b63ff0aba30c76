"""IAM groups through boto3 against a live server: shapes, membership, errors, pagination."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from botocore.exceptions import ClientError

from support import error_of

POLICY = json.dumps(
    {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}}
)


def test_create_get_list_delete_group(iam: Any, account: Any) -> None:
    created = iam.create_group(GroupName="admins")["Group"]
    assert created["GroupName"] == "admins"
    assert created["Path"] == "/"
    assert created["Arn"] == f"arn:aws:iam::{account.account_id}:group/admins"
    assert re.fullmatch(r"AGPA[A-Z2-7]{17}", created["GroupId"])

    fetched = iam.get_group(GroupName="admins")
    assert fetched["Group"] == created
    assert fetched["Users"] == []
    assert fetched["IsTruncated"] is False

    assert iam.list_groups()["Groups"] == [created]
    iam.delete_group(GroupName="admins")
    assert iam.list_groups()["Groups"] == []


def test_group_with_path(iam: Any, account: Any) -> None:
    group = iam.create_group(GroupName="ops", Path="/some/location/")["Group"]
    assert group["Arn"] == f"arn:aws:iam::{account.account_id}:group/some/location/ops"
    assert group["Path"] == "/some/location/"


def test_group_names_are_unique_case_insensitively(iam: Any) -> None:
    iam.create_group(GroupName="Devs")
    with pytest.raises(ClientError) as excinfo:
        iam.create_group(GroupName="devs")
    assert error_of(excinfo) == ("EntityAlreadyExists", "Group with name devs already exists.", 409)
    assert iam.get_group(GroupName="DEVS")["Group"]["GroupName"] == "Devs"


def test_missing_group_errors(iam: Any) -> None:
    iam.create_user(UserName="alice")
    for call in (
        lambda: iam.get_group(GroupName="nonexistent-group"),
        lambda: iam.update_group(GroupName="nonexistent-group", NewPath="/x/"),
        lambda: iam.delete_group(GroupName="nonexistent-group"),
        lambda: iam.add_user_to_group(GroupName="nonexistent-group", UserName="alice"),
        lambda: iam.remove_user_from_group(GroupName="nonexistent-group", UserName="alice"),
    ):
        with pytest.raises(ClientError) as excinfo:
            call()
        assert error_of(excinfo) == (
            "NoSuchEntity",
            "The group with name nonexistent-group cannot be found.",
            404,
        )


def test_update_group_renames_and_moves(iam: Any, account: Any) -> None:
    original = iam.create_group(GroupName="before")["Group"]
    iam.update_group(GroupName="before", NewGroupName="after", NewPath="/new-path/")
    updated = iam.get_group(GroupName="after")["Group"]
    assert updated["GroupId"] == original["GroupId"]
    assert updated["Arn"] == f"arn:aws:iam::{account.account_id}:group/new-path/after"
    with pytest.raises(ClientError) as excinfo:
        iam.get_group(GroupName="before")
    assert error_of(excinfo)[0] == "NoSuchEntity"


def test_update_group_to_a_taken_name(iam: Any) -> None:
    iam.create_group(GroupName="one")
    iam.create_group(GroupName="two")
    with pytest.raises(ClientError) as excinfo:
        iam.update_group(GroupName="one", NewGroupName="TWO")
    assert error_of(excinfo) == ("EntityAlreadyExists", "Group with name TWO already exists.", 409)


def test_membership(iam: Any, account: Any) -> None:
    user = iam.create_user(UserName="alice")["User"]
    iam.create_group(GroupName="g1")
    iam.create_group(GroupName="g2")
    assert iam.list_groups_for_user(UserName="alice")["Groups"] == []
    iam.add_user_to_group(GroupName="g1", UserName="alice")
    iam.add_user_to_group(GroupName="g1", UserName="ALICE")  # again: no change
    iam.add_user_to_group(GroupName="g2", UserName="alice")

    members = iam.get_group(GroupName="g1")["Users"]
    assert members == [user]
    groups = iam.list_groups_for_user(UserName="alice")
    assert [g["GroupName"] for g in groups["Groups"]] == ["g1", "g2"]
    assert groups["IsTruncated"] is False

    iam.remove_user_from_group(GroupName="g1", UserName="alice")
    iam.remove_user_from_group(GroupName="g1", UserName="alice")  # a non-member: no error
    assert iam.get_group(GroupName="g1")["Users"] == []
    assert [g["GroupName"] for g in iam.list_groups_for_user(UserName="alice")["Groups"]] == ["g2"]


def test_membership_errors_name_the_user_first(iam: Any) -> None:
    iam.create_group(GroupName="g")
    for call in (
        lambda: iam.add_user_to_group(GroupName="g", UserName="nonexistent-user"),
        lambda: iam.remove_user_from_group(GroupName="unknown-group", UserName="nonexistent-user"),
        lambda: iam.list_groups_for_user(UserName="nonexistent-user"),
    ):
        with pytest.raises(ClientError) as excinfo:
            call()
        assert error_of(excinfo) == (
            "NoSuchEntity",
            "The user with name nonexistent-user cannot be found.",
            404,
        )


def test_user_rename_keeps_membership(iam: Any) -> None:
    iam.create_group(GroupName="g")
    iam.create_user(UserName="old")
    iam.add_user_to_group(GroupName="g", UserName="old")
    iam.update_user(UserName="old", NewUserName="new")
    assert [u["UserName"] for u in iam.get_group(GroupName="g")["Users"]] == ["new"]
    assert [g["GroupName"] for g in iam.list_groups_for_user(UserName="new")["Groups"]] == ["g"]


def test_delete_group_conflicts(iam: Any) -> None:
    iam.create_group(GroupName="g")
    iam.create_user(UserName="alice")
    iam.add_user_to_group(GroupName="g", UserName="alice")
    expect_conflict(iam, "Cannot delete entity, must remove users from group first.")
    iam.remove_user_from_group(GroupName="g", UserName="alice")

    iam.put_group_policy(GroupName="g", PolicyName="inline", PolicyDocument=POLICY)
    expect_conflict(iam, "Cannot delete entity, must delete policies first.")
    iam.delete_group_policy(GroupName="g", PolicyName="inline")

    arn = iam.create_policy(PolicyName="managed", PolicyDocument=POLICY)["Policy"]["Arn"]
    iam.attach_group_policy(GroupName="g", PolicyArn=arn)
    expect_conflict(iam, "Cannot delete entity, must detach all policies first.")
    iam.detach_group_policy(GroupName="g", PolicyArn=arn)

    iam.delete_group(GroupName="g")


def expect_conflict(iam: Any, message: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        iam.delete_group(GroupName="g")
    assert error_of(excinfo) == ("DeleteConflict", message, 409)


def test_delete_user_in_a_group_conflicts(iam: Any) -> None:
    iam.create_group(GroupName="g")
    iam.create_user(UserName="alice")
    iam.add_user_to_group(GroupName="g", UserName="alice")
    with pytest.raises(ClientError) as excinfo:
        iam.delete_user(UserName="alice")
    assert error_of(excinfo) == (
        "DeleteConflict",
        "Cannot delete entity, must remove user from all groups first.",
        409,
    )


def test_list_groups_paginates_and_filters_by_path(iam: Any) -> None:
    for index in range(7):
        iam.create_group(GroupName=f"group-{index}", Path="/team/" if index % 2 else "/")
    names = collect(lambda **kw: iam.list_groups(MaxItems=3, **kw), "Groups", "GroupName")
    assert names == [f"group-{i}" for i in range(7)]
    team = iam.list_groups(PathPrefix="/team/")["Groups"]
    assert [g["GroupName"] for g in team] == ["group-1", "group-3", "group-5"]


def test_get_group_paginates_its_users(iam: Any) -> None:
    iam.create_group(GroupName="big")
    for index in range(8):
        iam.create_user(UserName=f"user-{index}")
        iam.add_user_to_group(GroupName="big", UserName=f"user-{index}")
    names = collect(
        lambda **kw: iam.get_group(GroupName="big", MaxItems=3, **kw), "Users", "UserName"
    )
    assert names == [f"user-{i}" for i in range(8)]
    paginator = iam.get_paginator("get_group")
    pages = list(paginator.paginate(GroupName="big", PaginationConfig={"PageSize": 5}))
    assert [len(p["Users"]) for p in pages] == [5, 3]


def test_list_groups_for_user_paginates(iam: Any) -> None:
    iam.create_user(UserName="alice")
    for index in range(5):
        iam.create_group(GroupName=f"g{index}")
        iam.add_user_to_group(GroupName=f"g{index}", UserName="alice")
    call = lambda **kw: iam.list_groups_for_user(UserName="alice", MaxItems=2, **kw)  # noqa: E731
    assert collect(call, "Groups", "GroupName") == [f"g{i}" for i in range(5)]


def test_pagination_survives_concurrent_changes(iam: Any) -> None:
    for name in ("b", "d", "f", "h"):
        iam.create_group(GroupName=name)
    first = iam.list_groups(MaxItems=2)
    assert [g["GroupName"] for g in first["Groups"]] == ["b", "d"]
    iam.create_group(GroupName="a")  # before the marker: not seen now
    iam.create_group(GroupName="e")  # after it: seen
    iam.delete_group(GroupName="d")  # the marker's own group
    rest = iam.list_groups(MaxItems=10, Marker=first["Marker"])
    assert [g["GroupName"] for g in rest["Groups"]] == ["e", "f", "h"]


def collect(call: Any, member: str, field: str) -> list[str]:
    """Every item of a paged list, following markers; each page but the last is full."""
    found: list[str] = []
    marker: dict[str, str] = {}
    while True:
        answer = call(**marker)
        found += [item[field] for item in answer[member]]
        if not answer["IsTruncated"]:
            return found
        marker = {"Marker": answer["Marker"]}


def test_a_user_is_in_at_most_ten_groups(iam: Any) -> None:
    iam.create_user(UserName="alice")
    for index in range(11):
        iam.create_group(GroupName=f"g{index:02}")
    for index in range(10):
        iam.add_user_to_group(GroupName=f"g{index:02}", UserName="alice")
    iam.add_user_to_group(GroupName="g00", UserName="alice")  # already a member: fine
    with pytest.raises(ClientError) as excinfo:
        iam.add_user_to_group(GroupName="g10", UserName="alice")
    assert error_of(excinfo) == ("LimitExceeded", "Cannot exceed quota for GroupsPerUser: 10", 409)
