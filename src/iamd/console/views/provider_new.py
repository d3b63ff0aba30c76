"""Add an identity provider: SAML 2.0 (a name and the IdP's metadata document, uploaded
or pasted) or OpenID Connect (the provider's URL, an audience, its thumbprints), with
tags, through CreateSAMLProvider or CreateOpenIDConnectProvider as the signed-in
principal."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from iamd.console import name_rules, tag_rows
from iamd.console.console import Console
from iamd.console.forms import Fields
from iamd.console.page import Page
from iamd.console.views.providers import provider_name, view_path
from iamd.console.web import endpoint
from iamd.errors import ServiceError


def new_provider(page: Page) -> Response:
    form = page.form
    kind = "oidc" if form.get("kind") == "oidc" else "saml"
    tags = tag_rows.read_tags(form)
    problems: dict[str, str] = {}
    error: ServiceError | None = None
    if page.is_post and form.get("go") == "create":
        problems = _problems(kind, form, tags)
        if not problems:
            try:
                arn = _create(page, kind, tags)
            except ServiceError as refused:
                error = refused
            else:
                name = provider_name(arn)
                return page.redirect(view_path(arn), notice="provider-created", name=name)
    status = error.status if error else (400 if problems else 200)
    return page.render(
        "provider_new.html",
        status=status,
        section="providers",
        kind=kind,
        values={name: form.get(name) for name in _TYPED},
        tags=tags,
        tag_rows=tag_rows.row_count(form, tags, is_same_step=page.is_post),
        problems=problems,
        error=error,
    )


_TYPED = ("name", "url", "audience", "thumbprints", "metadata")


def _create(page: Page, kind: str, tags: list[list[str]]) -> str:
    """The new provider's ARN."""
    operation, params = _request(kind, page.form, tags)
    output = page.actor(operation, params)
    return str(output.get("SAMLProviderArn") or output["OpenIDConnectProviderArn"])


def _member(kind: str) -> str:
    return "SAMLProviderArn" if kind == "saml" else "OpenIDConnectProviderArn"


def _metadata(form: Fields) -> str:
    return form.get("metadata_file").strip() or form.get("metadata").strip()


def _problems(kind: str, form: Fields, tags: list[list[str]]) -> dict[str, str]:
    problems = _field_problems(kind, form)
    suffix = "SAMLProvider" if kind == "saml" else "OpenIDConnectProvider"
    problem = tag_rows.tag_problem(tags, "Tag" + suffix, _member(kind))
    return problems or ({"tags": problem} if problem else {})


def _field_problems(kind: str, form: Fields) -> dict[str, str]:
    words = name_rules.SAML_PROVIDER.problem(form.stripped("name"))
    if kind == "saml" and words:
        return {"name": words}
    if kind == "saml" and not _metadata(form):
        return {"metadata": "Choose the metadata document your identity provider gave you."}
    if kind == "oidc" and not form.stripped("url").startswith("https://"):
        return {"url": "Enter the provider's URL; it begins with https://"}
    if kind == "oidc" and not form.stripped("audience"):
        return {"audience": "Enter an audience: the client ID registered with the provider."}
    return {}


def _request(kind: str, form: Fields, tags: list[list[str]]) -> tuple[str, dict[str, Any]]:
    params: dict[str, Any] = {}
    if tags:
        params["Tags"] = [{"Key": key, "Value": value} for key, value in tags]
    if kind == "saml":
        params |= {"Name": form.stripped("name"), "SAMLMetadataDocument": _metadata(form)}
        return "CreateSAMLProvider", params
    params |= {"Url": form.stripped("url"), "ClientIDList": [form.stripped("audience")]}
    thumbprints = [line.strip() for line in form.get("thumbprints").splitlines() if line.strip()]
    if thumbprints:
        params["ThumbprintList"] = thumbprints
    return "CreateOpenIDConnectProvider", params


def routes(console: Console) -> list[BaseRoute]:
    return [Route("/iam/providers/new", endpoint(console, new_provider), methods=["GET", "POST"])]
