"""The policy picker in a browser: search as you type, filter by type, page through."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from console.conftest import PASSWORD, Shots
from console.flows import open_section, sign_in_root, sign_up


def test_search_as_you_type_and_page_through(page: Any, console_url: str, shots: Shots) -> None:
    account = sign_up(page, console_url, PASSWORD)
    sign_in_root(page, console_url, account.email, PASSWORD)
    open_section(page, "Groups")
    page.get_by_role("link", name="Create group").click()
    page.get_by_role("button", name="Next policies").click()
    page.get_by_text("Page 2 of").wait_for()
    page.get_by_label("Filter policies").press_sequentially("IAMReadOnly", delay=30)
    page.get_by_label("IAMReadOnlyAccess", exact=True).wait_for()  # no button pressed
    assert page.get_by_label("Filter policies").input_value() == "IAMReadOnly"
    page.get_by_label("IAMReadOnlyAccess", exact=True).check()
    page.get_by_label("Policy type").select_option("Customer managed")
    page.get_by_text("0 policies match").wait_for()
    expect(page.get_by_text("Also selected: IAMReadOnlyAccess")).to_be_visible()
    shots.take(page, "picker")
    page.get_by_label("Group name").fill("readers")
    page.get_by_role("button", name="Create group").click()
    page.get_by_text("Group readers created.").wait_for()
