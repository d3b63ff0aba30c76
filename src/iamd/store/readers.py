"""Read transactions on a connection kept by their thread, on SQLite.

Taking a connection from SQLAlchemy's pool and handing it back costs more than most
reads it serves (about a tenth of a GetUser). Requests are answered on the event
loop's thread, so one connection kept checked out by that thread serves almost every
read. A few threads may keep one (`MAX_KEPT`, well under the pool's size, so writers
always find a connection); others, and every write, go through the pool as before.

A kept connection goes back to the pool when its thread ends (the thread's storage
lets go of it, and SQLAlchemy returns a collected connection) and is closed when the
database is disposed of. One that failed (invalidated by SQLAlchemy) is dropped, and
the thread's next read opens another.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine

# Threads that may keep a reading connection: the event loop's, and a few others
# (the thread pool's, the trail's flusher), far fewer than the pool holds.
MAX_KEPT = 4


class Readers:
    """Each thread's reading connection, up to `MAX_KEPT` threads."""

    def __init__(self, engine: Engine, options: dict[str, Any]) -> None:
        self._engine = engine
        self._options = options
        self._local = threading.local()
        self._lock = threading.Lock()
        self._kept: weakref.WeakSet[Connection] = weakref.WeakSet()

    @contextmanager
    def transaction(self, conn: Connection) -> Iterator[Connection]:
        """A read transaction on a kept connection, begun and ended on the driver.

        SQLAlchemy's own begin and commit cost more than the BEGIN and COMMIT they
        send. A statement run through SQLAlchemy inside still autobegins its
        transaction object (whose BEGIN the engine skips: the driver is already in a
        transaction), and that object then ends the transaction instead.
        """
        dbapi = conn.connection.dbapi_connection
        assert dbapi is not None
        dbapi.execute("BEGIN")
        try:
            yield conn
        except BaseException:
            if conn.in_transaction():
                conn.rollback()
            else:
                dbapi.rollback()
            raise
        if conn.in_transaction():
            conn.commit()
        else:
            dbapi.commit()

    def connection(self) -> Connection | None:
        """This thread's kept connection, opened now if it may keep one; None if it may
        not, or if the connection is already in a transaction (a read inside a read)."""
        conn: Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            return self._keep()
        if conn.closed or conn.invalidated:
            self._drop(conn)
            return self._keep()
        dbapi = conn.connection.dbapi_connection
        return None if dbapi is None or dbapi.in_transaction else conn

    def _keep(self) -> Connection | None:
        with self._lock:
            if len(self._kept) >= MAX_KEPT:
                return None
            conn = self._engine.connect().execution_options(**self._options)
            with conn.begin():  # the engine's begin sets the connection up for reading
                pass
            self._kept.add(conn)
        self._local.conn = conn
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
