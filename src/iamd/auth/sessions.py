"""Session tokens: temporary credentials that any server process verifies on its own.

In: the `SessionClaims` of one set of temporary credentials — whom the session acts
as, the session's secret, and its `Session` (policies, tags, source identity, MFA,
issue time, expiry). Out: the ``SessionToken`` string, and back.

Format, version 1: ``base64(0x01 || nonce || AES-256-GCM(zlib(compact JSON)))``,
sealed with the master key (`iamd.store.sealing.Sealer`) and bound, as associated
data, to the credentials' ASIA access key id. A token is therefore opened with no
database access at all, and one altered in any byte — or presented with another
access key id — does not open. The base64 text must be canonical too, so that two
spellings of the same bytes are not both accepted.

ASIA access key ids carry their account the way AWS's do (GetAccessKeyInfo decodes
it without a lookup): base32 of ten bytes whose first six hold the account id in
bits 7 to 46.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidTag

from iamd import ids
from iamd.arn import assumed_role_arn, federated_user_arn, iam_arn, root_arn
from iamd.auth.caller import ROLE_SESSION, Caller, Session
from iamd.store.sealing import Sealer

VERSION = 1
_ACCOUNT_MASK = 0x7FFFFFFFFF80
_KEY_BODY_BYTES = 10


@dataclass(frozen=True)
class SessionClaims:
    """Everything a session token holds.

    ``kind`` is the caller kind the credentials act as; ``entity_id`` the role's or
    user's id (None for the root user); ``name`` the role name, the federated user's
    name or the user name; ``path`` the role's or user's path.
    """

    access_key_id: str
    secret_access_key: str
    account_id: str
    kind: str
    entity_id: str | None
    name: str | None
    path: str
    session_name: str | None
    session: Session


def session_key_id(account_id: str) -> str:
    """A fresh ASIA… access key id that names its account, as AWS's key ids do."""
    raw = bytearray(secrets.token_bytes(_KEY_BODY_BYTES))
    head = int.from_bytes(raw[:6], "big") & ~_ACCOUNT_MASK
    head |= int(account_id) << 7
    raw[:6] = head.to_bytes(6, "big")
    return ids.SESSION_KEY + base64.b32encode(bytes(raw)).decode("ascii")


def account_of_key_id(access_key_id: str) -> str | None:
    """The account an ASIA… (or any AWS-style) access key id names; None if unreadable."""
    try:
        raw = base64.b32decode(access_key_id[4:])
    except (binascii.Error, ValueError):
        return None
    if len(raw) < 6:
        return None
    account = (int.from_bytes(raw[:6], "big") & _ACCOUNT_MASK) >> 7
    return f"{account:012d}"


def seal_token(claims: SessionClaims, sealer: Sealer) -> str:
    payload = zlib.compress(json.dumps(_to_json(claims), separators=(",", ":")).encode())
    sealed = sealer.seal(payload, _bound_to(claims.access_key_id))
    return base64.b64encode(bytes([VERSION]) + sealed).decode("ascii")


def open_token(token: str, access_key_id: str, sealer: Sealer) -> SessionClaims | None:
    """The claims of a token issued with this access key id; None if it is not one."""
    return _open_cached(token, access_key_id, sealer)


# Opening is a pure function of its inputs, so a client that sends the same token on
# every request pays for AES-GCM, zlib and JSON once. Expiry is checked by the caller.
@lru_cache(maxsize=4096)
def _open_cached(token: str, access_key_id: str, sealer: Sealer) -> SessionClaims | None:
    raw = _decode(token)
    if raw is None or raw[0] != VERSION:
        return None
    try:
        payload = sealer.open(raw[1:], _bound_to(access_key_id))
        data = json.loads(zlib.decompress(payload))
        return _from_json(data, access_key_id)
    except (InvalidTag, ValueError, KeyError, TypeError, zlib.error):
        return None


