"""Sign-in throttling: after repeated failures, a principal must wait before trying again.

In: a key naming what is being signed in to (the account and the principal's name,
case-folded) and the time. Out: how many seconds to wait, or None. The first
``FREE_FAILURES`` failures cost nothing; each one after that doubles the wait, from
``BASE_DELAY`` up to ``MAX_DELAY``. A success forgets the failures, and so does a
quiet ``WINDOW``.

The state lives in this process's memory: with several ``iamd serve`` workers each
keeps its own count, so the allowance is per worker. A wrong password and a wrong
MFA code count alike, and the wait is checked before any password is, so a locked
principal tells a guesser nothing.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta

FREE_FAILURES = 5
BASE_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(minutes=15)
WINDOW = timedelta(minutes=30)
MAX_KEYS = 100_000  # bounded memory under a flood of made-up names


@dataclass(frozen=True)
class _Failures:
    count: int
    last_at: datetime


class SignInThrottle:
    def __init__(self) -> None:
        self._failures: OrderedDict[str, _Failures] = OrderedDict()
        self._lock = threading.Lock()

    def retry_after(self, key: str, now: datetime) -> int | None:
        """Seconds to wait before ``key`` may try again; None when it may now."""
        with self._lock:
            failures = self._current(key, now)
        if failures is None or failures.count < FREE_FAILURES:
            return None
        wait_until = failures.last_at + delay_after(failures.count)
        remaining = (wait_until - now).total_seconds()
        return math.ceil(remaining) if remaining > 0 else None

    def failed(self, key: str, now: datetime) -> None:
        with self._lock:
            failures = self._current(key, now)
            count = failures.count + 1 if failures else 1
            self._failures[key] = _Failures(count, now)
            self._failures.move_to_end(key)  # oldest first: the first to forget
            if len(self._failures) > MAX_KEYS:
                self._failures.popitem(last=False)

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)

    def _current(self, key: str, now: datetime) -> _Failures | None:
        failures = self._failures.get(key)
        if failures is not None and now - failures.last_at > WINDOW:
            del self._failures[key]
            return None
        return failures


def delay_after(count: int) -> timedelta:
    """The wait after ``count`` consecutive failures (none until FREE_FAILURES)."""
    if count < FREE_FAILURES:
        return timedelta(0)
    doublings = min(count - FREE_FAILURES, 10)
    delay: timedelta = BASE_DELAY * (2**doublings)
    return min(delay, MAX_DELAY)


def key_for(account_id: str, principal_name: str) -> str:
    return f"{account_id}/{principal_name.lower()}"
