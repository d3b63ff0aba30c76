"""PostgreSQL statements sent through psycopg's libpq wrapper behave as a cursor's.

`libpq.execute` skips psycopg's cursors for the statements `on_driver` runs; these
tests hold it to what a cursor would do with the same statement: the transaction it
begins, the values it loads, the errors it raises, and the statements it keeps
prepared across psycopg's own commits and rollbacks.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from psycopg import pq
from sqlalchemy import Column, Connection, MetaData, Table, Text, insert
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, ProgrammingError

from iamd.store import libpq
from iamd.store.database import Database
from iamd.store.prepared import Prepared, on_driver, run_together

pytestmark = pytest.mark.skipif(
    not os.environ.get("IAMD_TEST_DATABASE_URL"),
    reason="libpq's path is PostgreSQL's; SQLite's statements run on its cursors",
)

_VALUES = (
    "INSERT INTO probe (id, label, at, n, big, flag, raw)"
    " VALUES (%(id)s, %(label)s, %(at)s, %(n)s, %(big)s, %(flag)s, %(raw)s)"
)
_ROW = "SELECT id, label, at, n, big, flag, raw FROM probe WHERE id = %s"


@pytest.fixture
def conn(db: Database) -> Iterator[Connection]:
    """A connection of the store's engine, outside any transaction, with a table."""
    with db.engine.connect() as connection:
        connection.exec_driver_sql(
            "CREATE TABLE probe (id text PRIMARY KEY, label text, at timestamptz,"
            " n integer, big bigint, flag boolean, raw bytea)"
        )
        connection.commit()
        yield connection
        connection.rollback()


def dbapi(conn: Connection) -> Any:
    return conn.connection.dbapi_connection


def status(conn: Connection) -> pq.TransactionStatus:
    return pq.TransactionStatus(dbapi(conn).pgconn.transaction_status)


def row(**values: Any) -> dict[str, Any]:
    at = datetime(2026, 12, 5, 23, 30, 1, 123456, tzinfo=UTC)
    base = {"id": "a", "label": "ä%", "at": at, "n": 7, "big": 2**40, "flag": True}
    return {**base, "raw": b"\x00\xff", **values}


def test_values_load_as_a_cursor_loads_them(conn: Connection) -> None:
    on_driver(conn, _VALUES, row())
    on_driver(conn, _VALUES, row(id="b", label=None, n=None, flag=None, raw=None))
    for key in ("a", "b"):
        fast = on_driver(conn, _ROW, (key,), lambda fetched: fetched.fetchall())
        cursor = dbapi(conn).cursor()
        cursor.execute(_ROW, (key,))
        assert fast == cursor.fetchall()
    assert fast[0][1:] == (None, row()["at"], None, 2**40, None, None)


def test_the_first_statement_begins_the_transaction_and_a_rollback_ends_it(
    conn: Connection,
) -> None:
    assert status(conn) == pq.TransactionStatus.IDLE
    assert on_driver(conn, _VALUES, row(), lambda fetched: fetched.rowcount) == 1
    assert status(conn) == pq.TransactionStatus.INTRANS
    dbapi(conn).rollback()
    assert on_driver(conn, _ROW, ("a",), lambda fetched: fetched.fetchall()) == []
    on_driver(conn, _VALUES, row())
    libpq.commit(dbapi(conn))
    assert status(conn) == pq.TransactionStatus.IDLE
    libpq.commit(dbapi(conn))  # none to commit: nothing sent, nothing raised
    dbapi(conn).rollback()
    assert len(on_driver(conn, _ROW, ("a",), lambda fetched: fetched.fetchall())) == 1


def test_named_parameters_used_twice_and_a_literal_percent(conn: Connection) -> None:
    on_driver(conn, _VALUES, row())
    sql = "SELECT label || '%%', %(id)s = id FROM probe WHERE id = %(id)s OR label = %(id)s"
    assert on_driver(conn, sql, {"id": "a"}, lambda fetched: fetched.fetchall()) == [("ä%%", True)]


def test_a_refused_constraint_is_sqlalchemy_s_integrity_error(conn: Connection) -> None:
    on_driver(conn, _VALUES, row())
    with pytest.raises(IntegrityError) as refused:
        on_driver(conn, _VALUES, row())
    assert isinstance(refused.value.orig, psycopg.errors.UniqueViolation)
    assert status(conn) == pq.TransactionStatus.INERROR
    dbapi(conn).rollback()
    assert on_driver(conn, _ROW, ("a",), lambda fetched: fetched.fetchall()) == []


def test_a_failed_transaction_is_not_committed_in_silence(conn: Connection) -> None:
    on_driver(conn, _VALUES, row())
    with pytest.raises(IntegrityError):
        on_driver(conn, _VALUES, row())
    with pytest.raises(psycopg.errors.InFailedSqlTransaction):
        libpq.commit(dbapi(conn))
    assert status(conn) == pq.TransactionStatus.IDLE  # rolled back
    assert on_driver(conn, _ROW, ("a",), lambda fetched: fetched.fetchall()) == []


