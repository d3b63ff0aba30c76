"""The trail in process: batching and its bound, closing, retention and pruning.

Runs on the test backend (SQLite, or PostgreSQL under ``IAMD_TEST_DATABASE_URL``).
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from iamd.audit import trail as trail_module
from iamd.audit.events import Happened, rows
from iamd.audit.trail import Trail, TrailSettings
from iamd.clock import FixedClock
from iamd.errors import ConcurrentModification
from iamd.store.audit_events import EventQuery, find_events
from iamd.store.audit_outbox import find_events_and_waiting, insert_outbox, outbox_has_rows
from iamd.store.database import Database
from iamd.store.schema import audit_events

START = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
ACCOUNT = "123456789012"


def _event(when: datetime, name: str = "GetUser") -> Happened:
    return Happened(
        when=when,
        source="iam.amazonaws.com",
        name=name,
        region="us-east-1",
        identity={"type": "Root", "accountId": ACCOUNT},
        source_ip="127.0.0.1",
        user_agent="test",
        request_id="r",
        read_only=True,
        accounts=(ACCOUNT,),
    )


def _names(db: Database, clock: FixedClock) -> list[str]:
    query = EventQuery(ACCOUNT, START - timedelta(days=400), clock.now() + timedelta(days=400))
    with db.transaction(write=False) as conn:
        return [event.row.event_name for event in find_events(conn, query)]


def test_batched_events_are_written_within_the_flush_interval(db: Database) -> None:
    clock = FixedClock(START)
    trail = Trail(db, clock, TrailSettings(flush_interval=0.05))
    trail.record_later(_event(START))
    deadline = time.monotonic() + 5
    while not _names(db, clock) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert _names(db, clock) == ["GetUser"]
    trail.close()


def test_closing_writes_what_is_pending(db: Database) -> None:
    clock = FixedClock(START)
    trail = Trail(db, clock, TrailSettings(flush_interval=60))
    for minute in range(3):
        trail.record_later(_event(START + timedelta(minutes=minute), f"Call{minute}"))
    trail.close()
    assert _names(db, clock) == ["Call2", "Call1", "Call0"]


def test_back_pressure_writes_a_full_queue_at_once(db: Database) -> None:
    clock = FixedClock(START)
    trail = Trail(db, clock, TrailSettings(flush_interval=60, max_pending=3))
    for _ in range(3):
        trail.record_later(_event(START))
    assert len(_names(db, clock)) == 3  # the third call wrote all three itself
    trail.close()


def test_pruning_deletes_what_is_older_than_the_retention_in_batches(db: Database) -> None:
    clock = FixedClock(START)
    settings = TrailSettings(flush_interval=60, retention=timedelta(days=90), prune_batch=2)
    trail = Trail(db, clock, settings)
    for day in range(5):
        trail.record_later(_event(START + timedelta(days=day), f"Day{day}"))
    trail.flush()
    clock.advance(timedelta(days=93))  # days 0, 1 and 2 are now more than 90 days old
    assert trail.prune() == 3
    assert _names(db, clock) == ["Day4", "Day3"]
    assert trail.prune() == 0
    trail.close()


def test_closing_stops_a_long_prune_and_waits_for_the_thread(db: Database) -> None:
    clock = FixedClock(START)
    settings = TrailSettings(flush_interval=0.01, prune_batch=1, prune_every=0.01)
    trail = Trail(db, clock, settings)
    for second in range(600):
        trail.record_later(_event(START + timedelta(seconds=second)), may_write=False)
    trail.flush()
    clock.advance(timedelta(days=93))  # all 600 are past the retention: 600 transactions
    trail.record_later(_event(clock.now(), "Recent"), may_write=False)
    deadline = time.monotonic() + 10
    while _stored(db) > 590 and time.monotonic() < deadline:
        time.sleep(0.01)  # until the thread is pruning
    thread = trail._thread
    assert thread is not None
    trail.close()
    assert not thread.is_alive()  # ended before close returned: the store may go now
    left = _stored(db)
    assert 2 < left <= 590  # the prune began (the wait above ends at 590), and stopped
    next_start = Trail(db, clock, TrailSettings(prune_batch=100))
    assert next_start.prune() == left - 1  # which the next start resumes
    assert _names(db, clock) == ["Recent"]
    next_start.close()


def _stored(db: Database) -> int:
    with db.transaction(write=False) as conn:
        return int(conn.execute(select(func.count()).select_from(audit_events)).scalar_one())


def test_a_disabled_trail_records_nothing(db: Database) -> None:
    clock = FixedClock(START)
    trail = Trail(db, clock, TrailSettings(enabled=False))
    trail.record_later(_event(START))
    trail.close()
    assert _names(db, clock) == []


def test_a_due_batch_is_written_by_the_trails_thread_not_the_request(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FixedClock(START)
    trail = Trail(db, clock, TrailSettings(flush_interval=0.01))
    writers: list[threading.Thread] = []
    write = trail._write

    def watched(batch: Any) -> None:
        writers.append(threading.current_thread())
        write(batch)

    monkeypatch.setattr(trail, "_write", watched)
    for second in range(10):
        trail.record_later(_event(START + timedelta(seconds=second)))  # due, most of them
        time.sleep(0.01)
    deadline = time.monotonic() + 5
    while len(_names(db, clock)) < 10 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(_names(db, clock)) == 10
    assert writers and all(writer is trail._thread for writer in writers)
    trail.close()


def test_what_arrives_while_a_batch_is_written_waits_for_the_next_interval(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One batch per interval: under load events keep arriving while a batch is
    written, and chasing them kept the thread committing tiny batches back to back."""
    clock = FixedClock(START)
    trail = Trail(db, clock, TrailSettings(flush_interval=0.2))
    started: list[float] = []
    write = trail._write

    def watched(batch: Any) -> None:
        started.append(time.monotonic())
        if len(started) == 1:
            trail.record_later(_event(START, "DuringTheFirstBatch"))
        write(batch)

    monkeypatch.setattr(trail, "_write", watched)
    trail.record_later(_event(START))
    deadline = time.monotonic() + 5
    while len(_names(db, clock)) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert sorted(_names(db, clock)) == ["DuringTheFirstBatch", "GetUser"]
    assert started[1] - started[0] >= 0.15  # the next interval's batch, not at once
    trail.close()


