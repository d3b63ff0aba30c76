"""The audit trail's outbox: writing calls' events, committed with the write, moved later.

In: a writing call's `AuditRow`s, inside the call's own transaction. The outbox has no
index but its key, so the write's transaction gains one page, where inserting straight
into ``audit_events`` (eight indexes' worth) would add eight. Out: the rows again —
moved into ``audit_events`` by the trail's next batch, in SQL and in the batch's own
transaction (on SQLite under its one writer; on PostgreSQL claimed by a ``DELETE …
RETURNING`` that skips the rows another process has locked, so two processes never
move one row twice), and meanwhile found by LookupEvents like any other event.

# INVARIANT: a row is in exactly one of audit_outbox and audit_events; the move
# deletes and inserts it in one transaction.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, Dialect, select

from iamd.clock import as_utc
from iamd.store.audit_events import (
    AuditRow,
    DriverInsert,
    EventQuery,
    StoredEvent,
    driver_insert,
    find_events,
    matches,
)
from iamd.store.prepared import on_driver
from iamd.store.schema import audit_outbox as outbox

MOVE_BATCH = 1000


def insert_outbox(conn: Connection, rows: Sequence[AuditRow]) -> None:
    """Keep events in the connection's (the writing call's) transaction.

    Inside every write's transaction, so a prebuilt driver-level INSERT (as the trail's
    batches use): SQLAlchemy's per-statement work cost more than the insert itself.
    """
    if rows:
        _outbox_insert(conn.dialect).run(conn, [_values(row) for row in rows])


# The columns an outbox row and its event in audit_events share, as they are stored.
_SHARED_COLUMNS = (
    "event_id",
    "account_id",
    "event_time",
    "event_source",
    "event_name",
    "aws_region",
    "read_only",
    "username",
    "access_key_id",
    "actor_id",
    "error_code",
)
_OUTBOX_COLUMNS = (*_SHARED_COLUMNS, "resources", "record")


@functools.cache
def _outbox_insert(dialect: Dialect) -> DriverInsert:
    return driver_insert(dialect, outbox, _OUTBOX_COLUMNS)


def move_outbox(conn: Connection) -> int:
    """Move the waiting events into audit_events (in the caller's writing transaction).

    In SQL, each row's columns and record copied as they are stored: none passes
    through the interpreter, where re-reading and re-binding every column (the time
    parsed and formatted again, the resources' JSON decoded) cost more than SQLite's
    own work. The number of events moved.
    """
    if conn.dialect.name == "sqlite":
        return _move_on_sqlite(conn)
    moved = 0
    while True:
        claimed: int = on_driver(conn, _MOVE_CLAIMED, (), lambda cursor: cursor.fetchone()[0])
        moved += claimed
        if claimed < MOVE_BATCH:
            return moved


def _move_on_sqlite(conn: Connection) -> int:
    """Copy every waiting event, then delete them all.

    SQLite has one writer, and the caller's transaction is it (BEGIN IMMEDIATE): no
    row can arrive between the three statements, so they see the same rows.
    """
    on_driver(conn, _SQLITE_COPY_EVENTS, ())
    on_driver(conn, _SQLITE_COPY_RESOURCES, ())
    deleted: int = on_driver(conn, "DELETE FROM audit_outbox", (), lambda cursor: cursor.rowcount)
    return deleted


_COPIED = ", ".join(_SHARED_COLUMNS)
_EVENT_TARGET = f"audit_events ({_COPIED}, resource_type, resource_name, record)"
_RESOURCE_TARGET = (
    "audit_event_resources (event_id, position, account_id, event_time, resource_type,"
    " resource_name)"
)

# The first resource goes in the event's own row, the others (position 1, 2, …) in
# audit_event_resources, as `insert_rows` stores them. In seq order, so audit_events'
# seq keeps the order the events were written in.
_SQLITE_COPY_EVENTS = (
    f"INSERT INTO {_EVENT_TARGET} SELECT {_COPIED}, json_extract(resources, '$[0][0]'),"
    " json_extract(resources, '$[0][1]'), record FROM audit_outbox ORDER BY seq"
)
_SQLITE_COPY_RESOURCES = (
    f"INSERT INTO {_RESOURCE_TARGET} SELECT o.event_id, r.key, o.account_id, o.event_time,"
    " json_extract(r.value, '$[0]'), json_extract(r.value, '$[1]')"
    " FROM audit_outbox AS o, json_each(o.resources) AS r WHERE r.key > 0"
)

# PostgreSQL: one statement claims the oldest rows (locking them as they are chosen,
# skipping rows another process's trail has claimed: two trails then move disjoint
# rows rather than lock the same ones in different orders and deadlock), deletes them
# and inserts them into both tables — every part of it sees the claimed rows alone.
_MOVE_CLAIMED = f"""\
WITH claimed AS (
    DELETE FROM audit_outbox WHERE seq IN (
        SELECT seq FROM audit_outbox ORDER BY seq LIMIT {MOVE_BATCH} FOR UPDATE SKIP LOCKED
    )
    RETURNING *
), events AS (
    INSERT INTO {_EVENT_TARGET}
    SELECT {_COPIED}, CAST(resources AS json) -> 0 ->> 0, CAST(resources AS json) -> 0 ->> 1,
        record
    FROM claimed ORDER BY seq
), named AS (
    INSERT INTO {_RESOURCE_TARGET}
    SELECT c.event_id, r.position - 1, c.account_id, c.event_time, r.item ->> 0, r.item ->> 1
    FROM claimed AS c,
        json_array_elements(CAST(c.resources AS json)) WITH ORDINALITY AS r (item, position)
    WHERE r.position > 1
)
SELECT count(*) FROM claimed"""


def outbox_has_rows(conn: Connection) -> bool:
    return conn.execute(select(outbox.c.seq).limit(1)).first() is not None


def waiting(conn: Connection, query: EventQuery) -> list[AuditRow]:
    """The account's waiting events that the query selects, newest first."""
    statement = select(outbox).where(
        outbox.c.account_id == query.account_id,
        outbox.c.event_time >= query.start,
        outbox.c.event_time <= query.end,
    )
    found = [_row(row) for row in conn.execute(statement)]
    chosen = [row for row in found if matches(row, query)]
    return sorted(chosen, key=lambda row: (row.event_time, row.event_id), reverse=True)


def _values(row: AuditRow) -> tuple[Any, ...]:
    """The row's values in the order of ``_OUTBOX_COLUMNS``."""
    return (
        row.event_id,
        row.account_id,
        row.event_time,
        row.event_source,
        row.event_name,
        row.aws_region,
        row.read_only,
        row.username,
        row.access_key_id,
        row.actor_id,
        row.error_code,
        # orjson: a fifth of the stdlib's time (the column is only ever read by json.loads).
        orjson.dumps(row.resources).decode() if row.resources else None,
        row.record,
    )


def _row(row: Any) -> AuditRow:
    return AuditRow(
        event_id=row.event_id,
        account_id=row.account_id,
        event_time=as_utc(row.event_time),
        event_source=row.event_source,
        event_name=row.event_name,
        aws_region=row.aws_region,
        read_only=bool(row.read_only),
        username=row.username,
        access_key_id=row.access_key_id,
        actor_id=row.actor_id,
        error_code=row.error_code,
        record=row.record,
        resources=_pairs(json.loads(row.resources)) if row.resources else (),
    )


def _pairs(pairs: Iterable[Any]) -> tuple[tuple[str, str], ...]:
    return tuple((str(kind), str(name)) for kind, name in pairs)


def find_events_and_waiting(conn: Connection, query: EventQuery) -> list[StoredEvent]:
    """`find_events`, with the events still waiting in the outbox among them.

    The outbox is read first. Under PostgreSQL's READ COMMITTED each statement sees
    what was committed when it began, so the trail's writer may move an event between
    the two reads: read the other way round, an event moved in between was in
    neither; this way round it is in both, and kept once.
    """
    waiting_rows = waiting(conn, query)[: query.limit]
    stored = find_events(conn, query)
    moved = {event.row.event_id for event in stored}
    pending = [StoredEvent(0, row) for row in waiting_rows if row.event_id not in moved]
    if not pending:
        return stored
    merged = sorted(stored + pending, key=_position, reverse=True)
    return merged[: query.limit]


def _position(event: StoredEvent) -> tuple[datetime, str]:
    return event.row.event_time, event.row.event_id
