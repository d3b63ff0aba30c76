"""The per-issuer key cache: how long keys and failures are kept, and one fetch at a time."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from iamd.sts import oidc_keys
from iamd.sts.oidc_keys import (
    KEEP_FAILURE_SECONDS,
    KEEP_SECONDS,
    REFRESH_SECONDS,
    KeyCache,
    KeySet,
    Unreachable,
)

ISSUER = "https://idp.example.com"
KEY = {"kty": "RSA", "kid": "k1", "n": "AQAB", "e": "AQAB"}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Fetcher:
    """A fake issuer: returns `keys`, or raises when `is_down`; counts its fetches."""

    def __init__(self, keys: tuple[dict[str, Any], ...] = (KEY,), delay: float = 0.0) -> None:
        self.keys = keys
        self.is_down = False
        self.delay = delay
        self.fetches = 0

    def __call__(self, issuer_url: str) -> tuple[dict[str, Any], ...]:
        self.fetches += 1
        time.sleep(self.delay)
        if self.is_down:
            raise Unreachable("down")
        return self.keys


def any_key(found: KeySet) -> bool:
    return bool(found.keys)


def no_key(found: KeySet) -> bool:
    return False


def test_keys_are_kept_for_some_minutes() -> None:
    clock, fetch = Clock(), Fetcher()
    cache = KeyCache(fetch, now=clock)
    assert cache.keys(ISSUER, has_key=any_key).keys == (KEY,)
    clock.now += KEEP_SECONDS - 1
    cache.keys(ISSUER, has_key=any_key)
    assert fetch.fetches == 1
    clock.now += 1
    cache.keys(ISSUER, has_key=any_key)
    assert fetch.fetches == 2


def test_a_failure_is_kept_briefly() -> None:
    clock, fetch = Clock(), Fetcher()
    fetch.is_down = True
    cache = KeyCache(fetch, now=clock)
    for _ in range(50):
        assert cache.keys(ISSUER, has_key=any_key).is_failure
    assert fetch.fetches == 1
    assert 10 <= KEEP_FAILURE_SECONDS <= 30
    clock.now += KEEP_FAILURE_SECONDS
    fetch.is_down = False
    assert cache.keys(ISSUER, has_key=any_key).keys == (KEY,)
    assert fetch.fetches == 2


def test_a_missing_key_refetches_at_most_every_few_seconds() -> None:
    """A rotated-in key is found; a flood of tokens naming unknown keys is not passed on."""
    clock, fetch = Clock(), Fetcher()
    cache = KeyCache(fetch, now=clock)
    cache.keys(ISSUER, has_key=no_key)
    for _ in range(50):
        cache.keys(ISSUER, has_key=no_key)
    assert fetch.fetches == 1
    clock.now += REFRESH_SECONDS
    cache.keys(ISSUER, has_key=no_key)
    assert fetch.fetches == 2


def test_a_failed_refresh_keeps_the_fresh_keys() -> None:
    clock, fetch = Clock(), Fetcher()
    cache = KeyCache(fetch, now=clock)
    cache.keys(ISSUER, has_key=any_key)
    clock.now += REFRESH_SECONDS
    fetch.is_down = True
    assert cache.keys(ISSUER, has_key=no_key).keys == (KEY,)
    assert cache.keys(ISSUER, has_key=no_key).keys == (KEY,)
    assert fetch.fetches == 2  # the failed refresh counts as a check: no retry at once


def test_one_fetch_at_a_time_per_issuer() -> None:
    fetch = Fetcher(delay=0.3)
    cache = KeyCache(fetch)
    results: list[KeySet] = []
    threads = [
        threading.Thread(target=lambda: results.append(cache.keys(ISSUER, has_key=any_key)))
        for _ in range(10)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert fetch.fetches == 1
    assert [found.keys for found in results] == [(KEY,)] * 10


def test_cached_never_fetches() -> None:
    fetch = Fetcher()
    cache = KeyCache(fetch)
    assert cache.cached(ISSUER) is None
    assert fetch.fetches == 0


@pytest.mark.parametrize(
    "key",
    [
        {"kty": "oct", "k": "c2VjcmV0"},
        {"kty": "RSA", "n": "AQAB", "e": "AQAB", "d": "AQAB"},
        {"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA", "d": "AA"},
        {"kty": "RSA", "n": "AQAB", "e": "AQAB", "use": "enc"},
        {"kty": "RSA", "n": "AQAB", "e": "AQAB", "key_ops": ["encrypt"]},
        {"kty": "RSA", "n": "AQAB", "e": "AQAB", "key_ops": "verify"},
        {"kty": "OKP", "crv": "Ed25519", "x": "AA"},
        ["RSA"],
        "RSA",
    ],
)
def test_only_public_signing_keys_are_kept(key: Any) -> None:
    assert not oidc_keys.is_signing_key(key)


def test_public_signing_keys_are_kept() -> None:
    assert oidc_keys.is_signing_key(KEY)
    assert oidc_keys.is_signing_key({**KEY, "use": "sig", "key_ops": ["verify"]})


def _serving(documents: dict[str, Any]) -> Callable[[str, float], Any]:
    def fetch_json(url: str, deadline: float) -> Any:
        return documents[url]

    return fetch_json


def test_a_remote_issuer_may_not_send_iamd_to_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    discovery = {"jwks_uri": "http://127.0.0.1:8080/admin/keys"}
    documents = {f"{ISSUER}/.well-known/openid-configuration": discovery}
    monkeypatch.setattr(oidc_keys, "_fetch_json", _serving(documents))
    with pytest.raises(Unreachable):
        oidc_keys.fetch_keys(ISSUER)


@pytest.mark.parametrize(
    "jwks_uri", ["http://idp.example.com/keys", "file:///etc/passwd", "ftp://idp/keys", 42]
)
def test_keys_are_fetched_over_https_only(monkeypatch: pytest.MonkeyPatch, jwks_uri: Any) -> None:
    documents = {f"{ISSUER}/.well-known/openid-configuration": {"jwks_uri": jwks_uri}}
    monkeypatch.setattr(oidc_keys, "_fetch_json", _serving(documents))
    with pytest.raises(Unreachable):
        oidc_keys.fetch_keys(ISSUER)


def test_keys_may_live_on_another_https_host(monkeypatch: pytest.MonkeyPatch) -> None:
    """As Google's do: issuer accounts.google.com, keys on www.googleapis.com."""
    documents = {
        f"{ISSUER}/.well-known/openid-configuration": {"jwks_uri": "https://keys.example.net/k"},
        "https://keys.example.net/k": {"keys": [KEY, {"kty": "oct", "k": "AA"}]},
    }
    monkeypatch.setattr(oidc_keys, "_fetch_json", _serving(documents))
    assert oidc_keys.fetch_keys(ISSUER) == (KEY,)
