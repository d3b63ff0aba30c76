"""TOTP (RFC 6238) codes of virtual MFA devices: seeds, verification, replay protection.

In: a device's seed as AWS hands it out (the base32 text, ``str`` or ASCII ``bytes``),
the six-digit code a person typed, the time of the request, and the counter of the
last code the device was accepted with. Out: the counter (the 30-second time step)
the code belongs to, or None when it matches no step the window allows.

# INVARIANT: a counter, once accepted, is never accepted again: callers pass the
# device's ``last_counter`` and store the counter returned here (atomically, see
# `iamd.store.mfa_devices.record_counter`), so a code seen by an eavesdropper is
# worthless after its first use.
"""

from __future__ import annotations

import base64
import hmac
import secrets
from datetime import datetime
from urllib.parse import quote, urlencode

import pyotp

STEP_SECONDS = 30
DIGITS = 6
SEED_BYTES = 40  # AWS's seeds are 64 base32 characters: 320 bits
SIGN_IN_WINDOW = 1  # steps either side of now: a code from the previous or next 30 s
# Enabling and resynchronizing look much further for two consecutive codes: a device
# whose clock drifted is exactly what resynchronizing is for. Two six-digit codes in
# a row leave a guesser about 1 chance in 10**10 even over this span.
SYNC_WINDOW = 20

Seed = str | bytes


def new_seed() -> str:
    """A fresh random seed, as the base32 text AWS returns in ``Base32StringSeed``."""
    return base64.b32encode(secrets.token_bytes(SEED_BYTES)).decode("ascii")


def counter_at(now: datetime) -> int:
    """The TOTP time step ``now`` falls in."""
    return int(now.timestamp()) // STEP_SECONDS


def code_for(seed: Seed, counter: int) -> str:
    """The six-digit code of ``seed`` at time step ``counter``."""
    return str(pyotp.TOTP(_seed_text(seed), digits=DIGITS).generate_otp(counter))


def verify_code(
    seed: Seed,
    code: str,
    now: datetime,
    *,
    last_counter: int | None,
    drift_steps: int = 0,
    window: int = SIGN_IN_WINDOW,
) -> int | None:
    """The counter ``code`` was made at, within ``window`` steps of now, if never used.

    ``drift_steps`` centres the window on the device's own clock, as learned when it
    was enabled or resynchronized; a counter at or below ``last_counter`` is refused.
    """
    centre = counter_at(now) + drift_steps
    for counter in range(centre - window, centre + window + 1):
        if last_counter is not None and counter <= last_counter:
            continue
        if _same(code_for(seed, counter), code):
            return counter
    return None


def verify_consecutive(
    seed: Seed,
    first_code: str,
    second_code: str,
    now: datetime,
    *,
    last_counter: int | None,
    window: int = SYNC_WINDOW,
) -> int | None:
    """The counter of ``second_code`` when the two codes are consecutive steps, else None.

    This is how EnableMFADevice and ResyncMFADevice prove possession of a device:
    two codes in a row near now. The caller learns the device's drift from the
    answer (``counter - counter_at(now)``).
    """
    centre = counter_at(now)
    for counter in range(centre - window, centre + window + 1):
        if last_counter is not None and counter - 1 <= last_counter:
            continue
        first = _same(code_for(seed, counter - 1), first_code)
        if first & _same(code_for(seed, counter), second_code):
            return counter
    return None


def drift_of(counter: int, now: datetime) -> int:
    """How many steps a device whose latest code is ``counter`` runs ahead of ``now``.

    A device within the sign-in window of now is taken as in step: the window
    already covers it, and a code typed a step late must not shift every later one.
    """
    drift = counter - counter_at(now)
    return 0 if abs(drift) <= SIGN_IN_WINDOW else drift


def provisioning_uri(seed: Seed, label: str) -> str:
    """The ``otpauth://totp/<label>?secret=<seed>`` URI a virtual MFA app scans."""
    query = urlencode({"secret": _seed_text(seed)})
    return f"otpauth://totp/{quote(label, safe='@')}?{query}"


def _seed_text(seed: Seed) -> str:
    return seed.decode("ascii") if isinstance(seed, bytes) else seed


def _same(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode(), given.encode())
