"""The outbox's move: a moved event is stored exactly as one inserted directly (every
column, the resources' rows), in the order written; two trails moving the outbox at once
(two processes on one database) move each row once, and on PostgreSQL neither waits for
the other's claim — rows another claim has locked are skipped, so two claims can never
deadlock over them.

Runs on the test backend (SQLite, or PostgreSQL under ``IAMD_TEST_DATABASE_URL``).
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from iamd.store.audit_events import AuditRow, EventQuery, find_events, insert_rows
from iamd.store.audit_outbox import MOVE_BATCH, insert_outbox, move_outbox, outbox_has_rows
from iamd.store.database import Database

ACCOUNT = "123456789012"
START = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _row(number: int, resources: tuple[tuple[str, str], ...] = ()) -> AuditRow:
    return AuditRow(
        event_id=f"event-{number:04d}",
        account_id=ACCOUNT,
        event_time=START + timedelta(seconds=number),
        event_source="iam.amazonaws.com",
        event_name="CreateUser",
        aws_region="us-east-1",
        read_only=False,
        username=None,
        access_key_id=None,
        actor_id=None,
        error_code=None,
        record="{}",
        resources=resources,
    )


def test_a_second_claim_neither_waits_for_nor_repeats_the_first(db: Database) -> None:
    with db.transaction() as conn:
        insert_outbox(conn, [_row(number) for number in range(5)])
    first_claimed = threading.Event()
    first_committed = threading.Event()
    second_done = threading.Event()
    moved: dict[str, int] = {}
    second_waited: list[bool] = []

    def first() -> None:
        with db.transaction() as conn:
            moved["first"] = move_outbox(conn)
            first_claimed.set()
            # Holds its claim until the second has tried (or for a while, where the
            # second must wait for it: SQLite's one writer at a time).
            second_done.wait(timeout=1.0)
        first_committed.set()

    def second() -> None:
        first_claimed.wait()
        with db.transaction() as conn:
            moved["second"] = move_outbox(conn)
        second_waited.append(first_committed.is_set())
        second_done.set()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert moved == {"first": 5, "second": 0}
    # PostgreSQL: done while the first still held its rows (skipped them, not waited
    # on them). SQLite: one writer at a time, so the second began after the first.
    assert second_waited == [db.is_sqlite]
    query = EventQuery(ACCOUNT, START - timedelta(days=1), START + timedelta(days=1))
    with db.transaction(write=False) as conn:
        names = sorted(event.row.event_id for event in find_events(conn, query))
        assert not outbox_has_rows(conn)
    assert names == [f"event-{number:04d}" for number in range(5)]


# Text the resources' JSON escapes or encodes in several bytes: quotes, backslashes,
# control characters, non-ASCII, a character outside the BMP.
_AWKWARD = ('say "hi"\\ there', "tab\tnew\nline\x01\x1f", "é ü 中文 \u2028", "emoji 😀")


def _varied_rows(offset: int) -> list[AuditRow]:
    """Events with no resource, one, several, awkward names, with and without a fraction."""
    base = _row(offset)
    return [
        base,
        base._replace(
            event_id=f"event-{offset + 1:04d}",
            event_time=START.replace(microsecond=654321),
            read_only=True,
            username="alice",
            access_key_id="AKIAEXAMPLE",
            actor_id="AIDAEXAMPLE",
            error_code="AccessDenied",
            resources=(("AWS::IAM::User", "alice"),),
            record='{"eventName":"GetUser","x":"\\u00e9"}',
        ),
        base._replace(
            event_id=f"event-{offset + 2:04d}",
            event_time=START.replace(microsecond=5),
            resources=tuple(("AWS::IAM::Role", name) for name in _AWKWARD),
            record="{" + '"text":"é 😀"' + "}",
        ),
        base._replace(event_id=f"event-{offset + 3:04d}", account_id=None),
    ]


def _stored(conn: Connection) -> tuple[list[Any], list[Any]]:
    """Every column of both tables as the driver reads it (times as stored text on
    SQLite), without the event's own seq, in the order stored."""
    events = conn.exec_driver_sql("SELECT * FROM audit_events ORDER BY seq").all()
    named = conn.exec_driver_sql(
        "SELECT * FROM audit_event_resources ORDER BY event_id, position"
    ).all()
    return [tuple(row)[1:] for row in events], [tuple(row) for row in named]


def test_a_moved_event_is_stored_as_one_inserted_directly(db: Database) -> None:
    direct_rows, waiting_rows = _varied_rows(0), _varied_rows(0)
    with db.transaction() as conn:
        insert_rows(conn, direct_rows)
        direct = _stored(conn)
        conn.exec_driver_sql("DELETE FROM audit_events")
        conn.exec_driver_sql("DELETE FROM audit_event_resources")
    with db.transaction() as conn:
        insert_outbox(conn, waiting_rows)
    with db.transaction() as conn:
        assert move_outbox(conn) == len(waiting_rows)
    with db.transaction(write=False) as conn:
        assert _stored(conn) == direct
        assert not outbox_has_rows(conn)
    assert len(direct[1]) == len(_AWKWARD) - 1  # the resources beyond each event's first


def test_every_waiting_event_moves_in_the_order_written(db: Database) -> None:
    count = MOVE_BATCH + 7  # more than one claim's worth, on PostgreSQL
    with db.transaction() as conn:
        insert_outbox(conn, [_row(number) for number in range(count)])
    with db.transaction() as conn:
        assert move_outbox(conn) == count
        assert move_outbox(conn) == 0
    with db.transaction(write=False) as conn:
        ids = conn.exec_driver_sql("SELECT event_id FROM audit_events ORDER BY seq").all()
    assert [event_id for (event_id,) in ids] == [f"event-{n:04d}" for n in range(count)]


def test_movers_racing_writers_move_every_event_once(db: Database) -> None:
    """Two trails move while writes keep adding events: each is stored exactly once."""
    writes, per_write = 40, 5
    written = threading.Event()

    def write() -> None:
        for number in range(writes):
            events = [
                _row(number * per_write + i, resources=(("A", "x"), ("B", f"{number}-{i}")))
                for i in range(per_write)
            ]
            with db.transaction() as conn:
                insert_outbox(conn, events)
        written.set()

    def move() -> None:
        while True:
            done = written.is_set()
            with db.transaction() as conn:
                move_outbox(conn)
            if done:
                return

    threads = [threading.Thread(target=target) for target in (write, move, move)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    with db.transaction(write=False) as conn:
        ids = [row[0] for row in conn.exec_driver_sql("SELECT event_id FROM audit_events")]
        named = conn.exec_driver_sql("SELECT resource_name FROM audit_event_resources").all()
        assert not outbox_has_rows(conn)
    assert sorted(ids) == [f"event-{n:04d}" for n in range(writes * per_write)]
    assert len(named) == writes * per_write
