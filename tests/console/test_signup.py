"""Sign-up's checks (an email, an account name, AWS's default password rules), and
sign-up closed by default and limited per address when open."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from console.http_client import PASSWORD, Browser, sign_up, token_of
from iamd.console.signup import SignUp, problems_of
from support import IamdServer, fresh_database_url

GOOD = SignUp("root@example.com", "Corr3ct-Horse!", "Corr3ct-Horse!", "acme")


def test_a_good_form_has_no_problems() -> None:
    assert problems_of(GOOD) == {}


def test_each_field_is_checked() -> None:
    bad = SignUp("not-an-email", "short", "short", "")
    assert set(problems_of(bad)) == {"email", "account_name", "password"}
    mismatch = SignUp(GOOD.email, GOOD.password, "other", GOOD.account_name)
    assert set(problems_of(mismatch)) == {"confirm"}


def test_the_password_may_not_be_the_email() -> None:
    same = SignUp("Ab1!x@ex.com", "Ab1!x@ex.com", "Ab1!x@ex.com", "acme")
    assert "password" in problems_of(same)


@dataclass
class _ServerWith(IamdServer):
    """A server of its own, started with these sign-up flags."""

    flags: tuple[str, ...] = ()

    def command(self) -> list[str]:
        args = [sys.executable, "-m", "iamd.cli.main", "serve", "--port", str(self.port)]
        args += ["--data-dir", str(self.data_dir), "--log-level", "warning", *self.flags]
        if self.database_url:
            args += ["--database-url", self.database_url]
        return args


def _server(tmp_path: Path, *flags: str) -> IamdServer:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    return _ServerWith(data_dir, fresh_database_url(), flags=flags).start()


def test_sign_up_is_closed_unless_the_operator_opens_it(tmp_path: Path) -> None:
    server = _server(tmp_path)
    try:
        visitor = Browser(server.endpoint + "/console")
        status, _, html = visitor.get("/signup")
        assert status == 403 and "Sign-up is closed" in html
        assert "Create an account" not in visitor.get("/signin")[2]
        fields = {"email": "x@example.com", "account_name": "x", "password": PASSWORD}
        token = token_of(visitor.get("/signin")[2])
        status, _, _ = visitor.post("/signup", {**fields, "csrf_token": token})
        assert status == 403
    finally:
        server.stop()


def test_sign_up_is_limited_per_address(tmp_path: Path) -> None:
    server = _server(tmp_path, "--signup", "open", "--signups-per-hour", "2")
    try:
        visitor = Browser(server.endpoint + "/console")
        assert "Create an account" in visitor.get("/signin")[2]
        weak = {"email": "w@example.com", "account_name": "w", "password": "x", "confirm": "x"}
        for _ in range(3):  # refused forms do not count
            assert visitor.submit("/signup", weak)[0] == 400
        sign_up(visitor)
        sign_up(visitor)
        fields = {
            "email": "third@example.com",
            "account_name": "t",
            "password": PASSWORD,
            "confirm": PASSWORD,
        }
        status, _, html = visitor.submit("/signup", fields)
        assert status == 429 and "Too many accounts were created from your address" in html
    finally:
        server.stop()
