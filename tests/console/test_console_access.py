"""An IAM user sees and changes only what its policies allow; a denial shows AWS's reason."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from console.conftest import PASSWORD, Shots
from console.flows import (
    add_console_user,
    open_section,
    sign_in_root,
    sign_in_user,
    sign_out,
    sign_up,
)

READER_PASSWORD = "Reader-Pass-123!"


def test_a_read_only_user_reads_and_is_denied_writes(
    page: Any, console_url: str, shots: Shots
) -> None:
    account = sign_up(page, console_url, PASSWORD)
    sign_in_root(page, console_url, account.email, PASSWORD)
    add_console_user(page, "reader", READER_PASSWORD, policy="IAMReadOnlyAccess")
    add_console_user(page, "nobody", READER_PASSWORD)
    sign_out(page)

    sign_in_user(page, account.user_signin_url, "reader", READER_PASSWORD)
    page.get_by_role("heading", name="IAM dashboard").wait_for()
    assert page.get_by_test_id("count-users").inner_text() == "2"
    open_section(page, "Users")
    expect(page.get_by_role("link", name="nobody")).to_be_visible()
    shots.take(page, "reader-lists-users")

    open_section(page, "Groups")
    page.get_by_role("link", name="Create group").click()
    page.get_by_label("Group name").fill("sneaky")
    page.get_by_role("button", name="Create group").click()
    alert = page.get_by_role("alert").inner_text()
    group_arn = f"arn:aws:iam::{account.account_id}:group/sneaky"
    assert (
        f"User: arn:aws:iam::{account.account_id}:user/reader is not authorized to perform: "
        f"iam:CreateGroup on resource: {group_arn}"
    ) in alert
    shots.take(page, "reader-denied")

    page.goto(console_url + "/iam/users/nobody/delete")
    page.get_by_label("To confirm, type the user name").fill("nobody")
    page.get_by_role("button", name="Delete user").click()
    denial = page.get_by_role("alert").inner_text()  # the first of the calls: its password
    assert "is not authorized to perform: iam:DeleteLoginProfile" in denial
    sign_out(page)

    sign_in_user(page, account.user_signin_url, "nobody", READER_PASSWORD)
    page.get_by_role("heading", name="IAM dashboard").wait_for()
    denial = page.get_by_role("alert").first.inner_text()
    assert "is not authorized to perform: iam:GetAccountSummary" in denial
    shots.take(page, "nobody-dashboard")


def test_read_only_pages_work_without_javascript(
    chromium: Any, console_url: str, shots: Shots
) -> None:
    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        account = sign_up(page, console_url, PASSWORD)
        sign_in_root(page, console_url, account.email, PASSWORD)
        for section, heading in (
            ("Users", "Users"),
            ("Groups", "Groups"),
            ("Roles", "Roles"),
            ("Policies", "Policies"),
            ("Identity providers", "Identity providers"),
            ("Account settings", "Account settings"),
        ):
            open_section(page, section)
            # Waits for the page the link leads to (a busy machine may still be loading it).
            page.get_by_role("heading", name=heading).first.wait_for(state="visible")
            shots.take(page, section.lower().replace(" ", "-"))
        page.get_by_role("link", name="My security credentials").click()
        page.get_by_role("heading", name="My security credentials").wait_for(state="visible")
    finally:
        context.close()


def test_the_sign_in_form_is_keyboard_navigable(page: Any, console_url: str) -> None:
    """The email field has focus on arrival; Tab walks every control, skip link included."""
    page.goto(console_url + "/signin")
    assert page.evaluate("document.activeElement.id") == "email"
    focused = []
    for _ in range(10):
        page.keyboard.press("Tab")
        element = "document.activeElement"
        focused.append(page.evaluate(f"{element}.id || {element}.textContent.trim()"))
    assert focused[:2] == ["password", "Sign in"]
    assert {"account", "Create an account", "Skip to main content"} <= set(focused)
