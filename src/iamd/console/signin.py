"""Signing in to the console: passwords, MFA codes, throttling; no HTTP here.

In: an open store transaction, what the person typed, and the time. Out: a `Result`,
either a `Session` at its next stage (see `iamd.console.sessions`) or the message to
show. The messages are the AWS console's own; a wrong account, a wrong user name and
a wrong password read alike, and take as long (`verify_or_waste_time`). Every
attempt that ends (signed in, or refused) is a ``ConsoleLogin`` event on the audit
trail, in the same transaction (`iamd.console.signin_events`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from iamd.auth import passwords, totp
from iamd.console import principals, sessions, throttle
from iamd.console.console import Console
from iamd.console.sessions import Session
from iamd.console.signin_events import Attempted, SignInOrigin, record
from iamd.iam.login_profiles import hard_expired
from iamd.store import account_settings, accounts, console_sessions, mfa_devices, users
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
    conn: Connection,
    console: Console,
    email: str,
    password: str,
    now: datetime,
    origin: SignInOrigin,
) -> Result:
    key = throttle.key_for("root", email.strip(), origin.meta.source_ip)
    account = principals.account_by_email(conn, email) if email.strip() else None
    # An email that names no account is nobody's event: there is no history to put it in.
    attempted = Attempted(account.account_id, is_root=True) if account else None
    wait = console.throttle.retry_after(conn, key, now)
    if wait is not None:
        _refused(conn, console, origin, attempted, now, "too many failed sign-in attempts")
        return Result(message=throttled(wait))
    password_hash = account.root_password_hash if account else None
    if account is None or not passwords.verify_or_waste_time(password_hash, password):
        console.throttle.failed(conn, key, now)
        _refused(conn, console, origin, attempted, now, "wrong password")
        return Result(message=INCORRECT)
    assert password_hash is not None and attempted is not None
    console.throttle.succeeded(conn, key)
    has_mfa = bool(principals.mfa_serials(conn, account.root_user_id))
    if not has_mfa:
        _signed_in(conn, console, origin, attempted, now)
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
    origin: SignInOrigin,
) -> Result:
    key = throttle.key_for(account.account_id, user_name.strip(), origin.meta.source_ip)
    found = principals.member(conn, account.account_id, user_name.strip())
    named = found.user if found else _user_named(conn, account, user_name.strip())
    attempted = Attempted(account.account_id, user=named)
    wait = console.throttle.retry_after(conn, key, now)
    if wait is not None:
        _refused(conn, console, origin, attempted, now, "too many failed sign-in attempts")
        return Result(message=throttled(wait))
    password_hash = found.profile.password_hash if found else None
    if found is None or not passwords.verify_or_waste_time(password_hash, password):
        console.throttle.failed(conn, key, now)
        reason = "wrong password" if found else _why_no_member(named)
        _refused(conn, console, origin, attempted, now, reason)
        return Result(message=INCORRECT)
    console.throttle.succeeded(conn, key)
    policy = account_settings.find_password_policy(conn, account.account_id)
    if hard_expired(found.profile, policy, now):
        _refused(conn, console, origin, attempted, now, "password expired")
        return Result(message=EXPIRED)
    changed_at = found.profile.password_changed_at
    needs_new = found.profile.reset_required or passwords.is_expired(changed_at, policy, now)
    has_mfa = bool(principals.mfa_serials(conn, found.user.user_id))
    if not has_mfa:
        _signed_in(conn, console, origin, attempted, now)
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
    conn: Connection,
    console: Console,
    session: Session,
    code: str,
    now: datetime,
    origin: SignInOrigin,
) -> Result:
    """The session one step on when ``code`` is a fresh code of one of its devices."""
    attempted = _session_attempt(conn, session)
    account = "root" if session.is_root else session.account_id
    key = throttle.key_for(account, session.name, origin.meta.source_ip)
    wait = console.throttle.retry_after(conn, key, now)
    if wait is not None:
        _refused(conn, console, origin, attempted, now, "too many failed sign-in attempts")
        return Result(message=throttled(wait))
    if not _accept_code(conn, console, session.principal_id, code.strip(), now):
        console.throttle.failed(conn, key, now)
        _refused(conn, console, origin, attempted, now, "wrong MFA code")
        return Result(message=WRONG_CODE)
    console.throttle.succeeded(conn, key)
    _signed_in(conn, console, origin, attempted, now)
    stage = next_stage(session.needs_new_password)
    moved = sessions.advance(session, stage, now, used_mfa=True)
    return Result(complete(conn, moved, now) if stage == sessions.DONE else moved)


def _refused(
    conn: Connection,
    console: Console,
    origin: SignInOrigin,
    attempted: Attempted | None,
    now: datetime,
    reason: str,
) -> None:
    if attempted is not None:
        record(conn, console, origin, attempted, now, refusal=reason)


def _user_named(conn: Connection, account: Account, user_name: str) -> users.User | None:
    return users.find_user(conn, account.account_id, user_name) if user_name else None


def _why_no_member(named: users.User | None) -> str:
    return "the user has no console password" if named else "no such user"


def _session_attempt(conn: Connection, session: Session) -> Attempted:
    """Who a sign-in that owes an MFA code is, for its event."""
    if session.is_root:
        return Attempted(session.account_id, is_root=True, mfa_used=True)
    user = users.get_user_by_id(conn, session.principal_id)
    return Attempted(session.account_id, user=user, mfa_used=True)


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


def _signed_in(
    conn: Connection, console: Console, origin: SignInOrigin, attempted: Attempted, now: datetime
) -> None:
    """The attempt succeeded: its ConsoleLogin event and its password's last use, at one
    time (a password still to be changed, or an MFA code still owed, comes later)."""
    record(conn, console, origin, attempted, now)
    if attempted.user is not None:
        users.record_password_use(conn, attempted.user.user_id, now)
    elif attempted.is_root:
        accounts.record_root_password_use(conn, attempted.account_id, now)


def complete(conn: Connection, session: Session, now: datetime) -> Session:
    """The session signed in, every step done."""
    if session.stage == sessions.DONE:
        return session
    return sessions.advance(session, sessions.DONE, now)
