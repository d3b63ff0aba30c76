"""Opening a root user's one-time link: setting its console login, or a new password.

In: an open store transaction, the link's token (from the URL), what the person typed
and the time. Out: a `LinkOutcome`: the link's account once the form was taken, or
the problems to show by field, or that the link is no good (unknown, expired, used).
A refused form leaves the link working; a taken form uses it up, in the same
savepoint as the change, so a used link changes nothing.

Setting a login tells nobody whether an email is registered, as sign-up does not
(`iamd.console.signup`): an email that is another account's is taken like any other
(the password hashed, the link used up, the same answer) and nothing changes, so no
two root users share an email and the link cannot be replayed to test emails one
after another.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection

from iamd import root_login
from iamd.auth import passwords
from iamd.console import principals, throttle
from iamd.console.signup import email_problems, root_password_problems
from iamd.errors import EntityAlreadyExists
from iamd.store import accounts, console_sessions, signin_failures
from iamd.store.accounts import Account

PLACEHOLDER_DOMAIN = ".iamd.local"  # the email ``iamd serve`` gives a root nobody named


@dataclass(frozen=True)
class LinkOutcome:
    account: Account | None = None
    problems: dict[str, str] = field(default_factory=dict)
    is_dead: bool = False  # unknown, expired or already used


DEAD = LinkOutcome(is_dead=True)


def shown_email(account: Account) -> str:
    """The email to offer in the form: none for a placeholder nobody chose."""
    return "" if account.email.lower().endswith(PLACEHOLDER_DOMAIN) else account.email


def set_login(
    conn: Connection, token: str, email: str, password: str, confirm: str, now: datetime
) -> LinkOutcome:
    """Give the root user of the link's account this email and password, if it is free.

    The outcome is the same whether or not another account has the email: only
    whether the change was made differs, and that is not told.
    """
    account = root_login.account_of_link(conn, token, root_login.SET_LOGIN, now)
    if account is None:
        return DEAD
    problems = email_problems(email) or root_password_problems(
        password, confirm, account_name=account.name, email=email
    )
    if problems:
        return LinkOutcome(problems=problems)
    password_hash = passwords.hash_password(password)  # on every path: the time says nothing
    with conn.begin_nested():
        if root_login.take_link(conn, token, root_login.SET_LOGIN, now) is None:
            return DEAD
        is_set = _set_if_free(conn, account, email, password_hash)
    if is_set:
        _forget_failures(conn, email)
    return LinkOutcome(account=account)


def _set_if_free(conn: Connection, account: Account, email: str, password_hash: str) -> bool:
    """Set the root login unless another account has the email; whether it was set."""
    owner = principals.account_by_email(conn, email)
    if owner is not None and owner.account_id != account.account_id:
        return False
    try:
        accounts.set_root_login(conn, account.account_id, email=email, password_hash=password_hash)
    except EntityAlreadyExists:  # the same email, an instant earlier
        return False
    return True


def reset_password(
    conn: Connection, token: str, password: str, confirm: str, now: datetime
) -> LinkOutcome:
    """Give the root user of the link's account this new password."""
    account = root_login.account_of_link(conn, token, root_login.RESET_PASSWORD, now)
    if account is None:
        return DEAD
    problems = root_password_problems(
        password, confirm, account_name=account.name, email=account.email
    )
    if problems:
        return LinkOutcome(problems=problems)
    password_hash = passwords.hash_password(password)
    with conn.begin_nested():
        if root_login.take_link(conn, token, root_login.RESET_PASSWORD, now) is None:
            return DEAD
        accounts.set_root_password(conn, account.account_id, password_hash)
    _forget_failures(conn, account.email)
    return LinkOutcome(account=account)


def _forget_failures(conn: Connection, email: str) -> None:
    """A new password starts with a clean slate of sign-in failures (and sessions)."""
    account = principals.account_by_email(conn, email)
    if account is not None:
        console_sessions.close_others(conn, account.root_user_id)
    signin_failures.forget_failures(conn, throttle.key_for("root", email, "").overall)
