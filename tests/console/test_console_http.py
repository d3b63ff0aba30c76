"""The console over plain HTTP: cookies, CSRF, security headers, throttling, sessions."""

from __future__ import annotations

import urllib.request

import pytest

from console.http_client import PASSWORD, TOKEN, Browser, sign_up
from support import IamdServer


def test_every_page_sends_security_headers_and_a_strict_csrf_cookie(browser: Browser) -> None:
    status, headers, _ = browser.get("/signin")
    assert status == 200
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    assert headers["cache-control"] == "no-store"
    cookie = headers["set-cookie"]
    assert "iamd-console-csrf=" in cookie and "HttpOnly" in cookie
    assert "SameSite=strict" in cookie and "Path=/console" in cookie


def test_a_post_without_the_form_token_is_refused(browser: Browser) -> None:
    email = sign_up(browser)
    browser.get("/signin")
    status, _, html = browser.post("/signin", {"email": email, "password": PASSWORD})
    assert status == 403 and "Request refused" in html
    assert browser.cookie("iamd-console-session") is None


def test_a_post_from_another_origin_is_refused(browser: Browser) -> None:
    email = sign_up(browser)
    _, _, html = browser.get("/signin")
    token = TOKEN.search(html)
    assert token is not None
    fields = {"email": email, "password": PASSWORD, "csrf_token": token.group(1)}
    status, _, _ = browser.post("/signin", fields, {"Origin": "https://evil.example"})
    assert status == 403


def test_signing_in_sets_an_httponly_lax_session_cookie(browser: Browser) -> None:
    email = sign_up(browser)
    status, headers, _ = browser.submit("/signin", {"email": email, "password": PASSWORD})
    assert status == 303 and headers["location"] == "/console/iam"
    cookie = headers["set-cookie"]
    assert "iamd-console-session=" in cookie
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    status, _, html = browser.get("/iam")
    assert status == 200 and "IAM dashboard" in html


def test_a_tampered_session_cookie_signs_nobody_in(browser: Browser) -> None:
    email = sign_up(browser)
    browser.submit("/signin", {"email": email, "password": PASSWORD})
    session = browser.cookie("iamd-console-session")
    assert session is not None and session.value is not None
    body, _, signature = session.value.partition(".")
    session.value = body[:-2] + ("AA" if body[-2:] != "AA" else "BB") + "." + signature
    status, headers, _ = browser.get("/iam")
    assert status == 303 and headers["location"] == "/console/signin"


def test_signing_out_ends_the_session(browser: Browser) -> None:
    email = sign_up(browser)
    browser.submit("/signin", {"email": email, "password": PASSWORD})
    _, _, html = browser.get("/iam")
    token = TOKEN.search(html)
    assert token is not None
    status, headers, _ = browser.post("/signout", {"csrf_token": token.group(1)})
    assert status == 303 and headers["location"].startswith("/console/signin")
    assert browser.cookie("iamd-console-session") is None
    status, _, _ = browser.get("/iam")
    assert status == 303


def test_repeated_failures_throttle_the_sign_in(browser: Browser) -> None:
    email = sign_up(browser)
    for _ in range(5):
        status, _, html = browser.submit("/signin", {"email": email, "password": "wrong"})
        assert status == 401 and "authentication information is incorrect" in html
    status, _, html = browser.submit("/signin", {"email": email, "password": PASSWORD})
    assert status == 401 and "Too many failed sign-in attempts" in html


def test_sign_up_refuses_a_weak_password_and_does_not_tell_a_taken_email(
    browser: Browser,
) -> None:
    fields = {
        "email": "weak@example.com",
        "account_name": "w",
        "password": "short",
        "confirm": "short",
    }
    status, _, html = browser.submit("/signup", fields)
    assert status == 400 and "does not meet the requirements" in html
    email = sign_up(browser)
    new_email = f"new-{email}"
    fresh = {"email": new_email, "account_name": "x", "password": PASSWORD, "confirm": PASSWORD}
    _, _, answer_new = browser.submit("/signup", fresh)
    other = "Different-Pass-77"
    taken = {"email": email.upper(), "account_name": "x", "password": other, "confirm": other}
    status, _, answer_taken = browser.submit("/signup", taken)
    assert status == 200
    assert answer_taken.replace(email.upper(), "E") == answer_new.replace(new_email, "E")
    assert browser.submit("/signin", {"email": email, "password": other})[0] == 401


