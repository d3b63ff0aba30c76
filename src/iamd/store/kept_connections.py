"""Transactions on a connection kept by their thread.

Taking a connection from SQLAlchemy's pool and handing it back (on PostgreSQL with a
round trip to ping it), and on SQLite SQLAlchemy's own begin and commit, cost more
than most requests' statements (together about a third of a GetUser on SQLite).
Requests are answered on the event loop's thread, so one connection kept checked out
by that thread for reading, and one for writing, serve almost every request. A few
threads may keep one of each kind (`MAX_KEPT`, so that together they stay well under
the pool's size and others always find a connection); other threads, a transaction
inside another, and the trail's non-durable batches go through the pool as before.

Transactions begin and end on the driver rather than in SQLAlchemy. On PostgreSQL a
connection idle for longer than `PING_AFTER_IDLE` is pinged before use, as the pool
pings each one it hands out: one that the server closed meanwhile is dropped for
another rather than failing the request.

A kept connection goes back to the pool when its thread ends (the thread's storage
lets go of it, and SQLAlchemy returns a collected connection) and is closed when the
database is disposed of. One that failed (invalidated by SQLAlchemy) is dropped, and
the thread's next transaction opens another.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Connection, Engine

from iamd.store import libpq
from iamd.store.prepared import raised_as_sqlalchemy

if TYPE_CHECKING:
    import psycopg

# Threads that may keep a connection of one kind: the event loop's, and a few others
# (the thread pool's), far fewer than the pool holds.
MAX_KEPT = 4
# Seconds a kept PostgreSQL connection may sit unused before it is pinged again.
PING_AFTER_IDLE = 1.0


class Kept:
    """Each thread's connection of one kind (reading or writing), up to `MAX_KEPT`."""

    def __init__(
        self,
        engine: Engine,
        options: dict[str, Any],
        set_up: Callable[[Connection], None],
        *,
        driver_begin: str | None,
    ) -> None:
        """``driver_begin``: the statement that begins a transaction on the driver
        (SQLite); None: the first statement begins it, and the connection is pinged
        after `PING_AFTER_IDLE` (PostgreSQL).
        """
        self._engine = engine
        self._options = options
        self._begin = driver_begin
        self._set_up = set_up
        self._local = threading.local()
        self._lock = threading.Lock()
        self._kept: weakref.WeakSet[Connection] = weakref.WeakSet()

    def connection(self) -> Connection | None:
        """This thread's kept connection, opened now if it may keep one; None if it may
        not, or if the connection is already in a transaction (one inside another)."""
        conn: Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            return self._keep()
        if self._local.busy:
            return None  # in use further up this thread's stack: never pinged nor dropped
        if conn.closed or conn.invalidated:
            self._drop(conn)
            return self._keep()
        if not self._alive(conn):
            self._drop(conn)
            return self._keep()
        return conn

    def _alive(self, conn: Connection) -> bool:
        """Whether a connection SQLAlchemy's pool would ping still answers (PostgreSQL)."""
        if self._begin is not None:
            return True
        now = time.monotonic()
        idle_since: float = self._local.used
        self._local.used = now
        if now - idle_since < PING_AFTER_IDLE:
            return True
        dbapi = conn.connection.dbapi_connection
        try:
            return dbapi is not None and bool(conn.dialect.do_ping(dbapi))
        except conn.dialect.loaded_dbapi.Error:
            return False

    @contextmanager
    def transaction(self, conn: Connection) -> Iterator[Connection]:
        """A transaction on a kept connection, begun and ended on the driver.

        On SQLite it begins with ``driver_begin``; on PostgreSQL with the first
        statement (psycopg's implicit BEGIN, or `libpq`'s pipelined with it). A
        statement run through SQLAlchemy inside still autobegins SQLAlchemy's
        transaction object (whose BEGIN the engine skips: the driver is already in a
        transaction, or begins one itself), and that object then ends the transaction
        instead (on PostgreSQL once libpq has committed it).
        """
        dbapi = conn.connection.dbapi_connection
        assert dbapi is not None
        begin = self._begin
        self._local.busy = True
        try:
            if begin is not None:
                _on_driver(conn, lambda: dbapi.execute(begin))
            try:
                yield conn
                if begin is None:  # PostgreSQL: COMMIT on libpq, which refuses a failed one
                    _on_driver(conn, lambda: libpq.commit(cast("psycopg.Connection[Any]", dbapi)))
            except BaseException:
                if conn.in_transaction():
                    conn.rollback()
                elif not conn.invalidated:  # an invalidated one has nothing left to undo
                    _on_driver(conn, dbapi.rollback)
                raise
            if conn.in_transaction():
                conn.commit()  # on PostgreSQL, committed already: SQLAlchemy's object ends
            elif begin is not None:
                _on_driver(conn, dbapi.commit)
        finally:
            self._local.busy = False

    def _keep(self) -> Connection | None:
        with self._lock:
            if len(self._kept) >= MAX_KEPT:
                return None
            conn = self._engine.connect().execution_options(**self._options)
            self._kept.add(conn)
        try:
            self._set_up(conn)
        except BaseException:
            self._drop(conn)
            raise
        self._local.conn = conn
        self._local.used = time.monotonic()
        self._local.busy = False
        return conn

    def _drop(self, conn: Connection) -> None:
        self._local.conn = None
        with self._lock:
            self._kept.discard(conn)
        conn.close()

    def close(self) -> None:
        """Close every kept connection (the database is being disposed of)."""
        with self._lock:
            kept, self._kept = list(self._kept), weakref.WeakSet()
        for conn in kept:
            conn.close()


def _on_driver(conn: Connection, call: Callable[[], object]) -> None:
    """Run a driver call, raising its error as SQLAlchemy would (`raised_as_sqlalchemy`)."""
    with raised_as_sqlalchemy(conn):
        call()
