"""Authorization versions followed across processes (`iamd.store.version_mirror`).

Two views of one store stand for two nodes: ``db`` writes, ``node`` follows versions
as ``iamd serve`` does. On PostgreSQL the node trusts a version it read until a
notification, its own write, a lost listener or `MAX_AGE` says otherwise; a "quiet"
bump below is made with the notifying triggers switched off (replica mode), so that
what the node answers shows whether it read the store or trusted what it had. On
SQLite every read goes to the store, so a write anywhere is seen at once.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Connection, create_engine, text

from iamd import ids
from iamd.store import version_mirror
from iamd.store.database import Database
from iamd.store.users import (
    User,
    find_user_with_tags,
    insert_user,
    list_users,
    record_password_use,
)
from iamd.store.versioned import authz_version, principal_versions

on_postgres = pytest.mark.skipif(
    not os.environ.get("IAMD_TEST_DATABASE_URL"),
    reason="SQLite reads versions in-process on every request; no mirror is kept there",
)


def eventually(condition: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


@pytest.fixture
def node(db: Database) -> Iterator[Database]:
    """Another process's view of the store, following versions like ``iamd serve``."""
    other = Database(db.url)
    other.follow_versions()
    mirror = other.version_mirror
    assert (mirror is None) == db.is_sqlite
    assert mirror is None or eventually(lambda: mirror.is_live)
    yield other
    other.dispose()


@pytest.fixture
def trusting(monkeypatch: pytest.MonkeyPatch) -> None:
    """Versions trusted for a minute without a word: only events can void them."""
    monkeypatch.setattr(version_mirror, "MAX_AGE", 60.0)


def settled(node: Database, account_id: str) -> None:
    """Wait until nothing is arriving for the node: what it reads next, it keeps."""
    mirror = node.version_mirror
    assert mirror is not None
    assert eventually(lambda: mirror.ticket(account_id) is not None)


def read(node: Database, account_id: str) -> int:
    with node.transaction(write=False) as conn:
        return authz_version(conn, account_id)


def bump(conn: Connection, account_id: str, *, quietly: bool = False) -> None:
    if quietly:
        conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
    conn.execute(
        text("UPDATE accounts SET authz_version = authz_version + 1 WHERE id = :id"),
        {"id": account_id},
    )


def bumped(db: Database, account_id: str, *, quietly: bool = False) -> None:
    with db.transaction() as conn:
        bump(conn, account_id, quietly=quietly)


def test_a_write_elsewhere_is_seen_within_the_bound(
    db: Database, node: Database, account_id: str
) -> None:
    before = read(node, account_id)
    bumped(db, account_id)
    assert eventually(lambda: read(node, account_id) == before + 1, timeout=1.0)


@on_postgres
@pytest.mark.usefixtures("trusting")
def test_a_version_is_trusted_until_a_notification_says_it_moved(
    db: Database, node: Database, account_id: str
) -> None:
    settled(node, account_id)
    before = read(node, account_id)
    bumped(db, account_id, quietly=True)
    assert read(node, account_id) == before  # not read again: nothing said it moved
    bumped(db, account_id)
    assert eventually(lambda: read(node, account_id) == before + 2, timeout=1.0)


@on_postgres
@pytest.mark.usefixtures("trusting")
def test_a_users_own_version_is_followed_too(db: Database, node: Database, account_id: str) -> None:
    user_id = ids.entity_id(ids.USER)
    with db.transaction() as conn:
        user = User(user_id, account_id, "alice", "/", datetime.now(UTC), None, None)
        insert_user(conn, user)

    def versions() -> tuple[int, int]:
        with node.transaction(write=False) as conn:
            return principal_versions(conn, account_id, "users", user_id)

    account, own = versions()
    with db.transaction() as conn:
        conn.execute(
            text("UPDATE users SET authz_version = authz_version + 1 WHERE id = :id"),
            {"id": user_id},
        )
    assert eventually(lambda: versions() == (account, own + 1), timeout=1.0)


@on_postgres
def test_an_unannounced_change_is_seen_once_max_age_passes(
    db: Database, node: Database, account_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(version_mirror, "MAX_AGE", 0.2)
    settled(node, account_id)
    before = read(node, account_id)
    bumped(db, account_id, quietly=True)
    time.sleep(0.3)
    assert read(node, account_id) == before + 1


@on_postgres
@pytest.mark.usefixtures("trusting")
def test_the_node_that_writes_sees_its_write_at_once(node: Database, account_id: str) -> None:
    settled(node, account_id)
    before = read(node, account_id)
    bumped(node, account_id, quietly=True)  # no notification: its own write says so
    assert read(node, account_id) == before + 1


@on_postgres
@pytest.mark.usefixtures("trusting")
def test_a_writing_transaction_reads_its_own_versions_and_a_rollback_leaves_none(
    node: Database, account_id: str
) -> None:
    settled(node, account_id)
    before = read(node, account_id)
    with pytest.raises(RuntimeError), node.transaction() as conn:
        bump(conn, account_id)
        assert authz_version(conn, account_id) == before + 1
        raise RuntimeError("rolled back")
    assert read(node, account_id) == before


def end_listener(db: Database) -> None:
    """End the mirror's connection from PostgreSQL's side, as a restart would."""
    with db.transaction() as conn:
        ended = conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = :name AND datname = current_database()"
            ),
            {"name": version_mirror.APPLICATION_NAME},
        ).scalars()
        assert list(ended) == [True]


