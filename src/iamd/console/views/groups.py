"""Groups: the list, "Create group" with up to ten policies, a group's page, deleting it."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from iamd.console import dependents, name_rules, picker
from iamd.console.actions import Actor, attempt, check_input
from iamd.console.columns import group_columns
from iamd.console.confirm import Confirmation, delete_by_plan
from iamd.console.console import Console
from iamd.console.listing import all_items, paginate, search
from iamd.console.page import Page
from iamd.console.state import FIELD, open_state, seal_state
from iamd.console.web import endpoint
from iamd.errors import ServiceError

MAX_GROUP_POLICIES = 10  # AWS's AttachedPoliciesPerGroupQuota


def group_list(page: Page) -> Response:
    query = page.query.get("q")
    groups = all_items(page.actor, "ListGroups", "Groups")
    found = search(groups, query, lambda group: str(group["GroupName"]))
    pagination = paginate(found, page.query.get("page"))
    columns = {g["GroupName"]: group_columns(page.actor, g["GroupName"]) for g in pagination.items}
    return page.render(
        "groups.html", section="groups", query=query, pagination=pagination, columns=columns
    )


def new_group(page: Page) -> Response:
    """One page: a name and a policy search; "Create group" makes it and attaches them."""
    assert page.session is not None
    sealer, session_id = page.console.server.sealer, page.session.session_id
    state = open_state(sealer, session_id, page.form.get(FIELD)) or {}
    selected = picker.selection(page.form, list(state.get("policies", [])))
    name = page.form.stripped("group_name")
    problem = None
    if page.is_post and page.form.get("go") == "create":
        problem = _problem(name, selected)
        if problem is None:
            try:
                _create(page.actor, name, selected)
            except ServiceError as error:
                problem = error.message
            else:
                # As AWS's console: back to the groups, the new one among them.
                return page.redirect("/iam/groups", notice="group-created", name=name)
    return page.render(
        "group_new.html",
        status=400 if problem else 200,
        section="groups",
        group_name=name,
        problem=problem,
        state=seal_state(sealer, session_id, {"policies": selected}),
        picker=picker.picker(page.actor, page.form, selected),
    )


def _problem(name: str, policies: list[str]) -> str | None:
    try:
        check_input("CreateGroup", {"GroupName": name})
    except ServiceError as error:
        return f"{name_rules.GROUP.words}. ({error.message})"
    if len(policies) > MAX_GROUP_POLICIES:
        return f"A group can have at most {MAX_GROUP_POLICIES} policies; {len(policies)} chosen."
    return None


def _create(act: Actor, name: str, policies: list[str]) -> None:
    with act.conn.begin_nested():  # the group and its policies, or nothing
        act("CreateGroup", {"GroupName": name})
        for arn in policies:
            act("AttachGroupPolicy", {"GroupName": name, "PolicyArn": arn})


def group_detail(page: Page) -> Response:
    name = page.param("name")
    act = page.actor
    group = act("GetGroup", {"GroupName": name, "MaxItems": 1000})
    return page.render(
        "group.html",
        section="groups",
        group=group["Group"],
        members=group["Users"],
        attached=attempt(act, "ListAttachedGroupPolicies", {"GroupName": name}),
        inline=attempt(act, "ListGroupPolicies", {"GroupName": name}),
        candidates=_candidates(act, group["Users"]),
    )


def _candidates(act: Actor, members: list[dict[str, Any]]) -> list[str]:
    """The users not yet in the group (none when the caller may not list users)."""
    try:
        users = all_items(act, "ListUsers", "Users")
    except ServiceError:
        return []
    inside = {member["UserName"] for member in members}
    return [user["UserName"] for user in users if user["UserName"] not in inside]


def _back(page: Page, name: str) -> Response:
    return page.redirect(f"/iam/groups/{quote(name, safe='')}", notice="changed", name=name)


def add_members(page: Page) -> Response:
    name = page.param("name")
    with page.actor.conn.begin_nested():
        for user_name in page.form.getlist("user"):
            page.actor("AddUserToGroup", {"GroupName": name, "UserName": user_name})
    return _back(page, name)


def remove_member(page: Page) -> Response:
    name = page.param("name")
    page.actor("RemoveUserFromGroup", {"GroupName": name, "UserName": page.form.get("user")})
    return _back(page, name)


def detach_policy(page: Page) -> Response:
    name = page.param("name")
    page.actor("DetachGroupPolicy", {"GroupName": name, "PolicyArn": page.form.get("policy_arn")})
    return _back(page, name)


def delete_group(page: Page) -> Response:
    """Remove the members, detach and delete the policies, delete the group: once confirmed."""
    name = page.param("name")
    page.actor("GetGroup", {"GroupName": name, "MaxItems": 1})
    path = f"/iam/groups/{quote(name, safe='')}"
    confirmation = Confirmation(
        heading=f"Delete group {name}?",
        word=name,
        noun="group name",
        action=path + "/delete",
        button="Delete group",
        back=path,
    )
    return delete_by_plan(
        page,
        confirmation,
        dependents.group_plan(page.actor, name),
        section="groups",
        done=lambda: page.redirect("/iam/groups", notice="group-deleted", name=name),
    )


def routes(console: Console) -> list[BaseRoute]:
    both = ["GET", "POST"]
    post = ["POST"]
    return [
        Route("/iam/groups", endpoint(console, group_list), methods=["GET"]),
        Route("/iam/groups/new", endpoint(console, new_group), methods=both),
        Route("/iam/groups/{name}", endpoint(console, group_detail), methods=["GET"]),
        Route("/iam/groups/{name}/members", endpoint(console, add_members), methods=post),
        Route("/iam/groups/{name}/members/remove", endpoint(console, remove_member), methods=post),
        Route("/iam/groups/{name}/policies/detach", endpoint(console, detach_policy), methods=post),
        Route("/iam/groups/{name}/delete", endpoint(console, delete_group), methods=both),
    ]
