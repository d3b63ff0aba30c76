""" "Add permissions" for a user, a group or a role: attach managed policies (and, for a
user, add it to groups), all in one go."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from iamd.console import picker
from iamd.console.actions import Actor, attempt
from iamd.console.console import Console
from iamd.console.page import Page
from iamd.console.state import FIELD, open_state, seal_state
from iamd.console.web import endpoint
from iamd.errors import ServiceError


@dataclass(frozen=True)
class Kind:
    noun: str  # "user", "group", "role"
    name_member: str  # "UserName" …
    attach: str  # "AttachUserPolicy" …

    @property
    def section(self) -> str:
        return self.noun + "s"

    def path(self, name: str) -> str:
        return f"/iam/{self.section}/{quote(name, safe='')}"


KINDS = {
    "users": Kind("user", "UserName", "AttachUserPolicy"),
    "groups": Kind("group", "GroupName", "AttachGroupPolicy"),
    "roles": Kind("role", "RoleName", "AttachRolePolicy"),
}


def attach_page(kind: Kind) -> Any:
    def view(page: Page) -> Response:
        assert page.session is not None
        name = page.param("name")
        sealer, session_id = page.console.server.sealer, page.session.session_id
        state = open_state(sealer, session_id, page.form.get(FIELD)) or {}
        selected = picker.selection(page.form, list(state.get("policies", [])))
        error = None
        if page.is_post and page.form.get("go") == "add":
            try:
                _attach(page.actor, kind, name, selected, page.form.getlist("group"))
            except ServiceError as problem:
                error = problem
            else:
                return page.redirect(kind.path(name), notice="changed", name=name)
        return page.render(
            "attach.html",
            status=error.status if error else 200,
            section=kind.section,
            kind=kind,
            name=name,
            error=error,
            back=page.url(kind.path(name)),
            state=seal_state(sealer, session_id, {"policies": selected}),
            groups=_groups(page.actor, name) if kind.noun == "user" else [],
            picker=picker.picker(page.actor, page.form, selected),
        )

    return view


def _attach(act: Actor, kind: Kind, name: str, policies: list[str], groups: list[str]) -> None:
    with act.conn.begin_nested():  # all of it, or none
        for group in groups:
            act("AddUserToGroup", {"UserName": name, "GroupName": group})
        for arn in policies:
            act(kind.attach, {kind.name_member: name, "PolicyArn": arn})


def _groups(act: Actor, user_name: str) -> list[str]:
    """The groups the user could join: every group it is not in yet."""
    every = attempt(act, "ListGroups", {"MaxItems": 1000})
    joined = attempt(act, "ListGroupsForUser", {"UserName": user_name, "MaxItems": 1000})
    if every.value is None:
        return []
    inside = {group["GroupName"] for group in (joined.value or {}).get("Groups", [])}
    return [g["GroupName"] for g in every.value["Groups"] if g["GroupName"] not in inside]


def routes(console: Console) -> list[BaseRoute]:
    return [
        Route(
            f"/iam/{section}/{{name}}/permissions",
            endpoint(console, attach_page(kind)),
            methods=["GET", "POST"],
        )
        for section, kind in KINDS.items()
    ]
