"""A root user without a console password gets one through a one-time link printed by
the CLI; a forgotten root password is reset the same way. Over HTTP, as a browser."""

from __future__ import annotations

import secrets
import subprocess
import sys

from console.http_client import PASSWORD, Browser, sign_in_root, sign_up, token_of
from console.root_cli import account_cli, link_path
from support import IamdServer, RootCredential

NEW_PASSWORD = "Brand-New-Root-Pass-1"


def _set_login(browser: Browser, path: str, email: str) -> tuple[int, str]:
    fields = {"email": email, "password": PASSWORD, "confirm": PASSWORD}
    status, _, html = browser.submit(path, fields)
    return status, html


def test_a_root_made_by_the_cli_sets_its_login_once(
    server: IamdServer, browser: Browser, account: RootCredential
) -> None:
    output = account_cli(server, "set-root-login", "--account-id", account.account_id)
    assert "works once, for 24 hours" in output and "sends no email" in output
    path = link_path(output)
    status, _, html = browser.get(path)
    assert status == 200 and "Set up root user sign-in" in html
    email = f"owner-{secrets.token_hex(4)}@example.com"
    status, html = _set_login(browser, path, email)
    assert status == 200 and "Sign in as the root user" in html and email in html
    sign_in_root(browser, email)
    status, _, html = browser.get("/iam/my-credentials")
    assert status == 200 and email in html and "Root user" in html
    status, _, html = browser.get(path)
    assert status == 404 and "This link is not valid" in html


def test_a_refused_form_keeps_the_link_and_a_used_link_changes_nothing(
    server: IamdServer, browser: Browser, account: RootCredential
) -> None:
    path = link_path(account_cli(server, "set-root-login", "--account-id", account.account_id))
    fields = {"email": "owner@example.com", "password": "short", "confirm": "short"}
    status, _, html = browser.submit(path, fields)
    assert status == 400 and "does not meet the requirements" in html
    email = f"owner-{secrets.token_hex(4)}@example.com"
    assert _set_login(browser, path, email)[0] == 200
    thief = Browser(browser.base)
    token = token_of(thief.get("/signin")[2])
    fields = {"email": "thief@example.com", "password": PASSWORD, "confirm": PASSWORD}
    status, _, html = thief.post(path, {**fields, "csrf_token": token})
    assert status == 404 and "This link is not valid" in html
    other = Browser(browser.base)
    status, _, html = other.submit("/signin", {"email": "thief@example.com", "password": PASSWORD})
    assert status == 401


def test_a_newer_link_replaces_the_printed_one(
    server: IamdServer, browser: Browser, account: RootCredential
) -> None:
    first = link_path(account_cli(server, "set-root-login", "--account-id", account.account_id))
    second = link_path(account_cli(server, "set-root-login", "--account-id", account.account_id))
    assert browser.get(first)[0] == 404
    assert browser.get(second)[0] == 200


def test_a_forgotten_root_password_is_reset_through_a_printed_link(
    server: IamdServer, browser: Browser
) -> None:
    email = sign_up(browser)
    sign_in_root(browser, email)
    status, _, html = Browser(browser.base).get("/signin/forgot-password")
    assert status == 200 and "iamd sends no email" in html
    assert "iamd account reset-root-password" in html
    output = account_cli(server, "reset-root-password", "--email", email.upper())
    assert "works once, for 1 hour" in output
    path = link_path(output)
    stranger = Browser(browser.base)
    status, _, html = stranger.get(path)
    assert status == 200 and "Reset root user password" in html and email in html
    fields = {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    status, _, html = stranger.submit(path, fields)
    assert status == 200 and "Your password was reset" in html
    status, headers, _ = browser.get("/iam")  # the session of the old password ended
    assert status == 303 and headers["location"] == "/console/signin"
    status, _, _ = stranger.submit("/signin", {"email": email, "password": PASSWORD})
    assert status == 401
    sign_in_root(stranger, email, NEW_PASSWORD)
    assert stranger.submit(path, fields)[0] == 404


def test_an_unknown_account_gets_no_link(server: IamdServer) -> None:
    command = [sys.executable, "-m", "iamd.cli.main", "account", "reset-root-password"]
    command += ["--email", "nobody@example.invalid", "--data-dir", str(server.data_dir)]
    if server.database_url:
        command += ["--database-url", server.database_url]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "No account nobody@example.invalid" in result.stderr


def test_a_guessed_link_opens_nothing(browser: Browser) -> None:
    status, _, html = browser.get("/root-login/" + secrets.token_urlsafe(32))
    assert status == 404 and "This link is not valid" in html
    status, _, _ = browser.get("/reset-password/x")
    assert status == 404
