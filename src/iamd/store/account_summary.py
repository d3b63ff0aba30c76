"""What GetAccountSummary counts: an account's entities, straight from the tables.

Out: ``{summary key: count}`` for the usage half of AWS's ``SummaryMap`` (the quota
half is constant and lives with the operation).
"""

from __future__ import annotations

from sqlalchemy import Column, Connection, Table, func, select
from sqlalchemy.sql.elements import ColumnElement

from iamd.store.schema import (
    access_keys,
    accounts,
    groups,
    instance_profiles,
    managed_policies,
    mfa_devices,
    oidc_providers,
    policy_attachments,
    roles,
    saml_providers,
    server_certificates,
    users,
)

# Tables whose rows are counted one for one, by the summary key that reports them.
_ENTITY_COUNTS: dict[str, Table] = {
    "Users": users,
    "Groups": groups,
    "Roles": roles,
    "InstanceProfiles": instance_profiles,
    "ServerCertificates": server_certificates,
    # Customer managed policies only: AWS managed ones are not the account's.
    "Policies": managed_policies,
    "MFADevices": mfa_devices,
    # Every attachment of a managed policy (AWS's or the account's) is a version in use.
    "PolicyVersionsInUse": policy_attachments,
}


def count_where(conn: Connection, table: Table, *conditions: ColumnElement[bool]) -> int:
    query = select(func.count()).select_from(table).where(*conditions)
    return int(conn.execute(query).scalar_one())


def _in_account(table: Table, account_id: str) -> ColumnElement[bool]:
    column: Column[str] = table.c.account_id
    return column == account_id


def usage(conn: Connection, account_id: str) -> dict[str, int]:
    """The usage counts and the root user's 0/1 flags of ``SummaryMap``."""
    counts = {
        key: count_where(conn, table, _in_account(table, account_id))
        for key, table in _ENTITY_COUNTS.items()
    }
    counts["Providers"] = count_where(
        conn, oidc_providers, _in_account(oidc_providers, account_id)
    ) + count_where(conn, saml_providers, _in_account(saml_providers, account_id))
    counts["MFADevicesInUse"] = count_where(
        conn, mfa_devices, _in_account(mfa_devices, account_id), mfa_devices.c.user_id.is_not(None)
    )
    return {**counts, **root_flags(conn, account_id)}


def root_flags(conn: Connection, account_id: str) -> dict[str, int]:
    """AccountMFAEnabled, AccountAccessKeysPresent, AccountPasswordPresent and the rest."""
    account = conn.execute(select(accounts).where(accounts.c.id == account_id)).first()
    root_user_id = account.root_user_id if account else account_id
    has_mfa = count_where(
        conn,
        mfa_devices,
        _in_account(mfa_devices, account_id),
        mfa_devices.c.user_id == root_user_id,
        mfa_devices.c.enabled_at.is_not(None),
    )
    has_keys = count_where(
        conn, access_keys, _in_account(access_keys, account_id), access_keys.c.user_id.is_(None)
    )
    return {
        "AccountMFAEnabled": int(has_mfa > 0),
        "AccountAccessKeysPresent": int(has_keys > 0),
        "AccountPasswordPresent": int(bool(account and account.root_password_hash)),
        # Signing certificates always belong to an IAM user in iamd, never to root.
        "AccountSigningCertificatesPresent": 0,
    }
