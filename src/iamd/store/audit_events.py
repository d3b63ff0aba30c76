"""The audit trail's rows: stored CloudTrail records, looked up, aged out.

In: `AuditRow`s — a record's JSON text and the columns beside it (account, time,
source, name, read-only, user name, access key, acting user or role, error code) and
the (type, name) pairs of the resources it names. Out: rows by account and time range,
newest first, optionally with one LookupEvents attribute; the oldest rows deleted a
batch at a time.

# INVARIANT: ``seq`` grows with insertion; an event's time is when it was received,
# at most a flush interval before it is inserted, so pruning by ``seq`` order stops
# at the first row young enough to keep.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import (
    Boolean,
    Connection,
    DateTime,
    Dialect,
    Select,
    String,
    Table,
    and_,
    delete,
    func,
    or_,
    select,
)

from iamd.clock import as_utc
from iamd.store.prepared import on_driver
from iamd.store.schema import audit_event_resources, audit_events

# LookupEvents' attribute keys → the column of `audit_events` each one filters on.
_COLUMNS = {
    "EventId": audit_events.c.event_id,
    "EventName": audit_events.c.event_name,
    "Username": audit_events.c.username,
    "AccessKeyId": audit_events.c.access_key_id,
    "EventSource": audit_events.c.event_source,
}
# … and the two that filter on the resources an event names: its first, or any other.
_RESOURCE_COLUMNS = {
    "ResourceName": (audit_events.c.resource_name, audit_event_resources.c.resource_name),
    "ResourceType": (audit_events.c.resource_type, audit_event_resources.c.resource_type),
}


class AuditRow(NamedTuple):
    """One stored event. A tuple of strings: a queue of them costs the GC nothing to trace."""

    event_id: str
    account_id: str | None
    event_time: datetime
    event_source: str
    event_name: str
    aws_region: str
    read_only: bool
    username: str | None
    access_key_id: str | None
    actor_id: str | None
    error_code: str | None
    record: str  # the CloudTrail record as JSON
    resources: tuple[tuple[str, str], ...] = ()  # (type, name)


def _text_lengths(table: Table) -> dict[str, int]:
    return {
        column.name: column.type.length
        for column in table.c
        if isinstance(column.type, String) and column.type.length
    }


_ROW_LENGTHS = {
    name: length for name, length in _text_lengths(audit_events).items() if name in AuditRow._fields
}
_RESOURCE_LENGTHS = _text_lengths(audit_event_resources)


# (position in AuditRow, name, length) of the columns a length bounds.
_BOUNDED = tuple(
    (position, name, _ROW_LENGTHS[name])
    for position, name in enumerate(AuditRow._fields)
    if name in _ROW_LENGTHS
)


def fitted(row: AuditRow) -> AuditRow:
    """The row with every column it is looked up by within the store's bounds.

    A request's own text reaches these columns (the Action it named, the key id it
    claimed): NUL, which PostgreSQL refuses, becomes U+FFFD and longer text is cut to
    the column, so no input can make a batch of events unwritable. The record keeps
    every value whole (JSON escapes NUL).
    """
    changed: dict[str, Any] = {}
    # A plain loop, no call per column: this runs for every request, and nearly every
    # row fits as it is.
    for position, name, length in _BOUNDED:
        value = row[position]
        if isinstance(value, str) and (len(value) > length or "\x00" in value):
            changed[name] = _fit(value, length)
    if row.resources:
        type_length = _RESOURCE_LENGTHS["resource_type"]
        name_length = _RESOURCE_LENGTHS["resource_name"]
        if any(_unfit(t, type_length) or _unfit(n, name_length) for t, n in row.resources):
            changed["resources"] = tuple(
                (_fit(kind, type_length), _fit(name, name_length)) for kind, name in row.resources
            )
    return row._replace(**changed) if changed else row


def _unfit(value: str, length: int) -> bool:
    return len(value) > length or "\x00" in value


def _fit(value: str, length: int) -> str:
    return value.replace("\x00", "\ufffd")[:length]


@dataclass(frozen=True)
class StoredEvent:
    """A row as read back, with its place in the order of events."""

    seq: int
    row: AuditRow


@dataclass(frozen=True)
class EventQuery:
    """Which of an account's events: a time range, at most one attribute, a place to resume."""

    account_id: str
    start: datetime
    end: datetime
    attribute: tuple[str, str] | None = None
    before: tuple[datetime, str] | None = None  # (time, id) of the last event already read
    limit: int = 50


