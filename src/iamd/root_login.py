"""One-time links that give a root user its console login, or give it back.

iamd sends no mail. Where AWS would email a root user, the operator runs an ``iamd``
command that prints a link instead: ``iamd account set-root-login`` (the root user of
an account made by ``iamd serve``'s first start or ``iamd account create`` has no
console password) and ``iamd account reset-root-password`` (a forgotten password).

In: an open store transaction, an account, a purpose, the time. Out: the link's token
(256 random bits, printed once; the store keeps only its SHA-256 digest) and, when a
link is opened, the account it was issued for. A link expires, works once, and is
replaced by the next link of its purpose for the same account.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from urllib.parse import quote

from sqlalchemy import Connection

from iamd.store import root_login_links
from iamd.store.accounts import Account, get_account

SET_LOGIN = "set-login"
RESET_PASSWORD = "reset-password"
LIFETIMES = {SET_LOGIN: timedelta(hours=24), RESET_PASSWORD: timedelta(hours=1)}
PATHS = {SET_LOGIN: "/root-login/", RESET_PASSWORD: "/reset-password/"}
TOKEN_BYTES = 32


def digest(token: str) -> str:
    """What the store keeps of a token: its SHA-256, which is all a lookup needs.

    A token is 256 random bits, so a fast hash is enough: no guess can be tested
    against the digest faster than against the server.
    """
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_link(conn: Connection, account_id: str, purpose: str, now: datetime) -> str:
    """A new link's token for the account; earlier links of this purpose stop working."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    root_login_links.insert_link(
        conn,
        token_digest=digest(token),
        account_id=account_id,
        purpose=purpose,
        created_at=now,
        expires_at=now + LIFETIMES[purpose],
    )
    return token


def link_url(console_url: str, purpose: str, token: str) -> str:
    """The console page a link opens, e.g. http://127.0.0.1:4599/console/root-login/…"""
    return console_url.rstrip("/") + PATHS[purpose] + quote(token, safe="")


def account_of_link(conn: Connection, token: str, purpose: str, now: datetime) -> Account | None:
    """The account a live link was issued for, without using it up."""
    account_id = root_login_links.live_link(conn, digest(token), purpose, now)
    return get_account(conn, account_id) if account_id is not None else None


def take_link(conn: Connection, token: str, purpose: str, now: datetime) -> Account | None:
    """Use the link up: the account it was for, or None (unknown, expired or used)."""
    account_id = root_login_links.take_link(conn, digest(token), purpose, now)
    if account_id is None:
        return None
    root_login_links.forget_links(conn, account_id)
    return get_account(conn, account_id)


def lifetime_text(purpose: str) -> str:
    hours = int(LIFETIMES[purpose].total_seconds() // 3600)
    return f"{hours} hour" + ("" if hours == 1 else "s")
