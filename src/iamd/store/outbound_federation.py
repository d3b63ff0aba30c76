"""Outbound web identity federation per account: on or off, and the account's issuer.

The issuer is made once, the first time the account enables the feature, and kept
when it is disabled, so tokens and trust set up elsewhere keep naming the same issuer.

# INVARIANT: an issuer id names at most one account (unique), and is never reused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from iamd.store.schema import outbound_federation

_TABLE = outbound_federation.c


@dataclass(frozen=True)
class OutboundFederation:
    account_id: str
    issuer_id: str
    issuer_url: str
    is_enabled: bool


def _federation(row: Any) -> OutboundFederation:
    return OutboundFederation(row.account_id, row.issuer_id, row.issuer_url, bool(row.is_enabled))


def find_for_account(conn: Connection, account_id: str) -> OutboundFederation | None:
    row = conn.execute(select(outbound_federation).where(_TABLE.account_id == account_id)).first()
    return _federation(row) if row else None


def find_by_issuer_id(conn: Connection, issuer_id: str) -> OutboundFederation | None:
    row = conn.execute(select(outbound_federation).where(_TABLE.issuer_id == issuer_id)).first()
    return _federation(row) if row else None


def insert_federation(conn: Connection, federation: OutboundFederation, when: datetime) -> bool:
    """Store the account's first issuer; False when a concurrent enable stored one first."""
    row = {
        "account_id": federation.account_id,
        "issuer_id": federation.issuer_id,
        "issuer_url": federation.issuer_url,
        "is_enabled": federation.is_enabled,
        "updated_at": when,
    }
    try:
        with conn.begin_nested():
            conn.execute(insert(outbound_federation).values(row))
    except IntegrityError:
        return False
    return True


def set_enabled(conn: Connection, account_id: str, *, is_enabled: bool, when: datetime) -> None:
    query = update(outbound_federation).where(_TABLE.account_id == account_id)
    conn.execute(query.values(is_enabled=is_enabled, updated_at=when))
