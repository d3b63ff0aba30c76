"""IAM users through boto3 against a live server: shapes, errors and pagination as AWS's."""

from __future__ import annotations

import re
from typing import Any

import pytest
from botocore.exceptions import ClientError
from sqlalchemy import func, select

from iamd.store.schema import tags as tags_table
from support import IamdServer, error_of


def test_create_get_list_delete_user(iam: Any, account: Any) -> None:
    created = iam.create_user(UserName="alice")["User"]
    assert created["UserName"] == "alice"
    assert created["Path"] == "/"
    assert created["Arn"] == f"arn:aws:iam::{account.account_id}:user/alice"
    assert re.fullmatch(r"AIDA[A-Z2-7]{17}", created["UserId"])
    assert "Tags" not in created

    fetched = iam.get_user(UserName="alice")["User"]
    assert fetched["UserId"] == created["UserId"]
    assert fetched["CreateDate"] == created["CreateDate"]

    listed = iam.list_users()
    assert [u["UserName"] for u in listed["Users"]] == ["alice"]
    assert listed["IsTruncated"] is False

    iam.delete_user(UserName="alice")
    with pytest.raises(ClientError) as excinfo:
        iam.get_user(UserName="alice")
    assert error_of(excinfo) == ("NoSuchEntity", "The user with name alice cannot be found.", 404)


def test_user_with_path_and_tags(iam: Any, account: Any) -> None:
    tags = [{"Key": "Environment", "Value": "Test"}, {"Key": "Team", "Value": "Platform"}]
    user = iam.create_user(UserName="bob", Path="/division/", Tags=tags)["User"]
    assert user["Arn"] == f"arn:aws:iam::{account.account_id}:user/division/bob"
    assert user["Tags"] == tags
    assert iam.get_user(UserName="bob")["User"]["Tags"] == tags
    assert iam.list_user_tags(UserName="bob")["Tags"] == tags
    assert "Tags" not in iam.list_users()["Users"][0]


def test_a_taken_name_leaves_the_new_tags_unwritten(iam: Any, server: IamdServer) -> None:
    # On PostgreSQL the tags and the user go in one round trip, the tags first.
    iam.create_user(UserName="Dana", Tags=[{"Key": "team", "Value": "blue"}])
    stored = tag_rows(server)
    with pytest.raises(ClientError) as excinfo:
        iam.create_user(UserName="dana", Tags=[{"Key": "team", "Value": "red"}])
    assert error_of(excinfo) == ("EntityAlreadyExists", "User with name dana already exists.", 409)
    assert iam.list_user_tags(UserName="Dana")["Tags"] == [{"Key": "team", "Value": "blue"}]
    assert tag_rows(server) == stored


def tag_rows(server: IamdServer) -> int:
    database, _ = server.open_store()
    try:
        with database.transaction(write=False) as conn:
            return int(conn.execute(select(func.count()).select_from(tags_table)).scalar_one())
    finally:
        database.dispose()


def test_names_are_unique_case_insensitively(iam: Any) -> None:
    iam.create_user(UserName="Carol")
    with pytest.raises(ClientError) as excinfo:
        iam.create_user(UserName="carol")
    assert error_of(excinfo) == ("EntityAlreadyExists", "User with name carol already exists.", 409)
    assert iam.get_user(UserName="CAROL")["User"]["UserName"] == "Carol"


def test_missing_user_errors(iam: Any) -> None:
    for call in (
        lambda: iam.get_user(UserName="nonexistent-user"),
        lambda: iam.update_user(UserName="nonexistent-user", NewPath="/x/"),
        lambda: iam.delete_user(UserName="nonexistent-user"),
        lambda: iam.tag_user(UserName="nonexistent-user", Tags=[{"Key": "a", "Value": "b"}]),
        lambda: iam.untag_user(UserName="nonexistent-user", TagKeys=["a"]),
        lambda: iam.list_user_tags(UserName="nonexistent-user"),
    ):
        with pytest.raises(ClientError) as excinfo:
            call()
        assert error_of(excinfo) == (
            "NoSuchEntity",
            "The user with name nonexistent-user cannot be found.",
            404,
        )


def test_update_user_renames_and_moves(iam: Any, account: Any) -> None:
    iam.create_user(UserName="dave")
    iam.update_user(UserName="dave", NewUserName="david", NewPath="/ops/")
    user = iam.get_user(UserName="david")["User"]
    assert user["Arn"] == f"arn:aws:iam::{account.account_id}:user/ops/david"
    with pytest.raises(ClientError):
        iam.get_user(UserName="dave")


def test_rename_onto_existing_name_conflicts(iam: Any) -> None:
    iam.create_user(UserName="erin")
    iam.create_user(UserName="frank")
    with pytest.raises(ClientError) as excinfo:
        iam.update_user(UserName="erin", NewUserName="FRANK")
    assert error_of(excinfo)[0] == "EntityAlreadyExists"


def test_list_users_pages_and_path_prefix(iam: Any) -> None:
    names = [f"user{i:02d}" for i in range(7)]
    for i, name in enumerate(names):
        iam.create_user(UserName=name, Path="/team/" if i % 2 else "/")
    seen: list[str] = []
    marker: str | None = None
    while True:
        kwargs: dict[str, Any] = {"MaxItems": 3}
        if marker:
            kwargs["Marker"] = marker
        page = iam.list_users(**kwargs)
        assert len(page["Users"]) <= 3
        seen += [u["UserName"] for u in page["Users"]]
        if not page["IsTruncated"]:
            assert "Marker" not in page
            break
        marker = page["Marker"]
    assert seen == names
    team = iam.list_users(PathPrefix="/team/")["Users"]
    assert [u["UserName"] for u in team] == names[1::2]
    paginated = iam.get_paginator("list_users").paginate(PaginationConfig={"PageSize": 2})
    assert [u["UserName"] for page in paginated for u in page["Users"]] == names


