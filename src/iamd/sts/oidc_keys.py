"""An OpenID Connect issuer's signing keys: found the way OIDC discovery says, cached per issuer.

In: the URL of an OIDC provider registered in IAM (``https://host/path``). Out:
`KeySet` — the public signing keys of its JSON Web Key Set, or the fact that they could
not be had. ``<issuer>/.well-known/openid-configuration`` names the ``jwks_uri``, which
holds ``{"keys": [...]}``. Both are fetched over HTTPS with the system's certificate
authorities, without redirects, within `FETCH_SECONDS` together and at most
`MAX_DOCUMENT_BYTES` each. Only public RSA and EC keys meant for signatures are kept.

`KeyCache` keeps an issuer's keys `KEEP_SECONDS` and a failure `KEEP_FAILURE_SECONDS`,
and runs one fetch per issuer at a time: a slow or dead issuer is asked at most once
per interval however many tokens name it. A token whose key is missing from a set
checked more than `REFRESH_SECONDS` ago asks again, so a key rotation is picked up.

Loopback issuers (127.0.0.1, ::1, localhost) are fetched over plain HTTP instead: IAM
requires ``https://`` in the provider URL, but a test or development issuer on the same
machine needs no certificate, and loopback traffic never leaves the host. Only a
loopback issuer may name a loopback ``jwks_uri``; no other host is fetched without TLS.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit, urlunsplit

KEEP_SECONDS = 300.0
KEEP_FAILURE_SECONDS = 15.0
REFRESH_SECONDS = 10.0
FETCH_SECONDS = 5.0
MAX_DOCUMENT_BYTES = 512 * 1024
MAX_KEYS = 100
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
KEY_TYPES = frozenset({"RSA", "EC"})
# Members only a private or symmetric key has: such a JWK is never used to verify.
PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})

Jwk = Mapping[str, Any]


class Unreachable(Exception):
    """The issuer's keys could not be fetched or read."""


@dataclass(frozen=True)
class KeySet:
    keys: tuple[Jwk, ...]
    fetched_at: float  # when these keys were fetched (monotonic seconds)
    checked_at: float  # when the issuer was last asked, successfully or not
    is_failure: bool = False


Fetch = Callable[[str], tuple[Jwk, ...]]


class KeyCache:
    """Issuers' key sets by issuer URL, fetched one at a time per issuer."""

    def __init__(self, fetch: Fetch, *, now: Callable[[], float] = time.monotonic) -> None:
        self._fetch = fetch
        self._now = now
        self._lock = threading.Lock()
        self._sets: dict[str, KeySet] = {}
        self._fetching: dict[str, threading.Lock] = {}

    def cached(self, issuer_url: str) -> KeySet | None:
        """The key set as last fetched, without asking the issuer (for use in a transaction)."""
        with self._lock:
            return self._sets.get(issuer_url)

    def keys(self, issuer_url: str, *, has_key: Callable[[KeySet], bool]) -> KeySet:
        """The issuer's keys: from the cache while fresh and holding the key, else fetched."""
        found = self._usable(issuer_url, has_key)
        if found is not None:
            return found
        fetching = self._fetch_lock(issuer_url)
        if not fetching.acquire(timeout=2 * FETCH_SECONDS):
            return self.cached(issuer_url) or self._failure(None)
        try:  # another request may have fetched while this one waited
            return self._usable(issuer_url, has_key) or self._refetch(issuer_url)
        finally:
            fetching.release()

    def _usable(self, issuer_url: str, has_key: Callable[[KeySet], bool]) -> KeySet | None:
        found = self.cached(issuer_url)
        if found is None:
            return None
        now = self._now()
        if found.is_failure:
            return found if now - found.checked_at < KEEP_FAILURE_SECONDS else None
        if now - found.fetched_at >= KEEP_SECONDS:
            return None
        return found if has_key(found) or now - found.checked_at < REFRESH_SECONDS else None

    def _refetch(self, issuer_url: str) -> KeySet:
        previous = self.cached(issuer_url)
        try:
            now = self._now()
            found = KeySet(self._fetch(issuer_url), fetched_at=now, checked_at=now)
        except Unreachable:
            found = self._failure(previous)
        with self._lock:
            self._sets[issuer_url] = found
        return found

    def _failure(self, previous: KeySet | None) -> KeySet:
        """A failed fetch: keys still fresh stay in use; otherwise the failure is kept a while."""
        now = self._now()
        is_fresh = previous is not None and now - previous.fetched_at < KEEP_SECONDS
        if previous is not None and is_fresh and not previous.is_failure:
            return replace(previous, checked_at=now)
        return KeySet((), fetched_at=now, checked_at=now, is_failure=True)

    def _fetch_lock(self, issuer_url: str) -> threading.Lock:
        with self._lock:
            return self._fetching.setdefault(issuer_url, threading.Lock())


