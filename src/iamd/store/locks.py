"""Row locks that keep check-then-write rules true under concurrent requests.

A quota ("two access keys per user") and a dependency rule ("a user with keys cannot
be deleted") are each a read followed by a write. Under PostgreSQL's READ COMMITTED,
two requests can both read before either writes: both see room for one more key, or
DeleteUser sees no key while CreateAccessKey inserts one that the delete's cascade
then removes after it was acknowledged.

`hold(conn, ("user", user_id), …)` locks the parents' rows until the transaction
ends (``SELECT … FOR NO KEY UPDATE``), in one global order so that two requests
holding two parents each never wait for one another, and raises NoSuchEntity when a
parent was deleted meanwhile. On SQLite a writing transaction already holds the
database's write lock from its first statement (``BEGIN IMMEDIATE``, see
`iamd.store.database`), so the same call only checks that the rows still exist.

# INVARIANT: every write that adds to a parent or checks what a parent holds — a
# child's insert under a quota, a parent's delete under "must have none" — first
# holds that parent through `hold`. ``FOR NO KEY UPDATE`` does not block the foreign-
# key checks of other inserts, only other holders and writers of the row.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Column, Connection, Select, bindparam, select

from iamd.errors import NoSuchEntity
from iamd.store.prepared import Prepared
from iamd.store.schema import (
    accounts,
    groups,
    instance_profiles,
    managed_policies,
    mfa_devices,
    oidc_providers,
    roles,
    saml_providers,
    server_certificates,
    users,
)

Parent = tuple[str, str]
"""(kind, key): ``("user", user_id)``, ``("policy", policy_id)``, ``("account", id)``…"""

# The key column of each kind of parent, in the order parents are locked. The account
# comes last: most writes end by bumping its authorization version, which locks it too.
KEYS: dict[str, Column[str]] = {
    "user": users.c.id,
    "group": groups.c.id,
    "role": roles.c.id,
    "instance-profile": instance_profiles.c.id,
    "policy": managed_policies.c.id,
    "mfa": mfa_devices.c.serial,
    "oidc-provider": oidc_providers.c.arn,
    "saml-provider": saml_providers.c.arn,
    "server-certificate": server_certificates.c.id,
    "account": accounts.c.id,
}
_RANK = {kind: rank for rank, kind in enumerate(KEYS)}
# Built once: every write holds a parent, and building the statement cost more than it.
_HOLD = {
    kind: Prepared(select(column).where(column == bindparam("key")).with_for_update(key_share=True))
    for kind, column in KEYS.items()
}
_NOUNS = {"instance-profile": "instance profile", "mfa": "MFA device"}


def hold(conn: Connection, *parents: Parent) -> None:
    """Lock the parents' rows to the transaction's end; NoSuchEntity if one is gone.

    A parent this transaction already holds is not locked again (no statement).
    """
    held = _held(conn)
    for kind, key in sorted(parents, key=lambda parent: (_RANK[parent[0]], parent[1])):
        if held is not None and (kind, key) in held:
            continue
        if _HOLD[kind].first(conn, {"key": key}) is None:
            noun = _NOUNS.get(kind, kind.replace("-", " "))
            raise NoSuchEntity(f"The {noun} {key} no longer exists.")
        if held is not None and not conn.in_nested_transaction():
            held.add((kind, key))


# Where a transaction of `Database.transaction` keeps the parents it holds. A lock taken
# inside a savepoint that is rolled back is let go with it, so only locks taken outside
# one are remembered.
_HELD = "iamd.held_parents"


@contextmanager
def holds_remembered(conn: Connection) -> Iterator[None]:
    """For the transaction inside: remember what it holds, so nothing is held twice."""
    conn.info[_HELD] = set()
    try:
        yield
    finally:
        conn.info.pop(_HELD, None)


def _held(conn: Connection) -> set[Parent] | None:
    held: set[Parent] | None = conn.info.get(_HELD)
    return held


class HeldRead:
    """A parent's row found by something other than its key (a name): for a write
    about to change it, read with its lock (``FOR NO KEY UPDATE``, as `hold` takes) when
    the order allows, one statement where `hold` after the read would make two."""

    def __init__(self, kind: str, plain: Prepared) -> None:
        assert isinstance(plain.statement, Select)
        self.kind = kind
        self.plain = plain
        self.locking = Prepared(plain.statement.with_for_update(key_share=True))
        self._key = KEYS[kind].key

    def first(self, conn: Connection, parameters: Mapping[str, Any], *, held: bool = False) -> Any:
        """The row, or None; with ``held``, held to the transaction's end if it can be."""
        parents = _held(conn) if held else None
        if parents is None or not _may_hold_now(conn, parents, self.kind):
            return self.plain.first(conn, parameters)
        row = self.locking.first(conn, parameters)
        if row is not None:
            parents.add((self.kind, getattr(row, self._key)))
        return row


def _may_hold_now(conn: Connection, parents: set[Parent], kind: str) -> bool:
    """Whether a row of ``kind`` may be locked now by the read that finds it (before its
    key is known) without breaking the one order: nothing of its kind or of a kind
    locked after it is held yet, and no savepoint would let the lock go."""
    if conn.in_nested_transaction():
        return False
    rank = _RANK[kind]
    return all(_RANK[other] < rank for other, _ in parents)