def caller_of(claims: SessionClaims, partition: str) -> Caller:
    """The principal a request signed with these credentials acts as."""
    return Caller(
        account_id=claims.account_id,
        kind=claims.kind,
        arn=_caller_arn(claims, partition),
        user_id=_user_id(claims),
        name=claims.name if claims.kind != ROLE_SESSION else claims.session_name,
        access_key_id=claims.access_key_id,
        partition=partition,
        entity_id=claims.entity_id,
        tags=claims.session.tags,
        session=claims.session,
    )


def _caller_arn(claims: SessionClaims, partition: str) -> str:
    account, name = claims.account_id, claims.name or ""
    match claims.kind:
        case "assumed-role":
            return assumed_role_arn(account, name, claims.session_name or "", partition=partition)
        case "federated-user":
            return federated_user_arn(account, name, partition=partition)
        case "user":
            return iam_arn(account, "user", claims.path, name, partition=partition)
        case _:
            return root_arn(account, partition=partition)


def _user_id(claims: SessionClaims) -> str:
    match claims.kind:
        case "assumed-role":
            return f"{claims.entity_id}:{claims.session_name}"
        case "federated-user":
            return f"{claims.account_id}:{claims.name}"
        case "user":
            return claims.entity_id or ""
        case _:
            return claims.account_id


def _bound_to(access_key_id: str) -> str:
    return f"iamd-sts-session:{access_key_id}"


def _decode(token: str) -> bytes | None:
    try:
        raw = base64.b64decode(token, validate=True)
    except (binascii.Error, ValueError):
        return None
    # Canonical base64 only: the unused bits of the last character must not vary.
    if not raw or base64.b64encode(raw).decode("ascii") != token:
        return None
    return raw


def _epoch(value: datetime | None) -> int | None:
    return int(value.timestamp()) if value is not None else None


def _time(value: Any) -> datetime | None:
    return datetime.fromtimestamp(int(value), UTC) if value is not None else None


def _to_json(claims: SessionClaims) -> dict[str, Any]:
    session = claims.session
    return {
        "x": claims.secret_access_key,
        "a": claims.account_id,
        "k": claims.kind,
        "e": claims.entity_id,
        "n": claims.name,
        "p": claims.path,
        "s": claims.session_name,
        "o": session.origin,
        "i": _epoch(session.issued_at),
        "t": _epoch(session.expires_at),
        "pa": session.parent_arn,
        "pt": list(session.policy_texts),
        "pr": list(session.policy_arns),
        "tg": [list(tag) for tag in session.tags],
        "tt": list(session.transitive_tag_keys),
        "si": session.source_identity,
        "m": _epoch(session.mfa_at),
        "fp": session.provider_arn,
        "sc": list(session.scope_texts),
    }


def _from_json(data: dict[str, Any], access_key_id: str) -> SessionClaims:
    issued_at, expires_at = _time(data["i"]), _time(data["t"])
    if issued_at is None or expires_at is None:
        raise ValueError("a session needs its issue time and expiry")
    session = Session(
        origin=str(data["o"]),
        issued_at=issued_at,
        expires_at=expires_at,
        parent_arn=data["pa"],
        policy_texts=tuple(str(text) for text in data["pt"]),
        policy_arns=tuple(str(arn) for arn in data["pr"]),
        tags=tuple((str(key), str(value)) for key, value in data["tg"]),
        transitive_tag_keys=tuple(str(key) for key in data["tt"]),
        source_identity=data["si"],
        mfa_at=_time(data["m"]),
        provider_arn=data["fp"],
        scope_texts=tuple(str(text) for text in data.get("sc", ())),
    )
    return SessionClaims(
        access_key_id=access_key_id,
        secret_access_key=str(data["x"]),
        account_id=str(data["a"]),
        kind=str(data["k"]),
        entity_id=data["e"],
        name=data["n"],
        path=str(data["p"]),
        session_name=data["s"],
        session=session,
    )
