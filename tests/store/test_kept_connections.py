"""Transactions on SQLite run on connections their thread keeps, and behave as before.

`iamd.store.kept_connections` keeps a reading and a writing connection per thread (a
few threads) instead of taking one from the pool for every transaction. These tests
hold it to what the pool gave: each read sees what was committed before it began,
from this process or another connection; writes commit, roll back, queue and lose
races as they did; nested transactions, many threads and disposal all work.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from iamd.errors import ConcurrentModification
from iamd.store import kept_connections
from iamd.store.database import Database, sqlite_url
from iamd.store.kept_connections import MAX_KEPT
from support import IamdServer


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(sqlite_url(str(tmp_path / "iamd.sqlite3")))
    with database.transaction() as conn:
        conn.execute(text("CREATE TABLE facts (value INTEGER UNIQUE)"))
        conn.execute(text("INSERT INTO facts VALUES (1)"))
    yield database
    database.dispose()


def _read(db: Database) -> tuple[int, Any]:
    """The newest value, and the driver connection that read it."""
    with db.transaction(write=False) as conn:
        value = conn.execute(text("SELECT max(value) FROM facts")).scalar_one()
        return value, conn.connection.dbapi_connection


def test_a_thread_reads_on_one_connection_and_sees_each_commit(
    db: Database, tmp_path: Path
) -> None:
    first_value, first_connection = _read(db)
    with db.transaction() as conn:  # a write through the pool, in this process
        conn.execute(text("INSERT INTO facts VALUES (2)"))
    second_value, second_connection = _read(db)
    other = sqlite3.connect(tmp_path / "iamd.sqlite3", isolation_level=None)
    other.execute("INSERT INTO facts VALUES (3)")  # another process's write, say
    other.close()
    third_value, third_connection = _read(db)
    assert (first_value, second_value, third_value) == (1, 2, 3)
    assert first_connection is second_connection is third_connection


def test_a_read_inside_a_read_gets_a_connection_of_its_own(db: Database) -> None:
    with db.transaction(write=False) as outer:
        inner_value, inner_connection = _read(db)
        assert inner_connection is not outer.connection.dbapi_connection
        assert outer.execute(text("SELECT max(value) FROM facts")).scalar_one() == inner_value


def test_a_failed_read_leaves_the_connection_usable(db: Database) -> None:
    with pytest.raises(Exception, match="no such table"), db.transaction(write=False) as conn:
        conn.execute(text("SELECT * FROM missing"))
    assert _read(db)[0] == 1


def test_a_read_is_refused_writing_on_the_kept_connection(db: Database) -> None:
    with pytest.raises(Exception, match="readonly"), db.transaction(write=False) as conn:
        conn.execute(text("INSERT INTO facts VALUES (9)"))
    with db.transaction() as conn:  # writes on the pool's connections are unaffected
        conn.execute(text("INSERT INTO facts VALUES (4)"))
    assert _read(db)[0] == 4


def test_more_threads_than_keep_a_connection_all_read(db: Database) -> None:
    threads = MAX_KEPT * 3
    start = threading.Barrier(threads)
    answers: list[int] = []

    def reader() -> None:
        start.wait()
        for _ in range(20):
            answers.append(_read(db)[0])

    running = [threading.Thread(target=reader) for _ in range(threads)]
    for thread in running:
        thread.start()
    for thread in running:
        thread.join()
    assert answers == [1] * threads * 20


def test_disposing_closes_the_kept_connection_and_reads_go_on(db: Database) -> None:
    _, before = _read(db)
    db.dispose()
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        before.execute("SELECT 1")
    value, after = _read(db)
    assert value == 1
    assert after is not before


def _write(db: Database, value: int) -> Any:
    """Insert ``value`` through the driver alone; the driver connection that wrote it."""
    with db.transaction() as conn:
        dbapi = conn.connection.dbapi_connection
        dbapi.execute("INSERT INTO facts VALUES (?)", (value,))
        return dbapi


def test_writes_commit_on_one_kept_connection_and_survive_it(db: Database, tmp_path: Path) -> None:
    first, second = _write(db, 2), _write(db, 3)
    with db.transaction() as conn:  # through SQLAlchemy: its own transaction object ends it
        conn.execute(text("INSERT INTO facts VALUES (4)"))
    db.dispose()
    other = sqlite3.connect(tmp_path / "iamd.sqlite3")
    assert [row[0] for row in other.execute("SELECT value FROM facts ORDER BY value")] == [
        1, 2, 3, 4,
    ]  # fmt: skip
    other.close()
    assert first is second


def test_a_failed_write_rolls_back_and_the_next_one_commits(db: Database) -> None:
    with pytest.raises(RuntimeError), db.transaction() as conn:
        conn.connection.dbapi_connection.execute("INSERT INTO facts VALUES (5)")
        raise RuntimeError("the operation refused")
    _write(db, 6)
    with db.transaction(write=False) as conn:
        values = conn.execute(text("SELECT value FROM facts ORDER BY value")).scalars().all()
    assert values == [1, 6]


def test_a_refused_constraint_on_the_kept_connection_is_a_concurrent_modification(
    db: Database,
) -> None:
    with pytest.raises(ConcurrentModification), db.transaction() as conn:
        conn.execute(text("INSERT INTO facts VALUES (1)"))
    assert _write(db, 7) is not None


def test_a_read_inside_a_write_sees_what_was_committed_before(db: Database) -> None:
    with db.transaction() as conn:
        conn.execute(text("INSERT INTO facts VALUES (8)"))
        assert _read(db)[0] == 1  # the write is not committed yet
    assert _read(db)[0] == 8


def test_writers_on_many_threads_queue_and_all_commit(db: Database) -> None:
    threads, each = MAX_KEPT * 2, 15
    start = threading.Barrier(threads)

    def writer(first: int) -> None:
        start.wait()
        for value in range(first, first + each):
            _write(db, value)

    running = [threading.Thread(target=writer, args=(100 + n * each,)) for n in range(threads)]
    for thread in running:
        thread.start()
    for thread in running:
        thread.join()
    with db.transaction(write=False) as conn:
        count = conn.execute(text("SELECT count(*) FROM facts")).scalar_one()
    assert count == 1 + threads * each


def test_a_write_that_need_not_be_durable_still_commits(db: Database) -> None:
    with db.transaction(durable=False) as conn:
        conn.execute(text("INSERT INTO facts VALUES (9)"))
    assert _read(db)[0] == 9


def test_a_kept_connection_that_broke_is_replaced_before_it_fails_a_request(
    server: IamdServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On the suite's database: PostgreSQL closing the connection (found by the ping an
    idle kept connection gets), or SQLAlchemy invalidating it (SQLite)."""
    monkeypatch.setattr(kept_connections, "PING_AFTER_IDLE", 0.0)
    db, _ = server.open_store()
    try:
        first = lose_kept_connection(db, write=False)
        with db.transaction(write=False) as conn:
            assert conn.exec_driver_sql("SELECT 1").scalar_one() == 1
            assert conn.connection.dbapi_connection is not first
    finally:
        db.dispose()


def lose_kept_connection(db: Database, *, write: bool) -> Any:
    """The driver's connection this thread keeps (to read or to write), once ended as a
    failure ends it: PostgreSQL's server closing it, SQLAlchemy invalidating it (SQLite)."""
    with db.transaction(write=write) as kept:
        lost = kept.connection.dbapi_connection
        pid = None if db.is_sqlite else kept.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    if db.is_sqlite:
        kept.invalidate()
    else:
        with db.engine.connect() as other:  # the server ends the kept connection
            other.exec_driver_sql(f"SELECT pg_terminate_backend({int(pid)})")
            other.commit()
    return lost
