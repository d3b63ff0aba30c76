"""Sign-in throttling: free failures, then waits that double, forgotten on success,
counted in the store so that every server process sees the same attempts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Connection

from iamd.console import throttle
from iamd.console.throttle import SignInThrottle
from iamd.store.database import Database, sqlite_url

NOW = datetime(2026, 1, 1, tzinfo=UTC)
KEY = throttle.key_for("123456789012", "Alice", "203.0.113.7")


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[Connection]:
    db = Database(sqlite_url(str(tmp_path / "throttle.sqlite3")))
    db.migrate()
    with db.transaction() as connection:
        yield connection
    db.dispose()


def _fail(gate: SignInThrottle, conn: Connection, times: int, at: datetime = NOW) -> None:
    for _ in range(times):
        gate.failed(conn, KEY, at)


def test_five_failures_are_free_then_a_wait(conn: Connection) -> None:
    gate = SignInThrottle()
    _fail(gate, conn, throttle.FREE_FAILURES - 1)
    assert gate.retry_after(conn, KEY, NOW) is None
    gate.failed(conn, KEY, NOW)
    assert gate.retry_after(conn, KEY, NOW) == 30
    assert gate.retry_after(conn, KEY, NOW + timedelta(seconds=30)) is None


def test_the_wait_doubles_up_to_a_cap() -> None:
    assert throttle.delay_after(6) == timedelta(seconds=60)
    assert throttle.delay_after(7) == timedelta(seconds=120)
    assert throttle.delay_after(40) == throttle.MAX_DELAY


def test_success_and_quiet_time_forget_failures(conn: Connection) -> None:
    gate = SignInThrottle()
    _fail(gate, conn, 6)
    gate.succeeded(conn, KEY)
    assert gate.retry_after(conn, KEY, NOW) is None
    _fail(gate, conn, 6)
    assert gate.retry_after(conn, KEY, NOW + throttle.WINDOW + timedelta(seconds=1)) is None


def test_two_processes_share_one_count(conn: Connection) -> None:
    """Two throttles (as in two workers) over one store see each other's failures."""
    first, second = SignInThrottle(), SignInThrottle()
    _fail(first, conn, throttle.FREE_FAILURES - 1)
    second.failed(conn, KEY, NOW)
    assert first.retry_after(conn, KEY, NOW) == 30


def test_names_are_case_insensitive() -> None:
    assert throttle.key_for("1", "Alice", "a") == throttle.key_for("1", "alice", "a")


def test_one_address_s_failures_never_lock_out_another(conn: Connection) -> None:
    gate = SignInThrottle()
    _fail(gate, conn, 12)
    assert gate.retry_after(conn, KEY, NOW) is not None
    elsewhere = throttle.key_for("123456789012", "alice", "198.51.100.1")
    assert gate.retry_after(conn, elsewhere, NOW) is None


def test_failures_from_every_address_together_are_capped(conn: Connection) -> None:
    gate = SignInThrottle()
    for n in range(throttle.GLOBAL_FREE_FAILURES):
        gate.failed(
            conn, throttle.key_for("123456789012", "alice", f"10.0.{n // 250}.{n % 250}"), NOW
        )
    fresh = throttle.key_for("123456789012", "alice", "192.0.2.99")
    assert gate.retry_after(conn, fresh, NOW) == 30
    other_user = throttle.key_for("123456789012", "bob", "192.0.2.99")
    assert gate.retry_after(conn, other_user, NOW) is None


def test_a_name_too_long_for_the_store_is_hashed_and_still_counted(conn: Connection) -> None:
    from iamd.store.schema import signin_failures

    keys = throttle.key_for("root", "x" * 5000 + "@example.com", "192.0.2.1")
    for key in (keys.local, keys.overall):
        assert len(key) <= throttle.MAX_KEY_LENGTH == signin_failures.c.key.type.length
    assert keys == throttle.key_for("root", "X" * 5000 + "@EXAMPLE.COM", "192.0.2.1")
    assert keys != throttle.key_for("root", "y" * 5000 + "@example.com", "192.0.2.1")
