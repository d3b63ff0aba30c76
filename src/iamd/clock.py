"""Time, injected: tests of expiry and skew move a clock instead of sleeping.

Inside the process, tests pass a `FixedClock`. A test that drives a real ``iamd
serve`` subprocess cannot, so `SystemClock` has one hidden, test-only hook:

    IAMD_CLOCK_OFFSET_FILE=/path/to/file iamd serve …

When that environment variable names a file when the server starts, every reading
of the clock adds the number of seconds the file holds at that moment (an integer or
decimal, possibly negative; a missing, empty or unreadable file counts as 0). A test
writes ``7200`` into the file and the server lives two hours ahead — session tokens
expire, MFA codes age — with no sleep and no restart. Without the variable (every
real deployment) the clock is the system's and no file is ever read.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

CLOCK_OFFSET_FILE_ENV = "IAMD_CLOCK_OFFSET_FILE"


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def __init__(self) -> None:
        offset_file = os.environ.get(CLOCK_OFFSET_FILE_ENV)
        self._offset_file = Path(offset_file) if offset_file else None

    def now(self) -> datetime:
        now = datetime.now(UTC)
        if self._offset_file is None:
            return now
        return now + timedelta(seconds=read_offset(self._offset_file))


class FixedClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime) -> None:
        self._now = start

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        self._now += delta


def read_offset(path: Path) -> float:
    """The offset in seconds a test wrote to ``path``; 0 when there is none."""
    try:
        text = path.read_text().strip()
        return float(text) if text else 0.0
    except (OSError, ValueError):
        return 0.0


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
