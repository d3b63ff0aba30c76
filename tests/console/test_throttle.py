"""Sign-in throttling: free failures, then waits that double, forgotten on success."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from iamd.console import throttle
from iamd.console.throttle import SignInThrottle

NOW = datetime(2026, 1, 1, tzinfo=UTC)
KEY = throttle.key_for("123456789012", "Alice")


def _fail(gate: SignInThrottle, times: int, at: datetime = NOW) -> None:
    for _ in range(times):
        gate.failed(KEY, at)


def test_five_failures_are_free_then_a_wait() -> None:
    gate = SignInThrottle()
    _fail(gate, throttle.FREE_FAILURES - 1)
    assert gate.retry_after(KEY, NOW) is None
    gate.failed(KEY, NOW)
    assert gate.retry_after(KEY, NOW) == 30
    assert gate.retry_after(KEY, NOW + timedelta(seconds=30)) is None


def test_the_wait_doubles_up_to_a_cap() -> None:
    assert throttle.delay_after(6) == timedelta(seconds=60)
    assert throttle.delay_after(7) == timedelta(seconds=120)
    assert throttle.delay_after(40) == throttle.MAX_DELAY


def test_success_and_quiet_time_forget_failures() -> None:
    gate = SignInThrottle()
    _fail(gate, 6)
    gate.succeeded(KEY)
    assert gate.retry_after(KEY, NOW) is None
    _fail(gate, 6)
    assert gate.retry_after(KEY, NOW + throttle.WINDOW + timedelta(seconds=1)) is None


def test_names_are_case_insensitive() -> None:
    assert throttle.key_for("1", "Alice") == throttle.key_for("1", "alice")


def test_memory_stays_bounded(monkeypatch: object) -> None:
    gate = SignInThrottle()
    for index in range(throttle.MAX_KEYS + 10):
        gate.failed(f"k{index}", NOW)
    assert len(gate._failures) == throttle.MAX_KEYS
