"""Authentication: a SigV4-signed request → the `Caller` it acts as.

In: the HTTP request and its parsed signature. Out: the caller, and the long-term
access key or the role it used (so that last use can be recorded, `record_use`). A
request with a long-term (AKIA…) key acts as the key's user or root user. A request
with temporary (ASIA…) credentials carries ``X-Amz-Security-Token``: the token is
opened with the master key (`iamd.auth.sessions`), its expiry checked against the
injected clock, and the signature verified with the secret sealed inside it — no
database write, and one indexed read to make sure the role or user it acts for still
exists (a deleted and recreated role has a new id, so its old sessions stay dead);
for a role, the same read gives its last use. Every failure is AWS's error for it.

`authenticate_with` is the same lookup with the signature check left to the caller:
the data plane verifies S3's and execute-api's variants of SigV4 with it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import Connection, bindparam, select

from iamd import ids
from iamd.arn import iam_arn, partition_for_region
from iamd.auth import sessions
from iamd.auth.caller import Caller, root_caller
from iamd.auth.sessions import SessionClaims
from iamd.auth.sigv4 import HttpRequest, SignedRequest, check_request_time, verify_signature
from iamd.auth.sigv4_parse import SERVICES
from iamd.clock import as_utc
from iamd.errors import ExpiredToken, InvalidClientTokenId, SignatureDoesNotMatch
from iamd.protocol.characters import is_xml_text
from iamd.store import access_keys, roles, users
from iamd.store.access_keys import AccessKey
from iamd.store.database import Database
from iamd.store.schema import roles as role_table
from iamd.store.schema import users as user_table
from iamd.store.sealing import Sealer
from iamd.store.versioned import Version, VersionedCache, authz_version, principal_versions

log = logging.getLogger("iamd.auth")

INVALID_TOKEN = "The security token included in the request is invalid."
EXPIRED_TOKEN = "The security token included in the request is expired"
KEY_CACHE_SIZE = 10_000
# AWS's accessKeyIdType allows up to 128 characters, and so does the store's column.
MAX_ACCESS_KEY_ID = 128


@dataclass(frozen=True)
class RoleUse:
    """The role a session acts for, with its last use as GetRole reports it."""

    role_id: str
    last_used_at: datetime | None
    last_used_region: str | None


@dataclass(frozen=True)
class Authenticated:
    caller: Caller
    key: AccessKey | None
    role: RoleUse | None = None  # a role session's role


def authenticate(
    conn: Connection, sealer: Sealer, request: HttpRequest, signed: SignedRequest, now: datetime
) -> Authenticated:
    if signed.service not in SERVICES:
        raise SignatureDoesNotMatch(
            f"Credential should be scoped to correct service: '{SERVICES[0]}'. "
        )
    check_request_time(signed, now)
    return authenticate_with(
        conn, sealer, signed, now, lambda secret: verify_signature(request, signed, secret)
    )


def authenticate_with(
    conn: Connection,
    sealer: Sealer,
    signed: SignedRequest,
    now: datetime,
    verify: Callable[[str], object],
) -> Authenticated:
    """The caller of a signature claim; ``verify(secret)`` raises unless the signature holds.

    The request time and the credential scope's service are the caller's to check.
    """
    partition = partition_for_region(signed.region)
    if signed.access_key_id.startswith(ids.SESSION_KEY):
        claims = _session_claims(sealer, signed, now)
        verify(claims.secret_access_key)
        role = _check_still_exists(conn, claims)
        return Authenticated(sessions.caller_of(claims, partition), None, role)
    known = _known_key(conn, sealer, signed.access_key_id)
    if known is None or not known.key.is_active or signed.security_token is not None:
        raise InvalidClientTokenId(INVALID_TOKEN)
    verify(known.secret)
    return Authenticated(_caller(known, partition), known.key)


@dataclass(frozen=True)
class _KnownKey:
    """A long-term key as authentication needs it: its row, opened secret and owner."""

    key: AccessKey
    secret: str
    user: users.User | None  # None: the account's root user


# Keys seen by this process, at their versions: a change to a user's key (status,
# deletion) bumps the user's own, a root key's or a user's rename or deletion the
# account's.
_keys: VersionedCache[str, _KnownKey] = VersionedCache(KEY_CACHE_SIZE)


def _known_key(conn: Connection, sealer: Sealer, access_key_id: str) -> _KnownKey | None:
    seen = _keys.peek(access_key_id)
    if seen is not None and _keys.get(access_key_id, _versions(conn, seen.key)) is not None:
        return seen
    key = _find_key(conn, access_key_id)
    if key is None:
        return None
    version = _versions(conn, key)
    user = users.get_user_by_id(conn, key.user_id) if key.user_id is not None else None
    if key.user_id is not None and user is None:  # deleted between the two reads
        return None
    known = _KnownKey(key, key.secret(sealer), user)
    _keys.put(access_key_id, version, known)
    return known


def _versions(conn: Connection, key: AccessKey) -> Version:
    if key.user_id is None:
        return authz_version(conn, key.account_id)
    return principal_versions(conn, key.account_id, "users", key.user_id)


def record_key_use(
    db: Database, key: AccessKey | None, now: datetime, service: str, region: str
) -> None:
    """Note that a key signed a request, in its own transaction, when the record is stale."""
    if key is None or not access_keys.needs_last_used_update(key, now, service, region):
        return
    try:
        with db.transaction() as conn:
            access_keys.record_use(
                conn, key.access_key_id, when=now, service=service, region=region
            )
        _remember_use(key, now, service, region)
    except Exception:  # bookkeeping must never turn an answered request into an error
        log.exception("could not record the use of an access key")


def record_use(db: Database, used: Authenticated, now: datetime, service: str, region: str) -> None:
    """Note the use of whatever signed the request: a long-term key, a role's session."""
    record_key_use(db, used.key, now, service, region)
    role = used.role
    if role is None:
        return
    if not roles.needs_last_used_update(role.last_used_at, role.last_used_region, now, region):
        return
    try:
        with db.transaction() as conn:
            roles.record_role_use(conn, role.role_id, now, region)
    except Exception:  # bookkeeping must never turn an answered request into an error
        log.exception("could not record the use of a role")


