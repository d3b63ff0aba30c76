"""Roles: the list, a role's page (its trust policy pretty-printed, its permissions),
editing its trust policy, and deleting it. Creating one is `role_wizard`'s; "Switch
role" is in `switch_role`."""

from __future__ import annotations

from urllib.parse import quote

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from iamd.console import dependents, documents
from iamd.console.actions import attempt, is_implemented
from iamd.console.columns import may_be_switched_to, trusted_entities
from iamd.console.confirm import Confirmation, delete_by_plan
from iamd.console.console import Console
from iamd.console.listing import all_items, paginate, search
from iamd.console.page import Page
from iamd.console.web import endpoint
from iamd.errors import MalformedPolicyDocument, ServiceError


def role_list(page: Page) -> Response:
    query = page.query.get("q")
    roles = all_items(page.actor, "ListRoles", "Roles")
    found = search(roles, query, lambda role: f"{role['RoleName']} {role.get('Description', '')}")
    pagination = paginate(found, page.query.get("page"))
    trusted = {
        role["RoleName"]: trusted_entities(role["AssumeRolePolicyDocument"])
        for role in pagination.items
    }
    return page.render(
        "roles.html", section="roles", query=query, pagination=pagination, trusted=trusted
    )


def role_detail(page: Page) -> Response:
    name = page.param("name")
    act = page.actor
    role = act("GetRole", {"RoleName": name})["Role"]
    return page.render(
        "role.html",
        section="roles",
        role=role,
        trust=documents.pretty(role["AssumeRolePolicyDocument"]),
        attached=attempt(act, "ListAttachedRolePolicies", {"RoleName": name}),
        inline=attempt(act, "ListRolePolicies", {"RoleName": name}),
        can_switch=is_implemented("sts", "AssumeRole")
        and not _is_root(page)
        and may_be_switched_to(role["AssumeRolePolicyDocument"], _own_account(page)),
        trusted=trusted_entities(role["AssumeRolePolicyDocument"]),
    )


def _own_account(page: Page) -> str:
    """The account of the signed-in user (a role it switched to is in another, maybe)."""
    assert page.session is not None
    return page.session.account_id


def _is_root(page: Page) -> bool:
    return page.session is None or page.session.is_root  # AWS: root may not assume roles


def edit_trust(page: Page) -> Response:
    """UpdateAssumeRolePolicy from JSON; a refused document's problem shown at its line."""
    name = page.param("name")
    role = page.actor("GetRole", {"RoleName": name})["Role"]
    document = (
        page.form.get("trust")
        if page.is_post
        else documents.pretty(role["AssumeRolePolicyDocument"])
    )
    problem: documents.Problem | None = None
    if page.is_post:
        try:
            page.actor("UpdateAssumeRolePolicy", {"RoleName": name, "PolicyDocument": document})
        except MalformedPolicyDocument as error:
            problem = documents.problem_in(document, error, "trust")
        except ServiceError as error:
            problem = documents.Problem(error.message, None, error.code)
        else:
            path = f"/iam/roles/{quote(name, safe='')}"
            return page.redirect(path, notice="trust-saved", name=name)
    return page.render(
        "role_trust.html",
        status=problem_status(problem),
        section="roles",
        role=role,
        document=document,
        problem=problem,
        lines=documents.numbered(document),
    )


def problem_status(problem: documents.Problem | None) -> int:
    if problem is None:
        return 200
    return 403 if problem.code == "AccessDenied" else 400


def delete_role(page: Page) -> Response:
    """Take the role out of its instance profiles, drop its policies, delete it: once confirmed."""
    name = page.param("name")
    page.actor("GetRole", {"RoleName": name})
    path = f"/iam/roles/{quote(name, safe='')}"
    confirmation = Confirmation(
        heading=f"Delete role {name}?",
        word=name,
        noun="role name",
        action=path + "/delete",
        button="Delete role",
        back=path,
        warning="Whatever assumes this role (an instance, a function, a user) loses its access.",
    )
    return delete_by_plan(
        page,
        confirmation,
        dependents.role_plan(page.actor, name),
        section="roles",
        done=lambda: page.redirect("/iam/roles", notice="role-deleted", name=name),
    )


def detach_policy(page: Page) -> Response:
    name = page.param("name")
    page.actor("DetachRolePolicy", {"RoleName": name, "PolicyArn": page.form.get("policy_arn")})
    return page.redirect(f"/iam/roles/{quote(name, safe='')}", notice="changed", name=name)


def routes(console: Console) -> list[BaseRoute]:
    post = ["POST"]
    return [
        Route("/iam/roles", endpoint(console, role_list), methods=["GET"]),
        Route("/iam/roles/{name}", endpoint(console, role_detail), methods=["GET"]),
        Route("/iam/roles/{name}/trust", endpoint(console, edit_trust), methods=["GET", "POST"]),
        Route("/iam/roles/{name}/delete", endpoint(console, delete_role), methods=["GET", "POST"]),
        Route("/iam/roles/{name}/policies/detach", endpoint(console, detach_policy), methods=post),
    ]
