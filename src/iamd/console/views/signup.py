"""Sign-up: a new account with a root user; then its id and its sign-in URLs."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from iamd.console import signup
from iamd.console.console import Console
from iamd.console.page import Page
from iamd.console.web import PUBLIC, endpoint


def signup_page(page: Page) -> Response:
    settings = page.console.settings
    if not settings.is_signup_open:
        return page.render("signup_closed.html", status=403)
    if not page.is_post:
        return _form(page, {}, {})
    request = signup.SignUp(
        email=page.form.stripped("email"),
        password=page.form.get("password"),
        confirm=page.form.get("confirm"),
        account_name=page.form.stripped("account_name"),
    )
    values = {"email": request.email, "account_name": request.account_name}
    problems = signup.problems_of(request)
    if problems:  # a mistyped form costs nothing of the address's allowance
        return _form(page, values, problems, status=400)
    address = page.incoming.meta.source_ip
    if not signup.allow_signup(page.conn, address, page.now, settings.signups_per_hour):
        return _form(page, values, {"form": signup.TOO_MANY}, status=429)
    outcome = signup.sign_up(page.conn, request, page.now)
    if outcome.problems:
        return _form(page, values, outcome.problems, status=400)
    # The same page whether or not the email had an account: it says nothing either way.
    return page.render(
        "signup_done.html",
        email=request.email,
        root_signin_url=page.incoming.origin + page.url("/signin"),
    )


def _form(
    page: Page, values: dict[str, str], problems: dict[str, str], *, status: int = 200
) -> Response:
    return page.render(
        "signup.html", status=status, values=values, problems=problems, rules=signup.PASSWORD_RULES
    )


def routes(console: Console) -> list[BaseRoute]:
    return [
        Route("/signup", endpoint(console, signup_page, access=PUBLIC), methods=["GET", "POST"])
    ]
