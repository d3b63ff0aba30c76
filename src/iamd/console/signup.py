"""Creating an account from the console: an email, a root password, an account name.

In: what the person typed, the client's address and the time. Out: an `Outcome`:
the problems to show, one per field, or that the form was taken. The password must
pass AWS's default password policy for root users: at least eight characters, three
of the four kinds, not the email or the account name.

Sign-up tells nobody whether an email is registered: for an email that already has
an account the answer (and the time it takes: a password is hashed either way) is
the one a new account gets, and no account is made. It is also limited per client
address (`allow_signup`), so one address cannot make accounts by the thousand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Connection

from iamd import ids
from iamd.auth import passwords
from iamd.console import principals
from iamd.errors import EntityAlreadyExists
from iamd.store import accounts, signin_failures
from iamd.store.accounts import Account

MAX_EMAIL = 320
MAX_ACCOUNT_NAME = 50
MAX_PASSWORD = 128
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

PASSWORD_RULES = (
    "At least 8 characters, with at least three of: uppercase letters, lowercase letters, "
    "numbers and symbols (! @ # $ % ^ & * ( ) _ + - = [ ] { } | '); "
    "not your email address or account name."
)


@dataclass(frozen=True)
class SignUp:
    email: str
    password: str
    confirm: str
    account_name: str


@dataclass(frozen=True)
class Outcome:
    account: Account | None = None  # None for an email already registered, too
    problems: dict[str, str] = field(default_factory=dict)


def problems_of(request: SignUp) -> dict[str, str]:
    """What is wrong with the form, by field name (empty: nothing)."""
    problems = email_problems(request.email)
    if not request.account_name or len(request.account_name) > MAX_ACCOUNT_NAME:
        problems["account_name"] = f"Enter an account name of 1 to {MAX_ACCOUNT_NAME} characters."
    problems.update(
        root_password_problems(
            request.password,
            request.confirm,
            account_name=request.account_name,
            email=request.email,
        )
    )
    return problems


def email_problems(email: str) -> dict[str, str]:
    if not _EMAIL.match(email) or len(email) > MAX_EMAIL:
        return {"email": "Enter a valid email address."}
    return {}


def root_password_problems(
    password: str, confirm: str, *, account_name: str, email: str
) -> dict[str, str]:
    """AWS's rules for a root user's password, and the retyped copy matching it."""
    broken = passwords.default_policy_violations(password, account_name=account_name, email=email)
    if broken or len(password) > MAX_PASSWORD:
        return {"password": "The password does not meet the requirements: " + PASSWORD_RULES}
    if password != confirm:
        return {"confirm": "The passwords do not match."}
    return {}


def sign_up(conn: Connection, request: SignUp, now: datetime) -> Outcome:
    """A new account; for a registered email, the same answer and nothing made."""
    problems = problems_of(request)
    if problems:
        return Outcome(problems=problems)
    password_hash = passwords.hash_password(request.password)
    if principals.account_by_email(conn, request.email) is not None:
        return Outcome()
    account_id = ids.account_id()
    try:
        account = accounts.create_account(
            conn,
            account_id=account_id,
            name=request.account_name,
            email=request.email,
            root_user_id=account_id,
            created_at=now,
            root_password_hash=password_hash,
        )
    except EntityAlreadyExists:  # the same email, an instant earlier
        return Outcome()
    return Outcome(account=account)


SIGNUP_WINDOW = timedelta(hours=1)
TOO_MANY = "Too many accounts were created from your address. Try again in an hour."


def allow_signup(conn: Connection, address: str, now: datetime, per_hour: int) -> bool:
    """Count one sign-up from ``address``; False once it made ``per_hour`` this hour."""
    key = f"signup@{address}"
    counted = signin_failures.failures_of(conn, key)
    if counted is None or now - counted[1] >= SIGNUP_WINDOW:
        signin_failures.record_failures(conn, key, 1, now)  # a new hour starts now
        return True
    count, window_start = counted
    if count >= per_hour:
        return False
    signin_failures.record_failures(conn, key, count + 1, window_start)
    return True
