"""Console sign-ins on the audit trail: one ``ConsoleLogin`` event per attempt.

In: the sign-in's store transaction and what became of the attempt. Out: the event,
written in that same transaction (a sign-in also writes its throttling counters and
a password's last use, so the record commits with them). A sign-in that still owes
an MFA code is not an event yet; the code's outcome is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection

from iamd.audit.signins import SignInAttempt, console_login
from iamd.auth.origin import RequestMeta
from iamd.console import principals
from iamd.console.console import Console
from iamd.store.users import User


@dataclass(frozen=True)
class SignInOrigin:
    """Where an attempt came from, and where a signed-in console goes."""

    meta: RequestMeta = field(default_factory=RequestMeta)
    login_to: str = ""


@dataclass(frozen=True)
class Attempted:
    """Who tried: an account's root user, or a name typed on an account's sign-in page."""

    account_id: str
    is_root: bool = False
    user: User | None = None
    mfa_used: bool = False


def record(
    conn: Connection,
    console: Console,
    origin: SignInOrigin,
    attempted: Attempted,
    now: datetime,
    *,
    refusal: str | None = None,
) -> None:
    """Write the attempt's ConsoleLogin event; ``refusal`` None means it signed in."""
    user = attempted.user
    attempt = SignInAttempt(
        account_id=attempted.account_id,
        when=now,
        meta=origin.meta,
        login_to=origin.login_to,
        is_root=attempted.is_root,
        user_id=user.user_id if user else None,
        user_name=user.name if user else None,
        user_arn=principals.user_caller(user).arn if user else None,
        mfa_used=attempted.mfa_used,
        refusal=refusal,
    )
    console.server.trail.record_event_in(conn, console_login(attempt))