def fetch_keys(issuer_url: str) -> tuple[Jwk, ...]:
    """The signing keys of the issuer's JWKS, found through its discovery document."""
    deadline = time.monotonic() + FETCH_SECONDS
    discovery_url = issuer_url.rstrip("/") + "/.well-known/openid-configuration"
    jwks_uri = _fetch_json(fetch_url(discovery_url), deadline).get("jwks_uri")
    if not isinstance(jwks_uri, str):
        raise Unreachable("the discovery document names no jwks_uri")
    target = fetch_url(jwks_uri)
    if _is_loopback(target) and not _is_loopback(fetch_url(issuer_url)):
        raise Unreachable("only a loopback issuer may keep its keys on loopback")
    keys = _fetch_json(target, deadline).get("keys")
    if not isinstance(keys, list):
        raise Unreachable("the JWKS has no keys")
    return tuple(key for key in keys[:MAX_KEYS] if is_signing_key(key))


def is_signing_key(key: object) -> bool:
    """A public RSA or EC key that may verify signatures."""
    if not isinstance(key, dict) or key.get("kty") not in KEY_TYPES:
        return False
    operations = key.get("key_ops", ["verify"])
    may_verify = isinstance(operations, list) and "verify" in operations
    return may_verify and key.get("use", "sig") == "sig" and PRIVATE_MEMBERS.isdisjoint(key)


def fetch_url(url: str) -> str:
    """The URL to fetch: as given over HTTPS, over HTTP for a loopback host only."""
    parts = urlsplit(url)
    if parts.hostname in LOOPBACK_HOSTS and parts.scheme in ("http", "https"):
        return urlunsplit(("http", *parts[1:]))
    if parts.scheme != "https" or not parts.hostname:
        raise Unreachable(f"refusing to fetch {parts.scheme}:// URLs")
    return url


def _is_loopback(url: str) -> bool:
    return urlsplit(url).hostname in LOOPBACK_HOSTS


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect could lead off HTTPS; an issuer's documents are fetched where named."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)
_LOOPBACK_OPENER = urllib.request.build_opener(_NoRedirects, urllib.request.ProxyHandler({}))


def _fetch_json(url: str, deadline: float) -> Mapping[str, Any]:
    opener = _LOOPBACK_OPENER if _is_loopback(url) else _OPENER
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    try:
        with opener.open(request, timeout=_remaining(deadline)) as answer:
            body = _read_capped(answer, deadline)
        document = json.loads(body)
    except (OSError, ValueError, RecursionError, http.client.HTTPException) as error:
        raise Unreachable(f"{url}: {type(error).__name__}") from None
    if not isinstance(document, dict):
        raise Unreachable(f"{url}: not a JSON object")
    return document


def _read_capped(answer: Any, deadline: float) -> bytes:
    """The body, read until the end, the size cap or the deadline, whichever comes first."""
    chunks: list[bytes] = []
    size = 0
    while chunk := answer.read1(64 * 1024):
        size += len(chunk)
        if size > MAX_DOCUMENT_BYTES:
            raise ValueError("document too large")
        _remaining(deadline)
        chunks.append(chunk)
    return b"".join(chunks)


def _remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("the issuer took too long")
    return left


CACHE = KeyCache(fetch_keys)
