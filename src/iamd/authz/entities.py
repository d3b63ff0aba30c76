"""The stored entity a request names, found the way the store finds it.

IAM names are unique case-insensitively, and every operation finds its entity by
``name_lower``; authorization must find the same entity and match policies against
its real ARN (its stored name and path), never the caller's spelling of it. An
entity that does not exist yet (a create, or a typo the operation will refuse) is
named as the request names it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, Table, bindparam, select

from iamd.store.schema import (
    access_keys,
    groups,
    instance_profiles,
    managed_policies,
    mfa_devices,
    oidc_providers,
    roles,
    saml_providers,
    server_certificates,
    users,
)
from iamd.store.versioned import VersionedCache, authz_version

CACHE_SIZE = 10_000

# Entities named by (name, path), found by name_lower within the account.
NAMED_TABLES: dict[str, Table] = {
    "user": users,
    "group": groups,
    "role": roles,
    "instance-profile": instance_profiles,
    "server-certificate": server_certificates,
}

# Entities named by ARN (or serial number), found by it exactly.
_ARN_COLUMNS = {
    "policy": (managed_policies, managed_policies.c.arn, managed_policies.c.id),
    "mfa": (mfa_devices, mfa_devices.c.serial, mfa_devices.c.serial),
    "oidc-provider": (oidc_providers, oidc_providers.c.arn, oidc_providers.c.arn),
    "saml-provider": (saml_providers, saml_providers.c.arn, saml_providers.c.arn),
}


@dataclass(frozen=True)
class Stored:
    """An entity as stored: its real name and path, and its id for the tags table."""

    resource_type: str
    entity_id: str
    name: str = ""
    path: str = "/"


# Built once: a lookup runs on most requests.
_BY_NAME = {
    resource_type: select(table.c.id, table.c.name, table.c.path).where(
        table.c.account_id == bindparam("account_id"), table.c.name_lower == bindparam("name")
    )
    for resource_type, table in NAMED_TABLES.items()
}

_found: VersionedCache[tuple[str, str, str], Stored] = VersionedCache(CACHE_SIZE)


def by_name(conn: Connection, account_id: str, resource_type: str, name: str) -> Stored | None:
    """The entity of this type and name (any case) in the account, if it exists.

    Found entities are cached per process at the account's authz_version, which every
    create, rename and delete of a named entity bumps.
    """
    query = _BY_NAME.get(resource_type)
    if query is None:
        return None
    key = (account_id, resource_type, name.lower())
    version = authz_version(conn, account_id)
    cached = _found.get(key, version)
    if cached is not None:
        return cached
    row = conn.execute(query, {"account_id": account_id, "name": name.lower()}).first()
    if row is None:
        return None
    stored = Stored(resource_type, str(row.id), str(row.name), str(row.path))
    _found.put(key, version, stored)
    return stored


def by_arn(conn: Connection, resource_type: str, arn: str) -> Stored | None:
    """A policy, MFA device or provider by its ARN, in whichever account holds it."""
    columns = _ARN_COLUMNS.get(resource_type)
    if columns is None:
        return None
    _, key, entity_id = columns
    value = conn.execute(select(entity_id).where(key == arn)).scalar_one_or_none()
    return Stored(resource_type, str(value)) if value is not None else None


def key_owner(conn: Connection, account_id: str, access_key_id: str) -> str | None:
    """The name of the user who owns an access key of this account, if any."""
    query = (
        select(users.c.name)
        .select_from(access_keys.join(users, access_keys.c.user_id == users.c.id))
        .where(access_keys.c.id == access_key_id, users.c.account_id == account_id)
    )
    value = conn.execute(query).scalar_one_or_none()
    return str(value) if value is not None else None