def insert_rows(conn: Connection, rows: Sequence[AuditRow]) -> None:
    """Store events (and the resources they name) in the connection's transaction.

    The hottest write of the server (every request's event goes through here), so it
    runs as driver-level multi-row INSERTs (one statement per ``_CHUNK`` rows: one
    trip into the database, where ``executemany`` would make one per row and hand the
    interpreter's lock back and forth with the requests at each), values bound by the
    columns' own SQLAlchemy types.
    """
    if not rows:
        return
    events, resources = _inserts(conn.dialect)
    events.run(conn, [_event_values(row) for row in rows])
    named = [
        (row.event_id, position, row.account_id, row.event_time, kind, name)
        for row in rows
        for position, (kind, name) in enumerate(row.resources[1:], start=1)
    ]
    if named:
        resources.run(conn, named)


_CHUNK = 128  # rows per statement at most: 14 columns × 128 stays far below any driver's limit


def chunk_sizes(count: int) -> Iterator[int]:
    """``count`` rows as statements of a power of two rows each, the largest first.

    A statement of any other length would be new text to the driver, parsed and planned
    afresh (with SQLite, more work than inserting the rows); these few are cached once
    per connection and reused by every batch.
    """
    while count >= _CHUNK:
        count -= _CHUNK
        yield _CHUNK
    size = _CHUNK // 2
    while count:
        if count >= size:
            count -= size
            yield size
        size //= 2


@dataclass(frozen=True)
class DriverInsert:
    """An INSERT in the driver's own placeholders, and the columns' bind processors."""

    head: str  # INSERT INTO table (columns) VALUES
    marks: str  # one row's placeholders: (?, ?, …)
    processors: tuple[tuple[int, Callable[[Any], Any]], ...]  # (position, processor)

    def run(self, conn: Connection, rows: Sequence[tuple[Any, ...]]) -> None:
        start = 0
        for size in chunk_sizes(len(rows)):
            parameters: list[Any] = []
            for values in rows[start : start + size]:
                parameters += self.bind(values)
            # Straight to the driver: SQLAlchemy's per-statement work cost more than
            # inserting a writing call's one event.
            on_driver(conn, self._sql(size), tuple(parameters))
            start += size

    @functools.cache  # noqa: B019 — a handful of sizes per statement, built once per process
    def _sql(self, size: int) -> str:
        return self.head + ", ".join([self.marks] * size)

    def bind(self, values: tuple[Any, ...]) -> list[Any]:
        bound = list(values)
        for position, process in self.processors:
            if bound[position] is not None:
                bound[position] = process(bound[position])
        return bound


_EVENT_COLUMNS = (
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
    "resource_type",
    "resource_name",
    "record",
)
_RESOURCE_ROW = (
    "event_id",
    "position",
    "account_id",
    "event_time",
    "resource_type",
    "resource_name",
)


@functools.cache
def _inserts(dialect: Dialect) -> tuple[DriverInsert, DriverInsert]:
    return (
        driver_insert(dialect, audit_events, _EVENT_COLUMNS),
        driver_insert(dialect, audit_event_resources, _RESOURCE_ROW),
    )


def driver_insert(dialect: Dialect, table: Table, columns: tuple[str, ...]) -> DriverInsert:
    """A multi-row INSERT of these columns, built once per dialect by the caller."""
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    head = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES "
    marks = f"({', '.join(mark for _ in columns)})"
    processors = [(i, _processor(table.c[name].type, dialect)) for i, name in enumerate(columns)]
    bound = tuple((i, process) for i, process in processors if process is not None)
    return DriverInsert(head, marks, bound)


def _processor(column_type: Any, dialect: Dialect) -> Callable[[Any], Any] | None:
    """How a column's value is bound: as SQLAlchemy would, a boolean more cheaply.

    The trail binds ``read_only`` for every event, always a bool: SQLite takes it as an
    int (handed a bool, pysqlite fails to find an adapter before binding it), other
    drivers as it is — SQLAlchemy's processor does the same after two checks a call.
    """
    if isinstance(column_type, Boolean):
        return None if dialect.supports_native_boolean else int
    if isinstance(column_type, DateTime) and dialect.name == "sqlite":
        return sqlite_time
    processor: Callable[[Any], Any] | None = column_type.bind_processor(dialect)
    return processor


def sqlite_time(value: datetime) -> str:
    """The text pysqlite's default adapter binds for a datetime (``isoformat(" ")``).

    Its date and seconds formatted once a second: formatting a whole aware datetime
    cost ~8,000 instructions an event.
    """
    global _last_second
    if value.tzinfo is not UTC:
        return value.isoformat(" ")
    second = int(value.timestamp() // 1)
    last = _last_second
    if last[0] != second:
        last = _last_second = (second, value.isoformat(" ")[:19])
    fraction = value.microsecond
    if not fraction:  # isoformat leaves out a fraction of none
        return last[1] + "+00:00"
    return last[1] + "." + str(1_000_000 + fraction)[1:] + "+00:00"


_last_second: tuple[int, str] = (-(2**63), "")


def _event_values(row: AuditRow) -> tuple[Any, ...]:
    first_type, first_name = row.resources[0] if row.resources else (None, None)
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
        first_type,
        first_name,
        row.record,
    )


