"""Sign-up: a new account with a root user; then its id and its sign-in URLs."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from iamd.console import signup
from iamd.console.console import Console
from iamd.console.page import Page
from iamd.console.web import PUBLIC, endpoint


def signup_page(page: Page) -> Response:
    if not page.is_post:
        return page.render("signup.html", values={}, problems={}, rules=signup.PASSWORD_RULES)
    request = signup.SignUp(
        email=page.form.stripped("email"),
        password=page.form.get("password"),
        confirm=page.form.get("confirm"),
        account_name=page.form.stripped("account_name"),
    )
    outcome = signup.sign_up(page.conn, request, page.now)
    if outcome.account is None:
        values = {"email": request.email, "account_name": request.account_name}
        return page.render(
            "signup.html",
            status=400,
            values=values,
            problems=outcome.problems,
            rules=signup.PASSWORD_RULES,
        )
    account = outcome.account
    return page.render(
        "signup_done.html",
        account=account,
        user_signin_url=page.signin_url(account.account_id),
        root_signin_url=page.incoming.origin + page.url("/signin"),
    )


def routes(console: Console) -> list[BaseRoute]:
    return [
        Route("/signup", endpoint(console, signup_page, access=PUBLIC), methods=["GET", "POST"])
    ]
