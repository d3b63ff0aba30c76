"""What the three user-credential families share: whose credential, and list pages.

SSH public keys (`ssh_public_keys`), signing certificates (`signing_certificates`) and
service-specific credentials (`service_credentials`) are all rows of the store's
`user_credentials`, each belonging to one IAM user. A credential named with another
user's name (or none of the caller's) is answered as not found, as AWS does.
"""

from __future__ import annotations

from collections.abc import Callable

from iamd.errors import NoSuchEntity
from iamd.operation import OperationContext, Params
from iamd.store import user_credentials
from iamd.store.pages import Page
from iamd.store.user_credentials import Credential
from iamd.store.users import User

DEFAULT_MAX_ITEMS = 100


def owned_credential(
    ctx: OperationContext,
    kind: str,
    user: User,
    credential_id: str,
    not_found: Callable[[str], NoSuchEntity],
) -> Credential:
    """The user's credential of this kind with this id, or AWS's NoSuchEntity."""
    credential = user_credentials.find_credential(ctx.conn, ctx.account_id, kind, credential_id)
    if credential is None or credential.user_id != user.user_id:
        raise not_found(credential_id)
    return credential


def list_page(
    ctx: OperationContext,
    kind: str,
    params: Params,
    *,
    user_id: str | None,
    service_name: str | None = None,
) -> Page[Credential]:
    return user_credentials.list_credentials(
        ctx.conn,
        ctx.account_id,
        kind,
        user_id=user_id,
        service_name=service_name,
        marker=params.get("Marker"),
        limit=params.get("MaxItems") or DEFAULT_MAX_ITEMS,
    )
