"""The root user in a browser: its password changed on "My security credentials" and
recovered through the link the CLI prints, its access keys made and deleted under
AWS's advice against them. Each step is checked against the API or a sign-in."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from playwright.sync_api import expect

from console.conftest import PASSWORD, Shots
from console.flows import root_access_key, sign_in_root, sign_out, sign_up, signed_in_root
from console.root_cli import account_cli, link_path
from support import IamdServer

NEW_PASSWORD = "Fresh-Root-Pass-2027"
INCORRECT = "Your authentication information is incorrect. Please try again."


def _refused(page: Any, console_url: str, email: str, password: str) -> None:
    sign_in_root(page, console_url, email, password)
    expect(page.get_by_role("alert")).to_have_text(INCORRECT)


def test_the_root_changes_its_password(page: Any, console_url: str, shots: Shots) -> None:
    account = sign_up(page, console_url, PASSWORD)
    page.get_by_role("link", name="My security credentials").click()
    page.locator("summary", has_text="Change password").click()
    page.get_by_label("Current password").fill("Not-The-Password-1")
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Retype new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("The current password is incorrect.")).to_be_visible()
    shots.take(page, "wrong-current-password")
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Retype new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    page.get_by_text("Your password was changed.").wait_for()
    shots.take(page, "password-changed")
    sign_out(page)

    _refused(page, console_url, account.email, PASSWORD)
    sign_in_root(page, console_url, account.email, NEW_PASSWORD)
    page.get_by_role("heading", name="IAM dashboard").wait_for()


def test_a_forgotten_root_password_is_reset_through_the_printed_link(
    page: Any, chromium: Any, console_url: str, server: IamdServer, shots: Shots
) -> None:
    account = sign_up(page, console_url, PASSWORD)
    earlier = chromium.new_context()  # a session of the old password, elsewhere
    other = earlier.new_page()
    sign_in_root(other, console_url, account.email, PASSWORD)
    other.get_by_role("heading", name="IAM dashboard").wait_for()
    sign_out(page)
    page.get_by_role("link", name="Forgot password?").click()
    expect(page.get_by_text("iamd sends no email.")).to_be_visible()
    expect(page.get_by_text("iamd account reset-root-password --email")).to_be_visible()
    shots.take(page, "forgot-password")

    link = link_path(account_cli(server, "reset-root-password", "--email", account.email))
    page.goto(console_url + link)
    expect(page.get_by_text(account.email)).to_be_visible()
    page.get_by_label("New root user password").fill(NEW_PASSWORD)
    page.get_by_label("Confirm new password").fill(NEW_PASSWORD)
    shots.take(page, "reset-password")
    page.get_by_role("button", name="Reset password").click()
    page.get_by_role("heading", name="Your password was reset").wait_for()
    shots.take(page, "password-reset")

    other.goto(console_url + "/iam")
    expect(other).to_have_url(console_url + "/signin")
    earlier.close()
    _refused(page, console_url, account.email, PASSWORD)
    sign_in_root(page, console_url, account.email, NEW_PASSWORD)
    page.get_by_role("heading", name="IAM dashboard").wait_for()
    page.goto(console_url + link)  # the link works once
    expect(page.get_by_text("This link is not valid")).to_be_visible()


def test_root_access_keys_are_made_and_deleted_under_aws_s_advice(
    page: Any, console_url: str, server: IamdServer, shots: Shots
) -> None:
    account, iam = signed_in_root(page, console_url, server)
    checker = iam.list_access_keys()["AccessKeyMetadata"][0]["AccessKeyId"]
    assert iam.get_user()["User"]["Arn"] == f"arn:aws:iam::{account.account_id}:root"
    page.get_by_role("link", name="My security credentials").click()
    expect(page.get_by_test_id("root-key-advice")).to_contain_text(
        "do not use root user access keys"
    )
    page.get_by_role("link", name="Create access key").click()
    expect(page.get_by_text("Root user access keys are not recommended.")).to_be_visible()
    page.get_by_role("button", name="Create access key").click()  # advice not acknowledged
    expect(page.get_by_text("confirm that you understand")).to_be_visible()
    shots.take(page, "root-key-advice")
    assert [key["AccessKeyId"] for key in iam.list_access_keys()["AccessKeyMetadata"]] == [checker]
    key_id, secret = root_access_key(page, console_url)
    shots.take(page, "root-key-created")
    listed = {key["AccessKeyId"] for key in iam.list_access_keys()["AccessKeyMetadata"]}
    assert listed == {checker, key_id}
    second = server.client("iam", key_id, secret)
    assert second.get_user()["User"]["Arn"] == f"arn:aws:iam::{account.account_id}:root"

    page.get_by_role("link", name="Done").click()
    expect(page.get_by_role("link", name="Create access key")).to_be_hidden()  # two at most
    page.get_by_role("link", name=f"Delete {key_id}").click()
    page.get_by_label("To confirm, type the access key ID").fill(key_id)
    shots.take(page, "delete-root-key")
    page.get_by_role("button", name="Delete").click()
    page.get_by_text(f"Access key {key_id} deleted.").wait_for()
    listed = {key["AccessKeyId"] for key in iam.list_access_keys()["AccessKeyMetadata"]}
    assert listed == {checker}
    with pytest.raises(ClientError, match="InvalidClientTokenId"):
        second.get_user()
