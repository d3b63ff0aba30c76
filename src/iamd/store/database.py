"""The database: an engine for SQLite or PostgreSQL, migrated at start-up.

In: a SQLAlchemy URL. Out: `Database`, whose `transaction()` yields one connection
inside one transaction — the unit of work of every operation.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.pool import QueuePool

from iamd.errors import ConcurrentModification
from iamd.store import versioned
from iamd.store.kept_connections import Kept
from iamd.store.locks import holds_remembered
from iamd.store.migrate import upgrade_to_head
from iamd.store.version_mirror import VersionMirror
from iamd.store.writer_lock import WriterLock

# How long a SQLite writer waits for another to finish before giving up.
SQLITE_BUSY_TIMEOUT_MS = 30_000
# serialization_failure, deadlock_detected
_RACE_SQLSTATES = frozenset({"40001", "40P01"})
CONCURRENT_MODIFICATION = (
    "The request was rejected because multiple requests to change this object were "
    "submitted simultaneously. Wait a few minutes and submit your request again."
)

log = logging.getLogger("iamd.store")

# pysqlite "adapts" every parameter that is not an int, float, str or bytearray, None
# included: finding no adapter registered for None, it asks its protocol class for
# one, which fails with a formatted AttributeError (~5,000 instructions), and only
# then binds NULL. Every audit event binds three or more Nones (no error code, no
# resource …). An adapter that maps None to None binds the same NULL without the
# error; a dict's ``get`` is one that runs no Python frame.
_NONE_TO_NONE: dict[None, None] = {}
sqlite3.register_adapter(type(None), _NONE_TO_NONE.get)


class Database:
    """One engine; every operation runs in `transaction()`."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = make_url(url).get_backend_name() == "sqlite"
        self.engine: Engine = _sqlite_engine(url) if self.is_sqlite else _postgres_engine(url)
        self._writers = _writer_lock(url) if self.is_sqlite else None
        self._reading, self._writing = _kept(self.engine, self.is_sqlite)
        # PostgreSQL reads that take no savepoint, run without BEGIN and COMMIT
        self._statements = None if self.is_sqlite else _autocommit_kept(self.engine)
        self._mirror: VersionMirror | None = None

    async def writers_released(self) -> None:
        """Return once no other thread of this process is writing (on SQLite; else at once).

        See `WriterLock.released`: for an event loop about to write.
        """
        if self._writers is not None:
            await self._writers.released()

    def follow_versions(self) -> None:
        """Trust authorization versions already read until PostgreSQL says they moved
        (`version_mirror`): for long-running servers. SQLite reads them in-process."""
        if self.is_sqlite or self._mirror is not None:
            return
        self._mirror = VersionMirror(self.engine)
        self._mirror.start()
        versioned.follow(self.engine, self._mirror)

    @property
    def version_mirror(self) -> VersionMirror | None:
        """The mirror `follow_versions` started, if any."""
        return self._mirror

    def migrate(self) -> None:
        """Bring the schema to the newest migration (safe to call on every start)."""
        upgrade_to_head(self.engine)

    @contextmanager
    def transaction(
        self, *, write: bool = True, durable: bool = True, savepoints: bool = True
    ) -> Iterator[Connection]:
        """A connection in a transaction that commits on success, rolls back on error.

        On SQLite a writing transaction takes the write lock up front (BEGIN
        IMMEDIATE) so that two writers never deadlock upgrading a read lock.

        A write that lost a race the locks of `iamd.store.locks` do not order (a
        constraint the database refused, a deadlock PostgreSQL broke) is AWS's
        ConcurrentModification, the caller's to retry, rather than a driver error.

        ``durable=False`` commits without waiting for the disk: the transaction survives
        the process dying, but not the machine losing power before the next durable
        commit's sync (SQLite's synchronous=NORMAL in WAL mode; PostgreSQL's
        synchronous_commit=off). For the audit trail's batches of read events only.

        ``savepoints=False``: a read that takes no savepoint (``begin_nested``), which on
        PostgreSQL then runs without BEGIN and COMMIT, two round trips fewer. Every
        transaction here is READ COMMITTED, where each statement reads its own snapshot
        inside a transaction block as outside one, so such a read sees what it would
        have seen inside one.
        """
        kept = self._kept_connection(write, durable, savepoints)
        queued = self._writers.held() if write and self._writers is not None else nullcontext()
        try:
            if kept is not None:
                with queued, kept[0].transaction(kept[1]) as conn, holds_remembered(conn):
                    yield conn
                return
            options: dict[str, Any] = {"iamd_write": write, "iamd_durable": durable}
            # The writers' queue is joined only around the transaction itself: taking a
            # connection from the pool and handing it back need no lock, so no writer
            # waits while another does either.
            with self.engine.connect().execution_options(**options) as conn, queued, conn.begin():
                if not durable and not self.is_sqlite:
                    conn.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
                with holds_remembered(conn):
                    yield conn
        except DBAPIError as error:
            if not is_lost_race(error):
                raise
            log.warning("a write lost a race: %s", type(error.orig).__name__)
            raise ConcurrentModification(CONCURRENT_MODIFICATION) from None
        finally:
            # Committed or not, what was read inside may have been this write's own.
            if write and self._mirror is not None:
                self._mirror.forget_everything()

    def _kept_connection(
        self, write: bool, durable: bool, savepoints: bool
    ) -> tuple[Kept, Connection] | None:
        """This thread's kept connection for such a transaction, if it has one."""
        kept = self._writing if write else self._reading
        if not write and not savepoints and self._statements is not None:
            kept = self._statements
        if not durable:
            return None
        conn = kept.connection()
        return None if conn is None else (kept, conn)

    def dispose(self) -> None:
        if self._mirror is not None:
            versioned.follow(self.engine, None)
            self._mirror.stop()
            self._mirror = None
        self._reading.close()
        self._writing.close()
        if self._statements is not None:
            self._statements.close()
        self.engine.dispose()


