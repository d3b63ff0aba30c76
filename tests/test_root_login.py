"""One-time root login links: unguessable, stored only as a digest, expiring, single-use,
and replaced by the next link of the same purpose."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Connection, select

from iamd import root_login
from iamd.store import accounts
from iamd.store.database import Database, sqlite_url
from iamd.store.schema import root_login_links
from support import fresh_database_url

NOW = datetime(2026, 12, 1, tzinfo=UTC)
ACCOUNT_ID = "123456789012"


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[Connection]:
    db = Database(fresh_database_url() or sqlite_url(str(tmp_path / "links.sqlite3")))
    db.migrate()
    with db.transaction() as connection:
        accounts.create_account(
            connection,
            account_id=ACCOUNT_ID,
            name="links",
            email="root@links.example",
            root_user_id=ACCOUNT_ID,
            created_at=NOW,
        )
        yield connection
    db.dispose()


def test_a_link_opens_until_it_is_taken_and_then_never_again(conn: Connection) -> None:
    token = root_login.issue_link(conn, ACCOUNT_ID, root_login.SET_LOGIN, NOW)
    opened = root_login.account_of_link(conn, token, root_login.SET_LOGIN, NOW)
    assert opened is not None and opened.account_id == ACCOUNT_ID
    assert root_login.account_of_link(conn, token, root_login.SET_LOGIN, NOW) is not None
    taken = root_login.take_link(conn, token, root_login.SET_LOGIN, NOW)
    assert taken is not None and taken.account_id == ACCOUNT_ID
    assert root_login.take_link(conn, token, root_login.SET_LOGIN, NOW) is None
    assert root_login.account_of_link(conn, token, root_login.SET_LOGIN, NOW) is None


def test_a_link_expires(conn: Connection) -> None:
    token = root_login.issue_link(conn, ACCOUNT_ID, root_login.RESET_PASSWORD, NOW)
    lifetime = root_login.LIFETIMES[root_login.RESET_PASSWORD]
    almost = NOW + lifetime - timedelta(seconds=1)
    assert root_login.account_of_link(conn, token, root_login.RESET_PASSWORD, almost) is not None
    later = NOW + lifetime
    assert root_login.take_link(conn, token, root_login.RESET_PASSWORD, later) is None


def test_a_link_is_only_good_for_its_purpose(conn: Connection) -> None:
    token = root_login.issue_link(conn, ACCOUNT_ID, root_login.RESET_PASSWORD, NOW)
    assert root_login.take_link(conn, token, root_login.SET_LOGIN, NOW) is None
    assert root_login.take_link(conn, token, root_login.RESET_PASSWORD, NOW) is not None


def test_the_store_keeps_a_digest_never_the_token(conn: Connection) -> None:
    token = root_login.issue_link(conn, ACCOUNT_ID, root_login.SET_LOGIN, NOW)
    stored = conn.execute(select(root_login_links.c.token_digest)).scalars().all()
    assert stored == [root_login.digest(token)]
    assert token not in stored[0]
    assert len(token) >= 43  # 256 random bits, base64url


def test_a_new_link_replaces_the_older_one_of_its_purpose(conn: Connection) -> None:
    first = root_login.issue_link(conn, ACCOUNT_ID, root_login.SET_LOGIN, NOW)
    second = root_login.issue_link(conn, ACCOUNT_ID, root_login.SET_LOGIN, NOW)
    assert first != second
    assert root_login.account_of_link(conn, first, root_login.SET_LOGIN, NOW) is None
    assert root_login.account_of_link(conn, second, root_login.SET_LOGIN, NOW) is not None


def test_taking_one_link_ends_the_account_s_other_links(conn: Connection) -> None:
    setup = root_login.issue_link(conn, ACCOUNT_ID, root_login.SET_LOGIN, NOW)
    reset = root_login.issue_link(conn, ACCOUNT_ID, root_login.RESET_PASSWORD, NOW)
    assert root_login.take_link(conn, reset, root_login.RESET_PASSWORD, NOW) is not None
    assert root_login.account_of_link(conn, setup, root_login.SET_LOGIN, NOW) is None


def test_the_link_url_carries_the_token_under_the_console(conn: Connection) -> None:
    url = root_login.link_url("http://127.0.0.1:4599/console/", root_login.SET_LOGIN, "abc-_1")
    assert url == "http://127.0.0.1:4599/console/root-login/abc-_1"
