"""What the event loop reads of a console request before a worker thread handles it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from iamd.console.forms import MAX_BODY_BYTES, Fields, parse_fields
from iamd.operation import RequestMeta
from iamd.protocol.characters import xml_safe
from iamd.server.edge import read_body


@dataclass(frozen=True)
class Incoming:
    method: str
    path_params: dict[str, str]
    query: Fields
    body: bytes | None  # None: larger than the console accepts
    content_type: str
    headers: dict[str, str]
    cookies: dict[str, str]
    origin: str  # scheme://host as the browser addressed us
    prefix: str  # where the console is mounted, e.g. "/console"
    meta: RequestMeta

    @property
    def is_secure(self) -> bool:
        return self.origin.startswith("https:")


async def read_incoming(request: Request) -> Incoming:
    body = await read_body(request.receive, MAX_BODY_BYTES)
    host = request.headers.get("host", "localhost")
    return Incoming(
        method=request.method,
        path_params={key: xml_safe(str(value)) for key, value in request.path_params.items()},
        query=parse_fields(request.url.query),
        body=body,
        content_type=request.headers.get("content-type", ""),
        headers={key.lower(): value for key, value in request.headers.items()},
        cookies=dict(request.cookies),
        origin=f"{request.url.scheme}://{host}",
        prefix=str(request.scope.get("root_path", "")).rstrip("/"),
        meta=RequestMeta(
            source_ip=request.client.host if request.client else "127.0.0.1",
            user_agent=request.headers.get("user-agent", ""),
            secure_transport=request.url.scheme == "https",
        ),
    )


def set_cookie(
    response: Response, incoming: Incoming, name: str, value: str, *, same_site: str, **extra: Any
) -> None:
    """An HttpOnly cookie scoped to the console's path; Secure when served over HTTPS."""
    response.set_cookie(
        name,
        value,
        path=incoming.prefix or "/",
        httponly=True,
        samesite=same_site,  # type: ignore[arg-type]
        secure=incoming.is_secure,
        **extra,
    )
