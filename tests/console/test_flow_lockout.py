"""Sign-in throttling in a browser: wrong passwords for a user from one client address
make that address wait, even with the right password, while the user still signs in
from another address.

iamd reads the client's address from the connection, as uvicorn reports it: behind a
reverse proxy on the same host, the proxy's X-Forwarded-For (uvicorn trusts it from a
loopback peer only). The test server listens on 127.0.0.1, so two browsers present two
addresses the way such a proxy would; a remote client cannot, since uvicorn ignores the
header from any other peer.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from console.conftest import Shots
from console.flows import sign_in_user, signed_in_root
from iamd.console import throttle
from support import IamdServer

USER_PASSWORD = "Target-Pass-123!"
INCORRECT = "Your authentication information is incorrect. Please try again."


@pytest.fixture
def from_address(chromium: Any) -> Iterator[Any]:
    """A page whose requests come from the given client address."""
    contexts: list[Any] = []

    def open_page(address: str) -> Any:
        context = chromium.new_context(extra_http_headers={"X-Forwarded-For": address})
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def test_a_guesser_s_address_waits_and_the_user_signs_in_elsewhere(
    page: Any, console_url: str, server: IamdServer, from_address: Any, shots: Shots
) -> None:
    account, iam = signed_in_root(page, console_url, server)
    iam.create_user(UserName="target")
    iam.create_login_profile(UserName="target", Password=USER_PASSWORD)

    guesser = from_address("198.51.100.7")
    for attempt in range(throttle.FREE_FAILURES):
        sign_in_user(guesser, account.user_signin_url, "target", f"Guess-{attempt}")
        expect(guesser.get_by_role("alert")).to_have_text(INCORRECT)
    sign_in_user(guesser, account.user_signin_url, "target", USER_PASSWORD)
    expect(guesser.get_by_role("alert")).to_contain_text("Too many failed sign-in attempts.")
    shots.take(guesser, "throttled")
    guesser.goto(console_url + "/iam")
    expect(guesser).to_have_url(console_url + "/signin")  # the right password let no one in

    owner = from_address("203.0.113.20")
    sign_in_user(owner, account.user_signin_url, "target", USER_PASSWORD)
    owner.get_by_role("heading", name="IAM dashboard").wait_for()
    shots.take(owner, "signed-in-elsewhere")

    sign_in_user(guesser, account.user_signin_url, "target", USER_PASSWORD)
    expect(guesser.get_by_role("alert")).to_contain_text("Too many failed sign-in attempts.")
