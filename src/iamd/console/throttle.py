"""Sign-in throttling: after repeated failures, a guesser must wait before trying again.

In: `Keys` naming what is being signed in to (the account and the principal's name,
case-folded) and from where (the client's address), and the time. Out: how many
seconds to wait, or None.

Failures count twice: per principal *and address*, and per principal from every
address. The first ``FREE_FAILURES`` from one address cost nothing; each one after
that doubles that address's wait, from ``BASE_DELAY`` up to ``MAX_DELAY``, so one
address guessing a known user name slows only itself and never locks the user out
elsewhere. Past ``GLOBAL_FREE_FAILURES`` from all addresses together, every address
waits (the global cap on a distributed guess). A success forgets its address's
failures; a quiet ``WINDOW`` forgets either count.

The counts live in the store (``signin_failures``), in the sign-in's own transaction,
so every ``iamd serve`` worker sharing the store sees the same attempts. A wrong
password and a wrong MFA code count alike, and the wait is checked before any
password is, so a locked principal tells a guesser nothing.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection

from iamd.store import signin_failures as store

FREE_FAILURES = 5
GLOBAL_FREE_FAILURES = 100
BASE_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(minutes=15)
WINDOW = timedelta(minutes=30)
# The length of the store's signin_failures.key column.
MAX_KEY_LENGTH = 400


@dataclass(frozen=True)
class Keys:
    local: str  # this principal, from this address
    overall: str  # this principal, from anywhere


def key_for(account_id: str, principal_name: str, address: str) -> Keys:
    """The store's keys for a principal; a name typed longer than any real one is hashed.

    The name comes from the sign-in form, unchecked, and the key column is bounded.
    """
    principal = _bounded(f"{account_id}/{principal_name.lower()}", account_id)
    return Keys(local=_bounded(f"{principal}@{address}", account_id), overall=principal)


def _bounded(key: str, account_id: str) -> str:
    if len(key) <= MAX_KEY_LENGTH:
        return key
    return f"{account_id}/sha256:{hashlib.sha256(key.encode()).hexdigest()}"


class SignInThrottle:
    """Reads and records failures through the sign-in's own store connection."""

    def retry_after(self, conn: Connection, keys: Keys, now: datetime) -> int | None:
        """Seconds to wait before these keys may try again; None when they may now."""
        waits = [
            self._wait(conn, keys.local, FREE_FAILURES, now),
            self._wait(conn, keys.overall, GLOBAL_FREE_FAILURES, now),
        ]
        found = [wait for wait in waits if wait is not None]
        return max(found) if found else None

    def failed(self, conn: Connection, keys: Keys, now: datetime) -> None:
        for key in (keys.local, keys.overall):
            failures = self._current(conn, key, now)
            store.record_failures(conn, key, failures[0] + 1 if failures else 1, now)

    def succeeded(self, conn: Connection, keys: Keys) -> None:
        store.forget_failures(conn, keys.local)

    def _wait(self, conn: Connection, key: str, free: int, now: datetime) -> int | None:
        failures = self._current(conn, key, now)
        if failures is None or failures[0] < free:
            return None
        count, last_at = failures
        remaining = (last_at + delay_after(count, free=free) - now).total_seconds()
        return math.ceil(remaining) if remaining > 0 else None

    def _current(self, conn: Connection, key: str, now: datetime) -> tuple[int, datetime] | None:
        failures = store.failures_of(conn, key)
        if failures is not None and now - failures[1] > WINDOW:
            return None  # a quiet window forgets: the next failure starts again at one
        return failures


def delay_after(count: int, *, free: int = FREE_FAILURES) -> timedelta:
    """The wait after ``count`` consecutive failures (none until ``free`` of them)."""
    if count < free:
        return timedelta(0)
    doublings = min(count - free, 10)
    delay: timedelta = BASE_DELAY * (2**doublings)
    return min(delay, MAX_DELAY)
