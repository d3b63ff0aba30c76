"""Sign-up in a browser: open, a new account signs up and its root lands in the console;
an email already registered gets the very page a fresh one gets and changes nothing;
closed (`iamd serve --signup closed`), the page says so and offers no form."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import expect

from console.conftest import PASSWORD, Shots
from console.flows import root_access_key, sign_in_root
from support import IamdServer, fresh_database_url

OTHER_PASSWORD = "Different-Pass-77!"


@dataclass
class _ClosedSignUp(IamdServer):
    """A server of its own whose operator closed sign-up."""

    def command(self) -> list[str]:
        args = super().command()
        args[args.index("--signup") + 1] = "closed"
        return args


@pytest.fixture(scope="module")
def closed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IamdServer]:
    data_dir = tmp_path_factory.mktemp("closed") / "data"
    data_dir.mkdir()
    running = _ClosedSignUp(data_dir, fresh_database_url()).start()
    yield running
    running.stop()
    assert running.traceback() is None, running.traceback()


def _sign_up(page: Any, console_url: str, email: str, password: str) -> str:
    """Fill the sign-up form; the text of the page it answers with, the email elided."""
    page.goto(console_url + "/signup")
    page.get_by_label("Root user email address").fill(email)
    page.get_by_label("Account name").fill("flow-account")
    page.get_by_label("Root user password", exact=True).fill(password)
    page.get_by_label("Confirm root user password").fill(password)
    page.get_by_role("button", name="Create account").click()
    page.get_by_role("heading", name="Sign in to your new account").wait_for()
    answer: str = page.get_by_role("main").inner_text()
    return answer.replace(email, "<email>")


def test_a_new_account_signs_up_and_lands_in_the_console(
    page: Any, console_url: str, server: IamdServer, shots: Shots
) -> None:
    email = f"new-{secrets.token_hex(4)}@example.com"
    _sign_up(page, console_url, email, PASSWORD)
    shots.take(page, "signed-up")
    page.get_by_role("link", name="Sign in to the console").click()
    page.get_by_label("Root user email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_role("heading", name="IAM dashboard").wait_for()
    shots.take(page, "dashboard")
    url = page.get_by_test_id("signin-url").first.inner_text().strip()
    account_id = url.rsplit("/", 2)[-2]

    key_id, secret = root_access_key(page, console_url)
    iam = server.client("iam", key_id, secret)
    assert iam.get_user()["User"]["Arn"] == f"arn:aws:iam::{account_id}:root"


def test_a_registered_email_gets_the_page_a_fresh_one_gets(
    page: Any, console_url: str, shots: Shots
) -> None:
    email = f"taken-{secrets.token_hex(4)}@example.com"
    _sign_up(page, console_url, email, PASSWORD)
    fresh = _sign_up(page, console_url, f"fresh-{secrets.token_hex(4)}@example.com", PASSWORD)
    shots.take(page, "fresh-email")
    again = _sign_up(page, console_url, email.upper(), OTHER_PASSWORD)
    shots.take(page, "registered-email")
    assert again == fresh

    sign_in_root(page, console_url, email, OTHER_PASSWORD)  # the account was not taken over
    expect(page.get_by_role("alert")).to_contain_text("authentication information is incorrect")
    sign_in_root(page, console_url, email, PASSWORD)
    page.get_by_role("heading", name="IAM dashboard").wait_for()


def test_closed_sign_up_says_so(page: Any, closed_server: IamdServer, shots: Shots) -> None:
    console_url = closed_server.endpoint + "/console"
    page.goto(console_url + "/signin")
    expect(page.get_by_role("heading", name="Sign in", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Create an account")).to_have_count(0)
    answer = page.goto(console_url + "/signup")
    assert answer is not None and answer.status == 403
    expect(page.get_by_role("heading", name="Sign-up is closed")).to_be_visible()
    expect(page.get_by_label("Root user email address")).to_have_count(0)
    shots.take(page, "signup-closed")
