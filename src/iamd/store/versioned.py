"""Per-process caches of what the store holds, never trusted across an authz write.

Each entry carries the versions it was built at: the account's ``authz_version``, and
for what one principal may do, that user's or role's own. The database itself bumps
them on every write that can change a decision (see `authz_tables`), so an entry read
back at other versions is simply missed. A lookup costs a dict access; the versions
cost one indexed read, or on PostgreSQL nothing while a `VersionMirror` (registered
with `follow`) still trusts the last one it saw.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from sqlalchemy import Connection, Engine

from iamd.store.prepared import on_driver

if TYPE_CHECKING:
    from iamd.store.version_mirror import VersionMirror

K = TypeVar("K")
V = TypeVar("V")
T = TypeVar("T")

_AUTHZ_VERSION_SQL = "SELECT authz_version FROM accounts WHERE id = {}"
# The account's version and a user's or role's own, in one round trip; -1 for a
# principal that no longer exists.
_PRINCIPAL_VERSIONS_SQL = {
    table: "SELECT authz_version, "
    f"(SELECT authz_version FROM {table} WHERE id = {{0}}) FROM accounts WHERE id = {{0}}"
    for table in ("users", "roles")
}


Version = int | tuple[int, int]

# Engines whose versions a mirror follows (PostgreSQL under `iamd serve` and the gateway).
_mirrors: dict[Engine, VersionMirror] = {}


def follow(engine: Engine, mirror: VersionMirror | None) -> None:
    """Read ``engine``'s versions through ``mirror`` from now on (None: no longer)."""
    if mirror is None:
        _mirrors.pop(engine, None)
    else:
        _mirrors[engine] = mirror


def _mirror(conn: Connection) -> VersionMirror | None:
    """The mirror of a reading transaction's versions. A writing one reads its own:
    it may have bumped them, and may yet roll back."""
    if not _mirrors:
        return None
    mirror = _mirrors.get(conn.engine)
    if mirror is None or conn.get_execution_options().get("iamd_write", True):
        return None
    return mirror


class VersionedCache(Generic[K, V]):
    """A small thread-safe LRU: key → (version, value)."""

    def __init__(self, size: int) -> None:
        self._entries: OrderedDict[K, tuple[Version, V]] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, key: K, version: Version) -> V | None:
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

    def put(self, key: K, version: Version, value: V) -> None:
        with self._lock:
            self._entries[key] = (version, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


@dataclass
class _Remembered:
    """Versions already read in this phase of this request: see `read_once`."""

    accounts: dict[str, int] = field(default_factory=dict)
    principals: dict[tuple[str, str, str], tuple[int, int]] = field(default_factory=dict)


_read: ContextVar[_Remembered | None] = ContextVar("iamd_versions", default=None)


@contextmanager
def read_once() -> Iterator[None]:
    """Within the block, each version is read from the store once and then remembered.

    Authenticating and authorizing a request consult several caches (the key, the
    named entities, the compiled policies), each of which would read the same
    versions again. The block must contain no write: a write of the request's own
    would bump a version that is remembered here unchanged.
    """
    token = _read.set(_Remembered())
    try:
        yield
    finally:
        _read.reset(token)


def authz_version(conn: Connection, account_id: str) -> int:
    """The account's authorization version, read through the driver directly.

    This runs on every request; SQLAlchemy's per-statement machinery would cost more
    than the query. Within the request's transaction, so it is the version of the
    snapshot the request reads; or, on a followed engine, one no older than the bound
    `version_mirror` documents.
    """
    remembered = _read.get()
    if remembered is not None and account_id in remembered.accounts:
        return remembered.accounts[account_id]
    version = mirrored(conn, account_id, account_id, lambda: _account_version(conn, account_id))
    if remembered is not None:
        remembered.accounts[account_id] = version
    return version


def principal_versions(
    conn: Connection, account_id: str, table: str, entity_id: str
) -> tuple[int, int]:
    """The account's version and its user's (``table`` users) or role's (roles) own.

    What a principal may do is cached at both: a write confined to it bumps its own,
    anything shared the account's. Read through the driver, like `authz_version`.
    """
    remembered = _read.get()
    if remembered is not None and (table, account_id, entity_id) in remembered.principals:
        return remembered.principals[table, account_id, entity_id]
    key = (table, account_id, entity_id)
    versions = mirrored(
        conn, key, account_id, lambda: _principal_versions(conn, account_id, table, entity_id)
    )
    if remembered is not None:
        remembered.principals[table, account_id, entity_id] = versions
        remembered.accounts[account_id] = versions[0]
    return versions


def mirrored(
    conn: Connection,
    key: Any,
    account_id: str,
    read: Callable[[], T],
    rows: Callable[[T], int] = lambda _value: 1,
) -> T:
    """``read()``, or what the engine's mirror still trusts of it under ``key``.

    For what only a write that notifies the account (see `version_mirror`) can change;
    ``read`` must not return None (wrap an answer that may be None); ``rows`` says how
    many rows of the store an answer holds, which bounds what is kept.
    """
    mirror = _mirror(conn)
    if mirror is None:
        return read()
    found: T | None = mirror.lookup(key, account_id)
    if found is None:
        ticket = mirror.ticket(account_id)
        found = read()
        mirror.keep(key, ticket, found, rows(found))
    return found


def _account_version(conn: Connection, account_id: str) -> int:
    row = _fetch_one(conn, _AUTHZ_VERSION_SQL, (account_id,))
    return int(row[0]) if row is not None else 0


def _principal_versions(
    conn: Connection, account_id: str, table: str, entity_id: str
) -> tuple[int, int]:
    row = _fetch_one(conn, _PRINCIPAL_VERSIONS_SQL[table], (entity_id, account_id))
    return (0, -1) if row is None else (int(row[0]), -1 if row[1] is None else int(row[1]))


def _fetch_one(conn: Connection, sql: str, parameters: tuple[str, ...]) -> tuple[Any, ...] | None:
    placeholder = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    row: tuple[Any, ...] | None = on_driver(
        conn, sql.format(placeholder), parameters, lambda cursor: cursor.fetchone()
    )
    return row
