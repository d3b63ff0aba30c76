"""Reads on SQLite run on a connection their thread keeps, and still see every commit.

`iamd.store.readers` keeps a reading connection per thread (a few threads) instead of
taking one from the pool for every read. These tests hold it to what the pool gave:
each read transaction sees what was committed before it began, from this process or
another connection; nested reads, many threads and disposal all work.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from iamd.store.database import Database, sqlite_url
from iamd.store.readers import MAX_KEPT


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(sqlite_url(str(tmp_path / "iamd.sqlite3")))
    with database.transaction() as conn:
        conn.execute(text("CREATE TABLE facts (value INTEGER)"))
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
