"""IAM SAML 2.0 providers: create, read, list, update metadata and keys, tag, delete.

The metadata document is parsed (`iamd.iam.saml_metadata`) to refuse what is not an
IdP's metadata, and kept as given. ``ValidUntil`` is the document's ``validUntil``,
else AWS's default of a hundred years after the upload. Private keys for encrypted
assertions are sealed at rest, bound to the provider's ARN.
"""

from __future__ import annotations

import json
import secrets
import string
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.serialization import load_pem_private_key

from iamd.errors import InvalidInput, LimitExceeded, NoSuchEntity
from iamd.iam.saml_metadata import parse_metadata
from iamd.iam.tagging import tag_operations, tags_input, tags_output
from iamd.operation import OperationContext, OperationTable, Output, Params
from iamd.store import providers, tags
from iamd.store.locks import hold
from iamd.store.providers import SamlProvider
from iamd.store.sealing import Sealer

TAG_KIND = "saml-provider"
MAX_PROVIDERS = 100
MAX_PRIVATE_KEYS = 2
DEFAULT_VALIDITY_YEARS = 100
DEFAULT_ENCRYPTION_MODE = "Allowed"
_KEY_ID_ALPHABET = string.ascii_uppercase + string.digits
_KEY_ID_LENGTH = 26

PrivateKey = dict[str, str]  # {"KeyId", "Timestamp" (ISO 8601), "Pem"}


def provider_arn(ctx: OperationContext, name: str) -> str:
    return f"arn:{ctx.partition}:iam::{ctx.account_id}:saml-provider/{name}"


def get_provider(ctx: OperationContext, arn: str) -> SamlProvider:
    """The account's provider with this ARN, or AWS's NoSuchEntity."""
    provider = providers.saml_provider_for(ctx.conn, arn)
    if provider is None or provider.account_id != ctx.account_id:
        raise NoSuchEntity(f"Manifest not found for arn {arn}")
    return provider


def valid_until(document: str, now: datetime) -> datetime:
    """The metadata's own ``validUntil``, else a hundred years from now."""
    declared = parse_metadata(document).valid_until
    if declared is not None:
        return declared
    try:
        return now.replace(year=now.year + DEFAULT_VALIDITY_YEARS)
    except ValueError:  # 29 February in a year whose hundredth successor has none
        return now.replace(year=now.year + DEFAULT_VALIDITY_YEARS, day=28)


def random_id() -> str:
    """An id in AWS's ``[A-Z0-9]{22,64}`` form (provider UUIDs and private key ids)."""
    return "".join(secrets.choice(_KEY_ID_ALPHABET) for _ in range(_KEY_ID_LENGTH))


# --- Private keys --------------------------------------------------------------------


def open_keys(sealer: Sealer, provider: SamlProvider) -> list[PrivateKey]:
    if provider.private_keys_sealed is None:
        return []
    keys: list[PrivateKey] = json.loads(sealer.open(provider.private_keys_sealed, provider.arn))
    return keys


def private_key_pems(sealer: Sealer, provider: SamlProvider) -> list[str]:
    """The PEM private keys that decrypt the provider's encrypted assertions (for STS)."""
    return [key["Pem"] for key in open_keys(sealer, provider)]


def seal_keys(ctx: OperationContext, arn: str, keys: list[PrivateKey]) -> bytes | None:
    return ctx.sealer.seal(json.dumps(keys).encode(), arn) if keys else None


def new_key(ctx: OperationContext, pem: str) -> PrivateKey:
    try:
        load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError):
        raise InvalidInput("The private key is not a valid PEM-encoded private key.") from None
    return {"KeyId": random_id(), "Timestamp": ctx.now.isoformat(), "Pem": pem}


def changed_keys(ctx: OperationContext, keys: list[PrivateKey], params: Params) -> list[PrivateKey]:
    """The provider's keys after RemovePrivateKey, then AddPrivateKey."""
    removed = params.get("RemovePrivateKey")
    if removed is not None:
        if removed not in {key["KeyId"] for key in keys}:
            raise InvalidInput(f"The private key {removed} does not exist.")
        keys = [key for key in keys if key["KeyId"] != removed]
    added = params.get("AddPrivateKey")
    if added is not None:
        keys = [*keys, new_key(ctx, added)]
    if len(keys) > MAX_PRIVATE_KEYS:
        raise LimitExceeded(
            f"Cannot exceed quota for PrivateKeysPerSAMLProvider: {MAX_PRIVATE_KEYS}"
        )
    return keys


