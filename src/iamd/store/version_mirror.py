"""Authorization versions remembered between requests, on PostgreSQL, while nothing moves.

Every request reads the versions its caches are checked against (`versioned`). On
SQLite that read costs microseconds; on PostgreSQL it is a round trip to another
process. A mirror remembers each version it was told and trusts it until one of:

- PostgreSQL notifies ``iamd_authz`` with the account's id: migration 0011 makes
  every bump of an account's, user's or role's ``authz_version`` send one, delivered
  to every listening process when the bump's transaction commits;
- this process commits a write (`forget_everything`): the node that made a write
  sees it at once, without waiting for its own notification to come back;
- the listening connection fails or is re-made: what was read before it listened
  again may have missed a notification;
- `MAX_AGE` passes: a notification that is late (a listener starved of the
  interpreter, a connection that died without a word) can only delay an
  invalidation, never skip it.

Each remembered version carries the ticket of the moment before it was read (the
listener's generation, this process's own writes, the account's notifications); it
counts only while the ticket is still current. A notification that arrives after the
read began therefore voids it, even if the read saw the old value.

Nothing is trusted while a notification may be on its way in: while the listening
socket has bytes unread, or the listener is reading them. PostgreSQL signals the
listening backends as the write commits, before the writer's client has its answer,
so a client that writes through one node and then asks another finds the
notification there already, even when the other node's interpreter is busy with its
request and has not let the listening thread run.
"""

from __future__ import annotations

import contextlib
import logging
import select
import socket
import threading
import time
from typing import Any

import psycopg
from sqlalchemy import Engine

CHANNEL = "iamd_authz"
# How the listening connection names itself to PostgreSQL (pg_stat_activity).
APPLICATION_NAME = "iamd-versions"
# Seconds a remembered version is trusted without any notification at all.
MAX_AGE = 0.1
# Seconds the listener waits for notifications before checking its connection.
HEARTBEAT = 1.0
# Seconds between attempts to listen again after the connection failed.
RETRY_AFTER = 0.5
# What is kept, counted in rows (a version is one, a page of users one per user), before
# all of it is dropped (the hot entries are read again): a bound however many distinct
# names or pages callers ask for.
MAX_ROWS = 100_000

Ticket = tuple[int, int, int]

log = logging.getLogger("iamd.store")
_FAILED = "listening for authorization versions failed"


