"""An inline policy of a user, group or role: its document pretty-printed, deleting it."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from iamd.console import documents
from iamd.console.confirm import Confirmation, delete_by_plan
from iamd.console.console import Console
from iamd.console.deletion import Plan
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


def delete_page(section: str) -> Any:
    """Delete…Policy, once its name is typed."""
    operation, member, noun = KINDS[section]

    def view(page: Page) -> Response:
        name, policy_name = page.param("name"), page.param("policy")
        page.actor(operation, {member: name, "PolicyName": policy_name})
        owner_path = f"/iam/{section}/{quote(name, safe='')}"
        confirmation = Confirmation(
            heading=f"Delete inline policy {policy_name}?",
            word=policy_name,
            noun="policy name",
            action=f"{owner_path}/inline-policies/{quote(policy_name, safe='')}/delete",
            button="Delete",
            back=owner_path,
        )
        plan = Plan()
        delete = operation.replace("Get", "Delete", 1)
        plan.add(
            f"Delete the inline policy {policy_name} of the {noun} {name}",
            delete,
            **{member: name, "PolicyName": policy_name},
        )
        return delete_by_plan(
            page,
            confirmation,
            plan,
            section=section,
            done=lambda: page.redirect(owner_path, notice="changed", name=name),
        )

    return view


def routes(console: Console) -> list[BaseRoute]:
    found: list[BaseRoute] = []
    for section in KINDS:
        base = f"/iam/{section}/{{name}}/inline-policies/{{policy}}"
        view = endpoint(console, inline_policy_page(section))
        found.append(Route(base, view, methods=["GET"]))
        delete = endpoint(console, delete_page(section))
        found.append(Route(base + "/delete", delete, methods=["GET", "POST"]))
    return found