def test_path_prefix_is_literal_through_pages(iam: Any) -> None:
    """LIKE's wildcards in a prefix match only themselves, on every page."""
    for name, path in [("w1", "/a_b/"), ("w2", "/a_b/x/"), ("w3", "/axb/"), ("w4", "/a%b/")]:
        iam.create_user(UserName=name, Path=path)
    first = iam.list_users(PathPrefix="/a_b/", MaxItems=1)
    rest = iam.list_users(PathPrefix="/a_b/", Marker=first["Marker"])
    assert [u["UserName"] for u in first["Users"] + rest["Users"]] == ["w1", "w2"]
    assert not rest["IsTruncated"]
    assert [u["UserName"] for u in iam.list_users(PathPrefix="/a%")["Users"]] == ["w4"]


def test_pagination_survives_concurrent_deletes(iam: Any) -> None:
    for name in ("p1", "p2", "p3", "p4"):
        iam.create_user(UserName=name)
    first = iam.list_users(MaxItems=2)
    iam.delete_user(UserName="p1")
    iam.delete_user(UserName="p3")
    rest = iam.list_users(Marker=first["Marker"])
    assert [u["UserName"] for u in first["Users"]] == ["p1", "p2"]
    assert [u["UserName"] for u in rest["Users"]] == ["p4"]


def test_tag_and_untag(iam: Any) -> None:
    iam.create_user(UserName="tagged")
    assert iam.list_user_tags(UserName="tagged")["Tags"] == []
    iam.tag_user(
        UserName="tagged",
        Tags=[{"Key": "key-1", "Value": "value-1"}, {"Key": "key-2", "Value": "value-2"}],
    )
    iam.tag_user(UserName="tagged", Tags=[{"Key": "KEY-1", "Value": "new"}])
    assert iam.list_user_tags(UserName="tagged")["Tags"] == [
        {"Key": "key-1", "Value": "new"},
        {"Key": "key-2", "Value": "value-2"},
    ]
    iam.untag_user(UserName="tagged", TagKeys=["key-2"])
    assert iam.list_user_tags(UserName="tagged")["Tags"] == [{"Key": "key-1", "Value": "new"}]


def test_tag_limits(iam: Any) -> None:
    iam.create_user(UserName="many-tags")
    fifty = [{"Key": f"k{i}", "Value": "v"} for i in range(50)]
    iam.tag_user(UserName="many-tags", Tags=fifty)
    with pytest.raises(ClientError) as excinfo:
        iam.tag_user(UserName="many-tags", Tags=[{"Key": "one-more", "Value": "v"}])
    assert error_of(excinfo) == (
        "LimitExceeded",
        "The number of tags has reached the maximum limit.",
        409,
    )
    with pytest.raises(ClientError) as excinfo:
        iam.tag_user(
            UserName="many-tags", Tags=[{"Key": "a", "Value": "1"}, {"Key": "A", "Value": "2"}]
        )
    assert error_of(excinfo) == (
        "InvalidInput",
        "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
        400,
    )


def test_invalid_user_name_is_a_validation_error(iam: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        iam.create_user(UserName="not valid!")
    code, message, status = error_of(excinfo)
    assert (code, status) == ("ValidationError", 400)
    assert message == (
        # IAM names the member but not the value (recorded from AWS).
        "1 validation error detected: Value at 'userName' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+"
    )
    assert iam.list_users()["Users"] == []


def test_delete_user_with_access_key_conflicts(iam: Any) -> None:
    iam.create_user(UserName="keyed")
    key = iam.create_access_key(UserName="keyed")["AccessKey"]
    with pytest.raises(ClientError) as excinfo:
        iam.delete_user(UserName="keyed")
    assert error_of(excinfo) == (
        "DeleteConflict",
        "Cannot delete entity, must delete access keys first.",
        409,
    )
    iam.delete_access_key(UserName="keyed", AccessKeyId=key["AccessKeyId"])
    iam.delete_user(UserName="keyed")


def test_get_user_without_name_as_root(iam: Any, account: Any) -> None:
    user = iam.get_user()["User"]
    assert user["UserId"] == account.account_id
    assert user["Arn"] == f"arn:aws:iam::{account.account_id}:root"


def test_get_user_without_name_as_user(iam: Any, make_client: Any, account: Any) -> None:
    iam.create_user(UserName="self")
    key = iam.create_access_key(UserName="self")["AccessKey"]
    # Reading itself is still an IAM call: a user without policies is denied it.
    as_user = make_client("iam", key["AccessKeyId"], key["SecretAccessKey"])
    with pytest.raises(ClientError) as excinfo:
        as_user.get_user()
    code, message, status = error_of(excinfo)
    assert (code, status) == ("AccessDenied", 403)
    assert message == (
        f"User: arn:aws:iam::{account.account_id}:user/self is not authorized to perform: "
        "iam:GetUser on resource: user self because no "
        "identity-based policy allows the iam:GetUser action"
    )
