"""The process's ASGI app: the API endpoint with the console and forward-auth beside it.

Composed here, at the top of the layers, so that `iamd.server` and `iamd.console`
never import each other.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route

from iamd.console.app import create_console_app
from iamd.console.console import ConsoleSettings
from iamd.gateway.forward_auth import Authorizer, forward_auth_routes
from iamd.server.app import ApiFirst, create_app
from iamd.server.pipeline import Server


def create_combined_app(server: Server, console: ConsoleSettings | None = None) -> ApiFirst:
    async def console_home(request: Request) -> Response:
        return RedirectResponse("/console/", status_code=308)

    async def favicon(request: Request) -> Response:
        return RedirectResponse("/console/favicon.ico", status_code=308)

    mounts = [
        Route("/console", console_home, methods=["GET"]),
        Route("/favicon.ico", favicon, methods=["GET"]),
        Mount("/console", app=create_console_app(server, console)),
    ]
    # nginx auth_request, Traefik ForwardAuth and Envoy ext_authz ask here.
    authorizer = Authorizer(server.db, server.sealer, server.clock, server.trail)
    forward_auth = forward_auth_routes(authorizer)
    return create_app(server, mounts=[*mounts, *forward_auth])
