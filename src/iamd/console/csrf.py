"""Cross-site request forgery: a token in every form, bound to a cookie and the session.

Every visitor holds a random nonce in an HttpOnly, SameSite=Strict cookie. A form's
token is the HMAC of that nonce and the current session id under a key of its own, so
a token is worth nothing to another browser, nor after signing in or out (the session
id changes). A POST must carry the token; when the browser says where the request
came from (``Origin``, else ``Referer``), that must be this console's own origin.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Mapping
from urllib.parse import urlsplit

from iamd.console import signing

COOKIE = "iamd-console-csrf"
FIELD = "csrf_token"


def new_nonce() -> str:
    return secrets.token_urlsafe(24)


def token_for(key: bytes, nonce: str, session_id: str) -> str:
    """The token forms carry for this browser (nonce) and this session."""
    return signing.mac(key, f"{nonce}|{session_id}")


def is_valid(key: bytes, nonce: str | None, session_id: str, token: str | None) -> bool:
    """Whether ``token`` is this browser's token for this session (constant time)."""
    if not nonce or not token:
        return False
    return hmac.compare_digest(token_for(key, nonce, session_id).encode(), token.encode())


def same_origin(headers: Mapping[str, str], origin: str) -> bool:
    """Whether the request says it came from ``origin`` (or says nothing at all).

    A browser that sends neither header gives nothing to check; the token still is.
    """
    claimed = headers.get("origin")
    if claimed is None or claimed == "null":
        referer = headers.get("referer")
        if not referer:
            return claimed is None
        parts = urlsplit(referer)
        claimed = f"{parts.scheme}://{parts.netloc}"
    return claimed.rstrip("/") == origin.rstrip("/")
