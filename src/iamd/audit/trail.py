"""The trail of one server process: events written durably, cheaply, and aged out.

Durability, the rule callers rely on:

- **A writing call's event commits in the call's own transaction** (`record_in`):
  the write and its event are one unit, so neither exists without the other. It
  goes to the trail's outbox (one page more for the write's transaction, not the
  eight of the indexed table), from which the next batch moves it, in one
  transaction; LookupEvents reads both. A call that fails writes nothing, and its
  event is queued like a read's. A batch asks the store about the outbox only when
  this process put an event there since it last asked, and every ``outbox_sweep``
  (5 s) for what a process that died left there.
- **Everything else is batched** (`record_later`): reads, failures, refusals, failed
  signatures. What is pending is written every ``flush_interval`` (0.2 s) in one
  transaction by the trail's own thread, woken by the request that finds the last
  batch that old (or by its clock when no request comes). Requests are answered on
  the event loop's thread: a batch written there stalled every connection of the
  process for its few milliseconds, while on the trail's thread its inserts (a few
  multi-row statements, during which SQLite lets go of the interpreter's lock) run
  beside the requests. Committed without waiting for the disk except once
  every ``sync_every`` (1 s) — a batch's fsync costs the requests waiting on the
  store more than its inserts do. **Bound:** a process that dies loses at most the
  events it received in the last ``flush_interval`` (0.2 s); a machine that loses
  power, at most those of the last ``sync_every + flush_interval`` (1.2 s) — or,
  while the store refuses writes, those still pending. When ``max_pending``
  (10,000) are pending, the next caller writes them itself (back-pressure: nothing
  is dropped while the store takes writes); if the store refuses writes for long,
  the oldest beyond twice that are dropped, loudly. `close` writes what is pending,
  durably, before the process exits.

Retention (``retention``, default 90 days like CloudTrail's event history): the same
thread deletes events older than that every ``prune_every`` (10 minutes), at most
``prune_batch`` (1,000) per transaction, so no request ever waits behind a large
delete; with several processes each prunes, which is harmless. A prune stops at its
next batch once the trail is closed, so shutting down never waits for a long one.

A disabled trail (``enabled=False``, ``iamd serve --no-audit-trail``) records nothing.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Connection
from sqlalchemy.exc import DataError

from iamd.audit.api_calls import ApiCall, happened
from iamd.audit.events import Happened, rows
from iamd.audit.templates import templated_rows
from iamd.clock import Clock, SystemClock
from iamd.errors import ConcurrentModification
from iamd.store import access_keys
from iamd.store.audit_events import AuditRow, insert_rows, prune_batch
from iamd.store.audit_outbox import insert_outbox, move_outbox, outbox_has_rows
from iamd.store.database import Database

log = logging.getLogger("iamd.audit")


@dataclass(frozen=True)
class TrailSettings:
    enabled: bool = True
    retention: timedelta = timedelta(days=90)
    flush_interval: float = 0.2  # seconds
    sync_every: float = 1.0  # seconds between batches that wait for the disk
    max_pending: int = 10_000
    prune_every: float = 600.0  # seconds
    prune_batch: int = 1_000
    # Seconds between looks at the outbox when this process put nothing in it since the
    # last: for the events of another process that died before moving them.
    outbox_sweep: float = 5.0


def call_rows(call: ApiCall) -> list[AuditRow]:
    """The call's event as stored: from its template when a repeated read, else built."""
    return templated_rows(call) or rows(happened(call))


def disabled_trail() -> Trail:
    """A trail that records nothing (the trail switched off, or no store to write to)."""
    return Trail(None, SystemClock(), TrailSettings(enabled=False))


