"""IAM OpenID Connect providers: create, read, list, change audiences and thumbprints, tag.

A provider is named by its issuer URL: ``https://host/path`` becomes the ARN
``arn:aws:iam::<acct>:oidc-provider/host/path``, and GetOpenIDConnectProvider answers
the URL without its scheme, as AWS does.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from urllib.parse import urlsplit

from iamd.errors import InvalidInput, LimitExceeded, NoSuchEntity, ValidationError
from iamd.iam.tagging import tag_operations, tags_input, tags_output
from iamd.operation import OperationContext, OperationTable, Output, Params
from iamd.store import providers, tags
from iamd.store.locks import hold
from iamd.store.providers import OidcProvider

TAG_KIND = "oidc-provider"
MAX_CLIENT_IDS = 100
MAX_THUMBPRINTS = 5
MAX_PROVIDERS = 100
_SCHEME = "https://"


def provider_arn(ctx: OperationContext, url: str) -> str:
    return f"arn:{ctx.partition}:iam::{ctx.account_id}:oidc-provider/{url[len(_SCHEME) :]}"


def get_provider(ctx: OperationContext, arn: str, *, to_change: bool = False) -> OidcProvider:
    """The account's provider with this ARN, or AWS's NoSuchEntity.

    ``to_change``: held and read again, so that changing its lists loses no change a
    concurrent request made to them.
    """
    provider = providers.oidc_provider_for(ctx.conn, arn)
    if provider is None or provider.account_id != ctx.account_id:
        raise NoSuchEntity(f"OpenIDConnect Provider not found for arn {arn}")
    if to_change:
        hold(ctx.conn, ("oidc-provider", provider.arn))
        provider = providers.oidc_provider_for(ctx.conn, arn) or provider
    return provider


def check_url(url: str) -> None:
    """An issuer URL is ``https://`` and a host, optionally a path; nothing else."""
    parts = urlsplit(url)
    valid = url.lower().startswith(_SCHEME) and bool(parts.hostname)
    if not valid or parts.query or parts.fragment:
        raise ValidationError("Invalid Open ID Connect Provider URL")


def check_thumbprints(thumbprints: list[str]) -> None:
    if len(thumbprints) > MAX_THUMBPRINTS:
        raise InvalidInput(f"Thumbprint list must contain fewer than {MAX_THUMBPRINTS} entries.")


def check_client_ids(client_ids: list[str]) -> None:
    if len(client_ids) > MAX_CLIENT_IDS:
        raise LimitExceeded(
            f"Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: {MAX_CLIENT_IDS}"
        )


def unique(values: Iterable[str]) -> list[str]:
    """The values in their first order, each once (AWS keeps one copy of a repeat)."""
    return list(dict.fromkeys(values))


def create_open_id_connect_provider(ctx: OperationContext, params: Params) -> Output:
    url = params["Url"]
    check_url(url)
    thumbprints = unique(params.get("ThumbprintList") or [])
    check_thumbprints(thumbprints)
    client_ids = unique(params.get("ClientIDList") or [])
    check_client_ids(client_ids)
    new_tags = tags_input(params)
    tags.check_unique_keys(new_tags)
    hold(ctx.conn, ("account", ctx.account_id))  # the quota stays true until we commit
    if providers.count_oidc_providers(ctx.conn, ctx.account_id) >= MAX_PROVIDERS:
        raise LimitExceeded(
            f"Cannot exceed quota for OpenIdConnectProvidersPerAccount: {MAX_PROVIDERS}"
        )
    provider = OidcProvider(
        arn=provider_arn(ctx, url),
        account_id=ctx.account_id,
        url=url,
        client_ids=tuple(client_ids),
        thumbprints=tuple(thumbprints),
        created_at=ctx.now,
        context_provider=context_provider_input(params),
        identity_center_instance_arn=identity_center_input(params),
    )
    providers.insert_oidc_provider(ctx.conn, provider)
    output: Output = {"OpenIDConnectProviderArn": provider.arn}
    if new_tags:
        tags.add_tags(ctx.conn, ctx.account_id, TAG_KIND, provider.arn, new_tags)
        output["Tags"] = tags_output(new_tags)
    return output


def get_open_id_connect_provider(ctx: OperationContext, params: Params) -> Output:
    provider = get_provider(ctx, params["OpenIDConnectProviderArn"])
    return {
        "Url": provider.url[len(_SCHEME) :],
        "ClientIDList": list(provider.client_ids),
        "ThumbprintList": list(provider.thumbprints),
        "CreateDate": provider.created_at,
        "Tags": tags_output(tags.tags_of(ctx.conn, TAG_KIND, provider.arn)),
        **propagation_output(provider),
    }


def list_open_id_connect_providers(ctx: OperationContext, params: Params) -> Output:
    listed = providers.list_oidc_providers(ctx.conn, ctx.account_id)
    return {"OpenIDConnectProviderList": [{"Arn": provider.arn} for provider in listed]}


def delete_open_id_connect_provider(ctx: OperationContext, params: Params) -> Output:
    arn = params["OpenIDConnectProviderArn"]
    provider = providers.oidc_provider_for(ctx.conn, arn)
    if provider is None or provider.account_id != ctx.account_id:
        raise NoSuchEntity(f"OpenId connect Provider {arn} cannot be found.")
    providers.delete_oidc_provider(ctx.conn, arn)
    tags.drop_all_tags(ctx.conn, TAG_KIND, arn)
    return {}


