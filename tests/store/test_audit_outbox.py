"""Two trails moving the outbox at once (two processes on one database): each row is
moved once, and on PostgreSQL neither waits for the other's claim — rows another
claim has locked are skipped, so two claims can never deadlock over them.

Runs on the test backend (SQLite, or PostgreSQL under ``IAMD_TEST_DATABASE_URL``).
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from iamd.store.audit_events import AuditRow, EventQuery, find_events
from iamd.store.audit_outbox import insert_outbox, move_outbox, outbox_has_rows
from iamd.store.database import Database

ACCOUNT = "123456789012"
START = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _row(number: int) -> AuditRow:
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