@on_postgres
@pytest.mark.usefixtures("trusting")
def test_a_lost_listener_trusts_nothing_until_it_listens_again(
    db: Database, node: Database, account_id: str
) -> None:
    mirror = node.version_mirror
    assert mirror is not None
    settled(node, account_id)
    before = read(node, account_id)
    end_listener(db)
    bumped(db, account_id, quietly=True)  # while it may not be listening
    assert eventually(lambda: read(node, account_id) == before + 1)
    assert eventually(lambda: mirror.is_live)
    bumped(db, account_id)
    assert eventually(lambda: read(node, account_id) == before + 2, timeout=1.0)


@on_postgres
@pytest.mark.usefixtures("trusting")
def test_a_users_row_is_kept_until_it_changes_anywhere(
    db: Database, node: Database, account_id: str
) -> None:
    def found() -> User | None:
        with node.transaction(write=False) as conn:
            answer = find_user_with_tags(conn, account_id, "Bob")
        return answer[0] if answer is not None else None

    assert found() is None
    user = User(ids.entity_id(ids.USER), account_id, "bob", "/", datetime.now(UTC), None, None)
    with db.transaction() as conn:
        insert_user(conn, user)
    assert eventually(lambda: found() == user, timeout=1.0)  # a new user is announced
    settled(node, account_id)
    assert found() == user  # now kept
    signed_in = datetime(2026, 12, 5, 4, 30, tzinfo=UTC)
    with db.transaction() as conn:
        conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        record_password_use(conn, user.user_id, signed_in)
    assert found() == user  # kept: nothing said the row changed
    with db.transaction() as conn:
        record_password_use(conn, user.user_id, signed_in)
    assert eventually(lambda: (found() or user).password_last_used == signed_in, timeout=1.0)


@on_postgres
@pytest.mark.usefixtures("trusting")
def test_a_page_of_users_is_kept_until_a_user_comes_or_goes(
    db: Database, node: Database, account_id: str
) -> None:
    def listed() -> list[str]:
        with node.transaction(write=False) as conn:
            page = list_users(conn, account_id, path_prefix="/", marker=None, limit=100)
        return [user.name for user in page.items]

    def added(name: str, *, quietly: bool = False) -> None:
        user = User(ids.entity_id(ids.USER), account_id, name, "/", datetime.now(UTC), None, None)
        with db.transaction() as conn:
            if quietly:
                conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
            insert_user(conn, user)

    settled(node, account_id)
    assert listed() == []
    added("carol", quietly=True)
    assert listed() == []  # kept: nothing said a user came
    added("dave")
    assert eventually(lambda: listed() == ["carol", "dave"], timeout=1.0)
    with db.transaction() as conn:
        conn.execute(text("DELETE FROM users WHERE name = 'carol'"))
    assert eventually(lambda: listed() == ["dave"], timeout=1.0)


def listeners(db: Database) -> int:
    """The mirrors' connections to this test's database."""
    with db.transaction(write=False) as conn:
        return int(
            conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE application_name = :name AND datname = current_database()"
                ),
                {"name": version_mirror.APPLICATION_NAME},
            ).scalar_one()
        )


@on_postgres
def test_a_stopped_mirror_lets_go_of_its_connection_at_once(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A listener with nothing to hear waits on its socket a heartbeat at a time; a stop
    # must not wait the heartbeat out (a server's shutdown waits on it).
    monkeypatch.setattr(version_mirror, "HEARTBEAT", 60.0)
    other = Database(db.url)
    other.follow_versions()
    mirror = other.version_mirror
    assert mirror is not None
    assert eventually(lambda: mirror.is_live and listeners(db) == 1)
    time.sleep(0.1)  # well into its wait
    other.dispose()
    assert not mirror.is_live
    assert eventually(lambda: listeners(db) == 0, timeout=0.5)


def test_a_store_that_stays_away_is_warned_of_once(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # Nothing listens on a port just closed: every attempt fails at once.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setattr(version_mirror, "RETRY_AFTER", 0.01)
    engine = create_engine(f"postgresql+psycopg://iamd@127.0.0.1:{port}/iamd")
    mirror = version_mirror.VersionMirror(engine)
    caplog.set_level(logging.DEBUG, logger="iamd.store")

    def failures() -> list[logging.LogRecord]:
        return [r for r in caplog.records if "versions failed" in r.getMessage()]

    mirror.start()
    try:
        assert eventually(lambda: len(failures()) >= 5)
    finally:
        mirror.stop()
    assert failures()[0].levelno == logging.WARNING
    assert {r.levelno for r in failures()[1:]} == {logging.DEBUG}
    assert not mirror.is_live


@on_postgres
def test_each_lost_connection_is_warned_of_and_so_is_its_return(
    db: Database, node: Database, caplog: pytest.LogCaptureFixture
) -> None:
    mirror = node.version_mirror
    assert mirror is not None
    caplog.set_level(logging.WARNING, logger="iamd.store")

    def said(words: str) -> int:
        return sum(words in r.getMessage() for r in caplog.records)

    for losses in (1, 2):
        end_listener(db)
        assert eventually(lambda: said("versions again") == losses)  # noqa: B023
        assert eventually(lambda: mirror.is_live and listeners(db) == 1)
    assert said("versions failed") == 2
