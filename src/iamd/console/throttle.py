"""Sign-in throttling: after repeated failures, a principal must wait before trying again.

In: a key naming what is being signed in to (the account and the principal's name,
case-folded) and the time. Out: how many seconds to wait, or None. The first
``FREE_FAILURES`` failures cost nothing; each one after that doubles the wait, from
``BASE_DELAY`` up to ``MAX_DELAY``. A success forgets the failures, and so does a
quiet ``WINDOW``.

The count lives in the store (``signin_failures``), in the sign-in's own transaction,
so every ``iamd serve`` worker sharing the store sees the same attempts. A wrong
password and a wrong MFA code count alike, and the wait is checked before any
password is, so a locked principal tells a guesser nothing.
"""

from __future__ import annotations

import hashlib
import math
from datetime import datetime, timedelta

from sqlalchemy import Connection

from iamd.store import signin_failures as store

FREE_FAILURES = 5
BASE_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(minutes=15)
WINDOW = timedelta(minutes=30)
# The length of the store's signin_failures.key column.
MAX_KEY_LENGTH = 400


class SignInThrottle:
    """Reads and records failures through the sign-in's own store connection."""

    def retry_after(self, conn: Connection, key: str, now: datetime) -> int | None:
        """Seconds to wait before ``key`` may try again; None when it may now."""
        failures = self._current(conn, key, now)
        if failures is None or failures[0] < FREE_FAILURES:
            return None
        count, last_at = failures
        remaining = (last_at + delay_after(count) - now).total_seconds()
        return math.ceil(remaining) if remaining > 0 else None

    def failed(self, conn: Connection, key: str, now: datetime) -> None:
        failures = self._current(conn, key, now)
        store.record_failures(conn, key, failures[0] + 1 if failures else 1, now)

    def succeeded(self, conn: Connection, key: str) -> None:
        store.forget_failures(conn, key)

    def _current(self, conn: Connection, key: str, now: datetime) -> tuple[int, datetime] | None:
        failures = store.failures_of(conn, key)
        if failures is not None and now - failures[1] > WINDOW:
            return None  # a quiet window forgets: the next failure starts again at one
        return failures


def delay_after(count: int) -> timedelta:
    """The wait after ``count`` consecutive failures (none until FREE_FAILURES)."""
    if count < FREE_FAILURES:
        return timedelta(0)
    doublings = min(count - FREE_FAILURES, 10)
    delay: timedelta = BASE_DELAY * (2**doublings)
    return min(delay, MAX_DELAY)


def key_for(account_id: str, principal_name: str) -> str:
    """The store's key for a principal; a name typed longer than any real one is hashed.

    The name comes from the sign-in form, unchecked, and the key column is bounded.
    """
    key = f"{account_id}/{principal_name.lower()}"
    if len(key) <= MAX_KEY_LENGTH:
        return key
    return f"{account_id}/sha256:{hashlib.sha256(key.encode()).hexdigest()}"
