"""Authentication: a SigV4-signed request → the `Caller` it acts as.

In: the HTTP request and its parsed signature. Out: the caller and the long-term
access key used (so its last use can be recorded). A request with a long-term
(AKIA…) key acts as the key's user or root user. A request with temporary (ASIA…)
credentials carries ``X-Amz-Security-Token``: the token is opened with the master
key (`iamd.auth.sessions`), its expiry checked against the injected clock, and the
signature verified with the secret sealed inside it — no database write, and one
indexed read to make sure the role or user it acts for still exists (a deleted and
recreated role has a new id, so its old sessions stay dead). Every failure is AWS's
error for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, bindparam, select

from iamd import ids
from iamd.arn import iam_arn, partition_for_region
from iamd.auth import sessions
from iamd.auth.caller import Caller, root_caller
from iamd.auth.sessions import SessionClaims
from iamd.auth.sigv4 import HttpRequest, SignedRequest, check_request_time, verify_signature
from iamd.auth.sigv4_parse import SERVICES
from iamd.errors import ExpiredToken, InvalidClientTokenId, SignatureDoesNotMatch
from iamd.store import access_keys, users
from iamd.store.access_keys import AccessKey
from iamd.store.schema import roles as role_table
from iamd.store.schema import users as user_table
from iamd.store.sealing import Sealer

INVALID_TOKEN = "The security token included in the request is invalid."
EXPIRED_TOKEN = "The security token included in the request is expired"


@dataclass(frozen=True)
class Authenticated:
    caller: Caller
    key: AccessKey | None


def authenticate(
    conn: Connection, sealer: Sealer, request: HttpRequest, signed: SignedRequest, now: datetime
) -> Authenticated:
    if signed.service not in SERVICES:
        raise SignatureDoesNotMatch(
            f"Credential should be scoped to correct service: '{SERVICES[0]}'. "
        )
    check_request_time(signed, now)
    partition = partition_for_region(signed.region)
    if signed.access_key_id.startswith(ids.SESSION_KEY):
        claims = _session_claims(sealer, signed, now)
        verify_signature(request, signed, claims.secret_access_key)
        _check_still_exists(conn, claims)
        return Authenticated(sessions.caller_of(claims, partition), None)
    key = access_keys.find_key(conn, signed.access_key_id)
    if key is None or not key.is_active or signed.security_token is not None:
        raise InvalidClientTokenId(INVALID_TOKEN)
    verify_signature(request, signed, key.secret(sealer))
    return Authenticated(caller_for_key(conn, key, partition), key)


def _session_claims(sealer: Sealer, signed: SignedRequest, now: datetime) -> SessionClaims:
    token = signed.security_token
    claims = sessions.open_token(token, signed.access_key_id, sealer) if token else None
    if claims is None:
        raise InvalidClientTokenId(INVALID_TOKEN)
    if now >= claims.session.expires_at:
        raise ExpiredToken(EXPIRED_TOKEN)
    return claims


# Built once: this runs on every request signed with temporary credentials.
_ROLE_EXISTS = select(role_table.c.id).where(role_table.c.id == bindparam("entity_id"))
_USER_EXISTS = select(user_table.c.id).where(user_table.c.id == bindparam("entity_id"))


def _check_still_exists(conn: Connection, claims: SessionClaims) -> None:
    """A session of a deleted role or user is refused like an unknown key."""
    entity_id = claims.entity_id
    if entity_id is None:  # the root user's own sessions: the account outlives them
        return
    query = _ROLE_EXISTS if entity_id.startswith(ids.ROLE) else _USER_EXISTS
    if conn.execute(query, {"entity_id": entity_id}).first() is None:
        raise InvalidClientTokenId(INVALID_TOKEN)


def caller_for_key(conn: Connection, key: AccessKey, partition: str) -> Caller:
    if key.user_id is None:
        return root_caller(key.account_id, access_key_id=key.access_key_id, partition=partition)
    user = users.get_user_by_id(conn, key.user_id)
    if user is None:  # deleted between the key lookup and now
        raise InvalidClientTokenId(INVALID_TOKEN)
    return Caller(
        account_id=user.account_id,
        kind="user",
        arn=iam_arn(user.account_id, "user", user.path, user.name, partition=partition),
        user_id=user.user_id,
        name=user.name,
        access_key_id=key.access_key_id,
        partition=partition,
        entity_id=user.user_id,
    )