def find_events(conn: Connection, query: EventQuery) -> list[StoredEvent]:
    """The account's events in the range, newest first, at most ``query.limit``."""
    events = audit_events.c
    statement = select(audit_events).where(
        events.account_id == query.account_id,
        events.event_time >= query.start,
        events.event_time <= query.end,
    )
    statement = _with_attribute(statement, query)
    if query.before is not None:
        time, event_id = query.before
        statement = statement.where(
            or_(
                events.event_time < time,
                and_(events.event_time == time, events.event_id < event_id),
            )
        )
    newest_first = (events.event_time.desc(), events.event_id.desc())
    statement = statement.order_by(*newest_first).limit(query.limit)
    found = [StoredEvent(row.seq, _row(row)) for row in conn.execute(statement)]
    return _with_resources(conn, found)


# An event's id leads with its time to the millisecond; the stored time may round.
_ID_SLACK = timedelta(seconds=1)


def _near_its_time(statement: Select[Any], event_id: str) -> Select[Any]:
    """Narrow a search for one id to the moment the id leads with.

    Event ids are RFC 9562 v7 UUIDs (the first 48 bits are milliseconds since the
    epoch), so the (account, time) index finds one without an index of its own.
    """
    digits = event_id.replace("-", "")
    if len(digits) != 32 or digits[12] != "7":
        return statement
    try:
        made = datetime.fromtimestamp(int(digits[:12], 16) / 1000, UTC)
    except ValueError:
        return statement
    time = audit_events.c.event_time
    return statement.where(time >= made - _ID_SLACK, time <= made + _ID_SLACK)


def matches(row: AuditRow, query: EventQuery) -> bool:
    """Whether a row is one the query's attribute selects (and is before its position)."""
    if query.before is not None and (row.event_time, row.event_id) >= query.before:
        return False
    if query.attribute is None:
        return True
    key, value = query.attribute
    match key:
        case "ReadOnly":
            return row.read_only == (value.lower() == "true")
        case "ResourceName":
            return any(name == value for _, name in row.resources)
        case "ResourceType":
            return any(kind == value for kind, _ in row.resources)
    return bool(getattr(row, _COLUMNS[key].name) == value)


def _with_attribute(statement: Select[Any], query: EventQuery) -> Select[Any]:
    if query.attribute is None:
        return statement
    key, value = query.attribute
    if key == "ReadOnly":
        return statement.where(audit_events.c.read_only == (value.lower() == "true"))
    if key == "EventId":
        statement = _near_its_time(statement, value)
    if key in _COLUMNS:
        return statement.where(_COLUMNS[key] == value)
    first, others = _RESOURCE_COLUMNS[key]
    named = select(audit_event_resources.c.event_id).where(
        audit_event_resources.c.account_id == query.account_id,
        others == value,
        audit_event_resources.c.event_time >= query.start,
        audit_event_resources.c.event_time <= query.end,
    )
    return statement.where(or_(first == value, audit_events.c.event_id.in_(named)))


def _with_resources(conn: Connection, found: list[StoredEvent]) -> list[StoredEvent]:
    """The events with every resource they name: the first from their row, then the rest."""
    if not found:
        return found
    ids = [event.row.event_id for event in found]
    statement = (
        select(audit_event_resources)
        .where(audit_event_resources.c.event_id.in_(ids))
        .order_by(audit_event_resources.c.event_id, audit_event_resources.c.position)
    )
    named: dict[str, list[tuple[str, str]]] = {}
    for row in conn.execute(statement):
        named.setdefault(row.event_id, []).append((row.resource_type, row.resource_name))
    return [StoredEvent(e.seq, _with_others(e.row, named)) for e in found]


def _with_others(row: AuditRow, named: dict[str, list[tuple[str, str]]]) -> AuditRow:
    others = named.get(row.event_id)
    return row._replace(resources=row.resources + tuple(others)) if others else row


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
        resources=((row.resource_type, row.resource_name),) if row.resource_name else (),
    )


@dataclass(frozen=True)
class EventScan:
    """Events in the order they were stored, for following, exporting and reports.

    Every filter given must hold (``attributes`` as LookupEvents' keys; the resource
    ones match any resource the event names); ``account_id`` None means every account.
    """

    account_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    attributes: tuple[tuple[str, str], ...] = ()
    actor_ids: tuple[str, ...] = ()
    after_seq: int = 0
    limit: int = 1000


