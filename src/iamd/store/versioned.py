"""Per-process caches of what the store holds, never trusted across an authz write.

Each entry carries the account's ``authz_version`` it was built at; the version is
bumped by the database itself on every write that can change a decision (see
`authz_tables`), so an entry read back at another version is simply missed. A lookup
costs a dict access; the version costs one indexed read per request.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Generic, TypeVar

from sqlalchemy import Connection

K = TypeVar("K")
V = TypeVar("V")

_AUTHZ_VERSION_SQL = "SELECT authz_version FROM accounts WHERE id = {}"


class VersionedCache(Generic[K, V]):
    """A small thread-safe LRU: key → (version, value)."""

    def __init__(self, size: int) -> None:
        self._entries: OrderedDict[K, tuple[int, V]] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, key: K, version: int) -> V | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] != version:
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def peek(self, key: K) -> V | None:
        """The entry at whatever version it was built (check it with `get`)."""
        with self._lock:
            entry = self._entries.get(key)
            return entry[1] if entry is not None else None

    def replace(self, key: K, value: V) -> None:
        """A new value for an entry, at the version it already has."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries[key] = (entry[0], value)

    def put(self, key: K, version: int, value: V) -> None:
        with self._lock:
            self._entries[key] = (version, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def authz_version(conn: Connection, account_id: str) -> int:
    """The account's authorization version, read through the driver directly.

    This runs on every request; SQLAlchemy's per-statement machinery would cost more
    than the query. Within the request's transaction, so it is the version of the
    snapshot the request reads.
    """
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    placeholder = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    cursor = dbapi.cursor()
    try:
        cursor.execute(_AUTHZ_VERSION_SQL.format(placeholder), (account_id,))
        row = cursor.fetchone()
    finally:
        cursor.close()
    return int(row[0]) if row is not None else 0
