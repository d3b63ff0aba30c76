"""Signed tokens for the console's cookies and forms: JSON in, tamper-evident text out.

In: the server's master key (`Server.sealer.key`), a purpose ("session", "csrf" …) and
a JSON-able payload. Out: ``<base64url(payload)>.<base64url(HMAC-SHA256)>``. Each
purpose signs under a key of its own, derived from the master key, so a token minted
for one purpose never verifies as another and the master key itself never signs.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from typing import Any

_KEY_LABEL = b"iamd console key v1: "


def derive_key(master_key: bytes, purpose: str) -> bytes:
    """A key for one purpose, derived from the master key (HMAC as a PRF)."""
    return hmac.new(master_key, _KEY_LABEL + purpose.encode(), hashlib.sha256).digest()


def mac(key: bytes, message: str) -> str:
    """The base64url HMAC-SHA256 of ``message``."""
    digest = hmac.new(key, message.encode(), hashlib.sha256).digest()
    return _encode(digest)


def sign(key: bytes, payload: dict[str, Any]) -> str:
    body = _encode(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode())
    return f"{body}.{mac(key, body)}"


def unsign(key: bytes, token: str) -> dict[str, Any] | None:
    """The payload of a token this key signed; None for anything else."""
    body, dot, signature = token.partition(".")
    if not dot or not hmac.compare_digest(mac(key, body).encode(), signature.encode()):
        return None
    try:
        payload = json.loads(_decode(body))
    except (ValueError, binascii.Error):
        return None
    return payload if isinstance(payload, dict) else None


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
