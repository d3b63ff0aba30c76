"""Editing the tags of a user, a role, a managed policy or an identity provider.

One page per entity shows its tags as rows to change, remove or add; saving compares
them with the tags it has and makes the Untag… call for the keys that went and the
Tag… call for the new and changed ones, as the signed-in principal, in one savepoint.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from iamd.console import tag_rows
from iamd.console.actions import Actor
from iamd.console.console import Console
from iamd.console.page import Page
from iamd.console.web import endpoint
from iamd.errors import ServiceError


@dataclass(frozen=True)
class Tagged:
    """A kind of taggable entity: its operations and where its page is."""

    noun: str  # "user"
    suffix: str  # the operations' "User", "Role", "Policy", "OpenIDConnectProvider" …
    member: str  # "UserName", "PolicyArn" …
    section: str  # the sidebar section
    page_of: Callable[[str], str]  # the entity's console page, by name or ARN

    def who(self, ident: str) -> dict[str, Any]:
        return {self.member: ident}


def _named(section: str) -> Callable[[str], str]:
    return lambda name: f"/iam/{section}/{quote(name, safe='')}"


def _by_arn(path: str) -> Callable[[str], str]:
    return lambda arn: f"{path}?{urlencode({'arn': arn})}"


USER = Tagged("user", "User", "UserName", "users", _named("users"))
ROLE = Tagged("role", "Role", "RoleName", "roles", _named("roles"))
POLICY = Tagged("policy", "Policy", "PolicyArn", "policies", _by_arn("/iam/policies/view"))
OIDC = Tagged(
    "identity provider",
    "OpenIDConnectProvider",
    "OpenIDConnectProviderArn",
    "providers",
    _by_arn("/iam/providers/view"),
)
SAML = Tagged(
    "identity provider",
    "SAMLProvider",
    "SAMLProviderArn",
    "providers",
    _by_arn("/iam/providers/view"),
)


def provider_kind(arn: str) -> Tagged:
    return SAML if ":saml-provider/" in arn else OIDC


def save_tags(act: Actor, kind: Tagged, ident: str, tags: list[list[str]]) -> None:
    """Make the entity's tags exactly ``tags``: untag the keys gone, tag the rest."""
    current = act(f"List{kind.suffix}Tags", kind.who(ident))["Tags"]
    wanted = {key: value for key, value in tags}
    wanted_lower = {key.lower() for key in wanted}
    gone = [tag["Key"] for tag in current if tag["Key"].lower() not in wanted_lower]
    have = {tag["Key"]: tag["Value"] for tag in current}
    changed = [{"Key": k, "Value": v} for k, v in wanted.items() if have.get(k) != v]
    with act.conn.begin_nested():
        if gone:
            act(f"Untag{kind.suffix}", {**kind.who(ident), "TagKeys": gone})
        if changed:
            act(f"Tag{kind.suffix}", {**kind.who(ident), "Tags": changed})


def tags_page(kind_of: Callable[[str], Tagged], *, by_arn: bool) -> Callable[[Page], Response]:
    """The tags page of the entity named in the path, or by ``?arn=``."""

    def view(page: Page) -> Response:
        ident = page.query.get("arn") if by_arn else page.param("name")
        return _edit(page, kind_of(ident), ident)

    return view


def _always(kind: Tagged) -> Callable[[str], Tagged]:
    return lambda _: kind


def _edit(page: Page, kind: Tagged, ident: str) -> Response:
    act = page.actor
    problem: str | None = None
    error: ServiceError | None = None
    if page.is_post and page.form.get("go") == "save":
        tags = tag_rows.read_tags(page.form)
        problem = tag_rows.tag_problem(tags, f"Tag{kind.suffix}", kind.member, ident)
        if problem is None:
            try:
                save_tags(act, kind, ident, tags)
            except ServiceError as refused:
                error = refused
            else:
                return page.redirect(kind.page_of(ident), notice="tags-saved", name=_name(ident))
    elif page.is_post:  # "Add another tag": the rows as typed, and one more
        tags = tag_rows.read_tags(page.form)
    else:
        tags = [
            [tag["Key"], tag["Value"]]
            for tag in act(f"List{kind.suffix}Tags", kind.who(ident))["Tags"]
        ]
    status = error.status if error else (400 if problem else 200)
    return page.render(
        "tags_edit.html",
        status=status,
        section=kind.section,
        kind=kind,
        name=_name(ident),
        back=kind.page_of(ident),
        tags=tags,
        tag_rows=tag_rows.row_count(page.form, tags, is_same_step=page.is_post),
        problems={"tags": problem} if problem else {},
        error=error,
    )


def _name(ident: str) -> str:
    return ident.rsplit("/", 1)[-1]


def routes(console: Console) -> list[BaseRoute]:
    pages = {
        "/iam/users/{name}/tags": tags_page(_always(USER), by_arn=False),
        "/iam/roles/{name}/tags": tags_page(_always(ROLE), by_arn=False),
        "/iam/policies/tags": tags_page(_always(POLICY), by_arn=True),
        "/iam/providers/tags": tags_page(provider_kind, by_arn=True),
    }
    return [
        Route(path, endpoint(console, view), methods=["GET", "POST"])
        for path, view in pages.items()
    ]