class VersionMirror:
    """Versions read from the store, kept while no notification says they moved."""

    def __init__(self, engine: Engine) -> None:
        self._connect_args = engine.dialect.create_connect_args(engine.url)
        self._generation = 0  # bumped whenever the listener starts or stops listening
        self._live = False
        self._socket = -1  # the listening connection's, while live
        self._reading = False  # the listener is taking notifications off the socket
        self._own_writes = 0
        self._notified: dict[str, int] = {}  # account id → notifications seen
        self._entries: dict[Any, tuple[Any, Ticket, float]] = {}
        self._rows = 0  # kept since the entries were last dropped (replaced ones too)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        # Whether listening failed since it last listened: said once, not at every retry.
        self._failing = False
        # Written to by `stop`, so that a listener waiting on its socket wakes at once.
        self._wake_reader, self._wake_writer = socket.socketpair()
        self._thread = threading.Thread(target=self._listen, name="iamd-versions", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop listening: the thread closes its connection and ends as soon as it wakes,
        at once unless it is in a statement or connecting. Nothing is trusted after."""
        self._stopping.set()
        self._go_dark()
        with contextlib.suppress(OSError):  # stopped before: the pair is closed
            self._wake_writer.send(b"x")

    @property
    def is_live(self) -> bool:
        """Whether it is listening, so that what it keeps is trusted."""
        return self._live

    def ticket(self, account_id: str) -> Ticket | None:
        """The moment before a read of ``account_id``'s versions; None while not listening
        or while a notification may be arriving."""
        if not self._live or self._reading or self._unread():
            return None
        return (self._generation, self._own_writes, self._notified.get(account_id, 0))

    def _unread(self) -> bool:
        # poll, not select: a descriptor past 1023 (a server with many clients) is fine;
        # one object per call, since a poll object refuses two threads at once
        waiting = select.poll()
        try:
            waiting.register(self._socket, select.POLLIN)
            return bool(waiting.poll(0))
        except (OSError, ValueError):  # closed meanwhile: the listener goes dark
            return True

    def lookup(self, key: Any, account_id: str) -> Any | None:
        """What was kept under ``key`` (versions of ``account_id``), if still trusted."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        value, ticket, read_at = entry
        if ticket != self.ticket(account_id) or time.monotonic() - read_at > MAX_AGE:
            return None
        return value

    def keep(self, key: Any, ticket: Ticket | None, value: Any, rows: int = 1) -> None:
        """Remember ``value`` (``rows`` of the store), read after ``ticket`` was taken."""
        if ticket is None:
            return
        if self._rows + rows > MAX_ROWS:
            self._entries.clear()
            self._rows = 0
        self._rows += rows
        self._entries[key] = (value, ticket, time.monotonic())

    def forget_everything(self) -> None:
        """This process committed a write: nothing read before it is trusted."""
        with self._lock:
            self._own_writes += 1

    def _go_live(self) -> None:
        with self._lock:
            self._generation += 1
            self._live = True

    def _go_dark(self) -> None:
        with self._lock:
            self._live = False
            self._generation += 1

    def _listen(self) -> None:
        try:
            while not self._stopping.is_set():
                try:
                    self._listen_once()
                except (psycopg.Error, OSError) as error:  # the store is away: listen again
                    if self._stopping.is_set():
                        break
                    level = logging.DEBUG if self._failing else logging.WARNING
                    log.log(level, _FAILED + ": %s; trying again every %s s", error, RETRY_AFTER)
                    self._failing = True
                except Exception:  # anything else too: a listener that died would leave
                    # the mirror dark for good (safe, but every version read again)
                    log.exception(_FAILED)
                    self._failing = True
                finally:
                    self._go_dark()
                    self._socket = -1
                    self._reading = False
                self._stopping.wait(RETRY_AFTER)
        finally:
            self._wake_reader.close()
            self._wake_writer.close()

    def _listen_once(self) -> None:
        """Connect, listen and follow until the connection fails or the mirror stops."""
        args, kwargs = self._connect_args
        options = {**kwargs, "application_name": APPLICATION_NAME, "autocommit": True}
        with psycopg.connect(*args, **options) as conn:
            conn.add_notify_handler(self._notified_of)  # those a statement reads
            self._reading = True
            conn.execute(f"LISTEN {CHANNEL}")
            self._socket = conn.pgconn.socket
            self._go_live()
            self._reading = False
            if self._failing:
                log.warning("listening for authorization versions again")
                self._failing = False
            self._follow(conn)

    def _follow(self, conn: psycopg.Connection[Any]) -> None:
        """Take notifications as they come; ping the connection when none has."""
        while not self._stopping.is_set():
            waiting = select.poll()
            waiting.register(self._socket, select.POLLIN)
            waiting.register(self._wake_reader, select.POLLIN)
            readable = waiting.poll(HEARTBEAT * 1000)
            if self._stopping.is_set():
                return
            self._reading = True
            try:
                if readable:
                    conn.pgconn.consume_input()
                    while (notification := conn.pgconn.notifies()) is not None:
                        self._count(notification.extra.decode())
                else:
                    conn.execute("SELECT 1")  # a connection that died says so here
            finally:
                self._reading = False

    def _notified_of(self, notification: psycopg.Notify) -> None:
        self._count(notification.payload)

    def _count(self, account_id: str) -> None:
        self._notified[account_id] = self._notified.get(account_id, 0) + 1
