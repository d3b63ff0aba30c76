"""The console as a Starlette app, mounted by `iamd.cli.asgi` at ``/console``.

Pages are rendered on the server (Jinja2 templates in ``templates/``); the stylesheet
and a little optional JavaScript are served from ``static/``, both shipped inside the
package.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from iamd.console.console import Console, ConsoleSettings, create_console
from iamd.console.page import Page
from iamd.console.views import (
    access_advisor,
    attach,
    dashboard,
    event_history,
    groups,
    inline_policies,
    own_account,
    own_keys,
    policies,
    provider_new,
    providers,
    role_wizard,
    roles,
    root_login,
    settings,
    signin,
    signup,
    switch_role,
    tags,
    user_access,
    user_wizard,
    users,
)
from iamd.console.web import PUBLIC, endpoint
from iamd.server.edge import every_method
from iamd.server.pipeline import Server


def create_console_app(server: Server, settings: ConsoleSettings | None = None) -> Starlette:
    console = create_console(server, settings)
    return Starlette(routes=console_routes(console))


def console_routes(console: Console) -> list[BaseRoute]:
    async def home(request: Request) -> Response:
        return RedirectResponse(str(request.scope.get("root_path", "")) + "/iam", status_code=303)

    async def favicon(request: Request) -> Response:
        path = str(request.scope.get("root_path", "")) + "/static/favicon.svg"
        return RedirectResponse(path, status_code=308)

    static = StaticFiles(packages=[("iamd.console", "static")])
    routes: list[BaseRoute] = [
        Route("/", home, methods=["GET"]),
        Route("/favicon.ico", favicon, methods=["GET"]),
        Mount("/static", app=static, name="static"),
    ]
    # INVARIANT: /iam/users/new and /iam/roles/new are listed before …/{name}.
    areas = [
        signup,
        root_login,
        signin,
        dashboard,
        user_wizard,
        own_account,
        own_keys,
        users,
        user_access,
        attach,
    ]
    areas += [
        inline_policies,
        groups,
        role_wizard,
        roles,
        policies,
        provider_new,
        providers,
        settings,
        switch_role,
        tags,
        event_history,
        access_advisor,
    ]
    for area in areas:
        routes += area.routes(console)
    not_found = endpoint(console, _not_found, access=PUBLIC)
    # Any other path, or a method a page does not take, is the console's own 404 page.
    return [*routes, Route("/{path:path}", every_method(not_found))]


def _not_found(page: Page) -> Response:
    return page.render("not_found.html", status=404)
