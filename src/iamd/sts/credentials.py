"""Issuing temporary credentials: an ASIA key id, a secret, and the sealed session token.

In: whom the session acts as and its `Session`. Out: AWS's ``Credentials`` shape
(``AccessKeyId``, ``SecretAccessKey``, ``SessionToken``, ``Expiration``). Nothing is
stored: the token carries everything (`iamd.auth.sessions`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from iamd import ids
from iamd.auth.caller import Session
from iamd.auth.sessions import SessionClaims, seal_token, session_key_id
from iamd.operation import Output
from iamd.store.sealing import Sealer


@dataclass(frozen=True)
class Identity:
    """Whom a new session acts as (see `SessionClaims` for the members)."""

    account_id: str
    kind: str
    entity_id: str | None
    name: str | None
    path: str = "/"
    session_name: str | None = None


def expiry(issued_at: datetime, duration_seconds: int) -> datetime:
    """When a session issued now for this long expires (whole seconds, as AWS shows it)."""
    return issued_at.replace(microsecond=0) + timedelta(seconds=duration_seconds)


def issue(sealer: Sealer, identity: Identity, session: Session) -> Output:
    """Fresh credentials for `session`, as AWS's ``Credentials`` output shape."""
    key_id = session_key_id(identity.account_id)
    secret = ids.secret_access_key()
    claims = SessionClaims(
        access_key_id=key_id,
        secret_access_key=secret,
        account_id=identity.account_id,
        kind=identity.kind,
        entity_id=identity.entity_id,
        name=identity.name,
        path=identity.path,
        session_name=identity.session_name,
        session=session,
    )
    return {
        "AccessKeyId": key_id,
        "SecretAccessKey": secret,
        "SessionToken": seal_token(claims, sealer),
        "Expiration": session.expires_at,
    }
