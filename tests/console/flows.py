"""What a person does in the console, step by step, for the browser tests to reuse."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from console.conftest import PASSWORD
from support import IamdServer


@dataclass(frozen=True)
class Account:
    account_id: str
    email: str
    password: str
    user_signin_url: str


def sign_up(page: Any, console_url: str, password: str, shots: Any = None) -> Account:
    email = f"founder-{secrets.token_hex(4)}@example.com"
    page.goto(console_url + "/signup")
    page.get_by_label("Root user email address").fill(email)
    page.get_by_label("Account name").fill("seed-account")
    page.get_by_label("Root user password", exact=True).fill(password)
    page.get_by_label("Confirm root user password").fill(password)
    if shots:
        shots.take(page, "signup")
    page.get_by_role("button", name="Create account").click()
    page.get_by_role("heading", name="Sign in to your new account").wait_for()
    if shots:
        shots.take(page, "account-created")
    # Sign-up names no account (it would tell whether the email had one): the
    # dashboard does, once signed in.
    sign_in_root(page, console_url, email, password)
    url = page.get_by_test_id("signin-url").first.inner_text().strip()
    account_id = url.rsplit("/", 2)[-2]
    return Account(account_id, email, password, url)


def sign_in_root(page: Any, console_url: str, email: str, password: str) -> None:
    page.goto(console_url + "/signin")
    page.get_by_label("Root user email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()


def sign_in_user(page: Any, signin_url: str, user_name: str, password: str) -> None:
    page.goto(signin_url)
    page.get_by_label("IAM user name").fill(user_name)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()


def sign_out(page: Any) -> None:
    page.get_by_role("button", name="Sign out").click()


def open_section(page: Any, name: str) -> None:
    """A link of the IAM sidebar (on a phone, behind its "Menu" button)."""
    nav = page.get_by_role("navigation", name="IAM")
    menu = nav.get_by_role("button", name="Menu")
    if menu.is_visible() and menu.get_attribute("aria-expanded") != "true":
        menu.click()
    nav.get_by_role("link", name=name, exact=True).click()


def add_console_user(page: Any, user_name: str, password: str, policy: str | None = None) -> None:
    """The add-user wizard: console access with a custom password, no reset, one policy."""
    open_section(page, "Users")
    page.get_by_role("link", name="Add users").click()
    page.get_by_label("User name").fill(user_name)
    page.get_by_label("Console access").check()
    page.get_by_role("radio", name="Custom password").check()
    page.get_by_label("Custom password to set").fill(password)
    page.get_by_label("Require password reset").uncheck()
    page.get_by_role("button", name="Next: Permissions").click()
    if policy is not None:
        page.get_by_role("radio", name="Attach existing policies directly").check()
        page.get_by_label("Filter policies").fill(policy)
        page.get_by_role("button", name="Search").click()
        page.get_by_label(policy, exact=True).check()
    page.get_by_role("button", name="Next: Tags").click()
    page.get_by_role("button", name="Next: Review").click()
    page.get_by_role("button", name="Create user").click()
    page.get_by_text("last time").wait_for()


def root_access_key(page: Any, console_url: str) -> tuple[str, str]:
    """A root access key created on "My security credentials": (key id, secret)."""
    page.goto(console_url + "/iam/my-access-keys/new")
    page.get_by_label("I understand creating a root access key").check()
    page.get_by_role("button", name="Create access key").click()
    key_id = page.get_by_test_id("access-key-id").inner_text().strip()
    # The secret sits in a closed <details>: its text is there, though not shown.
    secret = (page.get_by_test_id("secret-access-key").text_content() or "").strip()
    return key_id, secret


def signed_in_root(page: Any, console_url: str, server: IamdServer) -> tuple[Account, Any]:
    """A new account whose root is signed in on the page, and a boto3 IAM client of it
    (a root key made in the page), to check each step against the API."""
    account = sign_up(page, console_url, PASSWORD)
    key_id, secret = root_access_key(page, console_url)
    page.goto(console_url + "/iam")
    return account, server.client("iam", key_id, secret)
