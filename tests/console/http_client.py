"""A console visitor without JavaScript, for HTTP-level tests: what curl with cookies sees.

`Browser` keeps cookies, never follows redirects, and `submit`s a form the way a
browser would: GET the page for its CSRF token, then POST the fields with it.
"""

from __future__ import annotations

import http.cookiejar
import re
import secrets
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any

PASSWORD = "Corr3ct-Horse-Battery!"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any) -> None:
        return None


@dataclass
class Browser:
    """A cookie jar and no JavaScript: what curl with cookies would see."""

    base: str
    jar: http.cookiejar.CookieJar = field(default_factory=http.cookiejar.CookieJar)

    def _open(self, request: urllib.request.Request) -> tuple[int, dict[str, str], str]:
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )
        try:
            with opener.open(request, timeout=30) as answer:
                return answer.status, dict(answer.headers), answer.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read().decode()

    def get(self, path: str) -> tuple[int, dict[str, str], str]:
        return self._open(urllib.request.Request(self.base + path))

    def post(
        self, path: str, fields: dict[str, str], headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], str]:
        body = urllib.parse.urlencode(fields).encode()
        request = urllib.request.Request(self.base + path, data=body, headers=headers or {})
        return self._open(request)

    def submit(self, path: str, fields: dict[str, str]) -> tuple[int, dict[str, str], str]:
        """GET the page for its form token, then POST the form as a browser would."""
        _, _, html = self.get(path)
        token = TOKEN.search(html)
        assert token is not None, html
        return self.post(path, {**fields, "csrf_token": token.group(1)})

    def cookie(self, name: str) -> http.cookiejar.Cookie | None:
        return next((cookie for cookie in self.jar if cookie.name == name), None)


def sign_up(browser: Browser) -> str:
    email = f"http-{secrets.token_hex(4)}@example.com"
    fields = {"email": email, "account_name": "http", "password": PASSWORD, "confirm": PASSWORD}
    status, _, html = browser.submit("/signup", fields)
    assert status == 200, html
    return email


def token_of(html: str) -> str:
    """The CSRF token of the page's first form."""
    found = TOKEN.search(html)
    assert found is not None, html
    return found.group(1)


def sign_in_root(browser: Browser, email: str, password: str = PASSWORD) -> None:
    status, headers, html = browser.submit("/signin", {"email": email, "password": password})
    assert status == 303 and headers["location"] == "/console/iam", html


_KEY_ID = re.compile(r'data-testid="access-key-id">(AKIA[A-Z0-9]{16})<')
_SECRET = re.compile(r'data-testid="secret-access-key" id="secret-access-key">([^<]{40})<')


def created_key(html: str) -> tuple[str, str]:
    """The access key id and secret a "Retrieve access key" page shows once."""
    key_id, secret = _KEY_ID.search(html), _SECRET.search(html)
    assert key_id and secret, html
    return key_id.group(1), secret.group(1)


def signed_up_root(browser: Browser) -> tuple[str, str, str]:
    """A new account whose root is signed in here: (email, root key id, root secret)."""
    email = sign_up(browser)
    sign_in_root(browser, email)
    status, _, html = browser.submit("/iam/my-access-keys/new", {"understood": "on"})
    assert status == 200, html
    return (email, *created_key(html))


_STATE = re.compile(r'name="state" value="([^"]+)"')


def wizard_step(
    browser: Browser, path: str, html: str, fields: dict[str, str] | list[tuple[str, str]]
) -> tuple[int, dict[str, str], str]:
    """Post one step of a wizard page, carrying its sealed state and form token."""
    state = _STATE.search(html)
    pairs = list(fields.items()) if isinstance(fields, dict) else list(fields)
    pairs += [("csrf_token", token_of(html))]
    if state is not None:
        pairs.append(("state", state.group(1)))
    body = urllib.parse.urlencode(pairs).encode()
    return browser._open(urllib.request.Request(browser.base + path, data=body))


def post_multipart(
    browser: Browser, path: str, html: str, fields: dict[str, str], files: dict[str, str]
) -> tuple[int, dict[str, str], str]:
    """Post a form that uploads files (``multipart/form-data``), with the page's token."""
    boundary = "----iamd-test-" + secrets.token_hex(8)
    parts = []
    for name, value in {**fields, "csrf_token": token_of(html)}.items():
        parts.append(f'Content-Disposition: form-data; name="{name}"\r\n\r\n{value}')
    for name, text in files.items():
        head = f'Content-Disposition: form-data; name="{name}"; filename="{name}.xml"'
        parts.append(f"{head}\r\nContent-Type: text/xml\r\n\r\n{text}")
    body = "".join(f"--{boundary}\r\n{part}\r\n" for part in parts) + f"--{boundary}--\r\n"
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    request = urllib.request.Request(browser.base + path, data=body.encode(), headers=headers)
    return browser._open(request)
