"""Neither the set-root-login link nor sign-up tells whether an email is registered:
the answer to a taken email is the answer to a free one, and nothing changes. Over
HTTP, as a browser."""

from __future__ import annotations

import re
import secrets

from console.http_client import PASSWORD, Browser, sign_in_root, sign_up
from console.root_cli import account_cli, link_path
from support import IamdServer, RootCredential

OTHER_PASSWORD = "Another-Root-Pass-7"
_TOKENS = re.compile(r'name="csrf_token" value="[^"]+"')


def _same_shape(html: str, email: str) -> str:
    """The page with the typed email and the form tokens blanked, to compare two answers."""
    return _TOKENS.sub('name="csrf_token" value=""', html.replace(email, "EMAIL"))


def _set_login(server: IamdServer, account: RootCredential, email: str) -> tuple[int, str, str]:
    """Open a fresh link for the account and submit this email; (status, page, link)."""
    path = link_path(account_cli(server, "set-root-login", "--account-id", account.account_id))
    fields = {"email": email, "password": OTHER_PASSWORD, "confirm": OTHER_PASSWORD}
    status, _, html = Browser(server.endpoint + "/console").submit(path, fields)
    return status, html, path


def test_a_taken_email_gets_the_answer_a_free_one_gets_and_changes_nothing(
    server: IamdServer, browser: Browser, account: RootCredential
) -> None:
    taken = sign_up(Browser(browser.base))
    free = f"free-{secrets.token_hex(4)}@example.com"
    taken_status, taken_page, taken_link = _set_login(server, account, taken)
    free_status, free_page, free_link = _set_login(server, account, free)
    assert taken_status == free_status == 200
    assert "Sign in as the root user" in taken_page and "already exists" not in taken_page
    assert _same_shape(taken_page, taken) == _same_shape(free_page, free)
    # Both links are used up: replaying one cannot test another email.
    assert browser.get(taken_link)[0] == browser.get(free_link)[0] == 404
    # The email's owner keeps it: its own password works, the link's does not.
    sign_in_root(Browser(browser.base), taken)
    status, _, _ = Browser(browser.base).submit(
        "/signin", {"email": taken, "password": OTHER_PASSWORD}
    )
    assert status == 401
    sign_in_root(Browser(browser.base), free, OTHER_PASSWORD)


def test_another_cli_account_s_email_is_not_given_away(
    server: IamdServer, browser: Browser, account: RootCredential
) -> None:
    first = f"first-{secrets.token_hex(4)}@example.com"
    assert _set_login(server, account, first)[0] == 200
    second = server.new_account()
    status, html, _ = _set_login(server, second, first)
    assert status == 200 and "Sign in as the root user" in html
    owner = Browser(browser.base)
    sign_in_root(owner, first, OTHER_PASSWORD)
    status, _, html = owner.get("/iam")
    assert status == 200  # the email still signs in to the first account, not the second
    assert account.account_id in html and second.account_id not in html


def test_sign_up_answers_a_registered_email_as_a_new_one(browser: Browser) -> None:
    taken = sign_up(Browser(browser.base))
    free = f"new-{secrets.token_hex(4)}@example.com"
    answers = {}
    for email in (taken, free):
        fields = {
            "email": email,
            "account_name": "probe",
            "password": OTHER_PASSWORD,
            "confirm": OTHER_PASSWORD,
        }
        status, _, html = Browser(browser.base).submit("/signup", fields)
        answers[email] = (status, _same_shape(html, email))
    assert answers[taken] == answers[free]
    assert answers[taken][0] == 200 and "already" not in answers[taken][1]
    sign_in_root(Browser(browser.base), taken, PASSWORD)  # the first account, untouched
    status, _, _ = Browser(browser.base).submit(
        "/signin", {"email": taken, "password": OTHER_PASSWORD}
    )
    assert status == 401
    sign_in_root(Browser(browser.base), free, OTHER_PASSWORD)
