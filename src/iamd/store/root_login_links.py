"""One-time links for a root user's console login: kept as digests, taken at most once.

In: the SHA-256 digest of a link's token (never the token), the account, the link's
purpose and its lifetime. Out: the account a live link was issued for. Issuing a link
drops the account's earlier ones of the same purpose, so only the newest works.

# INVARIANT: a link is taken by deleting its row; of two concurrent takes of one
# link exactly one deletes it, so a link works once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, delete, insert, select

from iamd.store.schema import root_login_links as links


def insert_link(
    conn: Connection,
    *,
    token_digest: str,
    account_id: str,
    purpose: str,
    created_at: datetime,
    expires_at: datetime,
) -> None:
    """Store a link, replacing the account's earlier links of this purpose."""
    conn.execute(delete(links).where(links.c.account_id == account_id, links.c.purpose == purpose))
    row = {
        "token_digest": token_digest,
        "account_id": account_id,
        "purpose": purpose,
        "created_at": created_at,
        "expires_at": expires_at,
    }
    conn.execute(insert(links).values(row))


def live_link(conn: Connection, token_digest: str, purpose: str, now: datetime) -> str | None:
    """The account a live link of ``purpose`` was issued for; None when there is none."""
    query = select(links.c.account_id).where(
        links.c.token_digest == token_digest,
        links.c.purpose == purpose,
        links.c.expires_at > now,
    )
    account_id = conn.execute(query).scalar_one_or_none()
    return str(account_id) if account_id is not None else None


def take_link(conn: Connection, token_digest: str, purpose: str, now: datetime) -> str | None:
    """Use up a live link: its account, or None when it is unknown, expired or used."""
    account_id = live_link(conn, token_digest, purpose, now)
    if account_id is None:
        return None
    taken = conn.execute(delete(links).where(links.c.token_digest == token_digest))
    return account_id if taken.rowcount == 1 else None


def forget_links(conn: Connection, account_id: str) -> None:
    """Drop every link of the account (its login was just set: older links are stale)."""
    conn.execute(delete(links).where(links.c.account_id == account_id))
