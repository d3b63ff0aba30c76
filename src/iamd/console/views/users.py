"""Users: the list (search, pages), a user's page, renaming and deleting a user."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import quote

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from iamd.console import dependents, name_rules
from iamd.console.actions import Actor, Attempt, attempt
from iamd.console.columns import user_columns
from iamd.console.confirm import Confirmation, delete_by_plan
from iamd.console.console import Console
from iamd.console.listing import all_items, paginate, search
from iamd.console.page import Page
from iamd.console.web import endpoint
from iamd.errors import NoSuchEntity, ServiceError, ValidationError


def user_list(page: Page) -> Response:
    query = page.query.get("q")
    users = all_items(page.actor, "ListUsers", "Users")
    found = search(users, query, lambda user: f"{user['UserName']} {user['Path']}")
    pagination = paginate(found, page.query.get("page"))
    act = page.actor
    columns = {u["UserName"]: user_columns(act, u, page.now) for u in pagination.items}
    return page.render(
        "users.html", section="users", query=query, pagination=pagination, columns=columns
    )


def user_detail(page: Page) -> Response:
    name = page.param("name")
    act = page.actor
    user = act("GetUser", {"UserName": name})["User"]
    return page.render(
        "user.html",
        section="users",
        user=user,
        **permissions_of(act, name),
        **credentials_of(act, name),
    )


def permissions_of(act: Actor, name: str) -> dict[str, Any]:
    who = {"UserName": name}
    return {
        "groups": attempt(act, "ListGroupsForUser", who),
        "attached": attempt(act, "ListAttachedUserPolicies", who),
        "inline": attempt(act, "ListUserPolicies", who),
    }


def credentials_of(act: Actor, name: str) -> dict[str, Any]:
    who = {"UserName": name}
    keys = attempt(act, "ListAccessKeys", who)
    return {
        "keys": keys,
        "last_used": last_used_of(act, keys),
        "login_profile": _login_profile(act, name),
        "mfa": attempt(act, "ListMFADevices", who),
    }


def last_used_of(act: Actor, keys: Attempt[Any]) -> dict[str, Any]:
    """Each listed key's GetAccessKeyLastUsed (empty where the caller may not ask)."""
    last_used = {}
    for key in keys.value["AccessKeyMetadata"] if keys.value else []:
        used = attempt(act, "GetAccessKeyLastUsed", {"AccessKeyId": key["AccessKeyId"]})
        last_used[key["AccessKeyId"]] = used.value["AccessKeyLastUsed"] if used.value else {}
    return last_used


def _login_profile(act: Actor, name: str) -> Attempt[Any]:
    """The console password's profile; a user without one is no error."""
    try:
        return Attempt(value=act("GetLoginProfile", {"UserName": name})["LoginProfile"])
    except NoSuchEntity:
        return Attempt(value=None)
    except ServiceError as error:
        return Attempt(error=error)


def rename_user(page: Page) -> Response:
    """UpdateUser with a new name; a user renaming itself stays signed in under it."""
    name = page.param("name")
    user = page.actor("GetUser", {"UserName": name})["User"]
    new_name = page.form.stripped("new_name") if page.is_post else name
    error: ServiceError | None = None
    problems: dict[str, str] = {}
    if page.is_post:
        try:
            page.actor("UpdateUser", {"UserName": name, "NewUserName": new_name})
        except ValidationError as invalid:
            problems = name_rules.problems_for("new_name", name_rules.USER, new_name, invalid)
        except ServiceError as refused:
            error = refused
        else:
            _follow_own_rename(page, user["UserId"], new_name)
            path = f"/iam/users/{quote(new_name, safe='')}"
            return page.redirect(path, notice="user-renamed", name=new_name)
    return page.render(
        "user_rename.html",
        status=error.status if error else (400 if problems else 200),
        section="users",
        user=user,
        new_name=new_name,
        error=error,
        problems=problems,
    )


def _follow_own_rename(page: Page, user_id: str, new_name: str) -> None:
    session = page.session
    if session is not None and not session.is_root and session.principal_id == user_id:
        page.sign_in(replace(session, name=new_name))


def delete_user(page: Page) -> Response:
    """Delete the user and all it has, as AWS's console does, after one confirmation."""
    name = page.param("name")
    page.actor("GetUser", {"UserName": name})
    confirmation = Confirmation(
        heading=f"Delete user {name}?",
        word=name,
        noun="user name",
        action=f"/iam/users/{quote(name, safe='')}/delete",
        button="Delete user",
        back=f"/iam/users/{quote(name, safe='')}",
    )
    return delete_by_plan(
        page,
        confirmation,
        dependents.user_plan(page.actor, name),
        section="users",
        done=lambda: page.redirect("/iam/users", notice="user-deleted", name=name),
    )


def routes(console: Console) -> list[BaseRoute]:
    return [
        Route("/iam/users", endpoint(console, user_list), methods=["GET"]),
        Route("/iam/users/{name}", endpoint(console, user_detail), methods=["GET"]),
        Route("/iam/users/{name}/delete", endpoint(console, delete_user), methods=["GET", "POST"]),
        Route("/iam/users/{name}/rename", endpoint(console, rename_user), methods=["GET", "POST"]),
    ]