def test_an_unknown_account_url_says_so(browser: Browser) -> None:
    status, _, html = browser.get("/000000000000/signin")
    assert status == 404 and "Account not found" in html


def test_static_files_ship_in_the_package(browser: Browser) -> None:
    status, headers, css = browser.get("/static/console.css")
    assert status == 200 and headers["content-type"].startswith("text/css")
    assert "--accent" in css


def test_the_password_policy_is_saved_through_the_api(browser: Browser) -> None:
    email = sign_up(browser)
    browser.submit("/signin", {"email": email, "password": PASSWORD})
    fields = {"MinimumPasswordLength": "14", "RequireSymbols": "on", "MaxPasswordAge": "90"}
    _, _, html = browser.get("/iam/settings")
    token = TOKEN.search(html)
    assert token is not None
    fields["csrf_token"] = token.group(1)
    status, headers, _ = browser.post("/iam/settings/password-policy", fields)
    assert status == 303 and "notice=settings-saved" in headers["location"]
    _, _, html = browser.get("/iam/settings")
    assert 'name="MinimumPasswordLength" min="6" max="128" value="14"' in html
    assert 'name="RequireSymbols" id="RequireSymbols" checked' in html
    fields["MinimumPasswordLength"] = "500"
    status, _, html = browser.post("/iam/settings/password-policy", fields)
    assert status == 400
    assert "Member must have value less than or equal to 128" in html


def test_signing_out_ends_a_copied_session_cookie_too(browser: Browser) -> None:
    email = sign_up(browser)
    browser.submit("/signin", {"email": email, "password": PASSWORD})
    session = browser.cookie("iamd-console-session")
    assert session is not None and session.value is not None
    thief = Browser(browser.base)
    thief.jar.set_cookie(session)
    assert thief.get("/iam")[0] == 200
    _, _, html = browser.get("/iam")
    token = TOKEN.search(html)
    assert token is not None
    assert browser.post("/signout", {"csrf_token": token.group(1)})[0] == 303
    status, headers, _ = thief.get("/iam")
    assert status == 303 and headers["location"] == "/console/signin"


def test_a_new_password_ends_the_other_sessions_of_its_user(browser: Browser) -> None:
    email = sign_up(browser)
    browser.submit("/signin", {"email": email, "password": PASSWORD})
    other = Browser(browser.base)
    other.submit("/signin", {"email": email, "password": PASSWORD})
    new = "Another-Good-Pass-9"
    fields = {"old_password": PASSWORD, "new_password": new, "confirm": new}
    _, _, html = browser.get("/iam/my-credentials")
    token = TOKEN.search(html)
    assert token is not None
    status, _, _ = browser.post("/iam/my-password", {**fields, "csrf_token": token.group(1)})
    assert status == 303
    assert browser.get("/iam")[0] == 200
    assert other.get("/iam")[0] == 303


def test_the_favicon_is_served(server: IamdServer) -> None:
    with urllib.request.urlopen(server.endpoint + "/favicon.ico", timeout=10) as answer:
        assert answer.status == 200
        assert answer.headers["content-type"].startswith("image/svg+xml")
        assert b"<svg" in answer.read()


@pytest.mark.parametrize(
    "fields",
    [
        {"email": "nul\x00@example.com", "password": "wrong"},
        {"email": "long" * 2000 + "@example.com", "password": "wrong"},
    ],
    ids=["nul", "longer-than-the-store-keys"],
)
def test_a_sign_in_no_account_could_match_is_refused_like_any_other(
    browser: Browser, fields: dict[str, str]
) -> None:
    status, _, html = browser.submit("/signin", fields)
    assert status == 401 and "authentication information is incorrect" in html


def test_a_path_or_query_holding_nul_finds_nothing(browser: Browser) -> None:
    status, _, html = browser.get("/0000%0000000/signin")
    assert status == 404 and "Account not found" in html
    email = sign_up(browser)
    browser.submit("/signin", {"email": email, "password": PASSWORD})
    status, _, html = browser.get("/iam/users/a%00b")
    assert status == 400 and "regular expression pattern" in html  # GetUser's own answer
    status, _, _ = browser.get("/iam/users?page=%C2%B2&q=%00")
    assert status == 200