def test_an_event_queued_inside_an_open_transaction_waits_for_the_thread(db: Database) -> None:
    clock = FixedClock(START)
    trail = Trail(db, clock, TrailSettings(flush_interval=0.05))
    with db.transaction() as conn:  # a console page's write transaction, still open
        time.sleep(0.06)  # a batch is due
        started = time.monotonic()
        trail.record_later(_event(START), may_write=False)
        assert time.monotonic() - started < 1  # it did not wait on its own write lock
        conn.exec_driver_sql("SELECT 1")
    deadline = time.monotonic() + 5
    while not _names(db, clock) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert _names(db, clock) == ["GetUser"]
    trail.close()


def test_a_writes_event_waits_in_the_outbox_then_moves_with_the_next_batch(db: Database) -> None:
    clock = FixedClock(START)
    trail = Trail(db, clock, TrailSettings(flush_interval=60))
    with db.transaction() as conn:  # the write's own transaction
        trail.record_event_in(conn, _event(START, "CreateUser"))
    query = EventQuery(ACCOUNT, START - timedelta(days=1), START + timedelta(days=1))
    with db.transaction(write=False) as conn:
        assert [e.row.event_name for e in find_events_and_waiting(conn, query)] == ["CreateUser"]
        assert find_events(conn, query) == []  # not yet in the trail's own table
        assert outbox_has_rows(conn)
    trail.flush()
    with db.transaction(write=False) as conn:
        assert [e.row.event_name for e in find_events(conn, query)] == ["CreateUser"]
        assert not outbox_has_rows(conn)
    trail.close()


def test_an_idle_trail_does_not_ask_the_store_about_the_outbox_every_interval(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FixedClock(START)
    trail = Trail(db, clock, TrailSettings(flush_interval=0.01, outbox_sweep=60))
    asked: list[float] = []
    ask = trail._outbox_has_rows

    def watched() -> bool:
        asked.append(time.monotonic())
        return ask()

    monkeypatch.setattr(trail, "_outbox_has_rows", watched)
    trail.record_later(_event(START))  # starts the thread; its batch moves the outbox
    time.sleep(0.3)  # thirty intervals
    assert _names(db, clock) == ["GetUser"]
    assert len(asked) <= 1
    trail.close()


def test_what_a_dead_process_left_in_the_outbox_is_moved_within_the_sweep(db: Database) -> None:
    clock = FixedClock(START)
    trail = Trail(db, clock, TrailSettings(flush_interval=0.01, outbox_sweep=0.2))
    trail.record_later(_event(START))  # starts the thread
    time.sleep(0.1)  # its first batches have looked at the outbox: empty
    with db.transaction() as conn:  # another process's write, whose trail never moved it
        insert_outbox(conn, rows(_event(START, "CreateUser")))
    deadline = time.monotonic() + 5
    while len(_names(db, clock)) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert sorted(_names(db, clock)) == ["CreateUser", "GetUser"]
    trail.close()


def test_a_write_that_rolls_back_leaves_no_event(db: Database) -> None:
    clock = FixedClock(START)
    trail = Trail(db, clock, TrailSettings(flush_interval=60))
    with pytest.raises(RuntimeError), db.transaction() as conn:
        trail.record_event_in(conn, _event(START, "CreateUser"))
        raise RuntimeError("the write failed")
    trail.close()
    assert _names(db, clock) == []


def test_an_event_is_found_by_its_id_through_its_time(db: Database) -> None:
    clock = FixedClock(START)
    trail = Trail(db, clock, TrailSettings(flush_interval=60))
    for minute in range(3):
        trail.record_later(_event(START + timedelta(minutes=minute), f"Call{minute}"))
    trail.close()
    query = EventQuery(ACCOUNT, START - timedelta(days=1), START + timedelta(days=1))
    with db.transaction(write=False) as conn:
        middle = find_events(conn, query)[1].row
        by_id = EventQuery(query.account_id, query.start, query.end, ("EventId", middle.event_id))
        assert [e.row.event_name for e in find_events(conn, by_id)] == ["Call1"]


def test_a_batch_that_loses_a_race_is_kept_and_logged_without_a_traceback(
    db: Database, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # A deadlock PostgreSQL breaks reaches the trail as ConcurrentModification: the
    # batch waits for the next one, and the log says so in a line, not a traceback.
    real_insert = trail_module.insert_rows
    lost: list[int] = []

    def lose_once(conn: Any, rows: Any) -> None:
        if not lost:
            lost.append(len(rows))
            raise ConcurrentModification("lost")
        real_insert(conn, rows)

    monkeypatch.setattr(trail_module, "insert_rows", lose_once)
    clock = FixedClock(START)
    trail = Trail(db, clock, TrailSettings(flush_interval=60, max_pending=1))
    with caplog.at_level(logging.WARNING, logger="iamd.audit"):
        trail.record_later(_event(START))  # a full queue: this call writes it, and loses
    assert lost == [1] and _names(db, clock) == []
    assert [(r.levelname, r.exc_info) for r in caplog.records] == [("WARNING", None)]
    trail.close()
    assert _names(db, clock) == ["GetUser"]
