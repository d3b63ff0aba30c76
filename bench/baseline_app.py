"""The reference: a minimal Starlette endpoint that reads the body and does no work.

Served by the same uvicorn as iamd, it measures what the HTTP stack alone costs on
this machine in this run, so iamd's figure can be reported as a ratio.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

EMPTY_XML = b'<?xml version="1.0" encoding="UTF-8"?><Ok/>'


async def endpoint(request: Request) -> Response:
    await request.body()
    return Response(EMPTY_XML, media_type="text/xml")


app = Starlette(routes=[Route("/{path:path}", endpoint, methods=["GET", "POST"])])
