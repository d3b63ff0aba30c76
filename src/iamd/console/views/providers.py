"""Identity providers: the account's OpenID Connect and SAML providers (read-only)."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from iamd.console.actions import attempt
from iamd.console.console import Console
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


def routes(console: Console) -> list[BaseRoute]:
    return [Route("/iam/providers", endpoint(console, provider_list), methods=["GET"])]