class Trail:
    """Records events for one process; see the module's notes on durability."""

    def __init__(
        self, db: Database | None, clock: Clock, settings: TrailSettings | None = None
    ) -> None:
        self._db = db
        self.clock = clock
        self.settings = settings or TrailSettings()
        # Asked on every request: an attribute, not a property (neither part changes).
        self.enabled = self.settings.enabled and db is not None
        self._pending: list[AuditRow] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._idle = threading.Condition(self._lock)
        self._writing = 0
        self._thread: threading.Thread | None = None
        self._closed = False
        self._pruned_at = 0.0
        self._synced_at = 0.0
        self._flushed_at = time.monotonic()
        # When this process last put an event in the outbox (or saw one's write
        # commit), and when it last asked the store whether the outbox holds any.
        self._outbox_put_at = 0.0
        self._outbox_asked_at = -float("inf")

    @property
    def db(self) -> Database:
        assert self._db is not None, "a disabled trail has no store"
        return self._db

    # --- recording ---------------------------------------------------------------------

    def record_in(self, conn: Connection, call: ApiCall) -> None:
        """Write the call's event in the call's own (writing) transaction.

        To the outbox, as `record_event_in` writes an event.
        """
        if self.enabled:
            insert_outbox(conn, call_rows(call))
            self._outbox_put_at = time.monotonic()
            self._ensure_thread()  # moves it when no later request does

    def record_event_in(self, conn: Connection, event: Happened) -> None:
        """Write an event in the caller's (writing) transaction, to the outbox.

        The next batch moves it to the trail's indexed table (`store.audit_outbox`).
        """
        if self.enabled:
            insert_outbox(conn, rows(event))
            self._outbox_put_at = time.monotonic()
            self._ensure_thread()  # moves it when no later request does

    def finish(self, call: ApiCall, *, may_write: bool = True) -> None:
        """The call is answered: queue its event unless its transaction already holds it.

        ``may_write=False`` when the caller still holds a transaction open (the console's
        pages): a batch written from inside it under back-pressure would wait on its
        own write lock.
        Never raises: a request that was answered stays answered.
        """
        if not self.enabled:
            return
        if call.is_recorded:  # its event is in the outbox: move it with the batch when due
            # Again now that its write has committed: a batch that looked at the
            # outbox in between did not see it.
            self._outbox_put_at = time.monotonic()
            if self._is_due():
                self._wake.set()  # the trail's thread moves it with the next batch
            return
        try:
            if call.caller is None and call.access_key_id:
                call.claimed_account = self.claimed_account(call.access_key_id)
            self._queue(call_rows(call), may_write=may_write)
        except Exception:
            log.exception("could not record request %s in the audit trail", call.request_id)

    def record_later(self, event: Happened, *, may_write: bool = True) -> None:
        """Queue an event for the next batch.

        The event is turned into its rows now, not when the batch is written: a row is a
        few strings, while what it was built from (the call, its decisions, their
        request contexts) is a web of objects that would otherwise outlive the request
        and leave the garbage collector far more to trace.
        """
        if self.enabled:
            self._queue(rows(event), may_write=may_write)

    def _queue(self, stored: list[AuditRow], *, may_write: bool) -> None:
        """Add an event's rows to the next batch; wake the trail's thread when one is due.

        Written here, on the caller's thread, only under back-pressure (``max_pending``).
        """
        if self._closed:
            return
        with self._lock:
            self._pending += stored
            overflowing = len(self._pending) >= self.settings.max_pending
        if self._thread is None:
            self._ensure_thread()
        if may_write and overflowing:
            self._flush_or_shed()
        elif self._is_due():
            self._wake.set()

    def _is_due(self) -> bool:
        """Whether the last batch is ``flush_interval`` old (and none is being written)."""
        interval = time.monotonic() - self._flushed_at
        return not self._writing and interval >= self.settings.flush_interval

    def _flush_or_shed(self) -> None:
        """Back-pressure: write the backlog now; if the store refuses, keep a bounded one."""
        try:
            self.flush()
        except Exception as error:
            _log_failed_batch(error)
            with self._lock:
                excess = len(self._pending) - 2 * self.settings.max_pending
                if excess > 0:
                    del self._pending[:excess]
                    log.error("dropped the %d oldest unwritten audit events", excess)

    def flush(self) -> None:
        """Write everything queued so far (waits for a batch already being written)."""
        first = True  # whether the outbox is still to be asked about
        while self._write_batch(check_outbox=first):
            first = False

    def _write_batch(self, *, check_outbox: bool = True) -> bool:
        """Write what is queued now as one batch, moving the outbox with it.

        Whether anything was queued. ``check_outbox=False``: nothing is written unless
        something is queued (a batch of this flush has moved the outbox already).
        """
        with self._lock:
            while self._writing:
                self._idle.wait()
            batch, self._pending = self._pending, []
            if not batch and not check_outbox:
                return False
            self._flushed_at = time.monotonic()
            self._writing += 1
        try:
            # Asked of the store, not known from this process's own writes: a write's
            # event is there only once its transaction commits, and another process's
            # may be there too (`_outbox_may_hold_rows` says when asking is worth it).
            if batch or self._outbox_has_rows():
                self._write(batch)
        finally:
            with self._lock:
                self._writing -= 1
                self._idle.notify_all()
        return bool(batch)

    def close(self) -> None:
        """Write what is pending and stop the background thread."""
        self._closed = True
        self._wake.set()
        if self._thread is not None:
            # Until it has ended: the store is disposed of next, and closing a
            # connection the thread still uses crashes the process on SQLite. What it
            # may be doing is bounded: one batch, or one step of a prune, which stops
            # once the trail is closed.
            self._thread.join()
        self._synced_at = 0.0  # the last batch waits for the disk
        self.flush()

    def prune(self) -> int:
        """Delete the events older than the retention, a batch per transaction."""
        cutoff = self.clock.now() - self.settings.retention
        deleted = 0
        while True:
            with self.db.transaction() as conn:
                count = prune_batch(conn, older_than=cutoff, limit=self.settings.prune_batch)
            deleted += count
            if count < self.settings.prune_batch or self._closed:  # the rest: next start
                return deleted
            time.sleep(0)  # let requests take the store between batches

    # --- the background thread -----------------------------------------------------------

    def _ensure_thread(self) -> None:
        if self._thread is not None:
            return
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="iamd-audit", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        """Write each batch when it is due (woken by a request, or by the clock), and prune."""
        while not self._closed:
            self._wake.wait(self.settings.flush_interval)
            self._wake.clear()
            try:
                if time.monotonic() - self._flushed_at >= self.settings.flush_interval:
                    # One batch, not `flush`: under load a few events arrive while it
                    # is written, and writing those at once, and what came meanwhile,
                    # kept the thread committing tiny batches back to back, each taking
                    # the store's one write lock from the requests' writes.
                    self._write_batch(check_outbox=self._outbox_may_hold_rows())
                self._prune_when_due()
            except Exception as error:  # the trail must outlive a store that is briefly away
                _log_failed_batch(error)

    def _prune_when_due(self) -> None:
        now = time.monotonic()
        if now - self._pruned_at < self.settings.prune_every:
            return
        self._pruned_at = now
        self.prune()

    def _write(self, batch: Sequence[AuditRow]) -> None:
        """Insert a batch and move what waits in the outbox, in one transaction."""
        now = time.monotonic()
        durable = now - self._synced_at >= self.settings.sync_every
        self._outbox_asked_at = now  # the batch moves whatever the outbox holds
        try:
            with self.db.transaction(durable=durable) as conn:
                insert_rows(conn, batch)
                move_outbox(conn)
            if durable:
                self._synced_at = now
        except DataError:  # one event the store refuses must not hold back the others
            self._write_each(batch)
        except Exception:
            with self._lock:  # keep them for the next round
                self._pending[:0] = batch
            raise

    def _write_each(self, batch: Sequence[AuditRow]) -> None:
        """Insert the batch's events one by one, dropping (loudly) those refused."""
        for done, row in enumerate(batch):
            try:
                with self.db.transaction() as conn:
                    insert_rows(conn, [row])
            except DataError:
                log.error("dropped audit event %s: the store refused it", row.event_id)
            except Exception:
                with self._lock:  # the store went away: keep the rest for the next round
                    self._pending[:0] = batch[done:]
                raise

    def _outbox_may_hold_rows(self) -> bool:
        """Whether the next batch is to ask the store about the outbox.

        When this process put an event there since it last asked (else an idle server
        would ask every interval, forever), or every ``outbox_sweep`` for what another
        process left there when it died, and for an event written in this one whose
        commit the last look missed but whose call was never finished (a sign-in's).
        """
        if self._outbox_put_at >= self._outbox_asked_at:
            return True
        return time.monotonic() - self._outbox_asked_at >= self.settings.outbox_sweep

    def _outbox_has_rows(self) -> bool:
        self._outbox_asked_at = time.monotonic()
        with self.db.transaction(write=False) as conn:
            return outbox_has_rows(conn)

    def claimed_account(self, access_key_id: str) -> str | None:
        """The account of a long-term key whose request did not verify, if it exists."""
        try:
            with self.db.transaction(write=False) as conn:
                key = access_keys.find_key(conn, access_key_id)
                return key.account_id if key is not None else None
        except Exception:
            return None


def _log_failed_batch(error: Exception) -> None:
    """One line for a batch that lost a race (nothing is lost: it is kept and retried),
    a traceback for any other failure."""
    if isinstance(error, ConcurrentModification):  # a deadlock PostgreSQL broke
        log.warning("a batch of audit events lost a race; will retry")
    else:
        log.exception("could not write audit events; will retry")