def _remember_use(key: AccessKey, when: datetime, service: str, region: str) -> None:
    """Note a recorded last use in this process's view of the key (no version bump)."""
    seen = _keys.peek(key.access_key_id)
    if seen is None:
        return
    used = replace(seen.key, last_used_at=when, last_used_service=service, last_used_region=region)
    _keys.replace(key.access_key_id, replace(seen, key=used))


def _caller(known: _KnownKey, partition: str) -> Caller:
    key, user = known.key, known.user
    if user is None:
        return root_caller(key.account_id, access_key_id=key.access_key_id, partition=partition)
    return user_caller(user, key.access_key_id, partition)


def _find_key(conn: Connection, access_key_id: str) -> AccessKey | None:
    """The key the credential names; an id no key can have (U+0000 …) names none."""
    if len(access_key_id) > MAX_ACCESS_KEY_ID or not is_xml_text(access_key_id):
        return None
    return access_keys.find_key(conn, access_key_id)


def _session_claims(sealer: Sealer, signed: SignedRequest, now: datetime) -> SessionClaims:
    token = signed.security_token
    claims = sessions.open_token(token, signed.access_key_id, sealer) if token else None
    if claims is None:
        raise InvalidClientTokenId(INVALID_TOKEN)
    if now >= claims.session.expires_at:
        raise ExpiredToken(EXPIRED_TOKEN)
    return claims


# Built once: this runs on every request signed with temporary credentials.
_ROLE_EXISTS = select(
    role_table.c.id, role_table.c.last_used_at, role_table.c.last_used_region
).where(role_table.c.id == bindparam("entity_id"))
_USER_EXISTS = select(user_table.c.id).where(user_table.c.id == bindparam("entity_id"))


def _check_still_exists(conn: Connection, claims: SessionClaims) -> RoleUse | None:
    """A session of a deleted role or user is refused like an unknown key."""
    entity_id = claims.entity_id
    if entity_id is None:  # the root user's own sessions: the account outlives them
        return None
    is_role = entity_id.startswith(ids.ROLE)
    row = conn.execute(_ROLE_EXISTS if is_role else _USER_EXISTS, {"entity_id": entity_id}).first()
    if row is None:
        raise InvalidClientTokenId(INVALID_TOKEN)
    if not is_role:
        return None
    last_used_at = as_utc(row.last_used_at) if row.last_used_at is not None else None
    return RoleUse(entity_id, last_used_at, row.last_used_region)


def user_caller(user: users.User, access_key_id: str, partition: str) -> Caller:
    return Caller(
        account_id=user.account_id,
        kind="user",
        arn=iam_arn(user.account_id, "user", user.path, user.name, partition=partition),
        user_id=user.user_id,
        name=user.name,
        access_key_id=access_key_id,
        partition=partition,
        entity_id=user.user_id,
    )
