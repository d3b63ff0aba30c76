"""Switch role: the signed-in IAM user takes on a role through STS's AssumeRole.

In: the session and the role's ARN. AssumeRole runs as the user, through the same
operation and trust-policy evaluation as the API; its temporary credentials (the
ASIA key id and the sealed session token) go into the console session. Out, on every
later request: the role session's `Caller`, while the token opens, has not expired
and the role still exists; otherwise the session falls back to the user itself.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime

from sqlalchemy import Connection

from iamd.auth import sessions as sts_sessions
from iamd.auth.caller import Caller
from iamd.console import principals
from iamd.console.actions import Actor
from iamd.console.principals import PARTITION
from iamd.console.sessions import Session
from iamd.store import roles
from iamd.store.sealing import Sealer

_NOT_IN_SESSION_NAME = re.compile(r"[^\w+=,.@-]")
MAX_SESSION_NAME = 64


def session_name(user_name: str) -> str:
    """The RoleSessionName the console uses: the user's name, as the pattern allows."""
    return _NOT_IN_SESSION_NAME.sub("-", user_name)[:MAX_SESSION_NAME] or "console"


def role_arn_from(conn: Connection, role_arn: str, account: str, role_name: str) -> str:
    """The ARN given, or the one an account (id or alias) and a role name make."""
    if role_arn:
        return role_arn
    found = principals.account_by_reference(conn, account) if account else None
    account_id = found.account_id if found is not None else account
    return f"arn:{PARTITION}:iam::{account_id}:role/{role_name}"


def switch(act: Actor, session: Session, role_arn: str) -> Session:
    """The session acting as the role (AssumeRole's errors are AWS's, raised as they are)."""
    params = {"RoleArn": role_arn, "RoleSessionName": session_name(session.name)}
    output = act("AssumeRole", params, service="sts")
    credentials = output["Credentials"]
    role_name = output["AssumedRoleUser"]["Arn"].split("/")[1]
    return replace(
        session,
        role_key_id=credentials["AccessKeyId"],
        role_token=credentials["SessionToken"],
        role_name=role_name,
    )


def switch_back(session: Session) -> Session:
    return replace(session, role_key_id=None, role_token=None, role_name=None)


def role_caller(conn: Connection, sealer: Sealer, session: Session, now: datetime) -> Caller | None:
    """The role session the console session switched to, while it is still good."""
    if session.role_key_id is None or session.role_token is None:
        return None
    claims = sts_sessions.open_token(session.role_token, session.role_key_id, sealer)
    if claims is None or now >= claims.session.expires_at or claims.entity_id is None:
        return None
    if roles.get_role_by_id(conn, claims.entity_id) is None:
        return None
    return sts_sessions.caller_of(claims, PARTITION)
