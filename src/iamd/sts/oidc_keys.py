"""An OpenID Connect issuer's signing keys, found the way OIDC discovery says.

In: the issuer URL of an OIDC provider registered in IAM (``https://host/path``).
Out: the keys of its JSON Web Key Set: ``<issuer>/.well-known/openid-configuration``
names the ``jwks_uri``, which holds ``{"keys": [...]}``. Both are fetched over HTTPS
with the system's certificate authorities, with a short timeout and a size cap, and
kept for `CACHE_SECONDS`; a token signed with a key not (yet) in the cached set
refetches at most once every `REFRESH_SECONDS`, so a key rotation is picked up but a
flood of bad tokens cannot make iamd hammer the issuer.

Loopback issuers (127.0.0.1, ::1, localhost) are fetched over plain HTTP instead:
IAM requires ``https://`` in the provider URL, but a test or development issuer on
the same machine needs no certificate, and loopback traffic never leaves the host.
No other host is ever fetched without TLS.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from iamd.errors import InvalidIdentityToken

CACHE_SECONDS = 300.0
REFRESH_SECONDS = 10.0
TIMEOUT_SECONDS = 5.0
MAX_DOCUMENT_BYTES = 1_000_000
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
UNREACHABLE = (
    "Couldn't retrieve verification key from your identity provider,  please reference "
    "AssumeRoleWithWebIdentity documentation for requirements"
)

Keys = Sequence[Mapping[str, Any]]


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect could lead off HTTPS; an issuer's documents are fetched where named."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)
_LOOPBACK_OPENER = urllib.request.build_opener(_NoRedirects, urllib.request.ProxyHandler({}))

_lock = threading.Lock()
_cache: dict[str, tuple[float, Keys]] = {}  # issuer → (fetched at, keys)


def issuer_keys(issuer_url: str, *, refresh: bool = False) -> Keys:
    """The issuer's signing keys, from the cache unless stale or a refresh is asked for."""
    now = time.monotonic()
    with _lock:
        cached = _cache.get(issuer_url)
    if cached is not None:
        age = now - cached[0]
        if age < CACHE_SECONDS and not (refresh and age >= REFRESH_SECONDS):
            return cached[1]
    keys = _fetch_keys(issuer_url)
    with _lock:
        _cache[issuer_url] = (now, keys)
    return keys


def _fetch_keys(issuer_url: str) -> Keys:
    configuration = _fetch_json(issuer_url.rstrip("/") + "/.well-known/openid-configuration")
    jwks_uri = configuration.get("jwks_uri")
    if not isinstance(jwks_uri, str):
        raise InvalidIdentityToken(UNREACHABLE)
    keys = _fetch_json(jwks_uri).get("keys")
    if not isinstance(keys, list):
        raise InvalidIdentityToken(UNREACHABLE)
    return tuple(key for key in keys if isinstance(key, dict))


def fetch_url(url: str) -> str:
    """The URL to fetch: as given over HTTPS, over HTTP for a loopback host only."""
    parts = urlsplit(url)
    if parts.hostname in LOOPBACK_HOSTS and parts.scheme in ("http", "https"):
        return urlunsplit(("http", *parts[1:]))
    if parts.scheme != "https":
        raise InvalidIdentityToken(UNREACHABLE)
    return url


def _fetch_json(url: str) -> Mapping[str, Any]:
    target = fetch_url(url)
    opener = _LOOPBACK_OPENER if urlsplit(target).hostname in LOOPBACK_HOSTS else _OPENER
    request = urllib.request.Request(target, headers={"Accept": "application/json"})
    try:
        with opener.open(request, timeout=TIMEOUT_SECONDS) as answer:
            body = answer.read(MAX_DOCUMENT_BYTES + 1)
        document = json.loads(body) if len(body) <= MAX_DOCUMENT_BYTES else None
    except (OSError, ValueError):
        raise InvalidIdentityToken(UNREACHABLE) from None
    if not isinstance(document, dict):
        raise InvalidIdentityToken(UNREACHABLE)
    return document
