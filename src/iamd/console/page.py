"""One console request while its view runs: the form, the session, the store, the caller.

A view reads what it needs from its `Page`, acts through `page.actor` (the signed-in
principal, through the API's operations) and answers with `render` or `redirect`.
Session changes (`sign_in`, `sign_out`) become cookies when the response leaves.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Connection
from starlette.responses import HTMLResponse, RedirectResponse, Response

from iamd.auth.caller import Caller
from iamd.console import csrf, sessions
from iamd.console.actions import Actor
from iamd.console.console import Console
from iamd.console.forms import Fields
from iamd.console.incoming import Incoming, set_cookie
from iamd.console.notices import notice_of
from iamd.console.sessions import Session


class Page:
    def __init__(
        self,
        console: Console,
        incoming: Incoming,
        form: Fields,
        conn: Connection,
        session: Session | None,
        nonce: str,
        now: datetime,
    ) -> None:
        self.console = console
        self.incoming = incoming
        self.form = form
        self.conn = conn
        self.session = session
        self.now = now
        self.caller: Caller | None = None
        self._nonce = nonce
        self._issued: Session | None = None
        self._ended = False

    # --- reading the request ------------------------------------------------------

    @property
    def query(self) -> Fields:
        return self.incoming.query

    def param(self, name: str) -> str:
        return self.incoming.path_params[name]

    @property
    def is_post(self) -> bool:
        return self.incoming.method == "POST"

    # --- acting -------------------------------------------------------------------

    @property
    def actor(self) -> Actor:
        """The signed-in principal, acting through the API's operations."""
        assert self.caller is not None, "only pages behind sign-in act"
        return self.actor_for(self.caller)

    def actor_for(self, caller: Caller) -> Actor:
        return Actor(self.conn, caller, self.console.server, self.incoming.meta)

    # --- answering ----------------------------------------------------------------

    @property
    def csrf_token(self) -> str:
        session_id = self.session.session_id if self.session is not None else ""
        return csrf.token_for(self.console.csrf_key, self._nonce, session_id)

    def url(self, path: str) -> str:
        return self.incoming.prefix + path

    def signin_url(self, reference: str) -> str:
        """Where an account's IAM users sign in (by its id or its alias)."""
        return f"{self.incoming.origin}{self.url('/' + reference + '/signin')}"

    def render(self, template: str, *, status: int = 200, **context: Any) -> Response:
        values = {
            "page": self,
            "prefix": self.incoming.prefix,
            "csrf_token": self.csrf_token,
            "session": self.session if self.session and self.session.is_done else None,
            "section": None,
            "notice": notice_of(self.query),
            **context,
        }
        html = self.console.templates.get_template(template).render(values)
        return HTMLResponse(html, status_code=status)

    def redirect(self, path: str, *, notice: str | None = None, name: str = "") -> Response:
        """303 See Other to a console path, with a confirmation `notices` knows."""
        if notice is not None:
            separator = "&" if "?" in path else "?"
            path += f"{separator}{urlencode({'notice': notice, 'name': name})}"
        return RedirectResponse(self.url(path), status_code=303)

    # --- the session --------------------------------------------------------------

    def sign_in(self, session: Session) -> None:
        self._issued = session
        self._ended = False

    def sign_out(self) -> None:
        self._issued = None
        self._ended = True

    def finish(self, response: Response) -> Response:
        """Write the session's changes into the response's cookies."""
        if self._issued is not None:
            token = sessions.encode(self.console.session_key, self._issued)
            max_age = int((self._issued.expires_at - self.now).total_seconds())
            set_cookie(
                response, self.incoming, sessions.COOKIE, token, same_site="lax", max_age=max_age
            )
        elif self._ended:
            response.delete_cookie(
                sessions.COOKIE,
                path=self.incoming.prefix or "/",
                httponly=True,
                samesite="lax",
                secure=self.incoming.is_secure,
            )
        return response