def _kept(engine: Engine, is_sqlite: bool) -> tuple[Kept, Kept]:
    """The kept connections for reading and for writing; on SQLite set up as `_on_begin`
    would set them, and begun on the driver."""

    def for_reading(conn: Connection) -> None:
        if is_sqlite:
            _set_pragma(conn, "query_only", "ON")

    def for_writing(conn: Connection) -> None:
        if is_sqlite:
            _set_pragma(conn, "query_only", "OFF")
            _set_pragma(conn, "synchronous", "FULL")

    reading = {"iamd_write": False, "iamd_durable": True}
    writing = {"iamd_write": True, "iamd_durable": True}
    return (
        Kept(engine, reading, for_reading, driver_begin="BEGIN" if is_sqlite else None),
        Kept(engine, writing, for_writing, driver_begin="BEGIN IMMEDIATE" if is_sqlite else None),
    )


def _autocommit_kept(engine: Engine) -> Kept:
    """Kept PostgreSQL connections in autocommit, for reads without a savepoint."""
    options = {"iamd_write": False, "iamd_durable": True, "isolation_level": "AUTOCOMMIT"}
    return Kept(engine, options, lambda _conn: None, driver_begin=None)


def is_lost_race(error: DBAPIError) -> bool:
    """A refused constraint, or PostgreSQL's deadlock and serialization failures."""
    if isinstance(error, IntegrityError):
        return True
    return getattr(error.orig, "sqlstate", None) in _RACE_SQLSTATES


def sqlite_url(path: str) -> str:
    return f"sqlite:///{path}"


def _writer_lock(url: str) -> WriterLock | None:
    """The writers' queue of a database file (an in-memory database has no file)."""
    path = make_url(url).database
    if not path or path == ":memory:":
        return None
    return WriterLock(path)


def _sqlite_engine(url: str) -> Engine:
    # A pool of connections reused across requests: opening a SQLite connection and
    # setting its pragmas costs more than most operations.
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        poolclass=QueuePool,
        pool_size=8,
        max_overflow=16,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Leave transactions to us: pysqlite's implicit BEGIN would defeat IMMEDIATE.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # FULL: a commit the client was told about survives a power loss too.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        options = conn.get_execution_options()
        # Straight to the driver: this runs on every request, and SQLAlchemy's
        # statement machinery would cost more than the BEGIN itself.
        dbapi_conn = conn.connection.dbapi_connection
        assert dbapi_conn is not None
        if dbapi_conn.in_transaction:  # a kept connection's, begun on the driver (`Kept`)
            return
        write = options.get("iamd_write", True)
        _set_pragma(conn, "synchronous", "FULL" if options.get("iamd_durable", True) else "NORMAL")
        # A reading transaction that writes would fail only when another writer holds
        # the lock ("database is locked"); refused always, such a read is found by tests.
        _set_pragma(conn, "query_only", "OFF" if write else "ON")
        dbapi_conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


# The values `_on_connect` leaves each connection with.
_PRAGMA_DEFAULTS = {"synchronous": "FULL", "query_only": "OFF"}


def _set_pragma(conn: Connection, name: str, value: str) -> None:
    """A SQLite setting for the next transaction (set outside one), when it changes."""
    info = conn.connection.info
    if info.get(f"iamd_{name}", _PRAGMA_DEFAULTS[name]) != value:
        dbapi_conn = conn.connection.dbapi_connection
        assert dbapi_conn is not None
        dbapi_conn.execute(f"PRAGMA {name}={value}")
        info[f"iamd_{name}"] = value


def _postgres_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    # psycopg never prepares statements itself: its rollback would then deallocate
    # every statement on the connection, including those `libpq` prepared.
    return create_engine(
        parsed,
        pool_size=10,
        max_overflow=20,
        pool_pre_ping=True,
        connect_args={"prepare_threshold": None},
    )
