"""Account-wide settings: the custom password policy and the account alias.

The policy is one JSON row per account (``password_policies.settings``), keyed by
AWS's member names so that the stored form reads like GetAccountPasswordPolicy's.

# INVARIANT: an alias names at most one account (it is the primary key) and an
# account has at most one alias (``uq_account_aliases_account``), as in AWS.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, insert, select
from sqlalchemy.exc import IntegrityError

from iamd.errors import EntityAlreadyExists
from iamd.store.locks import hold
from iamd.store.schema import account_aliases, password_policies


@dataclass(frozen=True)
class PasswordPolicy:
    """An account's custom password policy, with `UpdateAccountPasswordPolicy`'s defaults."""

    minimum_length: int = 6
    require_symbols: bool = False
    require_numbers: bool = False
    require_uppercase: bool = False
    require_lowercase: bool = False
    allow_users_to_change: bool = False
    max_age_days: int | None = None
    reuse_prevention: int | None = None
    hard_expiry: bool | None = None

    @property
    def expires_passwords(self) -> bool:
        return self.max_age_days is not None


_FIELDS = (
    ("MinimumPasswordLength", "minimum_length"),
    ("RequireSymbols", "require_symbols"),
    ("RequireNumbers", "require_numbers"),
    ("RequireUppercaseCharacters", "require_uppercase"),
    ("RequireLowercaseCharacters", "require_lowercase"),
    ("AllowUsersToChangePassword", "allow_users_to_change"),
    ("MaxPasswordAge", "max_age_days"),
    ("PasswordReusePrevention", "reuse_prevention"),
    ("HardExpiry", "hard_expiry"),
)


def _encode(policy: PasswordPolicy) -> str:
    return json.dumps({member: getattr(policy, attribute) for member, attribute in _FIELDS})


def _decode(settings: str) -> PasswordPolicy:
    stored: dict[str, Any] = json.loads(settings)
    values = {attribute: stored[member] for member, attribute in _FIELDS if member in stored}
    return PasswordPolicy(**values)


def find_password_policy(conn: Connection, account_id: str) -> PasswordPolicy | None:
    query = select(password_policies.c.settings).where(password_policies.c.account_id == account_id)
    settings = conn.execute(query).scalar_one_or_none()
    return _decode(settings) if settings is not None else None


def put_password_policy(conn: Connection, account_id: str, policy: PasswordPolicy) -> None:
    """Set the account's policy, replacing the whole of any earlier one."""
    hold(conn, ("account", account_id))  # two puts at once: one replaces the other
    delete_password_policy(conn, account_id)
    row = {"account_id": account_id, "settings": _encode(policy)}
    conn.execute(insert(password_policies).values(row))


def delete_password_policy(conn: Connection, account_id: str) -> bool:
    """Remove the policy; False when there was none."""
    query = delete(password_policies).where(password_policies.c.account_id == account_id)
    return conn.execute(query).rowcount > 0


def aliases_of(conn: Connection, account_id: str) -> list[str]:
    query = select(account_aliases.c.alias).where(account_aliases.c.account_id == account_id)
    return list(conn.execute(query.order_by(account_aliases.c.alias)).scalars())


def owner_of_alias(conn: Connection, alias: str) -> str | None:
    query = select(account_aliases.c.account_id).where(account_aliases.c.alias == alias)
    owner = conn.execute(query).scalar_one_or_none()
    return str(owner) if owner is not None else None


def set_alias(conn: Connection, account_id: str, alias: str) -> None:
    """Give the account this alias, replacing its old one; another account's is refused."""
    hold(conn, ("account", account_id))  # two of its own at once: one replaces the other
    owner = owner_of_alias(conn, alias)
    if owner == account_id:
        return
    if owner is not None:
        raise alias_taken(alias)
    try:
        with conn.begin_nested():
            conn.execute(delete(account_aliases).where(account_aliases.c.account_id == account_id))
            conn.execute(insert(account_aliases).values(alias=alias, account_id=account_id))
    except IntegrityError:  # another account took it between our read and our write
        raise alias_taken(alias) from None


def alias_taken(alias: str) -> EntityAlreadyExists:
    return EntityAlreadyExists(f"The account alias {alias} already exists.")


def delete_alias(conn: Connection, account_id: str, alias: str) -> bool:
    """Remove the account's alias; False when the account has no such alias."""
    query = delete(account_aliases).where(
        account_aliases.c.account_id == account_id, account_aliases.c.alias == alias
    )
    return conn.execute(query).rowcount > 0
