"""Create role in Chromium: the permissions boundary is chosen in a policy picker (one
policy, searched as in the permissions picker), and GetRole shows it."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from console.conftest import PASSWORD, Shots
from console.flows import open_section, sign_in_root, sign_up
from support import IamdServer

BOUNDARY = "arn:aws:iam::aws:policy/PowerUserAccess"


def test_a_role_s_boundary_is_picked_in_the_wizard(
    page: Any, console_url: str, server: IamdServer, shots: Shots
) -> None:
    account = sign_up(page, console_url, PASSWORD)
    sign_in_root(page, console_url, account.email, PASSWORD)
    open_section(page, "Roles")
    page.get_by_role("link", name="Create role").click()
    page.get_by_label("Service or use case").fill("lambda")
    page.get_by_role("radio", name="Lambda · Lambda", exact=True).check()
    page.get_by_role("button", name="Next", exact=True).click()
    expect(page.get_by_label("No permissions boundary")).to_be_checked()
    page.get_by_text("Use a permissions boundary to control the maximum role permissions").click()
    page.get_by_label("Find a boundary policy").fill("PowerUserAccess")
    page.get_by_role("button", name="Find", exact=True).click()
    page.get_by_label("Boundary: PowerUserAccess", exact=True).check()
    page.get_by_label("Filter policies").fill("AWSLambdaBasicExecutionRole")
    page.get_by_role("button", name="Search", exact=True).click()
    page.get_by_label("AWSLambdaBasicExecutionRole", exact=True).check()
    expect(page.get_by_label("Boundary: PowerUserAccess", exact=True)).to_be_checked()
    shots.take(page, "boundary-picked")
    page.get_by_role("button", name="Next", exact=True).click()
    expect(page.get_by_text(f"Permissions boundary: {BOUNDARY}")).to_be_visible()
    page.get_by_label("Role name").fill("capped-fn")
    page.get_by_role("button", name="Create role").click()
    page.get_by_text("Role capped-fn created.").wait_for()
    key = _root_key(page, console_url)
    role = server.client("iam", *key).get_role(RoleName="capped-fn")["Role"]
    assert role["PermissionsBoundary"]["PermissionsBoundaryArn"] == BOUNDARY


def _root_key(page: Any, console_url: str) -> tuple[str, str]:
    """A root access key made on "My security credentials", to ask the API."""
    page.goto(console_url + "/iam/my-access-keys/new")
    page.get_by_label("I understand creating a root access key").check()
    page.get_by_role("button", name="Create access key").click()
    page.get_by_text("Show").click()
    key_id = page.get_by_test_id("access-key-id").inner_text()
    secret = page.get_by_test_id("secret-access-key").inner_text()
    return key_id, secret
