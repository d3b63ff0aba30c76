"""TOTP verification: RFC 6238's vectors, the window, drift and replay protection."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pyotp

from iamd.auth import totp

# RFC 6238 appendix B: the ASCII seed "12345678901234567890", SHA-1, here six digits.
RFC_SEED = base64.b32encode(b"12345678901234567890").decode()
RFC_VECTORS = {59: "287082", 1111111109: "081804", 1234567890: "005924", 2000000000: "279037"}

NOW = datetime(2026, 3, 1, 12, 0, 10, tzinfo=UTC)
SEED = totp.new_seed()


def code_at(moment: datetime, seed: str = SEED) -> str:
    return pyotp.TOTP(seed).at(moment)


def test_rfc_6238_vectors() -> None:
    for seconds, code in RFC_VECTORS.items():
        moment = datetime.fromtimestamp(seconds, UTC)
        assert totp.code_for(RFC_SEED, totp.counter_at(moment)) == code
        assert totp.verify_code(RFC_SEED, code, moment, last_counter=None) is not None


def test_new_seed_is_64_base32_characters() -> None:
    seed = totp.new_seed()
    assert len(seed) == 64
    assert len(base64.b32decode(seed)) == totp.SEED_BYTES
    assert seed != totp.new_seed()


def test_verify_returns_the_counter_of_the_code() -> None:
    counter = totp.counter_at(NOW)
    assert totp.verify_code(SEED, code_at(NOW), NOW, last_counter=None) == counter
    assert totp.verify_code(SEED.encode(), code_at(NOW), NOW, last_counter=None) == counter


def test_window_is_one_step_either_side() -> None:
    step = timedelta(seconds=totp.STEP_SECONDS)
    for offset, accepted in ((-2, False), (-1, True), (1, True), (2, False)):
        code = code_at(NOW + offset * step)
        result = totp.verify_code(SEED, code, NOW, last_counter=None)
        assert (result is not None) is accepted, offset


def test_a_used_counter_is_refused() -> None:
    counter = totp.counter_at(NOW)
    code = code_at(NOW)
    assert totp.verify_code(SEED, code, NOW, last_counter=counter) is None
    assert totp.verify_code(SEED, code, NOW, last_counter=counter - 1) == counter
    # A later code is still good after an earlier one was used.
    later = NOW + timedelta(seconds=30)
    assert totp.verify_code(SEED, code_at(later), later, last_counter=counter) == counter + 1


def test_drift_moves_the_window() -> None:
    ahead = NOW + timedelta(minutes=5)  # ten steps fast
    code = code_at(ahead)
    assert totp.verify_code(SEED, code, NOW, last_counter=None) is None
    assert totp.verify_code(SEED, code, NOW, last_counter=None, drift_steps=10) is not None


def test_wrong_codes_are_refused() -> None:
    counter = totp.counter_at(NOW)
    valid = {totp.code_for(SEED, c) for c in range(counter - 1, counter + 2)}
    wrong = next(f"{n:06d}" for n in range(10) if f"{n:06d}" not in valid)
    assert totp.verify_code(SEED, wrong, NOW, last_counter=None) is None
    assert totp.verify_code(SEED, "12345", NOW, last_counter=None) is None
    assert totp.verify_code(SEED, "", NOW, last_counter=None) is None


def test_consecutive_codes() -> None:
    step = timedelta(seconds=totp.STEP_SECONDS)
    first, second = code_at(NOW - step), code_at(NOW)
    counter = totp.counter_at(NOW)
    assert totp.verify_consecutive(SEED, first, second, NOW, last_counter=None) == counter
    assert totp.verify_consecutive(SEED, second, first, NOW, last_counter=None) is None
    assert totp.verify_consecutive(SEED, second, second, NOW, last_counter=None) is None
    assert totp.verify_consecutive(SEED, first, second, NOW, last_counter=counter - 1) is None


def test_consecutive_codes_find_a_drifted_clock() -> None:
    step = timedelta(seconds=totp.STEP_SECONDS)
    behind = NOW - 15 * step
    counter = totp.verify_consecutive(
        SEED, code_at(behind - step), code_at(behind), NOW, last_counter=None
    )
    assert counter == totp.counter_at(NOW) - 15
    assert totp.drift_of(counter, NOW) == -15
    too_far = NOW + (totp.SYNC_WINDOW + 2) * step
    assert (
        totp.verify_consecutive(
            SEED, code_at(too_far - step), code_at(too_far), NOW, last_counter=None
        )
        is None
    )


def test_drift_within_the_sign_in_window_counts_as_none() -> None:
    counter = totp.counter_at(NOW)
    assert totp.drift_of(counter - 1, NOW) == 0
    assert totp.drift_of(counter + 1, NOW) == 0
    assert totp.drift_of(counter + 3, NOW) == 3


def test_provisioning_uri() -> None:
    uri = totp.provisioning_uri(SEED, "alice+phone@123456789012")
    parts = urlsplit(uri)
    assert (parts.scheme, parts.netloc) == ("otpauth", "totp")
    assert parts.path == "/alice%2Bphone@123456789012"
    assert parse_qs(parts.query) == {"secret": [SEED]}
    assert pyotp.parse_uri(uri).secret == SEED
