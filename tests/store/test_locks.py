"""A row found to be changed is held from that read on, and never held twice
(`iamd.store.locks`, `users.find_user(held=True)`).

On PostgreSQL the lock itself is observed from another connection (``NOWAIT``); on
SQLite, where the write lock covers every row, what the transaction remembers holding.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from iamd import ids
from iamd.errors import NoSuchEntity
from iamd.store import groups, locks, users
from iamd.store.database import Database


@pytest.fixture
def user(db: Database, account_id: str) -> users.User:
    new = users.User(
        user_id=ids.entity_id(ids.USER),
        account_id=account_id,
        name="Held",
        path="/",
        created_at=datetime(2026, 12, 5, 12, 0, tzinfo=UTC),
        password_last_used=None,
        boundary_arn=None,
    )
    with db.transaction() as conn:
        users.insert_user(conn, new)
    return new


def locked_elsewhere(db: Database, user_id: str) -> bool:
    """Whether another transaction holds the user's row (PostgreSQL)."""
    with db.engine.connect() as other, other.begin():
        try:
            other.execute(
                text("SELECT id FROM users WHERE id = :id FOR NO KEY UPDATE NOWAIT"),
                {"id": user_id},
            )
        except OperationalError as error:
            assert type(error.orig).__name__ == "LockNotAvailable"
            return True
    return False


def test_a_user_found_to_be_changed_is_held_to_the_transaction_s_end(
    db: Database, user: users.User
) -> None:
    with db.transaction() as conn:
        found = users.get_user(conn, user.account_id, "HELD", held=True)  # any case
        assert found == user
        assert ("user", user.user_id) in locks._held(conn)  # type: ignore[operator]
        if not db.is_sqlite:
            assert locked_elsewhere(db, user.user_id)
        locks.hold(conn, ("user", user.user_id))  # already held: no statement, no error
    if not db.is_sqlite:
        assert not locked_elsewhere(db, user.user_id)


def test_a_plain_find_holds_nothing(db: Database, user: users.User) -> None:
    with db.transaction() as conn:
        users.get_user(conn, user.account_id, "Held")
        assert locks._held(conn) == set()
        if not db.is_sqlite:
            assert not locked_elsewhere(db, user.user_id)


def test_a_user_gone_is_no_such_entity_either_way(db: Database, account_id: str) -> None:
    with db.transaction() as conn, pytest.raises(NoSuchEntity):
        users.get_user(conn, account_id, "nobody", held=True)


def test_a_row_locked_after_others_is_found_without_its_lock(
    db: Database, user: users.User
) -> None:
    """Locks are taken in one order (users before accounts): once the account is held,
    the user is found as usual and held afterwards by `hold`, in its turn."""
    with db.transaction() as conn:
        locks.hold(conn, ("account", user.account_id))
        users.get_user(conn, user.account_id, "Held", held=True)
        assert locks._held(conn) == {("account", user.account_id)}
        if not db.is_sqlite:
            assert not locked_elsewhere(db, user.user_id)
        locks.hold(conn, ("user", user.user_id))
        assert ("user", user.user_id) in locks._held(conn)  # type: ignore[operator]


@pytest.fixture
def group(db: Database, account_id: str) -> groups.Group:
    new = groups.Group(
        group_id=ids.entity_id(ids.GROUP),
        account_id=account_id,
        name="Crew",
        path="/",
        created_at=datetime(2026, 12, 5, 12, 0, tzinfo=UTC),
    )
    with db.transaction() as conn:
        groups.insert_group(conn, new)
    return new


def test_a_user_then_a_group_are_both_held_by_their_reads(
    db: Database, user: users.User, group: groups.Group
) -> None:
    """AddUserToGroup's order: users come before groups, so each read takes its lock."""
    with db.transaction() as conn:
        users.get_user(conn, user.account_id, "Held", held=True)
        groups.get_group(conn, group.account_id, "crew", held=True)
        assert locks._held(conn) == {("user", user.user_id), ("group", group.group_id)}


def test_a_group_then_a_user_leaves_the_user_to_hold(
    db: Database, user: users.User, group: groups.Group
) -> None:
    """Read the other way round, the user's read would lock out of order: it does not."""
    with db.transaction() as conn:
        groups.get_group(conn, group.account_id, "Crew", held=True)
        users.get_user(conn, user.account_id, "Held", held=True)
        assert locks._held(conn) == {("group", group.group_id)}
        if not db.is_sqlite:
            assert not locked_elsewhere(db, user.user_id)


def test_a_lock_inside_a_savepoint_is_not_remembered(db: Database, user: users.User) -> None:
    """A savepoint rolled back lets its locks go, so nothing taken inside one is
    remembered as held."""
    with db.transaction() as conn:
        with conn.begin_nested() as savepoint:
            users.get_user(conn, user.account_id, "Held", held=True)
            locks.hold(conn, ("user", user.user_id))
            savepoint.rollback()
        assert locks._held(conn) == set()
        if not db.is_sqlite:
            assert not locked_elsewhere(db, user.user_id)


def test_each_transaction_remembers_its_own(db: Database, user: users.User) -> None:
    with db.transaction() as conn:
        users.get_user(conn, user.account_id, "Held", held=True)
    with db.transaction() as conn:
        assert locks._held(conn) == set()
