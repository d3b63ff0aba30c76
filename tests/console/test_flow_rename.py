"""Renaming a user in a browser: a name breaking IAM's rules is refused in the page, a
name taken gets the API's error, and a good one renames the user through UpdateUser,
which GetUser confirms under both names."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from playwright.sync_api import expect

from console.conftest import Shots
from console.flows import open_section, signed_in_root
from support import IamdServer

RULE = "User names can have up to 64 letters, digits and +=,.@_-"


def test_a_user_is_renamed_in_the_page(
    page: Any, console_url: str, server: IamdServer, shots: Shots
) -> None:
    _, iam = signed_in_root(page, console_url, server)
    user_id = iam.create_user(UserName="old-name")["User"]["UserId"]
    iam.create_user(UserName="taken")
    iam.create_group(GroupName="crew")
    iam.add_user_to_group(GroupName="crew", UserName="old-name")
    open_section(page, "Users")
    page.get_by_role("link", name="old-name", exact=True).click()
    page.get_by_role("link", name="Rename").click()

    page.get_by_label("New user name").fill("new name!")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#new_name-rule")).to_have_text(RULE)
    shots.take(page, "name-rule")
    page.get_by_label("New user name").fill("TAKEN")  # names are unique ignoring case
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("EntityAlreadyExists")
    shots.take(page, "name-taken")
    assert iam.get_user(UserName="old-name")["User"]["UserId"] == user_id

    page.get_by_label("New user name").fill("new-name")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("User renamed to new-name.").wait_for()
    page.get_by_role("heading", name="new-name", exact=True).wait_for()
    shots.take(page, "renamed")
    renamed = iam.get_user(UserName="new-name")["User"]
    assert renamed["UserId"] == user_id
    assert renamed["Arn"].endswith(":user/new-name")
    with pytest.raises(ClientError, match="NoSuchEntity"):
        iam.get_user(UserName="old-name")
    members = iam.get_group(GroupName="crew")["Users"]
    assert [member["UserName"] for member in members] == ["new-name"]