def key_list_output(keys: list[PrivateKey]) -> list[dict[str, Any]]:
    return [
        {"KeyId": key["KeyId"], "Timestamp": datetime.fromisoformat(key["Timestamp"])}
        for key in keys
    ]


# --- Operations ----------------------------------------------------------------------


def create_saml_provider(ctx: OperationContext, params: Params) -> Output:
    document, name = params["SAMLMetadataDocument"], params["Name"]
    until = valid_until(document, ctx.now)
    new_tags = tags_input(params)
    tags.check_unique_keys(new_tags)
    hold(ctx.conn, ("account", ctx.account_id))  # the quota stays true until we commit
    if providers.count_saml_providers(ctx.conn, ctx.account_id) >= MAX_PROVIDERS:
        raise LimitExceeded(f"Cannot exceed quota for SAMLProvidersPerAccount: {MAX_PROVIDERS}")
    arn = provider_arn(ctx, name)
    keys = changed_keys(ctx, [], params)
    provider = SamlProvider(
        arn=arn,
        account_id=ctx.account_id,
        name=name,
        metadata_document=document,
        created_at=ctx.now,
        valid_until=until,
        uuid=random_id(),
        encryption_mode=params.get("AssertionEncryptionMode") or DEFAULT_ENCRYPTION_MODE,
        private_keys_sealed=seal_keys(ctx, arn, keys),
    )
    providers.insert_saml_provider(ctx.conn, provider)
    output: Output = {"SAMLProviderArn": arn}
    if new_tags:
        tags.add_tags(ctx.conn, ctx.account_id, TAG_KIND, arn, new_tags)
        output["Tags"] = tags_output(new_tags)
    return output


def get_saml_provider(ctx: OperationContext, params: Params) -> Output:
    provider = get_provider(ctx, params["SAMLProviderArn"])
    return {
        "SAMLProviderUUID": provider.uuid,
        "SAMLMetadataDocument": provider.metadata_document,
        "CreateDate": provider.created_at,
        "ValidUntil": provider.valid_until,
        "Tags": tags_output(tags.tags_of(ctx.conn, TAG_KIND, provider.arn)),
        "AssertionEncryptionMode": provider.encryption_mode,
        "PrivateKeyList": key_list_output(open_keys(ctx.sealer, provider)),
    }


def list_saml_providers(ctx: OperationContext, params: Params) -> Output:
    listed = providers.list_saml_providers(ctx.conn, ctx.account_id)
    entries = [
        {"Arn": p.arn, "ValidUntil": p.valid_until, "CreateDate": p.created_at} for p in listed
    ]
    return {"SAMLProviderList": entries}


def update_saml_provider(ctx: OperationContext, params: Params) -> Output:
    provider = get_provider(ctx, params["SAMLProviderArn"])
    hold(ctx.conn, ("saml-provider", provider.arn))  # its keys change from what we read next
    provider = get_provider(ctx, provider.arn)
    document = params.get("SAMLMetadataDocument")
    until = valid_until(document, ctx.now) if document else provider.valid_until
    keys = changed_keys(ctx, open_keys(ctx.sealer, provider), params)
    updated = SamlProvider(
        arn=provider.arn,
        account_id=provider.account_id,
        name=provider.name,
        metadata_document=document or provider.metadata_document,
        created_at=provider.created_at,
        valid_until=until,
        uuid=provider.uuid,
        encryption_mode=params.get("AssertionEncryptionMode") or provider.encryption_mode,
        private_keys_sealed=seal_keys(ctx, provider.arn, keys),
    )
    providers.update_saml_provider(ctx.conn, updated)
    return {"SAMLProviderArn": provider.arn}


def delete_saml_provider(ctx: OperationContext, params: Params) -> Output:
    provider = get_provider(ctx, params["SAMLProviderArn"])
    providers.delete_saml_provider(ctx.conn, provider.arn)
    tags.drop_all_tags(ctx.conn, TAG_KIND, provider.arn)
    return {}


OPERATIONS: OperationTable = {
    "CreateSAMLProvider": create_saml_provider,
    "GetSAMLProvider": get_saml_provider,
    "ListSAMLProviders": list_saml_providers,
    "UpdateSAMLProvider": update_saml_provider,
    "DeleteSAMLProvider": delete_saml_provider,
    **tag_operations(
        "SAMLProvider",
        TAG_KIND,
        lambda ctx, params: get_provider(ctx, params["SAMLProviderArn"]).arn,
    ),
}
