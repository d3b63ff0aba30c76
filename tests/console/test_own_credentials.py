"""My security credentials over HTTP: the root user's password, access keys and MFA
device, and an IAM user's own keys, each authorized as the API would authorize it."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError

from console.http_client import (
    PASSWORD,
    Browser,
    created_key,
    sign_in_root,
    sign_up,
    token_of,
)
from iamd.auth import totp
from support import IamdServer

NEW_PASSWORD = "Another-Root-Pass-42"


def _post(browser: Browser, path: str, fields: dict[str, str], *, token_page: str) -> Any:
    token = token_of(browser.get(token_page)[2])
    return browser.post(path, {**fields, "csrf_token": token})


def _root(browser: Browser) -> str:
    email = sign_up(browser)
    sign_in_root(browser, email)
    return email


def test_the_root_user_changes_its_password(browser: Browser) -> None:
    email = _root(browser)
    elsewhere = Browser(browser.base)
    sign_in_root(elsewhere, email)
    page = "/iam/my-credentials"
    fields = {"old_password": "wrong", "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    status, _, html = _post(browser, "/iam/my-password", fields, token_page=page)
    assert status == 400 and "The current password is incorrect." in html
    fields = {"old_password": PASSWORD, "new_password": "weak", "confirm": "weak"}
    status, _, html = _post(browser, "/iam/my-password", fields, token_page=page)
    assert status == 400 and "does not meet the requirements" in html
    fields = {"old_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    status, headers, _ = _post(browser, "/iam/my-password", fields, token_page=page)
    assert status == 303 and "notice=password-changed" in headers["location"]
    assert browser.get(page)[0] == 200  # this session stays
    assert elsewhere.get(page)[0] == 303  # the others end
    assert Browser(browser.base).submit("/signin", {"email": email, "password": PASSWORD})[0] == 401
    sign_in_root(Browser(browser.base), email, NEW_PASSWORD)


def test_root_access_keys_come_with_aws_s_advice(browser: Browser, server: IamdServer) -> None:
    _root(browser)
    status, _, html = browser.get("/iam/my-credentials")
    assert status == 200 and 'data-testid="root-key-advice"' in html and "No access keys." in html
    status, _, html = browser.get("/iam/my-access-keys/new")
    assert "I understand creating a root access key is not a best practice" in html
    status, _, html = browser.submit("/iam/my-access-keys/new", {})
    assert status == 400 and "confirm that you understand" in html
    status, _, html = browser.submit("/iam/my-access-keys/new", {"understood": "on"})
    key_id, secret = created_key(html)
    assert 'download="rootkey.csv"' in html
    sts = server.client("sts", key_id, secret)
    account_id = sts.get_caller_identity()["Account"]
    assert sts.get_caller_identity()["Arn"] == f"arn:aws:iam::{account_id}:root"
    status, _, html = browser.get("/iam/my-credentials")
    assert key_id in html and secret not in html

    assert sts.get_caller_identity()["Account"] == account_id  # still active
    fields = {"status": "Inactive"}
    page = "/iam/my-credentials"
    status, headers, _ = _post(
        browser, f"/iam/my-access-keys/{key_id}/status", fields, token_page=page
    )
    assert status == 303 and "notice=key-inactive" in headers["location"]
    with pytest.raises(ClientError):
        sts.get_caller_identity()

    delete = f"/iam/my-access-keys/{key_id}/delete"
    status, _, html = browser.submit(delete, {"confirm": key_id[:-1]})
    assert status == 400 and "does not match" in html
    assert key_id in browser.get(page)[2]
    status, headers, _ = browser.submit(delete, {"confirm": key_id})
    assert status == 303 and "notice=key-deleted" in headers["location"]
    assert key_id not in browser.get(page)[2]


def test_an_iam_user_acts_on_its_own_keys_only_as_its_policies_allow(
    browser: Browser, server: IamdServer
) -> None:
    _root(browser)
    fields = {
        "user_name": "keyless",
        "console_access": "on",
        "password_mode": "custom",
        "custom_password": PASSWORD,
        "step": "details",
        "go": "next",
    }
    _create_console_user(browser, fields)
    account_id = re.search(r"/console/(\d{12})/signin", browser.get("/iam")[2])
    assert account_id is not None
    user = Browser(browser.base)
    signin = f"/{account_id.group(1)}/signin"
    status, _, _ = user.submit(signin, {"user_name": "keyless", "password": PASSWORD})
    assert status == 303
    status, _, html = user.get("/iam/my-credentials")
    assert status == 200 and "iam:ListAccessKeys" in html and "root-key-advice" not in html
    status, _, html = user.submit("/iam/my-access-keys/new", {})
    assert status == 403 and "is not authorized to perform: iam:CreateAccessKey" in html


def _create_console_user(browser: Browser, details: dict[str, str]) -> None:
    status, _, html = browser.submit("/iam/users/new", details)
    for step in ("permissions", "tags", "review"):
        state = re.search(r'name="state" value="([^"]+)"', html)
        assert state is not None, html
        go = "create" if step == "review" else "next"
        fields = {"step": step, "go": go, "state": state.group(1), "csrf_token": token_of(html)}
        status, _, html = browser.post("/iam/users/new", fields)
    assert status == 200 and "you created the user" in html, html


def test_the_root_user_removes_its_mfa_device(browser: Browser) -> None:
    _root(browser)
    status, _, html = browser.submit("/iam/my-mfa/new", {"go": "create", "device_name": "phone"})
    seed = re.search(r'data-testid="mfa-seed">([A-Z2-7=]+)<', html)
    serial = re.search(r'name="serial" value="([^"]+)"', html)
    assert seed and serial, html
    counter = totp.counter_at(datetime.now(UTC))
    fields = {
        "go": "enable",
        "serial": serial.group(1),
        "code1": totp.code_for(seed.group(1), counter - 1),
        "code2": totp.code_for(seed.group(1), counter),
        "csrf_token": token_of(html),
    }
    status, _, html = browser.post("/iam/my-mfa/new", fields)
    assert status == 303, html
    assert serial.group(1) in browser.get("/iam/my-credentials")[2]
    remove = "/iam/my-mfa/remove?serial=" + serial.group(1)
    status, _, html = browser.get(remove)
    assert status == 200 and "type the device name" in html
    fields = {"serial": serial.group(1), "confirm": "phone", "csrf_token": token_of(html)}
    status, headers, _ = browser.post("/iam/my-mfa/remove", fields)
    assert status == 303 and "notice=mfa-removed" in headers["location"]
    assert serial.group(1) not in browser.get("/iam/my-credentials")[2]
