"""Signing in to the console: passwords, MFA codes, throttling; no HTTP here.

In: an open store transaction, what the person typed, and the time. Out: a `Result`,
either a `Session` at its next stage (see `iamd.console.sessions`) or the message to
show. The messages are the AWS console's own; a wrong account, a wrong user name and
a wrong password read alike, and take as long (`verify_or_waste_time`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from iamd.auth import passwords, totp
from iamd.console import principals, sessions, throttle
from iamd.console.console import Console
from iamd.console.sessions import Session
from iamd.iam.login_profiles import hard_expired
from iamd.store import account_settings, console_sessions, mfa_devices, users
from iamd.store.accounts import Account

INCORRECT = "Your authentication information is incorrect. Please try again."
WRONG_CODE = "Your authentication information is incorrect. Please try again."
EXPIRED = "Your password has expired. Contact your administrator to reset it."


def throttled(seconds: int) -> str:
    return f"Too many failed sign-in attempts. Wait {seconds} seconds and try again."


@dataclass(frozen=True)
class Result:
    session: Session | None = None
    message: str | None = None


def sign_in_root(
    conn: Connection, console: Console, email: str, password: str, now: datetime, address: str
) -> Result:
    key = throttle.key_for("root", email.strip(), address)
    wait = console.throttle.retry_after(conn, key, now)
    if wait is not None:
        return Result(message=throttled(wait))
    account = principals.account_by_email(conn, email) if email.strip() else None
    password_hash = account.root_password_hash if account else None
    if account is None or not passwords.verify_or_waste_time(password_hash, password):
        console.throttle.failed(conn, key, now)
        return Result(message=INCORRECT)
    assert password_hash is not None
    console.throttle.succeeded(conn, key)
    has_mfa = bool(principals.mfa_serials(conn, account.root_user_id))
    session = sessions.start(
        account_id=account.account_id,
        kind=sessions.ROOT,
        principal_id=account.root_user_id,
        name=account.email,
        fingerprint=sessions.fingerprint(console.session_key, password_hash),
        now=now,
        stage=sessions.AWAITING_MFA if has_mfa else sessions.DONE,
    )
    _open(conn, session, now)
    return Result(session)


def sign_in_user(
    conn: Connection,
    console: Console,
    account: Account,
    user_name: str,
    password: str,
    now: datetime,
    address: str,
) -> Result:
    key = throttle.key_for(account.account_id, user_name.strip(), address)
    wait = console.throttle.retry_after(conn, key, now)
    if wait is not None:
        return Result(message=throttled(wait))
    found = principals.member(conn, account.account_id, user_name.strip())
    password_hash = found.profile.password_hash if found else None
    if found is None or not passwords.verify_or_waste_time(password_hash, password):
        console.throttle.failed(conn, key, now)
        return Result(message=INCORRECT)
    console.throttle.succeeded(conn, key)
    policy = account_settings.find_password_policy(conn, account.account_id)
    if hard_expired(found.profile, policy, now):
        return Result(message=EXPIRED)
    changed_at = found.profile.password_changed_at
    needs_new = found.profile.reset_required or passwords.is_expired(changed_at, policy, now)
    has_mfa = bool(principals.mfa_serials(conn, found.user.user_id))
    stage = sessions.AWAITING_MFA if has_mfa else next_stage(needs_new)
    session = sessions.start(
        account_id=account.account_id,
        kind=sessions.USER,
        principal_id=found.user.user_id,
        name=found.user.name,
        fingerprint=sessions.fingerprint(console.session_key, found.profile.password_hash),
        now=now,
        stage=stage,
        needs_new_password=needs_new,
    )
    _open(conn, session, now)
    return Result(complete(conn, session, now) if stage == sessions.DONE else session)


def _open(conn: Connection, session: Session, now: datetime) -> None:
    """Record the new sign-in on the server, for as long as a session can last."""
    console_sessions.open_session(
        conn,
        session.handle,
        account_id=session.account_id,
        principal_id=session.principal_id,
        created_at=now,
        expires_at=now + sessions.LIFETIME,
    )


def next_stage(needs_new_password: bool) -> str:
    return sessions.AWAITING_NEW_PASSWORD if needs_new_password else sessions.DONE


def check_mfa(
    conn: Connection, console: Console, session: Session, code: str, now: datetime, address: str
) -> Result:
    """The session one step on when ``code`` is a fresh code of one of its devices."""
    account = "root" if session.is_root else session.account_id
    key = throttle.key_for(account, session.name, address)
    wait = console.throttle.retry_after(conn, key, now)
    if wait is not None:
        return Result(message=throttled(wait))
    if not _accept_code(conn, console, session.principal_id, code.strip(), now):
        console.throttle.failed(conn, key, now)
        return Result(message=WRONG_CODE)
    console.throttle.succeeded(conn, key)
    stage = next_stage(session.needs_new_password)
    moved = sessions.advance(session, stage, now, used_mfa=True)
    return Result(complete(conn, moved, now) if stage == sessions.DONE else moved)


def _accept_code(
    conn: Connection, console: Console, owner_id: str, code: str, now: datetime
) -> bool:
    if not (code.isdigit() and len(code) == totp.DIGITS):
        return False
    for serial in principals.mfa_serials(conn, owner_id):
        device = mfa_devices.credential_for(conn, serial)
        if device is None:
            continue
        seed = console.server.sealer.open(device.seed_sealed, serial)
        counter = totp.verify_code(
            seed, code, now, last_counter=device.last_counter, drift_steps=device.drift_steps
        )
        # A code is good once: the compare-and-set refuses a replay (or a race).
        if counter is not None and mfa_devices.record_counter(conn, serial, counter):
            return True
    return False


def complete(conn: Connection, session: Session, now: datetime) -> Session:
    """The session signed in; an IAM user's password counts as used now."""
    if session.kind == sessions.USER:
        users.record_password_use(conn, session.principal_id, now)
    if session.stage == sessions.DONE:
        return session
    return sessions.advance(session, sessions.DONE, now)
