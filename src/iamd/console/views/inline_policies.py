"""An inline policy of a user, group or role, its document pretty-printed."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from iamd.console import documents
from iamd.console.console import Console
from iamd.console.page import Page
from iamd.console.web import endpoint

# section → (the Get…Policy operation, the name member, the singular noun)
KINDS = {
    "users": ("GetUserPolicy", "UserName", "user"),
    "groups": ("GetGroupPolicy", "GroupName", "group"),
    "roles": ("GetRolePolicy", "RoleName", "role"),
}


def inline_policy_page(section: str) -> Any:
    operation, member, noun = KINDS[section]

    def view(page: Page) -> Response:
        name, policy_name = page.param("name"), page.param("policy")
        output = page.actor(operation, {member: name, "PolicyName": policy_name})
        return page.render(
            "inline_policy.html",
            section=section,
            noun=noun,
            owner=name,
            owner_path=page.url(f"/iam/{section}/{quote(name, safe='')}"),
            policy_name=policy_name,
            document=documents.pretty(output["PolicyDocument"]),
        )

    return view


def routes(console: Console) -> list[BaseRoute]:
    return [
        Route(
            f"/iam/{section}/{{name}}/inline-policies/{{policy}}",
            endpoint(console, inline_policy_page(section)),
            methods=["GET"],
        )
        for section in KINDS
    ]
