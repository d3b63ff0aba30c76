"""Routes that take every HTTP method, so the service's own error shape answers all.

Starlette routes a function endpoint only the methods its route lists and answers
any other (PROPFIND, TRACE…) itself, in plain text. An endpoint wrapped as an ASGI
app is routed every method, and decides itself which it takes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

Endpoint = Callable[[Request], Awaitable[Response]]


class every_method:
    """``endpoint`` as an ASGI app, which Starlette routes every method to."""

    def __init__(self, endpoint: Endpoint) -> None:
        self._endpoint = endpoint

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self._endpoint(Request(scope, receive, send))
        await response(scope, receive, send)
