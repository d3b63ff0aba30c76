"""Where a request came from, as the HTTP layer saw it: the input of network keys."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RequestMeta:
    """What the HTTP request tells about its origin, for condition keys."""

    source_ip: str = "127.0.0.1"
    user_agent: str = ""
    secure_transport: bool = False
    host: str = "localhost"  # the Host the request was sent to (names iamd's issuer URLs)
