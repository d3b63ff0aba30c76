"""Credential reports: the latest one per account, and the reads that build one.

In: an account id. Out: the stored report (when it was generated, its CSV text), and
per user of the account its login profile, access keys, MFA use and signing
certificates, each read in one query for the whole account.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, insert, select

from iamd.clock import as_utc
from iamd.store.schema import (
    access_keys,
    credential_reports,
    login_profiles,
    mfa_devices,
    user_credentials,
    users,
)

SIGNING_CERT_KIND = "signing-cert"


@dataclass(frozen=True)
class StoredReport:
    generated_at: datetime
    content: str


@dataclass(frozen=True)
class Certificate:
    is_active: bool
    created_at: datetime


@dataclass(frozen=True)
class KeyUse:
    is_active: bool
    created_at: datetime
    last_used_at: datetime | None
    last_used_region: str | None
    last_used_service: str | None


def find_report(conn: Connection, account_id: str) -> StoredReport | None:
    query = select(credential_reports).where(credential_reports.c.account_id == account_id)
    row = conn.execute(query).first()
    return StoredReport(as_utc(row.generated_at), row.content) if row else None


def save_report(conn: Connection, account_id: str, generated_at: datetime, content: str) -> None:
    """Keep this report as the account's latest, replacing the one before."""
    conn.execute(delete(credential_reports).where(credential_reports.c.account_id == account_id))
    row = {"account_id": account_id, "generated_at": generated_at, "content": content}
    conn.execute(insert(credential_reports).values(row))


def password_changes(conn: Connection, account_id: str) -> dict[str, datetime]:
    """When each user of the account with a console password last had it set."""
    query = (
        select(login_profiles.c.user_id, login_profiles.c.password_changed_at)
        .join(users, users.c.id == login_profiles.c.user_id)
        .where(users.c.account_id == account_id)
    )
    return {row.user_id: as_utc(row.password_changed_at) for row in conn.execute(query)}


def mfa_owners(conn: Connection, account_id: str) -> set[str]:
    """The ids of the users (and root user) with at least one MFA device enabled."""
    query = select(mfa_devices.c.user_id).where(
        mfa_devices.c.account_id == account_id, mfa_devices.c.user_id.is_not(None)
    )
    return {str(owner) for owner in conn.execute(query).scalars()}


def signing_certificates(conn: Connection, account_id: str) -> dict[str, list[Certificate]]:
    """Each user's signing certificates, oldest first."""
    query = (
        select(user_credentials.c.user_id, user_credentials.c.status, user_credentials.c.created_at)
        .where(
            user_credentials.c.account_id == account_id,
            user_credentials.c.kind == SIGNING_CERT_KIND,
        )
        .order_by(user_credentials.c.created_at)
    )
    found: dict[str, list[Certificate]] = defaultdict(list)
    for row in conn.execute(query):
        found[row.user_id].append(Certificate(row.status == "Active", as_utc(row.created_at)))
    return found


def access_keys_by_owner(conn: Connection, account_id: str) -> dict[str | None, list[KeyUse]]:
    """Each user's access keys (None: the root user's), oldest first."""
    query = (
        select(access_keys)
        .where(access_keys.c.account_id == account_id)
        .order_by(access_keys.c.created_at)
    )
    found: dict[str | None, list[KeyUse]] = defaultdict(list)
    for row in conn.execute(query):
        last_used = as_utc(row.last_used_at) if row.last_used_at else None
        found[row.user_id].append(
            KeyUse(
                is_active=row.status == "Active",
                created_at=as_utc(row.created_at),
                last_used_at=last_used,
                last_used_region=row.last_used_region,
                last_used_service=row.last_used_service,
            )
        )
    return found
