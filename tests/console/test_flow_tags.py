"""Tags in a browser, on a user, a role, a customer managed policy and an OpenID Connect
provider: added, edited and removed on "Manage tags", each save checked with the
entity's List…Tags call."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from playwright.sync_api import expect

from console.conftest import Shots
from console.flows import open_section, signed_in_root
from support import IamdServer

TRUST = json.dumps(
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
ALLOW_READ = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}],
    }
)


def _save_tags(page: Any, name: str, rows: list[tuple[str, str]], shots: Shots) -> None:
    """On the entity's page: "Manage tags", the rows typed in order (blank rows remove
    the tags they held), saved."""
    page.get_by_role("link", name="Manage tags").click()
    for index, (key, value) in enumerate(rows, start=1):
        if page.get_by_label(f"Tag key {index}").count() == 0:
            page.get_by_role("button", name="Add another tag").click()
            page.get_by_label(f"Tag key {index}").wait_for()
        page.get_by_label(f"Tag key {index}").fill(key)
        page.get_by_label(f"Tag value {index}").fill(value)
    shots.take(page, "manage-tags")
    page.get_by_role("button", name="Save changes").click()
    page.get_by_text(f"Tags of {name} saved.").wait_for()


def _add_edit_remove(
    page: Any, name: str, listed: Callable[[], list[dict[str, str]]], shots: Shots
) -> None:
    _save_tags(page, name, [("team", "web"), ("cost-center", "42")], shots)
    expect(page.get_by_role("cell", name="cost-center")).to_be_visible()
    shots.take(page, "tags-added")
    assert {tag["Key"]: tag["Value"] for tag in listed()} == {"team": "web", "cost-center": "42"}
    _save_tags(page, name, [("team", "platform"), ("", "")], shots)
    expect(page.get_by_role("cell", name="platform")).to_be_visible()
    expect(page.get_by_role("cell", name="cost-center")).to_be_hidden()
    shots.take(page, "tags-edited")
    assert listed() == [{"Key": "team", "Value": "platform"}]
    _save_tags(page, name, [("", "")], shots)
    expect(page.get_by_text("No tags.")).to_be_visible()
    assert listed() == []


def test_a_user_s_tags(page: Any, console_url: str, server: IamdServer, shots: Shots) -> None:
    _, iam = signed_in_root(page, console_url, server)
    iam.create_user(UserName="tagged-user")
    open_section(page, "Users")
    page.get_by_role("link", name="tagged-user", exact=True).click()
    _add_edit_remove(
        page, "tagged-user", lambda: iam.list_user_tags(UserName="tagged-user")["Tags"], shots
    )


def test_a_role_s_tags(page: Any, console_url: str, server: IamdServer, shots: Shots) -> None:
    _, iam = signed_in_root(page, console_url, server)
    iam.create_role(RoleName="tagged-role", AssumeRolePolicyDocument=TRUST)
    open_section(page, "Roles")
    page.get_by_role("link", name="tagged-role", exact=True).click()
    _add_edit_remove(
        page, "tagged-role", lambda: iam.list_role_tags(RoleName="tagged-role")["Tags"], shots
    )


def test_a_customer_managed_policy_s_tags(
    page: Any, console_url: str, server: IamdServer, shots: Shots
) -> None:
    _, iam = signed_in_root(page, console_url, server)
    arn = iam.create_policy(PolicyName="tagged-policy", PolicyDocument=ALLOW_READ)["Policy"]["Arn"]
    open_section(page, "Policies")
    page.get_by_label("Filter policies by name").fill("tagged-policy")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="tagged-policy", exact=True).click()
    _add_edit_remove(
        page, "tagged-policy", lambda: iam.list_policy_tags(PolicyArn=arn)["Tags"], shots
    )


def test_an_openid_connect_provider_s_tags(
    page: Any, console_url: str, server: IamdServer, shots: Shots
) -> None:
    _, iam = signed_in_root(page, console_url, server)
    host = "oidc.example.com"
    arn = iam.create_open_id_connect_provider(
        Url=f"https://{host}", ClientIDList=["app"], ThumbprintList=["b" * 40]
    )["OpenIDConnectProviderArn"]
    open_section(page, "Identity providers")
    page.get_by_role("link", name=host, exact=True).click()

    def listed() -> list[dict[str, str]]:
        tags: list[dict[str, str]] = iam.list_open_id_connect_provider_tags(
            OpenIDConnectProviderArn=arn
        )["Tags"]
        return tags

    _add_edit_remove(page, host, listed, shots)
