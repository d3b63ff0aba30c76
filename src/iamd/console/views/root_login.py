"""A root user's one-time links: set its console login, reset its password, and the
"Forgot password?" page that says how to get a link (iamd sends no mail)."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from iamd import root_login
from iamd.console import root_links
from iamd.console.console import Console
from iamd.console.page import Page
from iamd.console.signup import PASSWORD_RULES
from iamd.console.web import PUBLIC, endpoint


def set_login_page(page: Page) -> Response:
    token = page.param("token")
    account = root_login.account_of_link(page.conn, token, root_login.SET_LOGIN, page.now)
    if account is None:
        return _dead(page)
    if not page.is_post:
        return _form(page, "set-login", email=root_links.shown_email(account), problems={})
    email = page.form.stripped("email")
    outcome = root_links.set_login(
        page.conn, token, email, page.form.get("password"), page.form.get("confirm"), page.now
    )
    if outcome.is_dead:
        return _dead(page)
    if outcome.account is None:
        return _form(page, "set-login", status=400, email=email, problems=outcome.problems)
    # The same page whether or not the email was free: it says nothing either way.
    return page.render(
        "root_link_done.html", account=outcome.account, email=email, purpose="set-login"
    )


def reset_password_page(page: Page) -> Response:
    token = page.param("token")
    account = root_login.account_of_link(page.conn, token, root_login.RESET_PASSWORD, page.now)
    if account is None:
        return _dead(page)
    if not page.is_post:
        return _form(page, "reset-password", email=account.email, problems={})
    outcome = root_links.reset_password(
        page.conn, token, page.form.get("password"), page.form.get("confirm"), page.now
    )
    if outcome.is_dead:
        return _dead(page)
    if outcome.account is None:
        return _form(
            page, "reset-password", status=400, email=account.email, problems=outcome.problems
        )
    return page.render(
        "root_link_done.html",
        account=outcome.account,
        email=outcome.account.email,
        purpose="reset-password",
    )


def _form(
    page: Page, purpose: str, *, email: str, problems: dict[str, str], status: int = 200
) -> Response:
    return page.render(
        "root_link.html",
        status=status,
        purpose=purpose,
        email=email,
        problems=problems,
        rules=PASSWORD_RULES,
    )


def _dead(page: Page) -> Response:
    return page.render("root_link_dead.html", status=404)


def forgot_password(page: Page) -> Response:
    return page.render(
        "forgot_password.html", lifetime=root_login.lifetime_text(root_login.RESET_PASSWORD)
    )


def routes(console: Console) -> list[BaseRoute]:
    both = ["GET", "POST"]
    return [
        Route(
            "/root-login/{token}", endpoint(console, set_login_page, access=PUBLIC), methods=both
        ),
        Route(
            "/reset-password/{token}",
            endpoint(console, reset_password_page, access=PUBLIC),
            methods=both,
        ),
        Route("/signin/forgot-password", endpoint(console, forgot_password, access=PUBLIC)),
    ]
