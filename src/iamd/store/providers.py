"""Identity providers: OpenID Connect and SAML 2.0, each keyed by its ARN.

An OIDC provider keeps the URL it was created with (``https://host/path``), its
client ids (audiences) and server-certificate thumbprints, as JSON lists in order.
A SAML provider keeps its metadata document as given, its ``ValidUntil``, AWS's
provider UUID, the assertion-encryption mode and, sealed, the private keys that
decrypt assertions. `oidc_provider_for` and `saml_provider_for` are the lookups
STS federation uses.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from iamd.clock import as_utc
from iamd.errors import EntityAlreadyExists
from iamd.store.schema import oidc_providers, saml_providers

# --- OpenID Connect ------------------------------------------------------------------


@dataclass(frozen=True)
class OidcProvider:
    arn: str
    account_id: str
    url: str  # as created: "https://token.actions.githubusercontent.com"
    client_ids: tuple[str, ...]
    thumbprints: tuple[str, ...]
    created_at: datetime
    context_provider: str | None = None  # AWS's ContextProvider structure, as JSON text
    identity_center_instance_arn: str | None = None


def _oidc(row: Any) -> OidcProvider:
    return OidcProvider(
        arn=row.arn,
        account_id=row.account_id,
        url=row.url,
        client_ids=tuple(json.loads(row.client_ids)),
        thumbprints=tuple(json.loads(row.thumbprints)),
        created_at=as_utc(row.created_at),
        context_provider=row.context_provider,
        identity_center_instance_arn=row.identity_center_instance_arn,
    )


def insert_oidc_provider(conn: Connection, provider: OidcProvider) -> OidcProvider:
    row = {
        "arn": provider.arn,
        "account_id": provider.account_id,
        "url": provider.url,
        "client_ids": json.dumps(list(provider.client_ids)),
        "thumbprints": json.dumps(list(provider.thumbprints)),
        "created_at": provider.created_at,
        "context_provider": provider.context_provider,
        "identity_center_instance_arn": provider.identity_center_instance_arn,
    }
    try:
        with conn.begin_nested():
            conn.execute(insert(oidc_providers).values(row))
    except IntegrityError:
        raise EntityAlreadyExists(f"Provider with url {provider.url} already exists.") from None
    return provider


def oidc_provider_for(conn: Connection, arn: str) -> OidcProvider | None:
    """The OIDC provider with this ARN, in whichever account the ARN names."""
    row = conn.execute(select(oidc_providers).where(oidc_providers.c.arn == arn)).first()
    return _oidc(row) if row else None


def list_oidc_providers(conn: Connection, account_id: str) -> list[OidcProvider]:
    query = (
        select(oidc_providers)
        .where(oidc_providers.c.account_id == account_id)
        .order_by(oidc_providers.c.arn)
    )
    return [_oidc(row) for row in conn.execute(query)]


def count_oidc_providers(conn: Connection, account_id: str) -> int:
    query = select(func.count()).where(oidc_providers.c.account_id == account_id)
    return int(conn.execute(query).scalar_one())


def set_oidc_client_ids(conn: Connection, arn: str, client_ids: list[str]) -> None:
    values = {"client_ids": json.dumps(client_ids)}
    conn.execute(update(oidc_providers).where(oidc_providers.c.arn == arn).values(values))


def set_oidc_thumbprints(conn: Connection, arn: str, thumbprints: list[str]) -> None:
    values = {"thumbprints": json.dumps(thumbprints)}
    conn.execute(update(oidc_providers).where(oidc_providers.c.arn == arn).values(values))


def set_oidc_propagation(
    conn: Connection, arn: str, context_provider: str | None, identity_center_arn: str | None
) -> None:
    """Replace the provider's trusted identity propagation settings (None: none)."""
    values = {
        "context_provider": context_provider,
        "identity_center_instance_arn": identity_center_arn,
    }
    conn.execute(update(oidc_providers).where(oidc_providers.c.arn == arn).values(values))


def delete_oidc_provider(conn: Connection, arn: str) -> None:
    conn.execute(delete(oidc_providers).where(oidc_providers.c.arn == arn))


# --- SAML ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SamlProvider:
    arn: str
    account_id: str
    name: str
    metadata_document: str
    created_at: datetime
    valid_until: datetime | None
    uuid: str
    encryption_mode: str  # "Allowed" or "Required"
    private_keys_sealed: bytes | None  # open with sealer.open(..., arn): a JSON list


def _saml(row: Any) -> SamlProvider:
    sealed = row.private_keys_sealed
    return SamlProvider(
        arn=row.arn,
        account_id=row.account_id,
        name=row.name,
        metadata_document=row.metadata_document,
        created_at=as_utc(row.created_at),
        valid_until=as_utc(row.valid_until) if row.valid_until else None,
        uuid=row.uuid,
        encryption_mode=row.encryption_mode,
        private_keys_sealed=bytes(sealed) if sealed is not None else None,
    )


def insert_saml_provider(conn: Connection, provider: SamlProvider) -> SamlProvider:
    row = {
        "arn": provider.arn,
        "account_id": provider.account_id,
        "name": provider.name,
        "metadata_document": provider.metadata_document,
        "created_at": provider.created_at,
        "valid_until": provider.valid_until,
        "uuid": provider.uuid,
        "encryption_mode": provider.encryption_mode,
        "private_keys_sealed": provider.private_keys_sealed,
    }
    try:
        with conn.begin_nested():
            conn.execute(insert(saml_providers).values(row))
    except IntegrityError:
        raise EntityAlreadyExists(f"Provider with name {provider.name} already exists.") from None
    return provider


def saml_provider_for(conn: Connection, arn: str) -> SamlProvider | None:
    """The SAML provider with this ARN, in whichever account the ARN names."""
    row = conn.execute(select(saml_providers).where(saml_providers.c.arn == arn)).first()
    return _saml(row) if row else None


def list_saml_providers(conn: Connection, account_id: str) -> list[SamlProvider]:
    query = (
        select(saml_providers)
        .where(saml_providers.c.account_id == account_id)
        .order_by(saml_providers.c.arn)
    )
    return [_saml(row) for row in conn.execute(query)]


def count_saml_providers(conn: Connection, account_id: str) -> int:
    query = select(func.count()).where(saml_providers.c.account_id == account_id)
    return int(conn.execute(query).scalar_one())


def update_saml_provider(conn: Connection, provider: SamlProvider) -> None:
    """Store the provider's changeable parts: metadata, validity, mode and keys."""
    values = {
        "metadata_document": provider.metadata_document,
        "valid_until": provider.valid_until,
        "encryption_mode": provider.encryption_mode,
        "private_keys_sealed": provider.private_keys_sealed,
    }
    conn.execute(update(saml_providers).where(saml_providers.c.arn == provider.arn).values(values))


def delete_saml_provider(conn: Connection, arn: str) -> None:
    conn.execute(delete(saml_providers).where(saml_providers.c.arn == arn))
