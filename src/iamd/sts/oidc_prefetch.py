"""AssumeRoleWithWebIdentity's network work, done before its database transaction opens.

In: the database and the request's params (``RoleArn``, ``WebIdentityToken``). Out:
`PreparedKeys` — the registered provider's URL and its key set — or None when there is
nothing to fetch; the pipeline hands it to the operation as ``ctx.prepared``, and the
operation verifies with these keys and never fetches (a slow issuer must not hold a
transaction, and with it SQLite's write lock).

Only the URL of an OIDC provider registered in the role's account for the token's
``iss`` is ever fetched, looked up in a short read-only transaction of its own: a
token cannot make iamd fetch a URL of its choosing. Errors are left to the operation,
which raises them in AWS's order.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from iamd.errors import ServiceError
from iamd.operation import Params
from iamd.store import providers
from iamd.store.database import Database
from iamd.store.providers import OidcProvider
from iamd.sts import oidc_keys
from iamd.sts.oidc_keys import KeySet
from iamd.sts.oidc_token import UnverifiedToken, fits, read_unverified
from iamd.sts.trust import checked_role_arn

HTTPS = "https://"


@dataclass(frozen=True)
class PreparedKeys:
    issuer_url: str  # the registered provider's URL these keys were fetched from
    keys: KeySet


def prepare_web_identity(db: Database, params: Params) -> PreparedKeys | None:
    """Fetch (or find cached) the keys of the provider the token names, outside any transaction."""
    try:
        role_arn = checked_role_arn(params["RoleArn"])
        token = read_unverified(params["WebIdentityToken"])
    except ServiceError:
        return None  # the operation raises the same error, in its turn
    with db.transaction(write=False) as conn:
        provider = provider_for(conn, role_arn.partition, role_arn.account, token.issuer)
    if provider is None:
        return None
    keys = oidc_keys.CACHE.keys(provider.url, has_key=lambda found: has_key(found, token))
    return PreparedKeys(provider.url, keys)


def provider_for(
    conn: Connection, partition: str, account_id: str, issuer: str
) -> OidcProvider | None:
    """The account's OIDC provider for this issuer (``https://host/path``), if registered."""
    if not issuer.startswith(HTTPS):
        return None
    host_path = issuer.removeprefix(HTTPS).rstrip("/")
    arn = f"arn:{partition}:iam::{account_id}:oidc-provider/{host_path}"
    return providers.oidc_provider_for(conn, arn)


def has_key(found: KeySet, token: UnverifiedToken) -> bool:
    return any(fits(key, token) for key in found.keys)


def keys_for(prepared: object, provider: OidcProvider) -> KeySet | None:
    """The keys prepared for this provider, else what the cache holds; never a fetch."""
    if isinstance(prepared, PreparedKeys) and prepared.issuer_url == provider.url:
        return prepared.keys
    return oidc_keys.CACHE.cached(provider.url)
