"""Create role in a browser, as AWS's wizard: an EC2 role found by searching as you
type, its preselected policy, the review, and the instance profile it gets."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from console.conftest import PASSWORD, Shots
from console.flows import open_section, sign_in_root, sign_up


def test_an_ec2_role_through_the_wizard(page: Any, console_url: str, shots: Shots) -> None:
    account = sign_up(page, console_url, PASSWORD)
    sign_in_root(page, console_url, account.email, PASSWORD)
    open_section(page, "Roles")
    page.get_by_role("link", name="Create role").click()
    assert page.get_by_role("radio", name="AWS service").is_checked()
    expect(page.get_by_label("Account ID of the other account")).to_be_hidden()
    page.get_by_label("Service or use case").fill("systems man")  # filtered as typed
    expect(page.get_by_text("Lambda@Edge")).to_be_hidden()
    page.get_by_role("radio", name="EC2 · EC2 Role for AWS Systems Manager").check()
    shots.take(page, "trusted-entity")
    page.get_by_role("button", name="Next", exact=True).click()
    assert page.get_by_label("AmazonSSMManagedInstanceCore", exact=True).is_checked()
    shots.take(page, "permissions")
    page.get_by_role("button", name="Next", exact=True).click()
    page.get_by_label("Role name").fill("web-server")
    page.get_by_label("Description (optional)").fill("Runs the web tier")
    assert '"ec2.amazonaws.com"' in page.get_by_label("Trust policy").inner_text()
    expect(page.get_by_text("an instance profile")).to_be_visible()
    shots.take(page, "review")
    page.get_by_role("button", name="Create role").click()
    page.get_by_text("Role web-server created.").wait_for()
    expect(page.get_by_role("link", name="AmazonSSMManagedInstanceCore")).to_be_visible()
    page.get_by_role("link", name="Edit trust policy").click()
    page.get_by_role("heading", name="Edit trust policy of web-server").wait_for()
    shots.take(page, "edit-trust")