def test_a_nul_in_text_is_refused_before_it_is_sent(conn: Connection) -> None:
    with pytest.raises(DataError):
        on_driver(conn, _VALUES, row(label="a\x00b"))
    assert status(conn) == pq.TransactionStatus.IDLE  # not even the BEGIN went


def test_a_statement_the_server_cannot_parse_fails_with_its_own_error(
    conn: Connection,
) -> None:
    with pytest.raises(ProgrammingError) as refused:
        on_driver(conn, "SELECT nothing FROM probe WHERE id = %s", ("a",))
    assert isinstance(refused.value.orig, psycopg.errors.UndefinedColumn)
    dbapi(conn).rollback()
    assert on_driver(conn, _ROW, ("a",), lambda fetched: fetched.fetchall()) == []


def test_prepared_statements_outlive_psycopg_s_rollbacks(conn: Connection) -> None:
    for _ in range(3):
        on_driver(conn, _VALUES, row())
        cursor = dbapi(conn).cursor()
        for _ in range(6):  # psycopg would prepare this one after five
            cursor.execute("SELECT count(*) FROM probe")
        dbapi(conn).rollback()
    prepared = conn.connection.info["iamd_libpq"].prepared
    assert len(prepared) == 1
    found = on_driver(
        conn,
        "SELECT name FROM pg_prepared_statements ORDER BY name",
        (),
        lambda fetched: fetched.fetchall(),
    )
    assert ("iamd_0",) in found and not any(name.startswith("_pg3") for (name,) in found)


def test_beyond_the_bound_statements_run_unprepared(
    conn: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(libpq, "MAX_PREPARED", 1)
    on_driver(conn, _VALUES, row())
    assert on_driver(conn, _ROW, ("a",), lambda fetched: len(fetched.fetchall())) == 1
    on_driver(conn, _VALUES, row(id="b"))
    assert len(conn.connection.info["iamd_libpq"].prepared) == 1
    dbapi(conn).rollback()
    assert on_driver(conn, _ROW, ("b",), lambda fetched: fetched.fetchall()) == []


def test_a_connection_that_psycopg_prepares_on_is_refused(db: Database) -> None:
    url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url) as connection, pytest.raises(RuntimeError, match="threshold"):
        libpq.execute(connection, {}, "SELECT 1", ())


def test_statements_run_together_in_order_and_stop_at_the_first_failure(
    conn: Connection,
) -> None:
    both = [(_VALUES, row()), (_VALUES, row(id="b"))]
    fetched = libpq.execute_all(dbapi(conn), conn.connection.info, both)
    assert [outcome.rowcount for outcome in fetched] == [1, 1]
    assert status(conn) == pq.TransactionStatus.INTRANS  # begun in the same round trip
    libpq.commit(dbapi(conn))
    again = [(_VALUES, row(id="c")), (_VALUES, row()), (_VALUES, row(id="d"))]
    with pytest.raises(psycopg.errors.UniqueViolation):
        libpq.execute_all(dbapi(conn), conn.connection.info, again)
    dbapi(conn).rollback()
    kept = on_driver(conn, "SELECT id FROM probe ORDER BY id", (), lambda f: f.fetchall())
    assert kept == [("a",), ("b",)]


def test_writes_run_together_fail_as_sqlalchemy_s_error_naming_them(conn: Connection) -> None:
    probe = Table("probe", MetaData(), Column("id", Text, primary_key=True), Column("label", Text))
    write = Prepared(insert(probe))
    assert run_together(conn, [(write, {"id": "a", "label": "x"})]) == [1]
    with pytest.raises(IntegrityError) as refused:
        run_together(conn, [(write, {"id": "b", "label": "y"}), (write, {"id": "a", "label": "z"})])
    assert refused.value.statement is not None and refused.value.statement.count("INSERT") == 2
    assert refused.value.params == [{"id": "b", "label": "y"}, {"id": "a", "label": "z"}]


@pytest.mark.parametrize("through_sqlalchemy", [False, True])
def test_a_kept_transaction_with_a_swallowed_error_raises_and_the_connection_goes_on(
    db: Database, through_sqlalchemy: bool
) -> None:
    with db.engine.connect() as connection:
        connection.exec_driver_sql("CREATE TABLE probe (id text PRIMARY KEY)")
        connection.commit()
    with pytest.raises(DBAPIError) as refused, db.transaction() as conn:
        if through_sqlalchemy:  # SQLAlchemy's transaction object begun too
            conn.exec_driver_sql("SELECT 1")
        on_driver(conn, "INSERT INTO probe (id) VALUES (%s)", ("a",))
        with pytest.raises(IntegrityError):
            on_driver(conn, "INSERT INTO probe (id) VALUES (%s)", ("a",))
    assert isinstance(refused.value.orig, psycopg.errors.InFailedSqlTransaction)
    with db.transaction() as conn:
        assert on_driver(conn, "SELECT id FROM probe", (), lambda f: f.fetchall()) == []
        on_driver(conn, "INSERT INTO probe (id) VALUES (%s)", ("b",))
    with db.transaction(write=False) as conn:
        assert on_driver(conn, "SELECT id FROM probe", (), lambda f: f.fetchall()) == [("b",)]
