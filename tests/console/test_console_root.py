"""The root user in a browser: a CLI-made root sets its login through the printed link,
signs in, and manages its own access keys on "My security credentials"."""

from __future__ import annotations

import secrets
from typing import Any

from playwright.sync_api import expect

from console.conftest import PASSWORD, Shots
from console.root_cli import account_cli, link_path
from support import IamdServer, RootCredential


def test_a_cli_made_root_signs_in_and_manages_its_keys(
    page: Any, console_url: str, server: IamdServer, account: RootCredential, shots: Shots
) -> None:
    link = link_path(account_cli(server, "set-root-login", "--account-id", account.account_id))
    page.goto(console_url + link)
    email = f"root-{secrets.token_hex(4)}@example.com"
    page.get_by_label("Root user email address").fill(email)
    page.get_by_label("New root user password").fill(PASSWORD)
    page.get_by_label("Confirm new password").fill(PASSWORD)
    shots.take(page, "set-root-login")
    page.get_by_role("button", name="Set email and password").click()
    page.get_by_role("heading", name="Sign in as the root user").wait_for()
    page.get_by_role("link", name="Sign in").click()
    page.get_by_label("Root user email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_role("heading", name="IAM dashboard").wait_for()

    page.get_by_role("link", name="My security credentials").click()
    assert page.get_by_test_id("root-email").inner_text() == email
    expect(page.get_by_test_id("root-key-advice")).to_be_visible()
    expect(page.get_by_text(account.access_key_id)).to_be_visible()  # the CLI's root key
    shots.take(page, "my-security-credentials")
    page.get_by_role("link", name="Create access key").click()
    page.get_by_role("button", name="Create access key").click()
    expect(page.get_by_text("confirm that you understand")).to_be_visible()
    page.get_by_label("I understand creating a root access key").check()
    shots.take(page, "root-key-advice")
    page.get_by_role("button", name="Create access key").click()
    page.get_by_text("Show").click()
    key_id = page.get_by_test_id("access-key-id").inner_text()
    shots.take(page, "root-key-created")
    page.get_by_role("link", name="Done").click()

    page.get_by_role("link", name=f"Delete {account.access_key_id}").click()
    page.get_by_label("To confirm, type the access key ID").fill(account.access_key_id)
    shots.take(page, "delete-root-key")
    page.get_by_role("button", name="Delete").click()
    page.get_by_text(f"Access key {account.access_key_id} deleted.").wait_for()
    expect(page.get_by_text(key_id)).to_be_visible()
    assert page.get_by_text(account.access_key_id).count() == 1  # only in the notice
