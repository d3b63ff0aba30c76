"""Sign-in pages: the root user's, each account's for its IAM users, the MFA code, the
required new password, and sign-out."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from iamd.console import principals, sessions, signin
from iamd.console.console import Console
from iamd.console.own_password import change_own_password
from iamd.console.page import Page
from iamd.console.signin import Result
from iamd.console.signin_events import SignInOrigin
from iamd.console.web import PENDING, PUBLIC, endpoint, pending_path, signin_path
from iamd.store import console_sessions


def root_signin(page: Page) -> Response:
    if not page.is_post:
        return page.render("signin_root.html", email="", message=None)
    email = page.form.stripped("email")
    password = page.form.get("password")
    result = signin.sign_in_root(page.conn, page.console, email, password, page.now, _origin(page))
    if result.session is None:
        return page.render("signin_root.html", status=401, email=email, message=result.message)
    return _proceed(page, result)


def user_signin(page: Page) -> Response:
    reference = page.param("account")
    account = principals.account_by_reference(page.conn, reference)
    if account is None:
        return page.render("signin_unknown.html", status=404, reference=reference)
    context: dict[str, Any] = {"account": account, "reference": reference}
    if not page.is_post:
        return page.render("signin_user.html", user_name="", message=None, **context)
    user_name = page.form.stripped("user_name")
    password = page.form.get("password")
    result = signin.sign_in_user(
        page.conn, page.console, account, user_name, password, page.now, _origin(page)
    )
    if result.session is None:
        return page.render(
            "signin_user.html", status=401, user_name=user_name, message=result.message, **context
        )
    return _proceed(page, result)


def account_signin(page: Page) -> Response:
    """The root sign-in page's "IAM user" box: on to that account's own sign-in URL."""
    reference = page.query.stripped("account")
    if not reference or "/" in reference:
        return page.redirect("/signin")
    return page.redirect(f"/{quote(reference, safe='')}/signin")


def _origin(page: Page) -> SignInOrigin:
    """Where the attempt came from, and the console home it signs in to (``LoginTo``)."""
    return SignInOrigin(page.incoming.meta, page.incoming.origin + page.url("/iam"))


def _proceed(page: Page, result: Result) -> Response:
    """Keep the session and go to what it still owes, or to the dashboard."""
    assert result.session is not None
    page.sign_in(result.session)
    if result.session.is_done:
        return page.redirect("/iam")
    return page.redirect(pending_path(result.session))


def mfa_page(page: Page) -> Response:
    session = page.session
    assert session is not None
    if session.stage != sessions.AWAITING_MFA:
        return page.redirect(pending_path(session))
    if not page.is_post:
        return page.render("signin_mfa.html", message=None, name=session.name)
    code = page.form.stripped("code")
    result = signin.check_mfa(page.conn, page.console, session, code, page.now, _origin(page))
    if result.session is None:
        return page.render("signin_mfa.html", status=401, message=result.message, name=session.name)
    return _proceed(page, result)


def new_password_page(page: Page) -> Response:
    session = page.session
    assert session is not None
    if session.stage != sessions.AWAITING_NEW_PASSWORD:
        return page.redirect(pending_path(session))
    if not page.is_post:
        return page.render("signin_new_password.html", message=None, name=session.name)
    message = change_own_password(page)
    if message is not None:
        return page.render(
            "signin_new_password.html", status=400, message=message, name=session.name
        )
    return page.redirect("/iam")


def signout(page: Page) -> Response:
    """End the session on the server too: the cookie, wherever it went, stops working."""
    session = page.session
    if session is not None:
        console_sessions.close_session(page.conn, session.handle)
    page.sign_out()
    if session is not None and not session.is_root:
        return page.redirect(signin_path(session) + "?signed_out=1")
    return page.redirect("/signin?signed_out=1")


def routes(console: Console) -> list[BaseRoute]:
    both = ["GET", "POST"]
    return [
        Route("/signin", endpoint(console, root_signin, access=PUBLIC), methods=both),
        Route("/signin/account", endpoint(console, account_signin, access=PUBLIC)),
        Route("/signin/mfa", endpoint(console, mfa_page, access=PENDING), methods=both),
        Route(
            "/signin/new-password",
            endpoint(console, new_password_page, access=PENDING),
            methods=both,
        ),
        Route("/signout", endpoint(console, signout, access=PUBLIC), methods=["POST"]),
        Route("/{account}/signin", endpoint(console, user_signin, access=PUBLIC), methods=both),
    ]
