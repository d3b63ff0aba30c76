"""Console sessions end on the server, in a browser: after signing out, the session
cookie copied out of Chromium and replayed by another client gets the sign-in page; an
administrator's reset of a user's password ends that user's sessions."""

from __future__ import annotations

from typing import Any

import httpx
from playwright.sync_api import expect

from console.conftest import PASSWORD, Shots
from console.flows import open_section, sign_in_user, sign_out, sign_up, signed_in_root
from support import IamdServer

SESSION_COOKIE = "iamd-console-session"
USER_PASSWORD = "Member-Pass-123!"
RESET_PASSWORD = "Admin-Reset-Pass-7"


def _session_cookie(page: Any) -> str:
    values = [c["value"] for c in page.context.cookies() if c["name"] == SESSION_COOKIE]
    assert len(values) == 1, page.context.cookies()
    return str(values[0])


def _replayed(console_url: str, cookie: str) -> httpx.Response:
    """GET the dashboard with only this session cookie, following redirects."""
    with httpx.Client(cookies={SESSION_COOKIE: cookie}, follow_redirects=True) as client:
        return client.get(console_url + "/iam", timeout=30)


def test_signing_out_ends_a_copied_session_cookie(
    page: Any, console_url: str, shots: Shots
) -> None:
    sign_up(page, console_url, PASSWORD)
    page.get_by_role("heading", name="IAM dashboard").wait_for()
    cookie = _session_cookie(page)
    before = _replayed(console_url, cookie)
    assert before.status_code == 200 and before.url.path == "/console/iam"
    assert "IAM dashboard" in before.text

    sign_out(page)
    expect(page.get_by_text("You signed out.")).to_be_visible()
    shots.take(page, "signed-out")
    after = _replayed(console_url, cookie)
    assert after.url.path == "/console/signin"
    assert "Root user email address" in after.text and "IAM dashboard" not in after.text


def test_an_administrator_s_password_reset_ends_the_user_s_sessions(
    page: Any, chromium: Any, console_url: str, server: IamdServer, shots: Shots
) -> None:
    account, iam = signed_in_root(page, console_url, server)
    iam.create_user(UserName="member")
    iam.create_login_profile(UserName="member", Password=USER_PASSWORD)
    member_context = chromium.new_context()
    member = member_context.new_page()
    sign_in_user(member, account.user_signin_url, "member", USER_PASSWORD)
    member.get_by_role("heading", name="IAM dashboard").wait_for()
    cookie = _session_cookie(member)

    open_section(page, "Users")
    page.get_by_role("link", name="member", exact=True).click()
    page.get_by_text("Manage console password").click()
    page.get_by_role("radio", name="Custom password").check()
    page.get_by_label("Custom password to set").fill(RESET_PASSWORD)
    page.get_by_label("Require a new password at next sign-in").uncheck()
    shots.take(page, "reset-password")
    page.get_by_role("button", name="Reset password").click()
    expect(page.get_by_text("Changes to member saved.")).to_be_visible()
    assert (
        iam.get_login_profile(UserName="member")["LoginProfile"]["PasswordResetRequired"] is False
    )

    member.goto(console_url + "/iam/my-credentials")
    expect(member).to_have_url(account.user_signin_url)
    shots.take(member, "member-signed-out")
    assert _replayed(console_url, cookie).url.path == f"/console/{account.account_id}/signin"
    sign_in_user(member, account.user_signin_url, "member", USER_PASSWORD)
    expect(member.get_by_role("alert")).to_contain_text("authentication information is incorrect")
    sign_in_user(member, account.user_signin_url, "member", RESET_PASSWORD)
    member.get_by_role("heading", name="IAM dashboard").wait_for()
    member_context.close()
