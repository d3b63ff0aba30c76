"""Console sessions: who is signed in, carried in one signed, HttpOnly, SameSite cookie.

A `Session` names the account, the principal (the root user or an IAM user) and how
far its sign-in got: ``stage`` is "mfa" while a code is still owed, "new-password"
while a required password change is, and "done" once the console may be used. Only a
"done" session acts; the others expire within minutes.

The cookie is signed (`iamd.console.signing`), not encrypted: it holds ids and names,
no secret. It also holds a fingerprint of the password hash it was signed in with, so
changing or deleting that password ends every session made with the old one, and a
random handle the store keeps (as a digest) while the sign-in is open, so signing
out ends it on the server too: a copied cookie stops working at once.

# INVARIANT: a session token verifies only with the key derived for "session" from
# this server's master key, and only until ``expires_at``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from iamd.console import signing

COOKIE = "iamd-console-session"
LIFETIME = timedelta(hours=12)  # AWS's console session for IAM users and root
PENDING_LIFETIME = timedelta(minutes=5)  # to type an MFA code or a new password

DONE = "done"
AWAITING_MFA = "mfa"
AWAITING_NEW_PASSWORD = "new-password"
STAGES = frozenset({DONE, AWAITING_MFA, AWAITING_NEW_PASSWORD})

ROOT = "root"
USER = "user"


@dataclass(frozen=True)
class Session:
    account_id: str
    kind: str  # ROOT or USER
    principal_id: str  # the IAM user's id, or the account's root user id
    name: str  # the IAM user's name, or the root user's email address
    session_id: str  # random; CSRF tokens are bound to it
    stage: str
    issued_at: datetime
    expires_at: datetime
    fingerprint: str  # of the password hash the principal signed in with
    # Random, kept for the sign-in's life; the store keeps its digest while it is open
    # (`iamd.store.console_sessions`), so signing out ends it everywhere.
    handle: str
    used_mfa: bool = False
    needs_new_password: bool = False
    # After "Switch role": the role session's temporary credentials (the STS session
    # token is sealed by the master key; its secret never leaves it).
    role_key_id: str | None = None
    role_token: str | None = None
    role_name: str | None = None

    @property
    def has_switched(self) -> bool:
        return self.role_token is not None

    @property
    def is_root(self) -> bool:
        return self.kind == ROOT

    @property
    def is_done(self) -> bool:
        return self.stage == DONE


def start(
    *,
    account_id: str,
    kind: str,
    principal_id: str,
    name: str,
    fingerprint: str,
    now: datetime,
    stage: str,
    needs_new_password: bool = False,
) -> Session:
    """A new session at ``stage``, with a fresh id."""
    return Session(
        account_id=account_id,
        kind=kind,
        principal_id=principal_id,
        name=name,
        session_id=secrets.token_urlsafe(18),
        stage=stage,
        issued_at=now,
        expires_at=now + (LIFETIME if stage == DONE else PENDING_LIFETIME),
        fingerprint=fingerprint,
        handle=secrets.token_urlsafe(24),
        needs_new_password=needs_new_password,
    )


def advance(session: Session, stage: str, now: datetime, **changes: Any) -> Session:
    """The session moved on to ``stage``, with a new id (so old form tokens die)."""
    lifetime = LIFETIME if stage == DONE else PENDING_LIFETIME
    return replace(
        session,
        stage=stage,
        session_id=secrets.token_urlsafe(18),
        expires_at=now + lifetime,
        **changes,
    )


def encode(key: bytes, session: Session) -> str:
    return signing.sign(key, _payload(session))


def decode(key: bytes, token: str | None, now: datetime) -> Session | None:
    """The session a cookie carries, if it is ours, well-formed and unexpired."""
    payload = signing.unsign(key, token) if token else None
    if payload is None:
        return None
    try:
        session = _session(payload)
    except (KeyError, TypeError, ValueError):
        return None
    if session.stage not in STAGES or session.kind not in (ROOT, USER):
        return None
    return session if now < session.expires_at else None


def fingerprint(key: bytes, password_hash: str) -> str:
    """A short keyed digest of a password hash: equal while the password is unchanged."""
    return signing.mac(key, "password:" + password_hash)[:22]


def _payload(session: Session) -> dict[str, Any]:
    return {
        "a": session.account_id,
        "k": session.kind,
        "p": session.principal_id,
        "n": session.name,
        "s": session.session_id,
        "g": session.stage,
        "i": int(session.issued_at.timestamp()),
        "e": int(session.expires_at.timestamp()),
        "f": session.fingerprint,
        "h": session.handle,
        "m": session.used_mfa,
        "r": session.needs_new_password,
        "rk": session.role_key_id,
        "rt": session.role_token,
        "rn": session.role_name,
    }


def _session(payload: dict[str, Any]) -> Session:
    return Session(
        account_id=str(payload["a"]),
        kind=str(payload["k"]),
        principal_id=str(payload["p"]),
        name=str(payload["n"]),
        session_id=str(payload["s"]),
        stage=str(payload["g"]),
        issued_at=datetime.fromtimestamp(int(payload["i"]), UTC),
        expires_at=datetime.fromtimestamp(int(payload["e"]), UTC),
        fingerprint=str(payload["f"]),
        handle=str(payload["h"]),
        used_mfa=bool(payload["m"]),
        needs_new_password=bool(payload["r"]),
        role_key_id=_optional(payload.get("rk")),
        role_token=_optional(payload.get("rt")),
        role_name=_optional(payload.get("rn")),
    )


def _optional(value: Any) -> str | None:
    return str(value) if value is not None else None
