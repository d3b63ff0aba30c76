"""Identity providers: the account's OpenID Connect and SAML providers, one provider's
page (its audiences, thumbprints or metadata, its tags), and deleting one. Adding one
is `provider_new`'s."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from iamd.console.actions import attempt
from iamd.console.confirm import Confirmation, delete_by_plan
from iamd.console.console import Console
from iamd.console.deletion import Plan
from iamd.console.page import Page
from iamd.console.web import endpoint


def provider_list(page: Page) -> Response:
    act = page.actor
    return page.render(
        "providers.html",
        section="providers",
        oidc=attempt(act, "ListOpenIDConnectProviders"),
        saml=attempt(act, "ListSAMLProviders"),
    )


def is_saml(arn: str) -> bool:
    return ":saml-provider/" in arn


def provider_name(arn: str) -> str:
    """What the console calls a provider: a SAML provider's name, an OIDC provider's URL."""
    return arn.split(":saml-provider/" if is_saml(arn) else ":oidc-provider/", 1)[-1]


def view_path(arn: str) -> str:
    return "/iam/providers/view?" + urlencode({"arn": arn})


def provider_detail(page: Page) -> Response:
    arn = page.query.get("arn")
    if is_saml(arn):
        provider = page.actor("GetSAMLProvider", {"SAMLProviderArn": arn})
    else:
        provider = page.actor("GetOpenIDConnectProvider", {"OpenIDConnectProviderArn": arn})
    return page.render(
        "provider.html",
        section="providers",
        arn=arn,
        name=provider_name(arn),
        is_saml=is_saml(arn),
        provider=provider,
    )


def _oidc_change(page: Page, operation: str, params: dict[str, Any]) -> Response:
    arn = page.form.get("arn")
    page.actor(operation, {"OpenIDConnectProviderArn": arn, **params})
    return page.redirect(view_path(arn), notice="changed", name=provider_name(arn))


def add_audience(page: Page) -> Response:
    client_id = page.form.stripped("client_id")
    return _oidc_change(page, "AddClientIDToOpenIDConnectProvider", {"ClientID": client_id})


def remove_audience(page: Page) -> Response:
    client_id = page.form.get("client_id")
    return _oidc_change(page, "RemoveClientIDFromOpenIDConnectProvider", {"ClientID": client_id})


def set_thumbprints(page: Page) -> Response:
    thumbprints = [line.strip() for line in page.form.get("thumbprints").splitlines()]
    params = {"ThumbprintList": [line for line in thumbprints if line]}
    return _oidc_change(page, "UpdateOpenIDConnectProviderThumbprint", params)


def replace_metadata(page: Page) -> Response:
    """UpdateSAMLProvider with an uploaded (or pasted) metadata document."""
    arn = page.form.get("arn")
    document = page.form.get("metadata_file").strip() or page.form.get("metadata").strip()
    page.actor("UpdateSAMLProvider", {"SAMLProviderArn": arn, "SAMLMetadataDocument": document})
    return page.redirect(view_path(arn), notice="changed", name=provider_name(arn))


def delete_provider(page: Page) -> Response:
    """Delete…Provider, once its name is typed; roles that trust it can no longer be assumed."""
    arn = page.form.get("arn") or page.query.get("arn")
    name = provider_name(arn)
    kind = "SAML" if is_saml(arn) else "OpenIDConnect"
    member = "SAMLProviderArn" if is_saml(arn) else "OpenIDConnectProviderArn"
    page.actor(f"Get{kind}Provider", {member: arn})
    confirmation = Confirmation(
        heading=f"Delete identity provider {name}?",
        word=name,
        noun="provider name",
        action="/iam/providers/delete?" + urlencode({"arn": arn}),
        button="Delete",
        back=view_path(arn),
        hidden={"arn": arn},
        warning="Roles that trust this provider can no longer be assumed through it.",
    )
    plan = Plan()
    plan.add(f"Delete the identity provider {name}", f"Delete{kind}Provider", **{member: arn})
    return delete_by_plan(
        page,
        confirmation,
        plan,
        section="providers",
        done=lambda: page.redirect("/iam/providers", notice="provider-deleted", name=name),
    )


def routes(console: Console) -> list[BaseRoute]:
    post = ["POST"]
    base = "/iam/providers"
    return [
        Route(base, endpoint(console, provider_list), methods=["GET"]),
        Route(base + "/view", endpoint(console, provider_detail), methods=["GET"]),
        Route(base + "/audiences", endpoint(console, add_audience), methods=post),
        Route(base + "/audiences/remove", endpoint(console, remove_audience), methods=post),
        Route(base + "/thumbprints", endpoint(console, set_thumbprints), methods=post),
        Route(base + "/metadata", endpoint(console, replace_metadata), methods=post),
        Route(base + "/delete", endpoint(console, delete_provider), methods=["GET", "POST"]),
    ]
