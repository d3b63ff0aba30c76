"""From a Starlette request to a console view and back.

`endpoint(console, view, access=…)` wraps a view (``Page -> Response``, plain
synchronous code) into a Starlette endpoint. It reads the body on the event loop,
then in a worker thread (argon2 must never stall the loop): checks a POST's CSRF
token and origin, opens one store transaction, finds the signed-in principal when the
page needs one, runs the view, turns an AWS error the view let through into an error
page, and sets cookies and security headers on the way out.

Access levels: PUBLIC (sign-up, sign-in), PENDING (a sign-in that still owes an MFA
code or a new password), SIGNED_IN (everything else).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from iamd.auth.caller import Caller
from iamd.console import csrf, sessions, switch_role
from iamd.console.console import Console
from iamd.console.forms import Fields, FormTooLarge, parse_body
from iamd.console.incoming import Incoming, read_incoming, set_cookie
from iamd.console.page import Page
from iamd.console.principals import caller_of
from iamd.errors import ServiceError
from iamd.server.edge import ClientDisconnect, client_gone
from iamd.store import console_sessions

PUBLIC = "public"
PENDING = "pending"
SIGNED_IN = "signed-in"

View = Callable[[Page], Response]

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


@dataclass(frozen=True)
class Handling:
    """How a view is served: who may see it, and whether its GET writes to the store."""

    view: View
    access: str
    writes: bool = False  # GET too (POST always does)


def endpoint(
    console: Console, view: View, *, access: str = SIGNED_IN, write: bool = False
) -> Callable[[Request], Awaitable[Response]]:
    handling = Handling(view, access, write)

    async def handle(request: Request) -> Response:
        try:
            incoming = await read_incoming(request)
        except ClientDisconnect:
            return client_gone(request)
        return await run_in_threadpool(serve, console, handling, incoming)

    return handle


def serve(console: Console, handling: Handling, incoming: Incoming) -> Response:
    nonce = incoming.cookies.get(csrf.COOKIE) or ""
    fresh_nonce = "" if nonce else csrf.new_nonce()
    try:
        response = _serve(console, handling, incoming, nonce or fresh_nonce)
    except FormTooLarge:
        response = HTMLResponse("The form is too large.", status_code=413)
    if fresh_nonce:
        set_cookie(response, incoming, csrf.COOKIE, fresh_nonce, same_site="strict")
    response.headers.update(SECURITY_HEADERS)
    return response


def _serve(console: Console, handling: Handling, incoming: Incoming, nonce: str) -> Response:
    now = console.server.clock.now()
    session = sessions.decode(console.session_key, incoming.cookies.get(sessions.COOKIE), now)
    is_post = incoming.method == "POST"
    form = _form_of(incoming) if is_post else Fields()
    session_id = session.session_id if session is not None else ""
    if is_post and not _is_genuine(console, incoming, form, nonce, session_id):
        return _forbidden(console, incoming)
    with console.server.db.transaction(write=is_post or handling.writes) as conn:
        page = Page(console, incoming, form, conn, session, nonce, now)
        if session is not None and not console_sessions.is_open(conn, session.handle, now):
            page.session = None  # signed out (here or wherever the cookie was copied from)
            page.sign_out()
        response = _refusal(page, handling.access) or _run(handling.view, page)
    return page.finish(response)


def _form_of(incoming: Incoming) -> Fields:
    if incoming.body is None:
        raise FormTooLarge("body too large")
    return parse_body(incoming.body, incoming.content_type)


def _run(view: View, page: Page) -> Response:
    try:
        return view(page)
    except ServiceError as error:
        return page.render("error.html", status=error.status, error=error, back=_back_link(page))


def _back_link(page: Page) -> str:
    """The console page the request came from (never another site), else the dashboard."""
    referer = page.incoming.headers.get("referer", "")
    own = page.incoming.origin + page.incoming.prefix + "/"
    return referer if referer.startswith(own) else page.url("/iam")


def _is_genuine(
    console: Console, incoming: Incoming, form: Fields, nonce: str, session_id: str
) -> bool:
    """A POST from one of our own pages: the right origin and this browser's token."""
    if not csrf.same_origin(incoming.headers, incoming.origin):
        return False
    return csrf.is_valid(console.csrf_key, nonce, session_id, form.get(csrf.FIELD))


def _refusal(page: Page, access: str) -> Response | None:
    """A redirect to where this visitor belongs, unless it may see this page."""
    session = page.session
    if access == PUBLIC:
        return None
    if session is None:
        return page.redirect("/signin")
    if access == PENDING:
        return page.redirect("/iam") if session.is_done else None
    if not session.is_done:
        return page.redirect(pending_path(session))
    caller = caller_of(page.conn, page.console.session_key, session)
    if caller is None:  # deleted, or its password changed since: sign in again
        page.sign_out()
        return page.redirect(signin_path(session))
    page.caller = _switched_caller(page, session) or caller
    return None


def _switched_caller(page: Page, session: sessions.Session) -> Caller | None:
    """The role the session switched to; an expired or deleted one switches back."""
    if not session.has_switched:
        return None
    sealer = page.console.server.sealer
    role = switch_role.role_caller(page.conn, sealer, session, page.now)
    if role is None:
        page.session = switch_role.switch_back(session)
        page.sign_in(page.session)
    return role


def signin_path(session: sessions.Session) -> str:
    """Where this session's principal signs in again."""
    return "/signin" if session.is_root else f"/{session.account_id}/signin"


def pending_path(session: sessions.Session) -> str:
    if session.stage == sessions.AWAITING_MFA:
        return "/signin/mfa"
    return "/signin/new-password"


def _forbidden(console: Console, incoming: Incoming) -> Response:
    template = console.templates.get_template("forbidden.html")
    return HTMLResponse(template.render(prefix=incoming.prefix), status_code=403)