def scan_events(conn: Connection, scan: EventScan) -> list[StoredEvent]:
    """Up to ``scan.limit`` events stored after ``scan.after_seq``, oldest first."""
    events = audit_events.c
    statement = select(audit_events).where(events.seq > scan.after_seq)
    if scan.account_id is not None:
        statement = statement.where(events.account_id == scan.account_id)
    if scan.since is not None:
        statement = statement.where(events.event_time >= scan.since)
    if scan.until is not None:
        statement = statement.where(events.event_time <= scan.until)
    if scan.actor_ids:
        statement = statement.where(events.actor_id.in_(scan.actor_ids))
    for key, value in scan.attributes:
        statement = _scan_attribute(statement, key, value)
    statement = statement.order_by(events.seq).limit(scan.limit)
    return _with_resources(
        conn, [StoredEvent(row.seq, _row(row)) for row in conn.execute(statement)]
    )


def _scan_attribute(statement: Select[Any], key: str, value: str) -> Select[Any]:
    if key == "ReadOnly":
        return statement.where(audit_events.c.read_only == (value.lower() == "true"))
    if key in _COLUMNS:
        return statement.where(_COLUMNS[key] == value)
    first, others = _RESOURCE_COLUMNS[key]
    named = select(audit_event_resources.c.event_id).where(others == value)
    return statement.where(or_(first == value, audit_events.c.event_id.in_(named)))


def prune_batch(conn: Connection, *, older_than: datetime, limit: int) -> int:
    """Delete up to ``limit`` of the oldest events received before ``older_than``."""
    oldest = select(audit_events.c.seq, audit_events.c.event_id, audit_events.c.event_time)
    candidates = conn.execute(oldest.order_by(audit_events.c.seq).limit(limit)).all()
    doomed = list(_while_older(candidates, older_than))
    if not doomed:
        return 0
    event_ids = [event_id for _, event_id in doomed]
    conn.execute(
        delete(audit_event_resources).where(audit_event_resources.c.event_id.in_(event_ids))
    )
    conn.execute(delete(audit_events).where(audit_events.c.seq.in_([seq for seq, _ in doomed])))
    return len(doomed)


def _while_older(candidates: Sequence[Any], older_than: datetime) -> Iterator[tuple[int, str]]:
    for seq, event_id, time in candidates:
        if as_utc(time) >= older_than:
            return
        yield seq, event_id


@dataclass(frozen=True)
class LastAccess:
    """The latest event of one actor for one action (``iam.amazonaws.com``, ``CreateUser``)."""

    actor_id: str
    event_source: str
    event_name: str
    when: datetime
    region: str


# Sign-ins are no service's access: the access advisor leaves them out.
_NOT_ACCESS = ("signin.amazonaws.com",)


def last_accesses(
    conn: Connection, actor_ids: Sequence[str], *, since: datetime
) -> list[LastAccess]:
    """Per actor and action, the latest event since ``since`` (allowed or not)."""
    if not actor_ids:
        return []
    events = audit_events.c
    latest = (
        select(
            events.actor_id,
            events.event_source,
            events.event_name,
            func.max(events.event_time).label("latest"),
        )
        .where(
            events.actor_id.in_(actor_ids),
            events.event_time >= since,
            events.event_source.not_in(_NOT_ACCESS),
        )
        .group_by(events.actor_id, events.event_source, events.event_name)
        .subquery()
    )
    statement = select(
        events.actor_id,
        events.event_source,
        events.event_name,
        events.event_time,
        events.aws_region,
    ).join(
        latest,
        and_(
            events.actor_id == latest.c.actor_id,
            events.event_source == latest.c.event_source,
            events.event_name == latest.c.event_name,
            events.event_time == latest.c.latest,
        ),
    )
    found: dict[tuple[str, str, str], LastAccess] = {}
    for row in conn.execute(statement):
        access = LastAccess(
            row.actor_id, row.event_source, row.event_name, as_utc(row.event_time), row.aws_region
        )
        found[(access.actor_id, access.event_source, access.event_name)] = access
    return list(found.values())


def latest_activity(
    conn: Connection, actor_ids: Sequence[str], *, since: datetime
) -> dict[str, datetime]:
    """Each actor's latest event of any kind (sign-ins too) since ``since``."""
    if not actor_ids:
        return {}
    events = audit_events.c
    statement = (
        select(events.actor_id, func.max(events.event_time).label("latest"))
        .where(events.actor_id.in_(actor_ids), events.event_time >= since)
        .group_by(events.actor_id)
    )
    return {row.actor_id: as_utc(row.latest) for row in conn.execute(statement)}
