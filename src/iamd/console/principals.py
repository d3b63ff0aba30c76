"""Who may sign in to the console, and who a session acts as.

In: a store connection and what a person typed (an email, an account id or alias, a
user name). Out: the account, the IAM user and its login profile, the MFA devices to
ask a code of, and for a signed-in `Session` the `Caller` every operation runs as.
Only reads here; sign-in bookkeeping (a code's counter, a password's last use) is in
`iamd.console.signin`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Connection

from iamd.arn import iam_arn
from iamd.auth.caller import Caller, root_caller
from iamd.console.sessions import Session, fingerprint
from iamd.store import account_settings, login_profiles, mfa_devices, users
from iamd.store.accounts import Account, find_by_email, get_account
from iamd.store.login_profiles import LoginProfile
from iamd.store.users import User

PARTITION = "aws"
_ACCOUNT_ID = re.compile(r"^\d{12}$")


def account_by_email(conn: Connection, email: str) -> Account | None:
    return find_by_email(conn, email)


def account_by_reference(conn: Connection, reference: str) -> Account | None:
    """The account a sign-in URL names: its 12-digit id or its alias."""
    if _ACCOUNT_ID.match(reference):
        return get_account(conn, reference)
    owner = account_settings.owner_of_alias(conn, reference.lower())
    return get_account(conn, owner) if owner is not None else None


def alias_of(conn: Connection, account_id: str) -> str | None:
    aliases = account_settings.aliases_of(conn, account_id)
    return aliases[0] if aliases else None


@dataclass(frozen=True)
class Member:
    """An IAM user with a console password."""

    user: User
    profile: LoginProfile


def member(conn: Connection, account_id: str, user_name: str) -> Member | None:
    user = users.find_user(conn, account_id, user_name)
    profile = login_profiles.find_profile(conn, user.user_id) if user else None
    if user is None or profile is None:
        return None
    return Member(user, profile)


def mfa_serials(conn: Connection, owner_id: str) -> list[str]:
    """The serial numbers of the MFA devices enabled for this user (or root user)."""
    page = mfa_devices.list_owned_devices(conn, owner_id, marker=None, limit=100)
    return [device.serial for device in page.items]


def user_caller(user: User) -> Caller:
    return Caller(
        account_id=user.account_id,
        kind="user",
        arn=iam_arn(user.account_id, "user", user.path, user.name, partition=PARTITION),
        user_id=user.user_id,
        name=user.name,
        partition=PARTITION,
        entity_id=user.user_id,
    )


def caller_of(conn: Connection, key: bytes, session: Session) -> Caller | None:
    """The caller a session acts as, while its principal and password are unchanged."""
    if session.is_root:
        account = get_account(conn, session.account_id)
        password_hash = account.root_password_hash if account else None
        if password_hash is None or fingerprint(key, password_hash) != session.fingerprint:
            return None
        return root_caller(session.account_id, access_key_id=None, partition=PARTITION)
    user = users.get_user_by_id(conn, session.principal_id)
    profile = login_profiles.find_profile(conn, session.principal_id) if user else None
    if user is None or profile is None or user.account_id != session.account_id:
        return None
    if fingerprint(key, profile.password_hash) != session.fingerprint:
        return None
    return user_caller(user)
