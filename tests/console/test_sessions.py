"""Console sessions: signed, expiring, staged, and bound to the password they began with."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from iamd.console import sessions, signing

KEY = signing.derive_key(b"k" * 32, "session")
NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def _session(stage: str = sessions.DONE) -> sessions.Session:
    return sessions.start(
        account_id="123456789012",
        kind=sessions.USER,
        principal_id="AIDAEXAMPLE",
        name="alice",
        fingerprint=sessions.fingerprint(KEY, "$argon2id$hash"),
        now=NOW,
        stage=stage,
    )


def test_a_session_survives_its_cookie() -> None:
    session = _session()
    assert sessions.decode(KEY, sessions.encode(KEY, session), NOW) == session


def test_a_signed_in_session_lasts_twelve_hours() -> None:
    token = sessions.encode(KEY, _session())
    assert sessions.decode(KEY, token, NOW + timedelta(hours=11, minutes=59)) is not None
    assert sessions.decode(KEY, token, NOW + timedelta(hours=12)) is None


def test_a_pending_sign_in_lasts_minutes() -> None:
    token = sessions.encode(KEY, _session(sessions.AWAITING_MFA))
    assert sessions.decode(KEY, token, NOW + timedelta(minutes=4)) is not None
    assert sessions.decode(KEY, token, NOW + timedelta(minutes=5)) is None


def test_advancing_changes_the_session_id() -> None:
    pending = _session(sessions.AWAITING_MFA)
    done = sessions.advance(pending, sessions.DONE, NOW, used_mfa=True)
    assert done.is_done and done.used_mfa
    assert done.session_id != pending.session_id
    assert done.expires_at == NOW + sessions.LIFETIME


def test_a_cookie_of_another_server_or_a_made_up_stage_is_refused() -> None:
    other_key = signing.derive_key(b"x" * 32, "session")
    assert sessions.decode(KEY, sessions.encode(other_key, _session()), NOW) is None
    odd = sessions.encode(KEY, replace(_session(), stage="admin"))
    assert sessions.decode(KEY, odd, NOW) is None
    assert sessions.decode(KEY, None, NOW) is None
    assert sessions.decode(KEY, "garbage", NOW) is None


def test_the_fingerprint_follows_the_password_hash() -> None:
    assert sessions.fingerprint(KEY, "$argon2id$a") == sessions.fingerprint(KEY, "$argon2id$a")
    assert sessions.fingerprint(KEY, "$argon2id$a") != sessions.fingerprint(KEY, "$argon2id$b")
    assert "argon2" not in sessions.fingerprint(KEY, "$argon2id$a")


def test_a_switched_role_travels_in_the_session() -> None:
    switched = replace(_session(), role_key_id="ASIAX", role_token="token", role_name="auditor")
    decoded = sessions.decode(KEY, sessions.encode(KEY, switched), NOW)
    assert decoded is not None and decoded.has_switched and decoded.role_name == "auditor"
