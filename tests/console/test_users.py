"""A user's page over HTTP: renaming a user (itself included) and a second access key
that says what it is."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from console.http_client import Browser, signed_up_root, token_of
from support import IamdServer

USER_PASSWORD = "Renamed-Pass-123!"


@pytest.fixture
def root_iam(browser: Browser, server: IamdServer) -> Any:
    _, key_id, secret = signed_up_root(browser)
    return server.client("iam", key_id, secret)


def test_a_user_is_renamed_through_update_user(browser: Browser, root_iam: Any) -> None:
    root_iam.create_user(UserName="before")
    status, _, html = browser.submit("/iam/users/before/rename", {"new_name": "bad name!"})
    assert status == 400 and "Member must satisfy regular expression pattern" in html
    status, headers, _ = browser.submit("/iam/users/before/rename", {"new_name": "after"})
    assert status == 303 and headers["location"].startswith("/console/iam/users/after?")
    assert root_iam.get_user(UserName="after")["User"]["UserName"] == "after"
    with pytest.raises(ClientError, match="NoSuchEntity"):
        root_iam.get_user(UserName="before")


def test_a_user_renaming_itself_stays_signed_in(browser: Browser, root_iam: Any) -> None:
    root_iam.create_user(UserName="self")
    root_iam.attach_user_policy(UserName="self", PolicyArn="arn:aws:iam::aws:policy/IAMFullAccess")
    root_iam.create_login_profile(UserName="self", Password=USER_PASSWORD)
    account_id = root_iam.get_user(UserName="self")["User"]["Arn"].split(":")[4]
    user = Browser(browser.base)
    assert (
        user.submit(f"/{account_id}/signin", {"user_name": "self", "password": USER_PASSWORD})[0]
        == 303
    )
    status, _, _ = user.submit("/iam/users/self/rename", {"new_name": "myself"})
    assert status == 303
    status, _, html = user.get("/iam/my-credentials")
    assert status == 200 and "Signed in as <strong>myself</strong>" in html
    new_password = "Changed-Pass-456!"
    fields = {
        "old_password": USER_PASSWORD,
        "new_password": new_password,
        "confirm": new_password,
        "csrf_token": token_of(html),
    }
    status, headers, _ = user.post("/iam/my-password", fields)
    assert status == 303 and "notice=password-changed" in headers["location"]


def test_a_key_made_on_the_user_s_page_is_called_an_access_key(
    browser: Browser, root_iam: Any
) -> None:
    root_iam.create_user(UserName="keyed")
    root_iam.create_access_key(UserName="keyed")
    status, _, html = browser.submit("/iam/users/keyed/access-keys", {})
    assert status == 200
    assert "Access key created</strong> for <strong>keyed</strong>" in html
    assert "you created the user" not in html
    assert 'download="keyed_accessKeys.csv"' in html


def test_a_bad_name_is_explained_in_words_with_the_api_message_below(
    browser: Browser, root_iam: Any
) -> None:
    fields = {"step": "details", "go": "next", "user_name": "bad name!"}
    status, _, html = browser.submit("/iam/users/new", fields)
    assert status == 400
    words = "User names can have up to 64 letters, digits and +=,.@_-"
    error = html[html.index('id="user_name-error"') :]
    assert error.index(words) < error.index("Member must satisfy regular expression pattern")
    assert f'data-rule="{words}"' in html and 'pattern="[\\w+=,.@\\-]+"' in html


def test_an_administrator_ends_a_user_s_sessions_by_changing_its_password(
    browser: Browser, root_iam: Any
) -> None:
    root_iam.create_user(UserName="member")
    root_iam.create_login_profile(UserName="member", Password=USER_PASSWORD)
    account_id = root_iam.get_user(UserName="member")["User"]["Arn"].split(":")[4]
    member = Browser(browser.base)
    fields = {"user_name": "member", "password": USER_PASSWORD}
    assert member.submit(f"/{account_id}/signin", fields)[0] == 303
    assert member.get("/iam/my-credentials")[0] == 200
    fields = {
        "password_mode": "custom",
        "custom_password": "Admin-Reset-Pass-7",
        "has_password": "1",
    }
    _, _, html = browser.get("/iam/users/member")
    fields["csrf_token"] = token_of(html)
    assert browser.post("/iam/users/member/password", fields)[0] == 303
    status, headers, _ = member.get("/iam/my-credentials")
    assert status == 303 and headers["location"] == f"/console/{account_id}/signin"