def add_client_id_to_open_id_connect_provider(ctx: OperationContext, params: Params) -> Output:
    provider = get_provider(ctx, params["OpenIDConnectProviderArn"], to_change=True)
    client_ids = unique([*provider.client_ids, params["ClientID"]])
    check_client_ids(client_ids)
    providers.set_oidc_client_ids(ctx.conn, provider.arn, client_ids)
    return {}


def remove_client_id_from_open_id_connect_provider(ctx: OperationContext, params: Params) -> Output:
    """Removing a client id the provider does not have is no error (AWS: idempotent)."""
    provider = get_provider(ctx, params["OpenIDConnectProviderArn"], to_change=True)
    client_ids = [client for client in provider.client_ids if client != params["ClientID"]]
    providers.set_oidc_client_ids(ctx.conn, provider.arn, client_ids)
    return {}


def update_open_id_connect_provider_thumbprint(ctx: OperationContext, params: Params) -> Output:
    provider = get_provider(ctx, params["OpenIDConnectProviderArn"], to_change=True)
    thumbprints = unique(params["ThumbprintList"])
    check_thumbprints(thumbprints)
    providers.set_oidc_thumbprints(ctx.conn, provider.arn, thumbprints)
    return {}


def context_provider_input(params: Params) -> str | None:
    """The ContextProvider structure as stored (JSON), or None when none was given."""
    given = params.get("ContextProvider")
    return json.dumps(dict(given), sort_keys=True) if given is not None else None


def identity_center_input(params: Params) -> str | None:
    """An Identity Center instance to associate: iamd has none, so none can be named."""
    instance_arn = params.get("IdentityCenterInstanceArn")
    if instance_arn is None:
        return None
    if params.get("ContextProvider") is None:
        raise InvalidInput("IdentityCenterInstanceArn requires a ContextProvider.")
    raise NoSuchEntity(f"IAM Identity Center instance {instance_arn} not found.")


def propagation_output(provider: OidcProvider) -> Output:
    output: Output = {}
    if provider.context_provider is not None:
        output["ContextProvider"] = json.loads(provider.context_provider)
    if provider.identity_center_instance_arn is not None:
        output["IdentityCenterInstanceArn"] = provider.identity_center_instance_arn
    return output


def update_open_id_connect_provider(ctx: OperationContext, params: Params) -> Output:
    """Set or remove the context provider or the Identity Center association, one a call."""
    provider = get_provider(ctx, params["OpenIDConnectProviderArn"])
    changes_context = "ContextProvider" in params or bool(params.get("RemoveContextProvider"))
    changes_center = "IdentityCenterInstanceArn" in params or bool(
        params.get("RemoveIdentityCenterInstance")
    )
    check_update(params, changes_context=changes_context, changes_center=changes_center)
    context = provider.context_provider
    center = provider.identity_center_instance_arn
    if changes_context:
        if params.get("RemoveContextProvider") and center is not None:
            raise InvalidInput(
                "Remove the IAM Identity Center association before the context provider."
            )
        context = context_provider_input(params)
    else:
        center = None if params.get("RemoveIdentityCenterInstance") else center
        if "IdentityCenterInstanceArn" in params:
            if context is None:
                raise InvalidInput("IdentityCenterInstanceArn requires a ContextProvider.")
            raise NoSuchEntity(
                f"IAM Identity Center instance {params['IdentityCenterInstanceArn']} not found."
            )
    providers.set_oidc_propagation(ctx.conn, provider.arn, context, center)
    return {}


def check_update(params: Params, *, changes_context: bool, changes_center: bool) -> None:
    """AWS's rules: a value or its Remove flag, never both; one configuration a request."""
    if "ContextProvider" in params and params.get("RemoveContextProvider"):
        raise InvalidInput("Specify either ContextProvider or RemoveContextProvider, not both.")
    if "IdentityCenterInstanceArn" in params and params.get("RemoveIdentityCenterInstance"):
        raise InvalidInput(
            "Specify either IdentityCenterInstanceArn or RemoveIdentityCenterInstance, not both."
        )
    if changes_context and changes_center:
        raise InvalidInput(
            "A request can change either the context provider or the IAM Identity Center "
            "association, not both."
        )
    if not (changes_context or changes_center):
        raise InvalidInput("Specify a configuration to change.")


OPERATIONS: OperationTable = {
    "CreateOpenIDConnectProvider": create_open_id_connect_provider,
    "GetOpenIDConnectProvider": get_open_id_connect_provider,
    "ListOpenIDConnectProviders": list_open_id_connect_providers,
    "DeleteOpenIDConnectProvider": delete_open_id_connect_provider,
    "AddClientIDToOpenIDConnectProvider": add_client_id_to_open_id_connect_provider,
    "RemoveClientIDFromOpenIDConnectProvider": remove_client_id_from_open_id_connect_provider,
    "UpdateOpenIDConnectProviderThumbprint": update_open_id_connect_provider_thumbprint,
    "UpdateOpenIDConnectProvider": update_open_id_connect_provider,
    **tag_operations(
        "OpenIDConnectProvider",
        TAG_KIND,
        lambda ctx, params: get_provider(ctx, params["OpenIDConnectProviderArn"]).arn,
    ),
}
