"""Authentication: a SigV4-signed request → the `Caller` it acts as.

In: the HTTP request and its parsed signature. Out: the caller and the access key
used (so its last use can be recorded). Every failure is AWS's error for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from iamd.arn import iam_arn, partition_for_region
from iamd.auth.caller import Caller, root_caller
from iamd.auth.sigv4 import HttpRequest, SignedRequest, check_request_time, verify_signature
from iamd.errors import InvalidClientTokenId, SignatureDoesNotMatch
from iamd.store import access_keys, users
from iamd.store.access_keys import AccessKey
from iamd.store.sealing import Sealer

INVALID_TOKEN = "The security token included in the request is invalid."
SERVICES = ("iam", "sts")


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
    key = access_keys.find_key(conn, signed.access_key_id)
    if key is None or not key.is_active or signed.security_token is not None:
        raise InvalidClientTokenId(INVALID_TOKEN)
    verify_signature(request, signed, key.secret(sealer))
    partition = partition_for_region(signed.region)
    return Authenticated(caller_for_key(conn, key, partition), key)


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
