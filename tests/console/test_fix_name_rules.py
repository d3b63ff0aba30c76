"""The console's name rules agree with the API's: a name the API refuses (``Zoë``, a
non-ASCII letter) is refused in the page, in words, before any request; and a name
the page lets through is one the API takes."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from console.conftest import PASSWORD, Shots
from console.flows import sign_in_root, sign_up
from console.http_client import Browser, signed_up_root, wizard_step
from iamd.console import name_rules
from support import IamdServer

NAMES = ("Zoë", "plain", "a+b=c,d.e@f_g-h", "名前", "tab\tname", "space name", "x" * 64, "x" * 65)


@pytest.fixture
def signed_in(browser: Browser, server: IamdServer) -> tuple[Browser, Any]:
    _, key_id, secret = signed_up_root(browser)
    return browser, server.client("iam", key_id, secret)


def test_the_page_s_rule_and_the_api_take_the_same_names(signed_in: tuple[Browser, Any]) -> None:
    _, iam = signed_in
    for name in NAMES:
        try:
            iam.create_user(UserName=name)
            is_taken = True
        except ClientError as error:
            assert error.response["Error"]["Code"] == "ValidationError", name
            assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 400
            is_taken = False
        assert (name_rules.USER.problem(name) is None) == is_taken, name


def test_zoe_is_refused_by_the_wizard_with_the_rule_and_the_api_message(
    signed_in: tuple[Browser, Any],
) -> None:
    browser, iam = signed_in
    path = "/iam/users/new"
    _, _, html = browser.get(path)
    fields = {"step": "details", "go": "next", "user_name": "Zoë", "programmatic_access": "on"}
    status, _, html = wizard_step(browser, path, html, fields)
    assert status == 400
    assert "User names can have up to 64 letters, digits and +=,.@_-" in html
    assert "Member must satisfy regular expression pattern" in html  # the API's, below
    with pytest.raises(ClientError, match="ValidationError"):
        iam.create_user(UserName="Zoë")
    assert iam.list_users()["Users"] == []


def test_zoe_is_refused_in_the_page_before_any_request(
    page: Any, console_url: str, shots: Shots
) -> None:
    account = sign_up(page, console_url, PASSWORD)
    sign_in_root(page, console_url, account.email, PASSWORD)
    for path, label, rule in (
        ("/iam/users/new", "User name", name_rules.USER),
        ("/iam/groups/new", "Group name", name_rules.GROUP),
    ):
        page.goto(console_url + path)
        page.get_by_label(label).fill("Zoë")
        note = page.locator(f"#{page.get_by_label(label).get_attribute('id')}-rule")
        assert note.inner_text() == rule.words
        assert page.get_by_label(label).get_attribute("aria-invalid") == "true"
        shots.take(page, "zoe" + path.replace("/", "-"))
        page.get_by_label(label).fill("Zoe")
        assert note.is_hidden()
    page.goto(console_url + "/iam/users/new")
    page.get_by_label("User name").fill("Zoë")
    posted: list[str] = []
    page.on("request", lambda request: posted.append(request.method))
    page.get_by_role("button", name="Next: Permissions").click()
    assert "POST" not in posted  # the page said no; nothing was sent
    assert page.evaluate("document.activeElement.id") == "user_name"
