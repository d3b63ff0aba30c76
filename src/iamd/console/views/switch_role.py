""" "Switch role" and "Switch back", from a role's page and the top bar."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from iamd.console import switch_role
from iamd.console.console import Console
from iamd.console.page import Page
from iamd.console.principals import caller_of
from iamd.console.web import endpoint
from iamd.errors import ServiceError


def switch(page: Page) -> Response:
    """GET: the form (an account and a role name); POST: AssumeRole and act as the role."""
    session = page.session
    assert session is not None
    if not page.is_post:
        return page.render("switch_role.html", error=None, values={})
    # Always from the signed-in user itself, not from a role it switched to before.
    base = switch_role.switch_back(session)
    user = caller_of(page.conn, page.console.session_key, base)
    assert user is not None
    role_arn = switch_role.role_arn_from(
        page.conn,
        page.form.stripped("role_arn"),
        page.form.stripped("account"),
        page.form.stripped("role_name"),
    )
    try:
        switched = switch_role.switch(page.actor_for(user), base, role_arn)
    except ServiceError as error:
        return page.render(
            "switch_role.html", status=error.status, error=error, values=dict(page.form.pairs)
        )
    page.sign_in(switched)
    return page.redirect("/iam", notice="switched", name=switched.role_name or "")


def switch_back(page: Page) -> Response:
    assert page.session is not None
    page.sign_in(switch_role.switch_back(page.session))
    return page.redirect("/iam", notice="switched-back")


def routes(console: Console) -> list[BaseRoute]:
    return [
        Route("/switch-role", endpoint(console, switch), methods=["GET", "POST"]),
        Route("/switch-back", endpoint(console, switch_back), methods=["POST"]),
    ]
